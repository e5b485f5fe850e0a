/**
 * Retrying what hit `lock_timeout`: short lock waits broken up by growing sleeps, so live
 * traffic never queues behind bgmigrate for longer than one lock timeout, and the migration
 * still gets through once the long transaction in its way ends. Fails closed: there is no
 * final attempt without a timeout.
 */
import { LockTimeoutExhausted } from './errors.js';

/** SQLSTATE 55P03 lock_not_available: `lock_timeout` expired (or NOWAIT). */
export const LOCK_NOT_AVAILABLE = '55P03';
/** SQLSTATE 40P01 deadlock_detected: PostgreSQL chose our transaction as the victim. */
export const DEADLOCK_DETECTED = '40P01';

/** The retry schedule from config `apply`. */
export interface RetrySchedule {
  maxRetries: number;
  /** First delay; each later one doubles up to `retryMaxDelayMs`. */
  retryDelayMs: number;
  retryMaxDelayMs: number;
}

/** What the callback of a retry hears: which attempt failed, why, and how long until the next. */
export interface RetryEvent {
  /** 1-based number of the retry about to happen. */
  retry: number;
  maxRetries: number;
  delayMs: number;
  code: string;
  error: Error;
}

/** The sleeps between attempts: `retryDelayMs` doubling, capped at `retryMaxDelayMs`. */
export function retryDelays(schedule: RetrySchedule): number[] {
  const delays: number[] = [];
  let delay = Math.max(0, schedule.retryDelayMs);
  for (let i = 0; i < schedule.maxRetries; i++) {
    delays.push(Math.min(delay, schedule.retryMaxDelayMs));
    delay *= 2;
  }
  return delays;
}

/** SQLSTATE of a PostgreSQL error, if it is one. */
export function sqlState(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

/** True for the errors worth retrying: lock timeout and deadlock. */
export function isRetryable(error: unknown): boolean {
  const code = sqlState(error);
  return code === LOCK_NOT_AVAILABLE || code === DEADLOCK_DETECTED;
}

/**
 * Runs `attempt` until it succeeds, retrying on lock timeout or deadlock with the schedule's
 * delays. Any other error is thrown as is; after the last retry throws {@link LockTimeoutExhausted}.
 * `attempt` must leave nothing behind when it fails (roll its transaction back).
 *
 * @example await withLockRetries(() => runInTransaction(client, sql), config.apply);
 */
export async function withLockRetries<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  schedule: RetrySchedule,
  hooks: { onRetry?: (event: RetryEvent) => void; sleep?: (ms: number) => Promise<void> } = {},
): Promise<T> {
  const delays = retryDelays(schedule);
  const sleep = hooks.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let n = 0; ; n++) {
    try {
      return await attempt(n + 1);
    } catch (error) {
      if (!isRetryable(error)) throw error;
      if (n >= delays.length) {
        const attempts = n + 1;
        const lastError = error as Error;
        throw new LockTimeoutExhausted(`gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${lastError.message}`, { attempts, lastError, applied: [] });
      }
      hooks.onRetry?.({
        retry: n + 1,
        maxRetries: delays.length,
        delayMs: delays[n],
        code: sqlState(error)!,
        error: error as Error,
      });
      await sleep(delays[n]);
    }
  }
}
