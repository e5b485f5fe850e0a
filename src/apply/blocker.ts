/**
 * Naming the session in the way: when a migration gives up on a lock, the user needs the pid
 * to look at (or terminate), what it is running and for how long.
 */
import type pg from 'pg';

/** A session that blocks one of ours. */
export interface Blocker {
  pid: number;
  /** Its current (or last) query, one line, shortened. */
  query: string;
  state: string;
  applicationName: string;
  /** How long its transaction (else its query) has been open, in ms. */
  ageMs: number;
}

interface BlockerRow {
  pid: number;
  query: string | null;
  state: string | null;
  application_name: string | null;
  age_ms: string | number | null;
}

const SELECT_ACTIVITY = `SELECT a.pid, a.query, a.state, a.application_name,
        (extract(epoch FROM clock_timestamp() - coalesce(a.xact_start, a.query_start, a.backend_start)) * 1000)::bigint AS age_ms
   FROM pg_stat_activity a`;

/** The sessions `pg_blocking_pids(pid)` reports for one of our backends (empty when none). */
export async function blockersOf(observer: pg.ClientBase, pid: number): Promise<Blocker[]> {
  const { rows } = await observer.query<BlockerRow>(
    `${SELECT_ACTIVITY} WHERE a.pid = ANY (pg_blocking_pids($1)) ORDER BY a.xact_start NULLS LAST`,
    [pid],
  );
  return rows.map(toBlocker);
}

/**
 * After a lock timeout the wait is over, so `pg_blocking_pids` no longer knows: look for other
 * sessions holding locks on the tables the statement needed instead.
 */
export async function lockHoldersOn(observer: pg.ClientBase, tables: string[], exceptPids: number[]): Promise<Blocker[]> {
  if (tables.length === 0) return [];
  const { rows } = await observer.query<BlockerRow>(
    `${SELECT_ACTIVITY}
      WHERE a.pid IN (SELECT l.pid FROM pg_locks l
                       WHERE l.granted AND l.locktype = 'relation'
                         AND l.relation IN (SELECT to_regclass(t) FROM unnest($1::text[]) AS t))
        AND a.pid <> ALL ($2::int[]) AND a.pid <> pg_backend_pid()
      ORDER BY a.xact_start NULLS LAST`,
    [tables, exceptPids],
  );
  return rows.map(toBlocker);
}

function toBlocker(row: BlockerRow): Blocker {
  return {
    pid: row.pid,
    query: oneLine(row.query ?? ''),
    state: row.state ?? '',
    applicationName: row.application_name ?? '',
    ageMs: Number(row.age_ms ?? 0),
  };
}

function oneLine(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** `pid 4242 (idle in transaction for 12.3s: "LOCK TABLE users")`. */
export function describeBlocker(blocker: Blocker): string {
  const state = blocker.state ? `${blocker.state} ` : '';
  const query = blocker.query ? `, last query "${blocker.query}"` : '';
  return `pid ${blocker.pid} (${state}for ${(blocker.ageMs / 1000).toFixed(1)}s${query})`;
}
