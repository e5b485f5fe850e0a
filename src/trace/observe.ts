/**
 * Reads, from the server, what one backend holds and what the user relations look like:
 * relation locks (`pg_locks`), relfilenodes (`pg_class`) and this transaction's scan counters
 * (`pg_stat_xact_user_tables`). Diffing two snapshots tells what a statement did.
 */
import type pg from 'pg';
import { LOCK_ORDER, type LockMode } from '../model.js';
import type { ObservedLock, ObservedScan, RelationKind } from './types.js';

export interface RelationRow {
  oid: number;
  /** Schema-qualified, unquoted: `public.users`. */
  name: string;
  relkind: RelationKind;
  filenode: number;
}

export interface LockRow {
  oid: number;
  mode: LockMode;
  granted: boolean;
}

export interface StatRow {
  seqScans: number;
  seqTuplesRead: number;
  indexScans: number;
}

/** One moment of the server's view of a backend. */
export interface Snapshot {
  locks: LockRow[];
  relations: Map<number, RelationRow>;
  /** Null when the counters were not read (another session's transaction cannot be seen). */
  stats: Map<number, StatRow> | null;
}

const RELKINDS: Record<string, RelationKind> = {
  r: 'table',
  p: 'partitioned-table',
  i: 'index',
  I: 'partitioned-index',
  S: 'sequence',
  v: 'view',
  m: 'materialized-view',
  f: 'foreign-table',
};

// Catalog, toast and temporary relations are left out: locks on them are PostgreSQL's own
// bookkeeping (every DDL touches pg_class), not something live traffic waits on.
const SNAPSHOT_SQL = `
SELECT
  (SELECT coalesce(json_agg(json_build_array(l.relation::int8, l.mode, l.granted)), '[]'::json)
     FROM pg_locks l
    WHERE l.pid = $1 AND l.locktype = 'relation'
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS locks,
  (SELECT coalesce(json_agg(json_build_array(c.oid::int8, n.nspname || '.' || c.relname, c.relkind::text, c.relfilenode::int8)), '[]'::json)
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema'
      AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%') AS relations,
  CASE WHEN $2 THEN
    (SELECT coalesce(json_agg(json_build_array(s.relid::int8, s.seq_scan, s.seq_tup_read, coalesce(s.idx_scan, 0))), '[]'::json)
       FROM pg_stat_xact_user_tables s)
  END AS stats`;

// Relation locks of the watched backend, plus whether it waits for any lock at all (a
// concurrent index build waits on other transactions' virtual xids, not on a relation).
const LOCKS_SQL = `
SELECT l.relation::int8 AS oid, l.mode, l.granted, l.locktype
  FROM pg_locks l
 WHERE l.pid = $1
   AND (NOT l.granted OR (l.locktype = 'relation'
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())))`;

function isLockMode(mode: string): mode is LockMode {
  return (LOCK_ORDER as readonly string[]).includes(mode);
}

/**
 * Takes a snapshot of backend `pid` as seen from `client`. `withStats` reads the scan counters
 * of `client`'s own transaction, so it only makes sense when `pid` is `client`'s own backend.
 */
export async function takeSnapshot(client: pg.Client, pid: number, withStats: boolean): Promise<Snapshot> {
  const { rows } = await client.query<{ locks: [number, string, boolean][]; relations: [number, string, string, number][]; stats: [number, number, number, number][] | null }>(
    { text: SNAPSHOT_SQL, values: [pid, withStats] },
  );
  const row = rows[0]!;
  const relations = new Map<number, RelationRow>();
  for (const [oid, name, kind, filenode] of row.relations) {
    relations.set(Number(oid), { oid: Number(oid), name, relkind: RELKINDS[kind] ?? 'other', filenode: Number(filenode) });
  }
  const locks: LockRow[] = [];
  for (const [oid, mode, granted] of row.locks) {
    if (isLockMode(mode)) locks.push({ oid: Number(oid), mode, granted });
  }
  let stats: Map<number, StatRow> | null = null;
  if (row.stats) {
    stats = new Map();
    for (const [oid, seqScans, seqTuplesRead, indexScans] of row.stats) {
      stats.set(Number(oid), { seqScans: Number(seqScans), seqTuplesRead: Number(seqTuplesRead), indexScans: Number(indexScans) });
    }
  }
  return { locks, relations, stats };
}

