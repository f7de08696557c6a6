import { backoffDelay } from './backoff';
import type { Logger } from './logger';

export interface PollLoopOptions {
  /** Names the loop in its failure log line: "<name> pass failed". */
  name: string;
  /** The wait between passes when there is nothing more to do. */
  pollMs: number;
  /** The longest wait after failed passes: pollMs doubles per consecutive failure up to this. */
  maxBackoffMs: number;
  logger: Logger;
  /** One pass over the work; resolves true when more is probably waiting, to run the next pass at once. */
  pass(): Promise<boolean>;
}

/**
 * A worker that polls: runs a pass, waits pollMs (or nothing, when the pass says more is waiting), and backs off
 * after failures. wake() cuts the current wait short; stop() lets the pass in flight finish, then returns.
 */
export class PollLoop {
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  /** A wake() that came while a pass ran: the next wait is skipped. */
  private woken = false;

  constructor(private readonly options: PollLoopOptions) {}

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.loop) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    this.loop = undefined;
  }

  /** Runs the next pass now rather than after the wait, e.g. right after new work was queued. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    const { pollMs, maxBackoffMs, logger, name } = this.options;
    let failures = 0;
    while (this.running) {
      let wait = pollMs;
      try {
        const more = await this.options.pass();
        failures = 0;
        if (more) wait = 0;
      } catch (err) {
        failures += 1;
        // pollMs·2^failures, capped.
        wait = backoffDelay(failures, { initialMs: pollMs * 2, maxMs: maxBackoffMs });
        logger.error({ err, failures, retryInMs: wait }, `${name} pass failed`);
      }
      if (this.running && wait > 0) await this.sleep(wait);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}
