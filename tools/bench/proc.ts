/**
 * CPU and memory of processes, from Linux's /proc. A server's CPU is that of its whole process tree: PostgreSQL
 * does its work in a backend process per connection, children of the one the stack started; a Node process may
 * run helpers of its own (esbuild for tsx, say).
 */
import fs from 'node:fs';

/** Linux reports process CPU time in clock ticks; 100 per second on every mainstream kernel configuration. */
export const CLOCK_TICKS = 100;

export interface ProcStat {
  ppid: number;
  /** utime + stime: CPU the process itself used. */
  ownTicks: number;
  /** cutime + cstime: CPU of its children that have exited and been waited for. */
  reapedChildTicks: number;
}

/** One /proc/<pid>/stat line. The command name (field 2) may hold spaces and parentheses; the rest follows its last `)`. */
export function parseStat(line: string): ProcStat | undefined {
  const close = line.lastIndexOf(')');
  if (close < 0) return undefined;
  const f = line.slice(close + 2).split(' ');
  // After the name: state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17), so index = field - 3.
  const [ppid, utime, stime, cutime, cstime] = [f[1], f[11], f[12], f[13], f[14]].map(Number);
  if ([ppid, utime, stime, cutime, cstime].some((n) => n === undefined || !Number.isFinite(n)))
    return undefined;
  return { ppid: ppid!, ownTicks: utime! + stime!, reapedChildTicks: cutime! + cstime! };
}

/** Every process on the machine now, by pid. */
export function readProcessTable(): Map<number, ProcStat> {
  const table = new Map<number, ProcStat>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = parseStat(fs.readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (stat) table.set(Number(entry), stat);
    } catch {
      // Gone between the listing and the read.
    }
  }
  return table;
}

/**
 * The CPU ticks of `root` and every descendant alive now, by pid. Each counts its own time and that of the children
 * it has reaped, so a backend that ended between two readings is still counted, through its parent; one that was
 * alive at the first reading is subtracted there (see ticksBetween).
 */
export function treeTicks(table: ReadonlyMap<number, ProcStat>, root: number): Map<number, number> {
  const children = new Map<number, number[]>();
  for (const [pid, s] of table) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  const out = new Map<number, number>();
  const visit = [root];
  while (visit.length) {
    const pid = visit.pop()!;
    const s = table.get(pid);
    if (!s || out.has(pid)) continue;
    out.set(pid, s.ownTicks + s.reapedChildTicks);
    visit.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** CPU ms a process tree used between two readings: what the tree holds now, less what it held before. */
export function cpuMsBetween(
  before: ReadonlyMap<number, number>,
  after: ReadonlyMap<number, number>,
): number {
  const sum = (m: ReadonlyMap<number, number>) => [...m.values()].reduce((s, v) => s + v, 0);
  return Math.max(0, ((sum(after) - sum(before)) * 1000) / CLOCK_TICKS);
}

export function readRssMb(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Busy and total jiffies of the whole machine. */
export function readMachineTicks(): { busy: number; total: number } {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.reduce((s, v) => s + v, 0);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  return { busy: total - idle, total };
}
