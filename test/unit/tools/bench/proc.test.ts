import { cpuMsBetween, parseStat, treeTicks, type ProcStat } from '../../../../tools/bench/proc';

describe('parseStat', () => {
  it('reads the parent, own and reaped children CPU, whatever the command name holds', () => {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime …
    const line = '4242 (postgres: a (b) c) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 50 30 20 20 0 1 0';
    expect(parseStat(line)).toEqual({ ppid: 17, ownTicks: 300, reapedChildTicks: 50 });
  });

  it('refuses what is not a stat line', () => {
    expect(parseStat('nonsense')).toBeUndefined();
    expect(parseStat('1 (init) S')).toBeUndefined();
  });
});

describe('CPU of a process tree', () => {
  const stat = (ppid: number, own: number, reaped = 0): ProcStat => ({
    ppid,
    ownTicks: own,
    reapedChildTicks: reaped,
  });

  it('counts the root and every descendant, nothing else', () => {
    const table = new Map([
      [10, stat(1, 100)],
      [11, stat(10, 20)],
      [12, stat(11, 5)],
      [20, stat(1, 999)],
    ]);
    expect(treeTicks(table, 10)).toEqual(
      new Map([
        [10, 100],
        [11, 20],
        [12, 5],
      ]),
    );
    expect(treeTicks(table, 99)).toEqual(new Map());
  });

  it('keeps a child that ended in between, through its parent, counted from the first reading', () => {
    // Before: the server (10) and a backend (11) that had used 40 ticks. After: the backend used 60 more, ended,
    // and was reaped; a new backend (12) used 7.
    const before = treeTicks(
      new Map([
        [10, stat(1, 100)],
        [11, stat(10, 40)],
      ]),
      10,
    );
    const after = treeTicks(
      new Map([
        [10, stat(1, 110, 100)],
        [12, stat(10, 7)],
      ]),
      10,
    );
    // 10 of the server's own + 60 of the ended backend + 7 of the new one = 77 ticks = 770 ms.
    expect(cpuMsBetween(before, after)).toBe(770);
  });
});
