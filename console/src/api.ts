/** Where the console's data comes from, as the API that serves the page says (injected into index.html). */
export interface ConsoleConfig {
  api: string;
  notifications: string;
  analytics: string;
  temporalUi: string;
  namespace: string;
}

export function readConfig(): ConsoleConfig {
  const element = document.getElementById('console-config');
  const fallback = window.location.origin;
  const given = element?.textContent ? (JSON.parse(element.textContent) as Partial<ConsoleConfig>) : {};
  return {
    api: given.api ?? fallback,
    notifications: given.notifications ?? fallback,
    analytics: given.analytics ?? fallback,
    temporalUi: given.temporalUi ?? '',
    namespace: given.namespace ?? 'default',
  };
}

/** An error answer of one of the services: its stable code and its safe message (what the user is shown). */
export class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A JSON request with the signed-in token; throws a ServiceError with the service's own message on failure. */
export async function call<T>(token: string, url: string, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      ...init,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(init.headers as Record<string, string> | undefined),
      },
    });
  } catch {
    throw new ServiceError(0, 'unreachable', `${new URL(url).host} did not answer`);
  }
  const text = await res.text();
  const body = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const error = body as { error?: string; message?: string } | undefined;
    throw new ServiceError(res.status, error?.error ?? String(res.status), error?.message ?? res.statusText);
  }
  return body as T;
}

export const post = (body: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(body) });
export const put = (body: unknown): RequestInit => ({ method: 'PUT', body: JSON.stringify(body) });
