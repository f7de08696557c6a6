/**
 * Where each process spent its CPU, from the V8 profiles `node --cpu-prof` writes when a process exits: self time
 * grouped by who owns the code (a package, Node itself, a folder of this project, V8's garbage collector), and the
 * functions with the most self time.
 */
import fs from 'node:fs';
import path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface V8Profile {
  nodes: { id: number; callFrame: CallFrame }[];
  /** µs on the monotonic clock, the one process.hrtime reads. */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Process name (and thread, for a worker thread). */
  process: string;
  /** Sampled time in the window that was not idle, ms. */
  busyMs: number;
  /** Share of busy time by owner of the code, most first. */
  owners: { owner: string; pct: number }[];
  /** Functions with the most self time. */
  functions: { fn: string; pct: number }[];
}

const ROOT = path.resolve(__dirname, '..', '..');

/** Who owns the code a frame runs: a package, Node, a folder of this project, or V8 itself. */
export function ownerOf(frame: CallFrame): string {
  const { functionName, url } = frame;
  if (functionName === '(garbage collector)') return 'V8 garbage collector';
  if (functionName === '(program)' || (!url && functionName.startsWith('('))) return 'V8 and native code';
  if (!url) return 'native builtins';
  if (url.startsWith('node:')) return 'Node internals';
  // The Temporal worker runs workflow code from its bundle inside a vm context of its own.
  if (url.startsWith('evalmachine.')) return 'workflow sandbox';
  if (/workflow-bundle-[0-9a-f]+\.js$/.test(url)) return 'workflow bundle';
  const file = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const modules = file.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const parts = file.slice(modules + '/node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  if (file.startsWith(ROOT + '/')) return `project ${file.slice(ROOT.length + 1).split('/')[0]}/`;
  return 'other';
}

/** A span of the monotonic clock, in µs (process.hrtime.bigint() / 1000). */
export interface ClockWindow {
  fromUs: number;
  toUs: number;
}

/** Now on the clock V8's profiler stamps samples with. */
export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

export function summariseProfile(
  name: string,
  profile: V8Profile,
  window: ClockWindow = { fromUs: -Infinity, toUs: Infinity },
  top = 8,
): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const owners = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id);
    const us = profile.timeDeltas[i] ?? 0;
    at += us;
    if (at < window.fromUs || at > window.toUs) return;
    if (!frame || frame.functionName === '(idle)' || frame.functionName === '(root)') return;
    busy += us;
    const owner = ownerOf(frame);
    owners.set(owner, (owners.get(owner) ?? 0) + us);
    const where = frame.url ? ` ${path.basename(frame.url)}:${frame.lineNumber + 1}` : '';
    const fn = `${frame.functionName || '(anonymous)'}${where} [${owner}]`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  });
  const pct = (us: number) => Math.round((us / Math.max(1, busy)) * 1000) / 10;
  const ranked = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return {
    process: name,
    busyMs: Math.round(busy / 1000),
    owners: ranked(owners).map(([owner, us]) => ({ owner, pct: pct(us) })),
    functions: ranked(functions)
      .slice(0, top)
      .map(([fn, us]) => ({ fn, pct: pct(us) })),
  };
}

/**
 * Reads every profile in `dir` (named CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile by Node) and names each
 * by the process whose pid it carries; only samples inside `window` count (the load, not start-up); busiest first.
 */
export function summariseProfiles(
  dir: string,
  names: Map<number, string>,
  window: ClockWindow,
): ProfileSummary[] {
  if (!fs.existsSync(dir)) return [];
  const out: ProfileSummary[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const [, , , pid, thread] = file.split('.');
    const name = names.get(Number(pid));
    if (!name) continue;
    const profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as V8Profile;
    out.push(summariseProfile(thread === '0' ? name : `${name} (thread ${thread})`, profile, window));
  }
  return out.sort((a, b) => b.busyMs - a.busyMs);
}
