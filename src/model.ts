/**
 * The values that flow through bgmigrate, in the user's words:
 * files → statements → effects → findings → report.
 *
 * Every module reads and writes these shapes; nothing here does any work.
 */
import type { ScriptLayout } from './migrations/layouts/index.js';

/** PostgreSQL's table-level lock modes, named as `pg_locks.mode` names them. */
export type LockMode =
  | 'AccessShareLock'
  | 'RowShareLock'
  | 'RowExclusiveLock'
  | 'ShareUpdateExclusiveLock'
  | 'ShareLock'
  | 'ShareRowExclusiveLock'
  | 'ExclusiveLock'
  | 'AccessExclusiveLock';

/** Lock modes from weakest to strongest. */
export const LOCK_ORDER: readonly LockMode[] = [
  'AccessShareLock',
  'RowShareLock',
  'RowExclusiveLock',
  'ShareUpdateExclusiveLock',
  'ShareLock',
  'ShareRowExclusiveLock',
  'ExclusiveLock',
  'AccessExclusiveLock',
];

/** How an effect behaves while both colors run (docs/architecture.md, "The product in five sentences"). */
export type EffectClass = 'additive' | 'contract' | 'neutral';

export type Severity = 'error' | 'warning' | 'info';

/** A rule's configured level: a severity, or `off`. */
export type RuleLevel = Severity | 'off';

export type Phase = 'expand' | 'contract';

