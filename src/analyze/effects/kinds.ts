/**
 * What the analyser produces: the effect kinds, and the details rules read beside the shared
 * `Effect` shape (src/model.ts). Exported through ./index.ts.
 */
import type { Effect } from '../../model.js';
import type { ConstraintType } from '../schema.js';

/** Every effect kind the analyser produces. */
export const EFFECT_KINDS = [
  // tables
  'create-table', 'drop-table', 'rename-table', 'set-schema', 'truncate-table',
  'create-partition', 'attach-partition', 'detach-partition',
  'set-persistence', 'set-access-method', 'set-tablespace', 'set-storage-params', 'alter-table',
  // columns
  'add-column', 'drop-column', 'rename-column', 'change-column-type', 'set-not-null', 'drop-not-null',
  'set-default', 'drop-default', 'add-identity', 'alter-column',
  // constraints
  'add-constraint', 'validate-constraint', 'drop-constraint', 'rename-constraint', 'alter-constraint',
  // indexes
  'create-index', 'drop-index', 'reindex', 'rename-index', 'alter-index',
  // views
  'create-view', 'drop-view', 'rename-view', 'refresh-matview',
  // other objects
  'create-routine', 'drop-routine', 'rename-routine', 'alter-routine',
  'create-type', 'drop-type', 'rename-type', 'add-enum-value', 'rename-enum-value', 'alter-type', 'alter-domain',
  'create-sequence', 'drop-sequence', 'rename-sequence', 'alter-sequence',
  'create-schema', 'drop-schema', 'rename-schema',
  'create-trigger', 'drop-trigger', 'alter-trigger',
  'create-extension', 'drop-extension', 'alter-extension', 'drop-unique-index', 'drop-object', 'rename-other',
  'create-policy', 'alter-policy', 'drop-policy', 'row-security', 'create-rule', 'alter-type-attribute', 'tighten-domain',
  // roles, databases and other sessions: shared with the running release
  'drop-owned', 'change-role', 'change-database', 'terminate-backend', 'sleep',
  // data and session
  'insert', 'update', 'delete', 'select', 'copy', 'lock-table',
  'set', 'transaction', 'comment', 'grant', 'revoke', 'vacuum', 'analyze', 'cluster', 'do-block',
  'neutral-ddl',
  // a lock the statement also takes on a related table: a partition, a table whose foreign key
  // points here (or that this key points to), a table with a column of an altered domain
  'related-lock',
  // analysis limits
  'dynamic-sql', 'unknown',
] as const;

export type EffectKind = (typeof EFFECT_KINDS)[number];

/** Volatility of a column default: decides whether ADD COLUMN rewrites the table. */
export type DefaultKind = 'constant' | 'stable' | 'volatile' | 'unknown';

/** A column definition (CREATE TABLE or ADD COLUMN). */
export interface ColumnFacts {
  name: string;
  /** Normalised type (`int4`, `varchar(40)`, …); serials are reported as their integer type. */
  type: string;
  /** Base type without modifiers: `varchar`, `bpchar` is reported as `char`. */
  baseType: string;
  /** Numeric type modifiers as written: `varchar(40)` → [40]. */
  typeMods: readonly number[];
  array: boolean;
  /** The type name as written, schema included when given (`app.posint`, `bpchar`, `serial`), without `pg_catalog`. */
  typeName: string[];
  serial: boolean;
  identity: boolean;
  /** `GENERATED ALWAYS AS (…) STORED` / `VIRTUAL` (PG 18's default kind). */
  generated?: 'stored' | 'virtual';
  notNull: boolean;
  primaryKey: boolean;
  /** The column is the whole primary key: inline, or a one-column table-level PRIMARY KEY. */
  wholePrimaryKey: boolean;
  unique: boolean;
  /** Inline CHECK constraint. */
  check: boolean;
  /** Inline REFERENCES: the referenced table (as written) and its columns (empty = primary key). */
  references?: string;
  referencesColumns?: string[];
  /** The inline REFERENCES has ON DELETE CASCADE / SET NULL / SET DEFAULT. */
  referencesActions?: boolean;
  /** The column's type is a domain with a CHECK (known to the schema model): adding it rewrites. */
  domainWithCheck?: boolean;
  default?: DefaultKind;
  /** The functions the default calls, as written without `pg_catalog` (`now`, `app.next_id`), first call first. */
  defaultCalls?: string[];
  /** The default is a bare `NULL` (before PostgreSQL 11 any other default rewrites the table). */
  defaultIsNull?: boolean;
  /**
   * Where the column definition starts, as libpg-query reports it: a byte offset in the file for a
   * top-level statement, in the statement's text inside a DO block (src/rules/support/column-definitions.ts).
   */
  location?: number;
}

