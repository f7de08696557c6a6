/** A service's documented path (an OpenAPI template such as `/orders/{id}`) as a matcher. */
export interface PathTemplate {
  /** The template as documented. */
  route: string;
  match: RegExp;
  /** The methods the document lists for it. */
  methods: string[];
  params: number;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** An OpenAPI paths object as matchers, the most literal first (`/orders/retry` before `/orders/{id}`). */
export function pathTemplates(paths: Record<string, unknown>): PathTemplate[] {
  return Object.entries(paths)
    .map(([route, item]) => ({
      route,
      match: new RegExp(`^${route.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
      methods: Object.keys(item as object).filter((m) => HTTP_METHODS.includes(m)),
      params: (route.match(/\{/g) ?? []).length,
    }))
    .sort((a, b) => a.params - b.params);
}

/** The documented path a request path falls under: its own, the most literal one that matches. */
export function templateOf(templates: readonly PathTemplate[], path: string): PathTemplate | undefined {
  return templates.find((t) => t.match.test(path));
}