/** A region of a source file. Lines and columns are 1-based; columns count characters. */
export interface Span {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** What one statement does to one database object. */
export interface Effect {
  /** e.g. `add-column`, `drop-column`, `create-index`, `rename-column`, `set-not-null`. */
  kind: string;
  /** The object acted on, schema-qualified and unquoted-normalised: `public.users.name`. */
  object: string;
  /** The table whose lock matters, when there is one: `public.users`. */
  table?: string;
  /**
   * Set by the linter when a `bgmigrate-ignore` comment took responsibility for this very
   * effect's finding: the reason. `apply` reads it (by identity, never by line).
   */
  suppressed?: string;
  /**
   * Set by `apply --phase contract` on an effect the ledger allowed: the release whose
   * deprecation allowed it. Stored with the applied migration; releases that could not survive
   * the effect are sealed from it (src/ledger/releases.ts).
   */
  allowedBy?: string;
  class: EffectClass;
  /** The strongest table-level lock the statement takes for this effect, if any. */
  lock: LockMode | null;
  /** The table (and its indexes) is rewritten. */
  rewrites: boolean;
  /** The whole table is read under the lock (validation, index build). */
  scans: boolean;
}

/** One finding of one rule on one statement, as reported to users (the JSON shape of src/report/json.ts). */
export interface Finding extends Span {
  rule: string;
  severity: Severity;
  message: string;
  object?: string;
  lock?: LockMode;
  help: string;
  /** Present on contract findings: what the ledger said (or that it was not consulted). */
  ledger?: LedgerVerdict;
  /** Present when a `bgmigrate-ignore` comment suppressed the finding: its reason. */
  suppressed?: string;
  /** For a script migration (Kysely, …): the SQL the call at `line` produced. */
  sql?: string;
  /** A script's read from the database: `apply` compiles the script again against the database and lints the result. */
  readAtApply?: boolean;
}

/** The ledger's answer for one contract effect. */
export interface LedgerVerdict {
  allowed: boolean;
  reason: string;
  /** When allowed: the release whose deprecation allowed it (releases that shipped before it get sealed). */
  allowedBy?: string;
  /** Refused by usage evidence (src/usage/evidence.ts): a live query still uses the object. A refusal, not a wait. */
  byUsage?: boolean;
}

/**
 * Answers, for a contract effect on an object, whether the ledger allows it.
 * Offline checks use a gate that refuses everything with "the ledger was not consulted".
 */
export interface LedgerGate {
  judge(effect: Effect): LedgerVerdict;
}

/** A migration file as found on disk, in migration order. */
export interface MigrationFile {
  /** Identity in the ledger: path relative to the migrations directory, with `/` separators. */
  id: string;
  /** Path as the user should see it (relative to the working directory when possible). */
  path: string;
  /** Absolute path on disk. */
  absolutePath: string;
  /** The file's bytes. */
  bytes: Buffer;
  /** SHA-256 of the bytes, hex. */
  checksum: string;
  /**
   * A migration written in TypeScript/JavaScript (`kysely`, `node-pg-migrate`, `knex`, `typeorm`
   * layouts): `bytes` is the script, and the linter works on the SQL its `up` produces (see
   * src/migrations/compile/). Absent for SQL files.
   */
  script?: ScriptMigration;
}

/** How to get a script migration's SQL, and what compiling it found. */
export interface ScriptMigration {
  layout: ScriptLayout;
  /** The migrations directory: the user's own copy of the library is resolved from here. */
  dir: string;
  /** Load the script from this path instead of `absolutePath` (`check --staged`: the index's copy). */
  loadFrom?: string;
  /** Set once compiled: SQL laid out so that each statement sits at the line and column of the call that produced it. */
  compiled?: CompiledScript;
}

export interface CompiledScript {
  /** The SQL text the linter reads (statements at their calls' lines; directives at theirs). */
  sql: string;
  /**
   * What made the SQL depend on the database, or impossible to compile. `read`: the script read
   * from the database (offline it got no rows); `apply` compiles it again against the real
   * database, just before running it, and lints what it would then send.
   */
  problems: { line: number; column: number; message: string; read?: boolean }[];
  /** Compiled against the real database (reads answered by it), by `apply`. */
  online?: boolean;
  /** The script asked not to run in a transaction (`pgm.noTransaction()`, knex `transaction: false`). */
  noTransaction: boolean;
}

/** Directives read from a migration's `-- bgmigrate:` comments. */
export interface Directives {
  phase?: Phase;
  deprecates: string[];
  noTransaction: boolean;
  /**
   * `-- bgmigrate: idempotent`: running the migration's statements again from the start is safe
   * (a DO block that commits per batch may then be re-run after an interruption).
   */
  idempotent?: boolean;
  /**
   * `-- bgmigrate: backfill [key=<column>] [batch=<rows>] [idempotent]`: the migration's one UPDATE
   * (or INSERT … SELECT) runs in keyset batches, each its own transaction, checkpointed in the
   * ledger (src/apply/backfill.ts). Implies no-transaction.
   */
  backfill?: { key?: string; batchSize?: number; idempotent?: boolean };
}

/** One statement of a migration after analysis. */
export interface AnalyzedStatement extends Span {
  /** 0-based position among the file's top-level statements. */
  index: number;
  /** The statement's source text, exactly as written. */
  text: string;
  /** libpg-query node type, e.g. `AlterTableStmt`; `DoStmt` children appear as their own type. */
  kind: string;
  effects: Effect[];
  /** PostgreSQL refuses to run this statement inside a transaction block. */
  cannotRunInTransaction: boolean;
  /** Statements with the same number run in the same transaction when the runner applies the file. */
  transaction: number;
  /** Static SQL found inside the `DO` block at the same `index` (not run on its own). */
  inDoBlock?: boolean;
  /**
   * `CREATE INDEX CONCURRENTLY`: the index and table as written (unquoted; `schema` null when the
   * table is not qualified, `name` null when PostgreSQL picks the index name). The runner looks
   * for an INVALID index a failed build left behind under this name (src/apply/concurrent-index.ts).
   */
  concurrentIndex?: { name: string | null; schema: string | null; table: string };
  /**
   * The statement's parse tree (the node under its `kind`), only when the lint was asked for it
   * (`LintOptions.parseTrees`: `trace` classifies statements from it instead of parsing again).
   */
  node?: Record<string, unknown>;
}

/** The result of linting one migration file. */
export interface FileReport {
  path: string;
  id: string;
  checksum: string;
  phase: Phase;
  directives: Directives;
  statements: AnalyzedStatement[];
  findings: Finding[];
}

export interface CheckSummary {
  files: number;
  errors: number;
  warnings: number;
}

/** The whole `check` answer; `--format json` prints this shape (minus `statements`). */
export interface CheckReport {
  version: 1;
  files: FileReport[];
  summary: CheckSummary;
}