/** The relation locks of backend `pid`, and whether it is waiting: cheap enough to poll while a statement runs. */
export async function sampleLocks(client: pg.Client, pid: number): Promise<{ locks: LockRow[]; waiting: boolean }> {
  const { rows } = await client.query<{ oid: string | null; mode: string; granted: boolean; locktype: string }>({
    text: LOCKS_SQL,
    values: [pid],
  });
  const locks: LockRow[] = [];
  for (const r of rows) {
    if (r.locktype === 'relation' && r.oid !== null && isLockMode(r.mode)) {
      locks.push({ oid: Number(r.oid), mode: r.mode, granted: r.granted });
    }
  }
  return { locks, waiting: rows.some((r) => !r.granted) };
}

/** Index of a lock mode in strength order (higher is stronger). */
export function lockRank(mode: LockMode | null): number {
  return mode === null ? -1 : LOCK_ORDER.indexOf(mode);
}

/** The stronger of two modes. */
export function stronger(a: LockMode | null, b: LockMode | null): LockMode | null {
  return lockRank(a) >= lockRank(b) ? a : b;
}

function lookup(oid: number, after: Snapshot, before: Snapshot): RelationRow | undefined {
  // A relation the statement dropped is only in the earlier snapshot; one it created only in the later.
  return after.relations.get(oid) ?? before.relations.get(oid);
}

/**
 * The user-relation locks held in `after`, each marked `new` when `before` did not hold that
 * mode on that relation. Sorted by relation, then strength (strongest first).
 */
export function diffLocks(before: Snapshot, after: Snapshot, afterLocks: LockRow[] = after.locks): ObservedLock[] {
  const held = new Set(before.locks.filter((l) => l.granted).map((l) => `${l.oid}:${l.mode}`));
  const seen = new Map<string, ObservedLock>();
  for (const lock of afterLocks) {
    const relation = lookup(lock.oid, after, before);
    if (!relation) continue;
    const key = `${lock.oid}:${lock.mode}`;
    const prior = seen.get(key);
    if (prior) {
      prior.granted ||= lock.granted;
      continue;
    }
    seen.set(key, {
      relation: relation.name,
      relkind: relation.relkind,
      mode: lock.mode,
      granted: lock.granted,
      new: !held.has(key),
      created: !before.relations.has(lock.oid),
    });
  }
  return [...seen.values()].sort(
    (a, b) => a.relation.localeCompare(b.relation) || lockRank(b.mode) - lockRank(a.mode),
  );
}

/** Relations present in both snapshots whose relfilenode changed (partitioned parents have none). */
export function diffRewrites(before: Snapshot, after: Snapshot): string[] {
  const out: string[] = [];
  for (const [oid, rel] of after.relations) {
    const prior = before.relations.get(oid);
    if (!prior || prior.filenode === 0 || rel.filenode === 0) continue;
    if (prior.filenode !== rel.filenode && rel.relkind !== 'sequence') out.push(rel.name);
  }
  return out.sort();
}

/** Tables whose scan counters moved between the snapshots; null when counters were not read. */
export function diffScans(before: Snapshot, after: Snapshot): ObservedScan[] | null {
  if (!before.stats || !after.stats) return null;
  const out: ObservedScan[] = [];
  for (const [oid, now] of after.stats) {
    const prior = before.stats.get(oid) ?? { seqScans: 0, seqTuplesRead: 0, indexScans: 0 };
    const delta = {
      seqScans: now.seqScans - prior.seqScans,
      seqTuplesRead: now.seqTuplesRead - prior.seqTuplesRead,
      indexScans: now.indexScans - prior.indexScans,
    };
    if (delta.seqScans === 0 && delta.indexScans === 0) continue;
    const relation = lookup(oid, after, before);
    if (relation) out.push({ relation: relation.name, ...delta });
  }
  return out.sort((a, b) => a.relation.localeCompare(b.relation));
}

/** Finds a relation by schema-qualified name in a snapshot. */
export function findRelation(snapshot: Snapshot, name: string): RelationRow | undefined {
  for (const rel of snapshot.relations.values()) if (rel.name === name) return rel;
  return undefined;
}