/** Details rules need beyond the shared `Effect` shape. */
export interface EffectDetail {
  /** The statement's relation was created earlier in this file (or by this statement). */
  newInFile?: boolean;
  /** …by a statement that really created it (not an IF NOT EXISTS that may have found one): no release uses it. */
  certainlyNew?: boolean;
  /** A migration seen by the model created the relation (else it predates them: assume it exists and is large). */
  known?: boolean;
  column?: string;
  columnFacts?: ColumnFacts;
  /** The routine (or trigger function) whose body produced this effect. */
  via?: string;
  /**
   * The effect is not this migration's own: the running release will run it from now on (the body
   * of a trigger created on a table it writes, of a routine it may call, replaced). Says what runs it.
   */
  runsLater?: string;
  /** DELETE/UPDATE that touches every row (no WHERE, a constant true one, MERGE … DELETE). */
  allRows?: boolean;
  /** CREATE TABLE: its columns. */
  columns?: ColumnFacts[];
  concurrently?: boolean;
  ifExists?: boolean;
  ifNotExists?: boolean;
  cascade?: boolean;
  constraintType?: ConstraintType;
  constraintName?: string;
  notValid?: boolean;
  usingIndex?: boolean;
  /** ADD PRIMARY KEY / UNIQUE (table-level): the key's columns (none with USING INDEX). */
  keyColumns?: string[];
  /** FK and REFERENCES: the other table. */
  referencedTable?: string;
  oldType?: string;
  newType?: string;
  /** ALTER COLUMN TYPE with USING or COLLATE. */
  using?: boolean;
  collate?: boolean;
  /** SET NOT NULL: skipped scan thanks to a valid CHECK (c IS NOT NULL) (PG ≥ 12). */
  provenByCheck?: boolean;
  newName?: string;
  /** UPDATE / DELETE: has a WHERE clause. */
  hasWhere?: boolean;
  /** UPDATE / DELETE: a WHERE clause is written, even a constant-true one (which `hasWhere` and `allRows` see through). */
  whereWritten?: boolean;
  /** INSERT: has ON CONFLICT. */
  onConflict?: boolean;
  /** INSERT: its rows come from a SELECT with a FROM (what a backfill migration may batch: src/apply/backfill.ts). */
  fromTables?: boolean;
  /** CREATE INDEX: UNIQUE; ON ONLY parent. */
  unique?: boolean;
  only?: boolean;
  /** REINDEX target kind, VACUUM FULL, ALTER TABLE subcommand, SET name, ADD COLUMN to a foreign table (`foreign-table`), … */
  subtype?: string;
  /**
   * SELECT: it calls set_config() (whether or not the analysis could tell the value): the runner
   * runs it again when it resumes a migration, to restore the session (src/apply/runner.ts).
   */
  setsConfig?: boolean;
  /** SET: setting and value; TRANSACTION: begin/commit/rollback/savepoint/…; LOCK: mode. */
  setting?: string;
  value?: string;
  transaction?: 'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollback-to' | 'prepare' | 'other';
  /**
   * TRANSACTION: the command in SQL's words (`COMMIT`, `COMMIT PREPARED`, `PREPARE TRANSACTION`, …;
   * ABORT and END are `ROLLBACK` and `COMMIT`), where `transaction` folds several into one step.
   */
  command?: string;
  /** TRANSACTION: COMMIT / ROLLBACK AND CHAIN (a new transaction starts at once). */
  chain?: boolean;
  /** EXECUTE of a computed string / CALL: the expression or procedure. */
  dynamicSql?: string;
  /** `unknown`: the node type that could not be classified. */
  nodeKind?: string;
  /** ADD VALUE: BEFORE/AFTER given. */
  ordered?: boolean;
  /** Relation kind from the model, when known. */
  partitioned?: boolean;
  /** Dropped (or truncated) only because a CASCADE from this object reached it. */
  cascadeFrom?: string;
  /** DROP COLUMN / ALTER COLUMN TYPE: views known to read the column. */
  usedByViews?: string[];
  /** ADD COLUMN IF NOT EXISTS of a column the model already knows: a no-op. */
  alreadyExists?: boolean;
  /** A drop of an object this file renamed earlier: the rename carries the contract effect. */
  renamedInFile?: boolean;
  /** A drop undone later in the same transaction (DROP + CREATE of the same routine, view or type; DROP DEFAULT + SET DEFAULT). */
  restoredInFile?: boolean;
}

/** An effect as the analyser produces it: the shared `Effect` plus details for rules. */
export interface AnalyzedEffect extends Effect {
  kind: EffectKind;
  detail: EffectDetail;
}
