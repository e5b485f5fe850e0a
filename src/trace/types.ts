/**
 * The shapes `bgmigrate trace` produces: what PostgreSQL itself reported for each statement,
 * next to what the static analysis predicted.
 */
import type { Effect, Finding, LockMode, Span } from '../model.js';

/** What kind of relation a lock or rewrite is about (from `pg_class.relkind`). */
export type RelationKind =
  | 'table'
  | 'partitioned-table'
  | 'index'
  | 'partitioned-index'
  | 'sequence'
  | 'view'
  | 'materialized-view'
  | 'foreign-table'
  | 'other';

/** One relation-level lock seen in `pg_locks` for the traced backend. */
export interface ObservedLock {
  /** Schema-qualified name, as it is after the statement (`public.users`). */
  relation: string;
  relkind: RelationKind;
  mode: LockMode;
  /** False while the backend was still waiting for it (only seen when sampling). */
  granted: boolean;
  /** Not held before this statement: the statement itself acquired it. */
  new: boolean;
  /** The relation did not exist before this statement (nobody else can be waiting on it). */
  created: boolean;
}

/** Scan counters of one table, as deltas over the statement (`pg_stat_xact_user_tables`). */
export interface ObservedScan {
  relation: string;
  seqScans: number;
  seqTuplesRead: number;
  indexScans: number;
}

/**
 * How a statement was run:
 * - `transaction`: on the target, inside trace's own transaction, which is always rolled back;
 * - `throwaway`: it cannot run in a transaction, so it ran outside one on a throwaway database
 *   (the copy, or a replayed one) while a second session sampled its locks;
 * - `skipped`: not executed (transaction control, COPY); `note` says why.
 */
export type TraceMode = 'transaction' | 'throwaway' | 'skipped';

/** What the static analysis predicted for one table, merged over the statement's effects. */
export interface PredictedTable {
  table: string;
  lock: LockMode | null;
  rewrites: boolean;
  scans: boolean;
}

/** Observed facts for one table the statement touched, in the same terms as the prediction. */
export interface ObservedTable {
  table: string;
  /** Strongest lock the statement acquired on the table itself (not its indexes). */
  lock: LockMode | null;
  /** The lock was already held by an earlier statement of the trace, so it could not be seen again. */
  masked: boolean;
  rewritten: boolean;
}

/** Everything trace recorded for one statement. */
export interface TracedStatement extends Span {
  /** 0-based index among the file's statements. */
  index: number;
  text: string;
  /** libpg-query node type, e.g. `AlterTableStmt`. */
  kind: string;
  mode: TraceMode;
  status: 'ok' | 'error' | 'skipped';
  /** The server's error (or why it was skipped). */
  error?: string;
  note?: string;
  /** Wall time of the statement's own execution, in milliseconds. */
  durationMs: number;
  /**
   * How long the statement held its strongest new lock: its own execution time (the lock is
   * acquired during it). Under a real apply the lock lasts until COMMIT; trace rolls back, so
   * time to the end of the transaction means nothing here. Null when it acquired no lock.
   */
  lockHeldMs: number | null;
  /** Relation locks held after the statement (or sampled while it ran), user relations only. */
  locks: ObservedLock[];
  /**
   * The strongest new lock on a table (or materialized view), if any; tables that existed before
   * the statement first, then ones it created (`created: true`).
   */
  strongest: { relation: string; mode: LockMode; created?: true } | null;
  /** Relations whose relfilenode changed: tables, indexes, materialized views. */
  rewritten: string[];
  /** Tables read by the statement; null when the counters cannot be read (throwaway mode). */
  scanned: ObservedScan[] | null;
  /** Static analysis per table (empty when the statement predicted no table lock). */
  predicted: PredictedTable[];
  observed: ObservedTable[];
  /** The `trace-mismatch` messages for this statement (also listed in the report's findings). */
  mismatches: string[];
  /** The static effects, as `check` computed them. */
  effects: Effect[];
}

/** One traced migration file. */
export interface TracedFile {
  path: string;
  id: string;
  statements: TracedStatement[];
}

/** A `trace-mismatch` finding, with the file it is in. */
export interface TraceFinding extends Finding {
  path: string;
}

/** The whole `trace` answer; `--format json` prints exactly this. */
export interface TraceReport {
  version: 1;
  /** The database traced, password removed. */
  database: string;
  /** `server_version_num / 10000`, e.g. 18. */
  serverMajor: number;
  /** The PostgreSQL major the static analysis assumed. */
  pgVersion: number;
  /**
   * `copy`: everything ran on a throwaway copy of the target (CREATE DATABASE … TEMPLATE), each
   * statement in its own transaction, and the copy was dropped; `target`: everything ran on the
   * target inside one transaction that was rolled back.
   */
  ranOn: 'copy' | 'target';
  /** Why the target was not copied, when it was not. */
  ranOnReason?: string;
  /**
   * With `ranOn: 'target'`, where statements that cannot run in a transaction ran, with the
   * traced statements before them replayed: `template`, a copy of the target; `replay`, an empty
   * database (objects the target had before the first traced file are missing there). Null when
   * there were none.
   */
  throwaway: null | { source: 'template' | 'replay' };
  /**
   * What the rollback could not undo on the target (`ranOn: 'target'` only): sequences advanced
   * by nextval(). Planner statistics that CREATE INDEX updates in place (reltuples, relpages)
   * are not listed.
   */
  sideEffects: string[];
  /**
   * With `ranOn: 'copy'`: statements on roles, database settings and other server-wide objects,
   * which a copy does not contain: each ran in a transaction rolled back at once (nothing of them
   * outlives the run; later statements did not see them).
   */
  sharedRolledBack?: number;
  files: TracedFile[];
  findings: TraceFinding[];
  summary: { files: number; statements: number; errors: number; mismatches: number };
}
