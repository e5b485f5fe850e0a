/**
 * Puts the static prediction (effects) next to what the server did, table by table, and words
 * the differences as `trace-mismatch` messages.
 *
 * What is compared, by design:
 * - the strongest lock a statement acquired on each table (or materialized view) that existed
 *   before it; locks on indexes, sequences, catalogs and on relations the statement itself
 *   created are left out (nobody else can be waiting on them);
 * - whether the table's own file was rewritten (relfilenode changed). Index rebuilds are shown
 *   but not compared (TRUNCATE's swap to an empty file counts, as PostgreSQL reports it);
 * - locks weaker than SHARE UPDATE EXCLUSIVE (ACCESS SHARE, ROW SHARE, ROW EXCLUSIVE: what
 *   ordinary queries take) count as no lock on both sides: they block no traffic, and DML takes
 *   them only when it touches rows, which depends on the data (a backfill of an empty table);
 * - tables nobody predicted count only when the server took SHARE or stronger on them (the
 *   modes that block writes) or rewrote them: weak locks on referenced tables are bookkeeping.
 * A lock already held by an earlier statement of the trace cannot be seen again; when the
 * predicted mode was held before the statement, the prediction is taken as confirmed (`masked`).
 */
import type { Effect, LockMode } from '../model.js';
import { lockRank, stronger, type LockRow, type Snapshot } from './observe.js';
import type { ObservedTable, PredictedTable } from './types.js';

const TABLE_KINDS = new Set(['table', 'partitioned-table', 'materialized-view']);

/** Merges a statement's effects into one prediction per table (strongest lock, any rewrite/scan). */
export function predictTables(effects: readonly Effect[]): PredictedTable[] {
  const byTable = new Map<string, PredictedTable>();
  for (const effect of effects) {
    if (!effect.table) continue;
    const prior = byTable.get(effect.table) ?? { table: effect.table, lock: null, rewrites: false, scans: false };
    byTable.set(effect.table, {
      table: effect.table,
      lock: stronger(prior.lock, effect.lock),
      rewrites: prior.rewrites || effect.rewrites,
      scans: prior.scans || effect.scans,
    });
  }
  return [...byTable.values()];
}

export interface ObservationInput {
  before: Snapshot;
  after: Snapshot;
  /** Locks held after the statement (or sampled while it ran). */
  locks: readonly LockRow[];
}

function strongestNew(oid: number, input: ObservationInput, held: Set<string>): LockMode | null {
  let best: LockMode | null = null;
  for (const lock of input.locks) {
    if (lock.oid === oid && !held.has(`${oid}:${lock.mode}`)) best = stronger(best, lock.mode);
  }
  return best;
}

/**
 * What the server did to each predicted table, plus every other pre-existing table it locked
 * SHARE or stronger, or rewrote.
 */
export function observeTables(predicted: readonly PredictedTable[], input: ObservationInput): ObservedTable[] {
  const { before, after } = input;
  const held = new Set(before.locks.filter((l) => l.granted).map((l) => `${l.oid}:${l.mode}`));
  const rewritten = (oid: number): boolean => {
    const prior = before.relations.get(oid);
    const now = after.relations.get(oid);
    return !!prior && !!now && prior.filenode !== 0 && prior.filenode !== now.filenode;
  };
  const out: ObservedTable[] = [];
  const covered = new Set<number>();
  for (const p of predicted) {
    let oid: number | undefined;
    for (const rel of before.relations.values()) if (rel.name === p.table) oid = rel.oid;
    if (oid === undefined) continue; // created by this statement, or unknown to the server
    covered.add(oid);
    let lock = strongestNew(oid, input, held);
    let masked = false;
    if (p.lock && lockRank(lock) < lockRank(p.lock) && held.has(`${oid}:${p.lock}`)) {
      lock = p.lock;
      masked = true;
    }
    out.push({ table: p.table, lock, masked, rewritten: rewritten(oid) });
  }
  const extra = new Set<number>();
  for (const lock of input.locks) if (lockRank(lock.mode) >= lockRank('ShareLock')) extra.add(lock.oid);
  for (const oid of before.relations.keys()) if (rewritten(oid)) extra.add(oid);
  const extras = [...extra].sort((x, y) => (before.relations.get(x)?.name ?? '').localeCompare(before.relations.get(y)?.name ?? ''));
  for (const oid of extras) {
    const rel = before.relations.get(oid);
    if (covered.has(oid) || !rel || !TABLE_KINDS.has(rel.relkind)) continue;
    const lock = strongestNew(oid, input, held);
    const isRewritten = rewritten(oid);
    if (lockRank(lock) < lockRank('ShareLock') && !isRewritten) continue;
    out.push({ table: rel.name, lock, masked: false, rewritten: isRewritten });
  }
  return out;
}

function describe(lock: LockMode | null, rewrite: boolean): string {
  return `${lock ?? 'no lock'}${rewrite ? ' + rewrite' : ''}`;
}

/**
 * One line per table where prediction and observation differ, e.g.
 * `public.t: predicted ShareLock, observed AccessExclusiveLock + rewrite`.
 */
export function compareTables(predicted: readonly PredictedTable[], observed: readonly ObservedTable[]): string[] {
  const out: string[] = [];
  const significant = (mode: LockMode | null): LockMode | null =>
    lockRank(mode) >= lockRank('ShareUpdateExclusiveLock') ? mode : null;
  for (const o of observed) {
    const p = predicted.find((x) => x.table === o.table);
    const pLock = p?.lock ?? null;
    const pRewrite = p?.rewrites ?? false;
    if (significant(pLock) === significant(o.lock) && pRewrite === o.rewritten) continue;
    out.push(`${o.table}: predicted ${describe(pLock, pRewrite)}, observed ${describe(o.lock, o.rewritten)}`);
  }
  return out;
}
