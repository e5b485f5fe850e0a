/**
 * The rule interface. A rule is metadata (shown to users and turned into docs) beside a small
 * `check` function from one analysed statement to findings.
 *
 * How to write a rule
 * -------------------
 * 1. Create `src/rules/<rule-id>.ts` exporting a `Rule` (use `defineRule` for type inference),
 *    and append it to the list in `src/rules/index.ts`.
 * 2. `check(ctx)` runs once per statement, top-level and DO-block static SQL alike, in file
 *    order. Read `ctx.effects` (what the statement does, with lock, class and `detail`) and the
 *    statement's facts (kind, span, text, transaction). A rule never reads the parse tree: a
 *    fact it needs that effects lack belongs in `EffectDetail` (src/analyze/effects/kinds.ts),
 *    filled in by the statement's family file. Never re-parse SQL text and never touch a database.
 * 3. `ctx.schema` is the schema model *before* this statement (earlier files + earlier
 *    statements of this file): `ctx.schema.isNewInFile('public.users')` says the table was
 *    created earlier in this same file (no CONCURRENTLY / NOT VALID needed);
 *    `ctx.schema.table(name)` is `undefined` (or has no `createdIn`) for tables no migration
 *    seen created — treat those as existing and large.
 * 4. Return `RuleHit`s (or nothing). A hit needs only a `message` that names the object and
 *    the lock; span, severity, help, ledger verdict and suppression are filled in by the
 *    pipeline. Contract rules (category `contract`) must pass the `effect` they object to:
 *    the ledger judges it, and an allowed effect is reported as `info`.
 * 5. File-level checks (nothing to do with one statement) go in `checkFile(ctx)`.
 * 6. Tests: `test/rules/<rule-id>.test.ts`, positive and negative SQL, asserting
 *    `[rule, line, column]` exactly; version-dependent cases at two `pgVersion`s.
 */
import type { Directives, LockMode, Phase, RuleLevel, Span } from '../../model.js';
import type { AnalyzedEffect, EffectKind } from '../../analyze/effects/index.js';
import type { SchemaView } from '../../analyze/schema.js';
import type { SessionState } from '../../analyze/session.js';

/**
 * Where a rule sits in the catalogue (docs/rules/README.md): `contract` (the ledger may allow
 * it), `forbidden` (an error no ledger can allow), `lock`, `hygiene`, `limit` (what the analyser
 * cannot see into). Never a severity's name: findings carry those.
 */
export type RuleCategory = 'contract' | 'forbidden' | 'lock' | 'hygiene' | 'limit';

export interface RuleMeta {
  /** The user-facing id (config, suppressions, JSON): exactly as in docs/rules/. */
  id: string;
  category: RuleCategory;
  /** Severity when the config does not say otherwise. */
  defaultLevel: RuleLevel;
  /** One line: what the rule fires on. */
  summary: string;
  /** Why it breaks blue or blocks traffic. */
  why: string;
  /** The safe recipe in one or two sentences (shown with every finding). */
  help: string;
  /** How the verdict changes with the PostgreSQL version, if it does. */
  versionNotes?: string;
  /** The file under src/rules/ that defines it, when it is not `<id>.ts`. */
  source?: string;
}

/** One statement as rules see it. */
export interface StatementFacts {
  /** 0-based index of the top-level statement (DO-block children share their DO's index). */
  index: number;
  /** libpg-query node type (`AlterTableStmt`, …), or `DynamicExecute` for EXECUTE of a computed string. */
  kind: string;
  text: string;
  span: Span;
  /**
   * Byte offset of the statement in the file. Parser `location`s (`ColumnFacts.location`) of
   * top-level statements are file byte offsets (subtract this); those of DO-block statements are
   * offsets into `text`.
   */
  start?: number;
  /** Inside an explicit `BEGIN … COMMIT` written in the file. */
  inTransactionBlock: boolean;
  /**
   * The transaction the statement runs in, as the runner runs the file: statements with the
   * same number share one (computed once, in src/lint.ts).
   */
  transaction: number;
  /** Static SQL found inside a `DO` block. */
  inDoBlock: boolean;
  /** PostgreSQL refuses to run this statement in a transaction block. */
  cannotRunInTransaction: boolean;
  /** Session settings (search_path, lock_timeout, TimeZone) in force before the statement. */
  session: SessionState;
}

/** Facts about the whole file. */
export interface FileFacts {
  path: string;
  id: string;
  /** Directives as written (declared phase, deprecations, declared no-transaction). */
  directives: Directives;
  /** Declared phase, else inferred (any contract effect ⇒ contract). */
  phase: Phase;
  /** The runner wraps the whole file in one transaction (no `no-transaction`, declared or inferred). */
  runnerWrapsInTransaction: boolean;
  /** Every statement of the file, in order, with its effects. */
  statements: readonly (StatementFacts & { effects: readonly AnalyzedEffect[] })[];
  /** The file has no statement (empty or comments only). */
  empty: boolean;
}

export interface RuleContext {
  statement: StatementFacts;
  effects: readonly AnalyzedEffect[];
  file: FileFacts;
  /** Target PostgreSQL major version. */
  pgVersion: number;
  /** Schema model before this statement (read-only). */
  schema: SchemaView;
}

export interface FileRuleContext {
  file: FileFacts;
  pgVersion: number;
  /** Schema model after the whole file. */
  schema: SchemaView;
}

/** What a rule reports; the pipeline turns it into a `Finding`. */
export interface RuleHit {
  message: string;
  /** The object named (`public.users.name`); defaults to the effect's object. */
  object?: string;
  lock?: LockMode;
  /** The effect objected to. Required for contract rules: the ledger judges it. */
  effect?: AnalyzedEffect;
  /** Defaults to the statement's span (file-level hits: line 1, column 1). */
  span?: Span;
}

export interface Rule extends RuleMeta {
  /**
   * `check` can only report on effects of these kinds: the pipeline skips statements without
   * one (most rules look at one or two kinds; skipping the call saves ~200,000 on the corpus).
   */
  effectKinds?: readonly EffectKind[];
  check?(ctx: RuleContext): RuleHit[] | RuleHit | undefined | void;
  checkFile?(ctx: FileRuleContext): RuleHit[] | RuleHit | undefined | void;
}

/** Identity helper so rule files get full type checking of their literal. */
export function defineRule(rule: Rule): Rule {
  return rule;
}

/** Human lock name for messages: `AccessExclusiveLock`. */
export function lockName(lock: LockMode | null | undefined): string {
  return lock ?? 'no table lock';
}
