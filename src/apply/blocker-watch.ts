/**
 * Watches our working session while a statement runs, from the (idle) lock connection, and
 * remembers who blocked it last: once `lock_timeout` fires the wait is over and
 * `pg_blocking_pids` can no longer say.
 */
import type pg from 'pg';
import { blockersOf, type Blocker } from './blocker.js';

export class BlockerWatch {
  private timer: NodeJS.Timeout | undefined;
  private probing: Promise<void> | undefined;
  /** The blockers seen by the latest probe that found any. */
  last: Blocker[] = [];

  constructor(
    private readonly observer: pg.ClientBase,
    private readonly intervalMs: number,
  ) {}

  /** Starts probing `pid` every interval until stop(). */
  start(pid: number): void {
    this.stop();
    const tick = (): void => {
      this.probing = blockersOf(this.observer, pid)
        .then((found) => {
          if (found.length > 0) this.last = found;
        })
        .catch(() => undefined)
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.intervalMs);
        });
    };
    this.timer = setTimeout(tick, this.intervalMs);
  }

  /** Stops probing; waits for a probe in flight so the observer connection is free again. */
  async stop(): Promise<void> {
    const timer = this.timer;
    this.timer = undefined;
    if (timer) clearTimeout(timer);
    await this.probing;
  }
}
