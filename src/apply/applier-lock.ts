/**
 * One applier at a time: a session-level advisory lock held on a connection of its own.
 *
 * Why a session lock polled with `pg_try_advisory_lock`, on a dedicated connection: a
 * transaction-level lock keeps a transaction open, and a process blocked in `pg_advisory_lock`
 * sits in a lock wait; `CREATE INDEX CONCURRENTLY` waits for both, so either design can hang
 * the migration it protects (Flyway, goose and postgres-migrations all hit this). An idle
 * session holding the lock has no transaction for CIC to wait on.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import { UsageError } from '../errors.js';

/** First half of the two-key advisory lock: "bgmi" in ASCII, the namespace of bgmigrate's locks. */
export const LOCK_NAMESPACE = 0x62676d69;

/** The second half: a stable 31-bit hash of the ledger schema, so two ledgers never contend. */
export function applierLockKey(schema: string): [number, number] {
  const digest = crypto.createHash('sha256').update(`bgmigrate-ledger:${schema}`).digest();
  return [LOCK_NAMESPACE, digest.readUInt32BE(0) & 0x7fffffff];
}

/** Who holds the applier lock, as far as `pg_locks` and `pg_stat_activity` can tell. */
export interface LockHolder {
  pid: number;
  applicationName: string;
  /** When the holding session connected: the lock is taken right after connecting. */
  since: Date | null;
  clientAddr: string | null;
}

/** A held applier lock; `release()` unlocks and closes the lock connection. */
export interface ApplierLock {
  /** The lock connection: idle between uses, so it can also run short monitoring queries. */
  readonly client: pg.Client;
  /** Throws a UsageError when the lock is no longer held (its session died or was terminated). */
  verify(): Promise<void>;
  release(): Promise<void>;
}

export interface AcquireOptions {
  schema: string;
  /** Give up after this long (config `apply.lockWait`). */
  waitMs: number;
  /** Time between attempts; default 200 ms. */
  pollMs?: number;
  /** Called once when the lock is busy, before waiting. */
  onWait?: (holder: LockHolder | null) => void;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes the applier lock on `client`, which the lock owns from then on (release() ends it).
 * Polls `pg_try_advisory_lock` until `waitMs` has passed, then throws a UsageError (exit 2)
 * naming the holder. On failure the client is ended too.
 *
 * @example const lock = await acquireApplierLock(await connect(url), { schema: 'bgmigrate', waitMs: 30_000 });
 */
export async function acquireApplierLock(client: pg.Client, options: AcquireOptions): Promise<ApplierLock> {
  const [k1, k2] = applierLockKey(options.schema);
  const sleep = options.sleep ?? defaultSleep;
  const pollMs = Math.max(10, options.pollMs ?? 200);
  const deadline = Date.now() + Math.max(0, options.waitMs);
  let told = false;
  try {
    for (;;) {
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [k1, k2]);
      if (rows[0].ok) break;
      const left = deadline - Date.now();
      if (left <= 0) {
        const holder = await findLockHolder(client, options.schema);
        throw new UsageError(lockBusyMessage(holder, options.waitMs));
      }
      if (!told) {
        told = true;
        options.onWait?.(await findLockHolder(client, options.schema));
      }
      await sleep(Math.min(pollMs, left));
    }
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  let released = false;
  return {
    client,
    async verify() {
      let held = false;
      try {
        const { rows } = await client.query<{ held: boolean }>(
          `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()
                            AND classid = $1::bigint::oid AND objid = $2::bigint::oid AND objsubid = 2) AS held`,
          [k1, k2],
        );
        held = rows[0].held;
      } catch {
        held = false;
      }
      if (!held) {
        throw new UsageError('lost the ledger lock (its database session ended); stopped before the next migration, run apply again');
      }
    },
    async release() {
      if (released) return;
      released = true;
      try {
        await client.query('SELECT pg_advisory_unlock($1, $2)', [k1, k2]);
      } finally {
        // Ending the session releases the lock even if the unlock failed.
        await client.end().catch(() => undefined);
      }
    },
  };
}

/** The session holding the applier lock of `schema`, or null when nobody does. */
export async function findLockHolder(client: pg.ClientBase, schema: string): Promise<LockHolder | null> {
  const [k1, k2] = applierLockKey(schema);
  const { rows } = await client.query<{
    pid: number;
    application_name: string | null;
    backend_start: Date | null;
    client_addr: string | null;
  }>(
    `SELECT l.pid, a.application_name, a.backend_start, host(a.client_addr) AS client_addr
       FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted
        AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid AND l.objsubid = 2
      LIMIT 1`,
    [k1, k2],
  );
  if (rows.length === 0) return null;
  const row = rows[0];
  return {
    pid: row.pid,
    applicationName: row.application_name ?? '',
    since: row.backend_start,
    clientAddr: row.client_addr,
  };
}

function lockBusyMessage(holder: LockHolder | null, waitMs: number): string {
  const waited = `waited ${formatMs(waitMs)}`;
  if (!holder) return `another bgmigrate apply holds the ledger lock (${waited}); try again when it has finished`;
  const since = holder.since ? `, since ${holder.since.toISOString()}` : '';
  const from = holder.clientAddr ? `, from ${holder.clientAddr}` : '';
  return `another bgmigrate apply holds the ledger lock (pid ${holder.pid}${since}${from}); ${waited}, try again when it has finished`;
}

/** `1500` → `1.5s`, `300` → `300ms`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`;
  return `${Number((ms / 60_000).toFixed(1))}min`;
}
