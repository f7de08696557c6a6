import pino from 'pino';
import { PollLoop } from '../../../core/poll-loop';

describe('PollLoop', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** A loop whose passes are recorded with the fake clock's time; `results` answers them in turn. */
  function loop(results: (boolean | Error)[], opts: { pollMs?: number; maxBackoffMs?: number } = {}) {
    const passes: number[] = [];
    const errors: { failures: number; retryInMs: number }[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => errors.push(JSON.parse(line)) });
    const start = Date.now();
    const poll = new PollLoop({
      name: 'test',
      pollMs: opts.pollMs ?? 100,
      maxBackoffMs: opts.maxBackoffMs ?? 1_000,
      logger,
      pass: async () => {
        passes.push(Date.now() - start);
        const result = results.shift() ?? false;
        if (result instanceof Error) throw result;
        return result;
      },
    });
    return { poll, passes, errors };
  }

  it('waits pollMs between passes, and none after a pass that says more is waiting', async () => {
    const { poll, passes } = loop([true, true, false, false]);
    poll.start();
    await jest.advanceTimersByTimeAsync(250);
    await poll.stop();
    expect(passes).toEqual([0, 0, 0, 100, 200]);
  });

  it('backs off pollMs·2^failures after failed passes, capped, and starts over after a success', async () => {
    const fail = new Error('broker down');
    const { poll, passes, errors } = loop([fail, fail, fail, fail, false, false], { maxBackoffMs: 700 });
    poll.start();
    await jest.advanceTimersByTimeAsync(2_000);
    await poll.stop();
    // Waits: 200, 400, 700 (cap), 700, then pollMs again.
    expect(passes).toEqual([0, 200, 600, 1300, 2000]);
    expect(errors.map((e) => [e.failures, e.retryInMs])).toEqual([
      [1, 200],
      [2, 400],
      [3, 700],
      [4, 700],
    ]);
  });

  it('runs the next pass at once when woken', async () => {
    const { poll, passes } = loop([]);
    poll.start();
    await jest.advanceTimersByTimeAsync(10);
    poll.wake();
    await jest.advanceTimersByTimeAsync(0);
    expect(passes).toEqual([0, 10]);
    await poll.stop();
  });

  it('lets the pass in flight finish on stop, and runs none after it', async () => {
    let release!: () => void;
    const finished: string[] = [];
    const poll = new PollLoop({
      name: 'test',
      pollMs: 100,
      maxBackoffMs: 1_000,
      logger: pino({ level: 'silent' }),
      pass: async () => {
        await new Promise<void>((resolve) => (release = resolve));
        finished.push('pass');
        return true;
      },
    });
    poll.start();
    await jest.advanceTimersByTimeAsync(0);
    const stopped = poll.stop().then(() => finished.push('stopped'));
    release();
    await stopped;
    expect(finished).toEqual(['pass', 'stopped']);
    expect(poll.isRunning).toBe(false);
  });
});
