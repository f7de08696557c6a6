import fs from 'node:fs';
import path from 'node:path';

/**
 * Keeps the README and docs/ honest as the code moves: a renamed file, a dropped npm script or a path that no
 * longer exists fails here instead of misleading the next reader. Files only; no server, no network.
 */
const ROOT = path.resolve(__dirname, '../../..');
const README = 'README.md';
const ARCHITECTURE = 'docs/architecture.md';
const ORDER_PATH_HEADING = "## An order's path through the code";

// The README is the front door, read in one sitting: the rest belongs in a topic under docs/.
const README_MAX_LINES = 260;

// npm runs these without a "scripts" entry of ours (`npm start`, `npm test` spelt as `npm run`).
const NPM_BUILT_IN_SCRIPTS = ['start', 'test'];

function read(file: string): string {
  return fs.readFileSync(path.join(ROOT, file), 'utf8');
}

function markdownFiles(): string[] {
  const docs = fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return [README, ...docs];
}

/** The text outside code: a link-like run of characters inside code is code, not a link. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`]+`/g, '');
}

/** The first capture group of every match (each pattern here has one, and it always takes part). */
function captures(text: string, pattern: RegExp): string[] {
  return [...text.matchAll(pattern)].map(([, captured]) => captured ?? '');
}

/** Targets of inline links and images, `[text](target)` or `[text](target "title")`. */
function linkTargets(markdown: string): string[] {
  return captures(prose(markdown), /\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g);
}

function isExternal(target: string): boolean {
  return /^(https?:|mailto:)/i.test(target);
}

/** The file a relative link points at, from the repository's root; undefined for a link within the page. */
function linkedFile(fromFile: string, target: string): string | undefined {
  const file = decodeURI(target.replace(/[#?].*$/, ''));
  if (file === '') return undefined;
  return path.relative(ROOT, path.resolve(ROOT, path.dirname(fromFile), file));
}

/** Every script named as `npm run <script>` or `npm run -s <script>`, in prose and in code. */
function npmScripts(markdown: string): string[] {
  return (
    captures(markdown, /\bnpm\s+run(?:\s+(?:-s|--silent))?\s+([A-Za-z][\w:.-]*)/g)
      // A script named at the end of a sentence keeps the sentence's full stop or colon.
      .map((script) => script.replace(/[.:]+$/, ''))
  );
}

/** The repository paths of the architecture doc's command list: one `less <path>   # what` per line. */
function orderPathFiles(markdown: string): string[] {
  const start = markdown.indexOf(ORDER_PATH_HEADING);
  if (start < 0) return [];
  const [, commands = ''] = /^```[^\n]*\n([\s\S]*?)^```/m.exec(markdown.slice(start)) ?? [];
  return commands
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((command) => command !== '')
    .flatMap((command) => command.split(/\s+/).slice(1));
}

// Top-level folders of the repository: a backticked path starting with one of them names a file or folder of ours.
const REPO_FOLDERS =
  'api|relay|bridge|workers|workflows|activities|consumers|ops|console|domain|core|contracts|tools|test|schemas|docs|deploy|docker';

/** Paths of the repository named in code spans, like `relay/relay.ts` or `tools/stack/`; patterns are skipped. */
function repoPaths(markdown: string): string[] {
  return captures(markdown, new RegExp(`\`((?:${REPO_FOLDERS})/[^\`\\s]*)\``, 'g')).filter(
    (named) => !/[<>*{}]/.test(named),
  );
}

/** What git ignores by a plain prefix (generated output such as profiles): named in the docs, absent in a clone. */
function ignoredPrefixes(): string[] {
  return read('.gitignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && !/[*?[!]/.test(line));
}

describe('README.md and docs/', () => {
  const files = markdownFiles();

  it('keep the README short enough to read in one sitting', () => {
    const lines = read(README).trimEnd().split('\n').length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it('link only to files that exist', () => {
    const broken = files.flatMap((file) =>
      linkTargets(read(file))
        .filter((target) => !isExternal(target))
        .map((target) => ({ file, target, resolved: linkedFile(file, target) }))
        .filter(({ resolved }) => resolved !== undefined && !fs.existsSync(path.join(ROOT, resolved)))
        .map(({ file, target }) => `${file}: ${target}`),
    );
    expect([...new Set(broken)]).toEqual([]);
  });

  it('name only npm scripts that package.json has', () => {
    const { scripts } = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    const known = new Set([...Object.keys(scripts), ...NPM_BUILT_IN_SCRIPTS]);
    const unknown = files.flatMap((file) =>
      npmScripts(read(file))
        .filter((script) => !known.has(script))
        .map((script) => `${file}: npm run ${script}`),
    );
    expect([...new Set(unknown)]).toEqual([]);
  });

  it('name only repository paths that exist', () => {
    const ignored = ignoredPrefixes();
    const missing = files.flatMap((file) =>
      repoPaths(read(file))
        .filter((named) => !ignored.some((prefix) => named.startsWith(prefix)))
        .filter((named) => !fs.existsSync(path.join(ROOT, named)))
        .map((named) => `${file}: ${named}`),
    );
    expect([...new Set(missing)]).toEqual([]);
  });

  it("walk an order's path through files that exist", () => {
    const paths = orderPathFiles(read(ARCHITECTURE));
    // accepted, published, started, processed, notified, counted: a list shorter than that lost its section.
    expect(paths.length).toBeGreaterThanOrEqual(6);
    expect(paths.filter((file) => !fs.existsSync(path.join(ROOT, file)))).toEqual([]);
  });
});
