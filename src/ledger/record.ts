/**
 * Writing and reading the ledger's history of applied migrations and deprecations. Every function
 * runs on the caller's client, inside the caller's transaction when there is one, so a
 * migration and its ledger rows commit together. Call {@link ensureLedger} once first.
 */
import { normaliseObjectName } from '../object-name.js';
import type pg from 'pg';
import { relationExists } from '../db/sql.js';
import type { ExpressionBuilder, Kysely } from 'kysely';
import { RefusalError, UsageError } from '../errors.js';
import type { Effect, Phase } from '../model.js';
import {
  ensureLedger,
  ledgerDb,
  ledgerError,
  ledgerLockSql,
  ledgerSchema,
  ledgerVersion,
  quoted,
  type DeprecationSource,
  type LedgerOptions,
  type LedgerTables,
  type MigrationSource,
} from './schema.js';

/** A `bgmigrate-ignore` that let a finding through, as kept in `migrations.suppressions`. */
export interface LedgerSuppression {
  rule: string;
  reason: string;
  object?: string;
  line?: number;
}

/** What the runner records when a migration has been applied. */
export interface NewLedgerMigration {
  /** Migration id: path relative to the migrations directory. */
  id: string;
  /** SHA-256 of the file's bytes, hex. */
  checksum: string;
  phase: Phase;
  /** The release applied with (`apply --release`); registered as `deployed` when new. */
  release?: string | null;
  durationMs: number;
  effects?: readonly Effect[];
  suppressions?: readonly LedgerSuppression[];
  /** Default: the database role (`current_user`). */
  appliedBy?: string;
}

/** One row of the applied-migrations history. */
export interface LedgerMigration {
  id: string;
  checksum: string;
  phase: Phase;
  release: string | null;
  appliedAt: Date;
  appliedBy: string;
  durationMs: number;
  effects: Effect[];
  suppressions: LedgerSuppression[];
  /** `baseline` when `ledger baseline` recorded it from another tool's history (ledger v5). */
  source: MigrationSource;
  /** With `baseline`: the tool (`prisma`, `flyway`, …) or `up-to`. */
  baselineFrom: string | null;
}

/** One statement of a no-transaction migration that has run. */
export interface StatementProgress {
  migrationId: string;
  checksum: string;
  statementIndex: number;
  release: string | null;
  doneAt: Date;
  durationMs: number;
}

/** A deprecation: from `release` on, the application no longer depends on `object`. */
export interface Deprecation {
  object: string;
  release: string;
  source: DeprecationSource;
  migrationId: string | null;
  at: Date;
  /** Set when `ledger deprecate --withdraw` took it back: it no longer counts. */
  withdrawn?: { reason: string; at: Date; by: string };
}

/**
 * A release name as given by the user: trimmed, non-empty, printable, without spaces.
 * @throws UsageError
 */
export function checkReleaseName(release: string): string {
  const name = release.trim();
  if (name === '' || name.length > 200 || /[\s\p{Cc}]/u.test(name)) {
    throw new UsageError(`invalid release name ${JSON.stringify(release)}: expected a non-empty name without spaces, e.g. v43`);
  }
  return name;
}

/**
 * Adds `release` to the ledger if it is new, with a `deployed` event when `deployed` is set.
 * @returns true when the release was new.
 */
export async function registerRelease(
  db: Kysely<LedgerTables>,
  release: string,
  options: { deployed: boolean; color?: string | null } = { deployed: true },
): Promise<boolean> {
  const inserted = await db
    .insertInto('releases')
    .values({ release })
    .onConflict((conflict) => conflict.column('release').doNothing())
    .returning('release')
    .executeTakeFirst();
  if (inserted && options.deployed) {
    await db.insertInto('release_events').values({ release, state: 'deployed', color: null }).execute();
  }
  return inserted !== undefined;
}

/** Records that `release` is deployed (green is up, no traffic yet), if the ledger does not know it yet. */
export async function recordDeployed(client: pg.ClientBase, release: string, options: LedgerOptions = {}): Promise<void> {
  await registerRelease(ledgerDb(client, options), release, { deployed: true });
}

/**
 * Records an applied migration (and registers its release). Call it in the migration's own
 * transaction, after its statements.
 *
 * @throws RefusalError when the migration is already recorded; UsageError on a database error.
 */
export async function recordMigration(
  client: pg.ClientBase,
  row: NewLedgerMigration,
  options: LedgerOptions = {},
): Promise<LedgerMigration> {
  const schema = ledgerSchema(options);
  const db = ledgerDb(client, options);
  const release = row.release == null ? null : checkReleaseName(row.release);
  try {
    if (release !== null) await registerRelease(db, release, { deployed: true });
    const inserted = await db
      .insertInto('migrations')
      .values({
        id: row.id,
        checksum: row.checksum,
        phase: row.phase,
        release,
        duration_ms: Math.max(0, Math.round(row.durationMs)),
        effects: JSON.stringify(row.effects ?? []),
        suppressions: JSON.stringify(row.suppressions ?? []),
        ...(row.appliedBy === undefined ? {} : { applied_by: row.appliedBy }),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toApplied(inserted);
  } catch (error) {
    if ((error as { code?: string }).code === '23505') {
      throw new RefusalError(`migration ${row.id} is already recorded in the ledger (was it applied by another process?)`, {
        cause: error,
      });
    }
    throw ledgerError(error, schema, 'write');
  }
}

function toApplied(row: {
  id: string;
  checksum: string;
  phase: 'expand' | 'contract';
  release: string | null;
  applied_at: Date;
  applied_by: string;
  duration_ms: number;
  effects: unknown[];
  suppressions: unknown[];
  source?: MigrationSource;
  baseline_from?: string | null;
}): LedgerMigration {
  return {
    id: row.id,
    checksum: row.checksum,
    phase: row.phase,
    release: row.release,
    appliedAt: row.applied_at,
    appliedBy: row.applied_by,
    durationMs: row.duration_ms,
    effects: row.effects as Effect[],
    suppressions: row.suppressions as LedgerSuppression[],
    source: row.source ?? 'apply',
    baselineFrom: row.baseline_from ?? null,
  };
}

/**
 * The applied migrations in the order they were applied; empty when the ledger does not exist
 * (it is not created by reading).
 */
export async function appliedMigrations(client: pg.ClientBase, options: LedgerOptions = {}): Promise<LedgerMigration[]> {
  const schema = ledgerSchema(options);
  if ((await ledgerVersion(client, options)) === 0) return [];
  try {
    const rows = await ledgerDb(client, options).selectFrom('migrations').selectAll().orderBy('seq').execute();
    return rows.map(toApplied);
  } catch (error) {
    throw ledgerError(error, schema, 'read');
  }
}

/**
 * Records that statement `statementIndex` (0-based) of a no-transaction migration has run, so a
 * run that crashes later resumes after it. Recording the same statement twice is a no-op.
 */
export async function recordStatementProgress(
  client: pg.ClientBase,
  progress: { migrationId: string; checksum: string; statementIndex: number; durationMs: number; release?: string | null },
  options: LedgerOptions = {},
): Promise<void> {
  const schema = ledgerSchema(options);
  try {
    await ledgerDb(client, options)
      .insertInto('statement_progress')
      .values({
        migration_id: progress.migrationId,
        checksum: progress.checksum,
        statement_index: progress.statementIndex,
        release: progress.release ?? null,
        duration_ms: Math.max(0, Math.round(progress.durationMs)),
      })
      .onConflict((conflict) => conflict.columns(['migration_id', 'checksum', 'statement_index']).doNothing())
      .execute();
  } catch (error) {
    throw ledgerError(error, schema, 'write');
  }
}

/**
 * The statements of a no-transaction migration recorded as done, by index. Pass the file's
 * checksum to see only progress made with the same file content.
 */
export async function statementProgress(
  client: pg.ClientBase,
  migrationId: string,
  options: LedgerOptions & { checksum?: string } = {},
): Promise<StatementProgress[]> {
  const schema = ledgerSchema(options);
  if ((await ledgerVersion(client, options)) < 2) return [];
  try {
    let query = ledgerDb(client, options).selectFrom('statement_progress').selectAll().where('migration_id', '=', migrationId);
    if (options.checksum !== undefined) query = query.where('checksum', '=', options.checksum);
    const rows = await query.orderBy('statement_index').orderBy('seq').execute();
    return rows.map((row) => ({
      migrationId: row.migration_id,
      checksum: row.checksum,
      statementIndex: row.statement_index,
      release: row.release,
      doneAt: row.done_at,
      durationMs: row.duration_ms,
    }));
  } catch (error) {
    throw ledgerError(error, schema, 'read');
  }
}

/** A no-transaction migration that started and did not finish: its done statements, per file content. */
export interface PartialMigration {
  id: string;
  checksum: string;
  /** 0-based indexes of the statements recorded as done. */
  doneStatements: number[];
}

/**
 * The statement progress of the given (unapplied) migrations: one record per file content that
 * made progress, so progress made with other contents of a file shows up under its own checksum.
 */
export async function partialMigrations(client: pg.ClientBase, ids: readonly string[], options: LedgerOptions = {}): Promise<PartialMigration[]> {
  const found: PartialMigration[] = [];
  for (const id of ids) {
    const rows = await statementProgress(client, id, options);
    if (rows.length === 0) continue;
    const byChecksum = new Map<string, number[]>();
    for (const row of rows) byChecksum.set(row.checksum, [...(byChecksum.get(row.checksum) ?? []), row.statementIndex]);
    for (const [checksum, done] of byChecksum) found.push({ id, checksum, doneStatements: [...new Set(done)] });
  }
  return found;
}

/**
 * Records that a statement which commits as it goes (a DO block with COMMIT, a CALL) has
 * started. Run it outside any transaction, so the row is committed before the statement runs.
 */
export async function recordStatementStart(
  client: pg.ClientBase,
  start: { migrationId: string; checksum: string; statementIndex: number },
  options: LedgerOptions = {},
): Promise<void> {
  await client.query(`INSERT INTO ${quoted(ledgerSchema(options))}.statement_starts (migration_id, checksum, statement_index) VALUES ($1, $2, $3)`, [
    start.migrationId,
    start.checksum,
    start.statementIndex,
  ]);
}

/** When statements of this file content were started ({@link recordStatementStart}), oldest first. */
export async function statementStarts(
  client: pg.ClientBase,
  migrationId: string,
  checksum: string,
  options: LedgerOptions = {},
): Promise<{ statementIndex: number; at: Date }[]> {
  const { rows } = await client.query<{ statementIndex: number; at: Date }>(
    `SELECT statement_index AS "statementIndex", started_at AS at FROM ${quoted(ledgerSchema(options))}.statement_starts WHERE migration_id = $1 AND checksum = $2 ORDER BY seq`,
    [migrationId, checksum],
  );
  return rows;
}

/** Records that `apply --phase all --no-traffic` applied these migrations (who and when). */
export async function recordNoTrafficApply(client: pg.ClientBase, migrationIds: readonly string[], options: LedgerOptions = {}): Promise<void> {
  await client.query(`INSERT INTO ${quoted(ledgerSchema(options))}.no_traffic_applies (migration_ids) VALUES ($1)`, [JSON.stringify(migrationIds)]);
}

/** Records that `apply --ignore-usage <object> --reason …` let `migrationId` run although usage evidence refused it. */
export async function recordUsageOverride(
  client: pg.ClientBase,
  override: { object: string; reason: string; migrationId: string },
  options: LedgerOptions = {},
): Promise<void> {
  await client.query(`INSERT INTO ${quoted(ledgerSchema(options))}.usage_overrides (object, reason, migration_id) VALUES ($1, $2, $3)`, [
    override.object,
    override.reason,
    override.migrationId,
  ]);
}

/**
 * Records deprecations of `objects` at `release` (registered as `deployed` when new). Object
 * names must already be normalised as effects name objects (directives are, by the parser; use
 * `normaliseObjectName` of src/object-name.ts for user input). An object already deprecated at that release is
 * not recorded twice.
 *
 * @returns the deprecations added.
 */
export async function recordDeprecations(
  client: pg.ClientBase,
  objects: readonly string[],
  release: string,
  options: LedgerOptions & { source?: DeprecationSource; migrationId?: string } = {},
): Promise<Deprecation[]> {
  const schema = ledgerSchema(options);
  const name = checkReleaseName(release);
  // Names arrive normalised (directives by the parser, commands by deprecateObject): folding
  // them again would lower-case quoted parts.
  const normalized = [...new Set(objects.map((object) => object.trim()))];
  if (normalized.some((object) => object === '')) throw new UsageError('a deprecation needs an object name');
  if (normalized.length === 0) return [];
  const db = ledgerDb(client, options);
  try {
    await registerRelease(db, name, { deployed: true });
    const rows = [];
    for (const object of normalized) {
      const known = await db
        .selectFrom('deprecations')
        .select('seq')
        .where('object', '=', object)
        .where('release', '=', name)
        // A withdrawn deprecation no longer counts: the object may be deprecated again.
        .where(notWithdrawn)
        .executeTakeFirst();
      if (known) continue;
      rows.push(
        await db
          .insertInto('deprecations')
          .values({ object, release: name, source: options.source ?? 'directive', migration_id: options.migrationId ?? null })
          .returningAll()
          .executeTakeFirstOrThrow(),
      );
    }
    return rows.map((row) => ({
      object: row.object,
      release: row.release,
      source: row.source,
      migrationId: row.migration_id,
      at: row.at,
    }));
  } catch (error) {
    throw ledgerError(error, schema, 'write');
  }
}

/** Every deprecation, oldest first; empty when the ledger does not exist. */
export async function listDeprecations(client: pg.ClientBase, options: LedgerOptions = {}): Promise<Deprecation[]> {
  const schema = ledgerSchema(options);
  if ((await ledgerVersion(client, options)) === 0) return [];
  try {
    const db = ledgerDb(client, options);
    const rows = await db.selectFrom('deprecations').selectAll().orderBy('seq').execute();
    const withdrawals = new Map(
      (await relationExists(client, `"${schema}".deprecation_withdrawals`))
        ? (await db.selectFrom('deprecation_withdrawals').selectAll().execute()).map((w) => [String(w.deprecation_seq), w] as const)
        : [],
    );
    return rows.map((row) => {
      const withdrawal = withdrawals.get(String(row.seq));
      return {
        object: row.object,
        release: row.release,
        source: row.source,
        migrationId: row.migration_id,
        at: row.at,
        ...(withdrawal ? { withdrawn: { reason: withdrawal.reason, at: withdrawal.at, by: withdrawal.by } } : {}),
      };
    });
  } catch (error) {
    throw ledgerError(error, schema, 'read');
  }
}

/**
 * `ledger deprecate <object> --release R`: records the deprecation in a transaction of its own
 * (creating the ledger on first use). The client must not be inside a transaction.
 *
 * @returns the deprecation recorded, or null when the object was already deprecated at R.
 * @throws UsageError on a malformed object or release name.
 */
export async function deprecateObject(
  client: pg.ClientBase,
  object: string,
  release: string,
  options: LedgerOptions & { normalized?: boolean } = {},
): Promise<Deprecation | null> {
  // `normalized`: the name is already in the form effects use (resolved by src/ledger/objects.ts).
  const normalized = options.normalized ? object : normaliseObjectName(object);
  const name = checkReleaseName(release);
  await ensureLedger(client, options);
  await client.query('BEGIN');
  try {
    const [added] = await recordDeprecations(client, [normalized], name, { ...options, source: 'command' });
    await client.query('COMMIT');
    return added ?? null;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * `ledger deprecate --withdraw <object> --release R --reason …`: takes back a deprecation recorded
 * by mistake. Append-only: the deprecation stays in the history, marked withdrawn with who, when
 * and why, and no longer allows anything. Runs in a transaction of its own.
 *
 * @returns how many deprecation rows were withdrawn (a directive and a command may both have recorded it).
 * @throws UsageError without a reason; RefusalError when no deprecation of the object at R is in force.
 */
export async function withdrawDeprecation(
  client: pg.ClientBase,
  object: string,
  release: string,
  options: LedgerOptions & { reason: string },
): Promise<number> {
  const schema = ledgerSchema(options);
  const reason = options.reason.trim();
  if (reason === '') throw new UsageError('withdrawing a deprecation needs --reason (why it was wrong), which the ledger records');
  const name = checkReleaseName(release);
  await ensureLedger(client, options);
  await client.query('BEGIN');
  try {
    await client.query(ledgerLockSql(schema));
    const db = ledgerDb(client, options);
    const active = await db
      .selectFrom('deprecations')
      .select('seq')
      .where('object', '=', object)
      .where('release', '=', name)
      .where(notWithdrawn)
      .execute();
    if (active.length === 0) {
      // Say what the ledger does hold under that name (or a qualified form of it): usually a typo.
      const { rows: near } = await client.query<{ object: string; release: string }>(
        `SELECT DISTINCT object, release FROM "${schema}".deprecations WHERE object = $1 OR right(object, length($1) + 1) = '.' || $1 ORDER BY 1, 2`,
        [object],
      );
      throw new RefusalError(
        `no deprecation of ${object} at release ${name} is in force` +
          (near.length ? ` (the ledger has ${near.map((n) => `${n.object} at ${n.release}`).join(', ')})` : ' (the ledger has none of it)'),
      );
    }
    for (const row of active) {
      await db.insertInto('deprecation_withdrawals').values({ deprecation_seq: row.seq, reason }).execute();
    }
    await client.query('COMMIT');
    return active.length;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (error instanceof RefusalError || error instanceof UsageError) throw error;
    throw ledgerError(error, schema, 'write');
  }
}

/** A `deprecations` row in force: no withdrawal points at it. */
function notWithdrawn({ not, exists, selectFrom }: ExpressionBuilder<LedgerTables, 'deprecations'>) {
  return not(exists(selectFrom('deprecation_withdrawals').select('seq').whereRef('deprecation_withdrawals.deprecation_seq', '=', 'deprecations.seq')));
}
