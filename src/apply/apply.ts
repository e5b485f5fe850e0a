/**
 * `apply`: runs the pending migrations of one phase, in order, without ever making live
 * traffic wait on a lock for longer than the lock timeout, and without ever leaving a
 * migration half-applied and unrecorded.
 *
 * Two connections: the lock connection holds the applier lock (and watches for blockers while
 * idle); the work connection runs the migrations. See applier-lock.ts for why.
 */
import { contractVerdict } from '../contract-verdict.js';
import { runBackfill, type BackfillProgress } from './backfill.js';
import { isAmbiguous } from '../analyze/names.js';
import { formatInstant } from '../ledger/state.js';
import { addDatabaseDependents } from './cascade.js';
import { backendPid } from '../db/sql.js';
import { targetVersion } from '../config/target-version.js';
import { catalogObjects, resolveReportDeprecations } from '../ledger/objects.js';
import type pg from 'pg';
import type { Config } from '../config/config.js';
import { connect, serverVersion } from '../db/connect.js';
import { DriftError, InterruptedError, RefusalError, UsageError } from '../errors.js';
import { lintMigrations } from '../lint.js';
import { poolGate } from '../pool/check.js';
import type { FileReport, LedgerGate, MigrationFile, Phase } from '../model.js';
import { acquireApplierLock, formatMs, type ApplierLock, type LockHolder } from './applier-lock.js';
import { describeBlocker, lockHoldersOn, type Blocker } from './blocker.js';
import { BlockerWatch } from './blocker-watch.js';
import { concurrentIndexBuild, existingIndex, invalidIndexes } from './concurrent-index.js';
import {
  appliedMigrations,
  currentGate,
  ensureLedger,
  ledgerVersion,
  partialMigrations,
  recordDeployed,
  recordDeprecations,
  recordMigration,
  recordNoTrafficApply,
  recordStatementProgress,
  recordStatementStart,
  recordUsageOverride,
  shippedReleases,
  statementStarts,
  type LedgerMigration,
  type LedgerOptions,
  type PartialMigration,
} from '../ledger/index.js';
import { ledgerSchema } from '../ledger/schema.js';
import { RetriesExhausted, withLockRetries, type RetryEvent, type RetrySchedule } from './retry.js';
import { canWrapInTransaction, runnableStatements, tablesOf, type RunnableStatement } from './statements.js';

/** Opens a new connected client; called once per connection the runner needs. */
export type ClientFactory = (purpose: 'lock' | 'work') => Promise<pg.Client>;

export interface ApplyOptions {
  /** A database URL, or a factory of connected clients (the runner ends them). */
  database: string | ClientFactory;
  config: Config;
  /** Every migration of the directory, in migration order (applied ones included). */
  files: MigrationFile[];
  /**
   * `all`: every pending migration in file order, contract ones included, for a database that
   * serves no traffic (dev, CI, preview); refused where a release has ever shipped unless `noTraffic`.
   */
  phase: RunPhase;
  /** With phase `all` on a database where a release has shipped: the operator says nothing reads it (recorded). */
  noTraffic?: boolean;
  /** The release being deployed: recorded on each migration, as deployed, and for deprecations. */
  release?: string;
  /** Plan and judge, change nothing (not even create the ledger). */
  dryRun?: boolean;
  /** Override config `apply.lockTimeout` (ms). */
  lockTimeoutMs?: number;
  /** Override config `apply.statementTimeout` (ms; 0 = none). */
  statementTimeoutMs?: number;
  /** Override config `apply.maxRetries`. */
  maxRetries?: number;
  /** PostgreSQL major the linter targets; default the server's. */
  pgVersion?: number;
  onProgress?: (event: ApplyEvent) => void;
  /** The clock the ledger rule judges rollback windows by; default the database server's. */
  now?: () => Date;
  /**
   * The expand phase first checks the connection-pool budget (green is about to start) when
   * the config has a `pool` section; true skips it (`--skip-pool-check`, recorded as skipped).
   */
  skipPoolCheck?: boolean;
  /** Apply a new migration that sorts before an applied one of its phase (`--allow-out-of-order`). */
  allowOutOfOrder?: boolean;
  /** Backfills: rows per batch (`--batch-size`; default the directive's `batch=`, else 1,000). */
  batchSize?: number;
  /** Backfills: pause between batches (`--batch-delay`). */
  batchDelayMs?: number;
  /** Contract: objects whose usage refusal is overridden (`--ignore-usage <object> --reason …`), recorded in the ledger. */
  ignoreUsage?: Record<string, string>;
  /**
   * Contract: treat a migration the ledger does not allow yet as a refusal (ApplyRefusal, exit 1,
   * nothing applied) instead of leaving it `waiting` (`--require-all`).
   */
  requireAll?: boolean;
  /**
   * Aborting it (SIGINT/SIGTERM in the CLI) cancels the statement running on the server and
   * stops the run with an InterruptedError saying what was rolled back and what was kept.
   */
  signal?: AbortSignal;
  /** For tests: how to wait between retries and lock polls. */
  sleep?: (ms: number) => Promise<void>;
}

/** What happens to one migration in this run. */
export type PlanAction =
  /** Already applied: nothing to do. */
  | 'applied'
  /** Pending, of this phase: runs now. */
  | 'apply'
  /** A no-transaction migration a previous run left part-way: continues after its last done statement. */
  | 'resume'
  /** Pending, of the other phase: left for `apply --phase <other>`. */
  | 'skip';

export interface PlanEntry {
  id: string;
  path: string;
  phase: Phase;
  action: PlanAction;
  /** For `resume`: statements already done (0-based indexes). */
  doneStatements?: number[];
  /**
   * For `apply`/`resume`, after re-linting: `ok`; `refused` (exit 1); `waiting`, a contract
   * migration the ledger does not allow yet (exit 0 unless --require-all); `not-reached`, after
   * a refused or waiting migration.
   */
  verdict?: 'ok' | 'refused' | 'waiting' | 'not-reached';
  /** Why a migration is refused: `file:line:column: reason`, one per problem. */
  reasons?: string[];
}

export interface AppliedMigration {
  id: string;
  path: string;
  durationMs: number;
  retries: number;
  statements: number;
  /** A backfill's final figures (src/apply/backfill.ts). */
  backfill?: BackfillProgress;
}

/** What an apply run covers: one phase, or (no traffic) all of them. */
export type RunPhase = Phase | 'all';

export interface ApplyResult {
  phase: RunPhase;
  release: string | null;
  dryRun: boolean;
  plan: PlanEntry[];
  /** Migrations applied by this run, in order (empty for a dry run). */
  applied: AppliedMigration[];
  /** Invalid indexes left by failed concurrent builds that this run dropped and rebuilt. */
  rebuiltIndexes: string[];
  /** The expand phase's pool-budget gate: what it did, in one line. */
  poolCheck?: { outcome: 'fits' | 'skipped' | 'not-configured'; message: string };
  /** Contract: what the usage evidence warned about (possible uses, missing or incomplete evidence, overrides). */
  usageWarnings: string[];
}

/** Progress, for a terminal line or a log: which migration, which statement, retries. */
export type ApplyEvent =
  | { type: 'lock-wait'; holder: LockHolder | null }
  | { type: 'plan'; plan: PlanEntry[] }
  | { type: 'migration'; id: string; path: string; position: number; total: number; transaction: boolean }
  | {
      type: 'statement';
      id: string;
      /** 0-based index of the statement; `count` statements in all. */
      index: number;
      count: number;
      line: number;
      text: string;
      /** Since the migration started. */
      elapsedMs: number;
      retries: number;
    }
  | { type: 'retry'; id: string; retry: number; maxRetries: number; delayMs: number; code: string; blockers: Blocker[] }
  | { type: 'invalid-index'; id: string; index: string }
  | { type: 'migration-done'; id: string; durationMs: number; retries: number }
  | ({ type: 'backfill'; id: string; path: string; elapsedMs: number } & BackfillProgress);

/** The refusal of `apply`: exit 1, with every reason and what this run applied before stopping. */
export class ApplyRefusal extends RefusalError {
  readonly reasons: string[];
  readonly applied: AppliedMigration[];

  constructor(message: string, details: { reasons?: string[]; applied: AppliedMigration[]; cause?: unknown }) {
    super(message, { cause: details.cause });
    this.name = 'ApplyRefusal';
    this.reasons = details.reasons ?? [message];
    this.applied = details.applied;
  }
}

/** Exit 1: a migration kept hitting the lock timeout until the retries ran out; nothing of it is applied. */
export class LockTimeoutExhausted extends ApplyRefusal {
  constructor(message: string, details: { applied: AppliedMigration[]; cause?: unknown }) {
    super(message, details);
    this.name = 'LockTimeoutExhausted';
  }
}

/**
 * Applies the pending migrations of `phase` in migration order.
 *
 * - Takes the applier lock (UsageError, exit 2, when another apply holds it past `lockWait`).
 * - Refuses (ApplyRefusal, exit 1) on checksum drift, and on the first migration whose re-lint
 *   refuses it; migrations before it stay applied.
 * - Contract: a migration the ledger does not allow yet is not an error. It gets the verdict
 *   `waiting` (with the reasons), it and the migrations after it are left for a later run, and
 *   the result is returned normally (the CLI exits 0, or 1 with --require-all).
 * - Expand skips pending contract migrations (they wait for the contract phase); contract
 *   refuses to start while a pending expand migration comes before a pending contract one.
 * - Retries a migration that hit the lock timeout with backoff; after the last retry throws
 *   ApplyRefusal naming the blocking session, with the migration rolled back.
 *
 * @example
 * const result = await applyMigrations({ database: url, config, files, phase: 'expand', release: 'v43' });
 */
export async function applyMigrations(options: ApplyOptions): Promise<ApplyResult> {
  const settings = resolveSettings(options);
  const ledger: LedgerOptions = { schema: options.config.ledger.schema };
  const gateAt = (lock?: boolean) => currentGate(work!, { ...ledger, rollbackWindowMs: options.config.ledger.rollbackWindowMs, now: now(), lock });
  const open = clientFactory(options.database);
  const emit = options.onProgress ?? (() => undefined);
  const now = options.now ?? (() => undefined);
  const dryRun = options.dryRun ?? false;
  const release = options.release ?? null;

  let lock: ApplierLock | undefined;
  let work: pg.Client | undefined;
  try {
    if (!dryRun) {
      lock = await acquireApplierLock(await open('lock'), {
        schema: options.config.ledger.schema,
        waitMs: options.config.apply.lockWaitMs,
        onWait: (holder) => emit({ type: 'lock-wait', holder }),
        sleep: options.sleep,
      });
    }
    work = await open('work');
    const pgVersion = targetVersion({ flag: options.pgVersion, server: await serverVersion(work), config: options.config.pgVersion });
    await prepareSession(work, settings, pgVersion);

    const ledgerExists = dryRun ? (await ledgerVersion(work, ledger)) > 0 : (await ensureLedger(work, ledger), true);
    const applied = ledgerExists ? await appliedMigrations(work, ledger) : [];
    const appliedIds = new Set(applied.map((a) => a.id));
    const unapplied = options.files.filter((f) => !appliedIds.has(f.id)).map((f) => f.id);
    const partial = ledgerExists ? await partialMigrations(work, unapplied, ledger) : [];
    refuseDrift(options.files, applied, partial);

    const lint = (files: MigrationFile[], history: MigrationFile[], gate?: LedgerGate) =>
      lintMigrations(files, { pgVersion, rules: options.config.rules, ledger: gate, history });

    const planGate = await gateAt();
    const reports = await lint(options.files, [], planGate);
    const plan = makePlan(options.files, reports, applied, partial, options.phase, options.allowOutOfOrder);
    if (options.phase === 'all') {
      // Only for a database no release serves: a shipped release means someone may be reading it.
      const shipped = ledgerExists ? await shippedReleases(work, ledger) : [];
      if (shipped.length > 0 && !options.noTraffic) {
        throw new RefusalError(
          `apply --phase all runs contract migrations without the ledger's consent, and release${shipped.length === 1 ? '' : 's'} ${shipped.join(', ')} shipped on this database; use --phase expand / contract, or --no-traffic if nothing reads this database any more (recorded in the ledger)`,
        );
      }
    }
    refuseMissingRelease(plan, reports, release);
    emit({ type: 'plan', plan });

    const runner = new MigrationRunner(work, lock, ledger, settings, emit, options.sleep);
    const result: ApplyResult = { phase: options.phase, release, dryRun, plan, applied: [], rebuiltIndexes: runner.rebuilt, usageWarnings: [] };
    if (options.phase === 'expand') {
      const ownPids = [await backendPid(work), ...(lock ? [await backendPid(lock.client)] : [])];
      const gate = await poolGate(work, options.config, {
        skip: options.skipPoolCheck,
        release: release ?? undefined,
        ownPids,
        record: !dryRun,
      });
      result.poolCheck = { outcome: gate.outcome, message: gate.message };
    }
    const toRun = plan.filter((e) => e.action === 'apply' || e.action === 'resume');
    const skipped = new Set(plan.filter((e) => e.action === 'skip').map((e) => e.id));
    // The schema as each migration will meet it: every earlier migration except those left for
    // the other phase. Linting is deterministic in the files (read once, checksummed), so one
    // pass serves every migration; only the ledger's answer can change during the run.
    const kept = options.files.filter((f) => !skipped.has(f.id));
    const keptReports = skipped.size === 0 ? reports : await lint(kept, [], planGate);
    const reportOf = new Map(kept.map((f, i) => [f.id, keptReports[i]]));
    // Pre-flight: every deprecation the migrations to run declare must name a known object (it is
    // stored qualified); a typo stops the run before anything is applied.
    const declaring = toRun.map((e) => reportOf.get(e.id)).filter((r): r is FileReport => r !== undefined && r.directives.deprecates.length > 0);
    if (declaring.length > 0) {
      const sources = new Map(options.files.map((f) => [f.path, f.bytes.toString('utf8')]));
      resolveReportDeprecations(declaring, await catalogObjects(work), keptReports, sources);
    }
    // Pre-flight: every migration of the phase is judged before the first one runs, so a parse
    // error (or a refused effect) in the last file stops the run with nothing applied.
    if (!dryRun) {
      for (const entry of toRun) {
        const report = reportOf.get(entry.id)!;
        if (options.phase === 'contract') await addDatabaseDependents(work, report);
        // Only refusals stop the run here; a migration the ledger makes wait is met in order below.
        const judgement = judge(report, options.phase, planGate);
        // With requireAll a wait is a refusal too, and the run applies nothing.
        const refusals = options.requireAll ? [...judgement.refusals, ...judgement.waits] : judgement.refusals;
        if (refusals.length > 0) {
          entry.verdict = 'refused';
          entry.reasons = refusals;
          throw new ApplyRefusal(refusalMessage(refusals), { reasons: refusals, applied: result.applied });
        }
      }
    }
    let stopped = false;
    for (const [position, entry] of toRun.entries()) {
      if (stopped) {
        entry.verdict = 'not-reached';
        continue;
      }
      const file = options.files.find((f) => f.id === entry.id)!;
      // Judged again right before it runs, against the ledger as it is now.
      let gate: LedgerGate = options.phase === 'contract' ? await gateAt() : planGate;
      if (!dryRun && file.script?.compiled?.problems.some((p) => p.read) && !file.script.compiled.online) {
        // A script that reads from the database: compiled again with its reads answered by the
        // database as it is now (every earlier migration applied), and what it would send linted.
        const { compileOnline } = await import('../migrations/compile/index.js');
        await compileOnline(file, work);
        const before = kept.slice(0, kept.indexOf(file));
        reportOf.set(file.id, (await lint([file], before, gate))[0]);
      }
      const report = reportOf.get(file.id)!;
      // CASCADE: every dependent the database records is judged too (src/apply/cascade.ts).
      if (options.phase === 'contract' && work) await addDatabaseDependents(work, report);
      // Usage evidence: what the ledger allows is still refused while a live query uses it.
      let overridden = new Map<string, string>();
      if (options.phase === 'contract') {
        const { usageGate, usageReader, connectUsageServers } = await import('../usage/evidence.js');
        const others = await connectUsageServers(options.config.usage.servers);
        const usage = await usageGate(gate, await usageReader(work, { schema: options.config.ledger.schema, servers: others.servers }), runnableStatements(report).flatMap((s) => s.effects), {
          schema: options.config.ledger.schema,
          require: options.config.usage.require,
          ignore: new Map(Object.entries(options.ignoreUsage ?? {})),
        }).finally(() => others.close());
        gate = usage.gate;
        overridden = usage.overridden;
        for (const warning of usage.warnings) if (!result.usageWarnings.includes(warning)) result.usageWarnings.push(warning);
      }
      const judgement = judge(report, options.phase, gate);
      const refusals = options.requireAll ? [...judgement.refusals, ...judgement.waits] : judgement.refusals;
      const waits = options.requireAll ? [] : judgement.waits;
      entry.verdict = refusals.length > 0 ? 'refused' : waits.length > 0 ? 'waiting' : 'ok';
      if (refusals.length > 0) {
        entry.reasons = refusals;
        stopped = true;
        if (dryRun) continue;
        throw new ApplyRefusal(refusalMessage(refusals), { reasons: refusals, applied: result.applied });
      }
      if (waits.length > 0) {
        // The ledger does not allow it yet (the rollback window, a missing deprecation): a normal
        // outcome of a contract run. It and every later migration wait for the next run.
        entry.reasons = waits;
        stopped = true;
        continue;
      }
      if (dryRun) continue;
      await lock?.verify();
      emit({
        type: 'migration',
        id: file.id,
        path: file.path,
        position: position + 1,
        total: toRun.length,
        transaction: runsInTransaction(report),
      });
      // A contract migration is judged again inside its own transaction, under the ledger's lock:
      // a `release rollback` between the re-lint and the commit cannot slip through.
      const recheck =
        options.phase === 'contract'
          ? async () => {
              // Under the lock, anything not allowed any more (a rollback in between) refuses.
              const { refusals, waits } = judge(report, 'contract', await gateAt(true));
              return [...refusals, ...waits];
            }
          : undefined;
      const interrupted = () => interruption(options.signal!, file, result.applied, runsInTransaction(report));
      if (options.signal?.aborted) throw interrupted();
      // On abort, cancel the statement on the server (from the applier-lock session): it must not
      // go on running after bgmigrate has gone.
      const workPid = await backendPid(work);
      const cancel = () => void lock?.client.query('SELECT pg_cancel_backend($1)', [workPid]).catch(() => undefined);
      options.signal?.addEventListener('abort', cancel, { once: true });
      try {
        result.applied.push(await runner.run(file, report, entry.doneStatements ?? [], release, recheck));
        for (const [object, reason] of overridden) {
          await recordUsageOverride(work, { object, reason, migrationId: file.id }, ledger);
        }
      } catch (error) {
        if (options.signal?.aborted) throw interrupted();
        if (error instanceof LockTimeoutExhausted) throw new LockTimeoutExhausted(error.message, { applied: result.applied, cause: error.cause });
        if (error instanceof RefusalError) {
          throw new ApplyRefusal(error.message, { applied: result.applied, cause: error });
        }
        throw error;
      } finally {
        options.signal?.removeEventListener('abort', cancel);
      }
    }
    if (!dryRun && release !== null && options.phase !== 'contract') await recordDeployed(work, release, ledger);
    if (!dryRun && options.phase === 'all' && options.noTraffic && result.applied.length > 0) {
      await recordNoTrafficApply(work, result.applied.map((a) => a.id), ledger);
    }
    return result;
  } finally {
    await work?.end().catch(() => undefined);
    await lock?.release().catch(() => undefined);
  }
}


interface Settings extends RetrySchedule {
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  /** Backfills: rows per batch (flag, else directive, else 1,000), pause between batches, replica lag limit. */
  batchSize?: number;
  batchDelayMs: number;
  maxReplicationLagMs?: number;
  /** Each backfill batch's statement timeout (config backfill.batchTimeout, default 1 min). */
  batchTimeoutMs: number;
  /** Config backfill.keys: per table, the column to batch by. */
  backfillKeys: Record<string, string>;
}

function resolveSettings(options: ApplyOptions): Settings {
  const apply = options.config.apply;
  const settings = {
    lockTimeoutMs: options.lockTimeoutMs ?? apply.lockTimeoutMs,
    statementTimeoutMs: options.statementTimeoutMs ?? apply.statementTimeoutMs,
    maxRetries: options.maxRetries ?? apply.maxRetries,
    retryDelayMs: apply.retryDelayMs,
    retryMaxDelayMs: apply.retryMaxDelayMs,
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    batchDelayMs: options.batchDelayMs ?? 0,
    ...(options.config.backfill.maxReplicationLagMs !== undefined ? { maxReplicationLagMs: options.config.backfill.maxReplicationLagMs } : {}),
    batchTimeoutMs: options.config.backfill.batchTimeoutMs,
    backfillKeys: options.config.backfill.keys,
  };
  if (settings.lockTimeoutMs <= 0) {
    // 0 would mean "wait forever": exactly the outage this runner exists to prevent.
    throw new UsageError('--lock-timeout must be greater than 0 (0 would let a migration queue live traffic indefinitely)');
  }
  if (!Number.isInteger(settings.maxRetries) || settings.maxRetries < 0) {
    throw new UsageError(`--max-retries must be a non-negative integer, got ${settings.maxRetries}`);
  }
  return settings;
}

function clientFactory(database: string | ClientFactory): ClientFactory {
  if (typeof database !== 'string') return database;
  return (purpose) => connect(database, { applicationName: purpose === 'lock' ? 'bgmigrate apply (lock)' : 'bgmigrate apply' });
}

async function prepareSession(work: pg.Client, settings: Settings, pgVersion: number): Promise<void> {
  // Session-level defaults for statements that run outside a transaction; transactions set
  // them again with SET LOCAL.
  await work.query(`SET lock_timeout = ${Math.round(settings.lockTimeoutMs)}`);
  await work.query(`SET statement_timeout = ${Math.round(settings.statementTimeoutMs)}`);
  // If this process dies mid-statement, the server notices within a second and stops the
  // statement, instead of finishing an orphaned CREATE INDEX CONCURRENTLY nobody records.
  const server = await serverVersion(work).catch(() => pgVersion);
  if (server >= 14) await work.query(`SET client_connection_check_interval = 1000`).catch(() => undefined);
}

/**
 * An applied migration whose file changed or disappeared stops apply; so does a no-transaction
 * migration that was partly run from other contents of its file (resuming could skip or
 * repeat statements).
 */
function refuseDrift(files: MigrationFile[], applied: LedgerMigration[], partial: PartialMigration[]): void {
  const byId = new Map(files.map((f) => [f.id, f]));
  const short = (checksum: string) => `${checksum.slice(0, 12)}…`;
  for (const record of applied) {
    const file = byId.get(record.id);
    if (!file) {
      throw new DriftError(
        `${record.id}: applied migration is missing from the migrations directory; restore it (bgmigrate ledger verify lists every difference)`,
      );
    }
    if (file.checksum !== record.checksum) {
      throw new DriftError(
        `${file.path}: changed since it was applied (checksum ${short(record.checksum)} in the ledger, ${short(file.checksum)} on disk); restore the file, or review with bgmigrate ledger verify`,
      );
    }
  }
  for (const record of partial) {
    const file = byId.get(record.id);
    if (file && file.checksum !== record.checksum) {
      throw new DriftError(
        `${file.path}: ${record.doneStatements.length} of its statements already ran from other contents of the file (checksum ${short(record.checksum)}, now ${short(file.checksum)}); restore that version to resume it, or finish it by hand`,
      );
    }
  }
}

function makePlan(
  files: MigrationFile[],
  reports: FileReport[],
  applied: LedgerMigration[],
  partial: PartialMigration[],
  phase: RunPhase,
  allowOutOfOrder = false,
): PlanEntry[] {
  const appliedIds = new Set(applied.map((a) => a.id));
  const partialById = new Map(partial.map((p) => [p.id, p]));
  const plan: PlanEntry[] = files.map((file, i) => {
    const report = reports[i];
    const entry: PlanEntry = { id: file.id, path: file.path, phase: report.phase, action: 'applied' };
    if (appliedIds.has(file.id)) return entry;
    const started = partialById.get(file.id);
    if (phase !== 'all' && report.phase !== phase) entry.action = 'skip';
    else if (started) {
      entry.action = 'resume';
      entry.doneStatements = [...started.doneStatements].sort((a, b) => a - b);
    } else entry.action = 'apply';
    if (started && entry.action === 'skip') entry.doneStatements = [...started.doneStatements];
    return entry;
  });
  // A new migration that sorts before an applied one of its phase was written against a schema
  // that never existed in this database (someone merged an older branch): refused unless asked.
  if (!allowOutOfOrder) {
    let lastApplied = -1;
    plan.forEach((e, i) => {
      if (e.action === 'applied' && (phase === 'all' || e.phase === phase)) lastApplied = i;
    });
    const early = plan.find((e, i) => e.action === 'apply' && i < lastApplied);
    if (early) {
      throw new RefusalError(
        `${early.path}: new migration sorts before ${plan[lastApplied].path}, which is already applied; rename it to sort last, or run apply with --allow-out-of-order if it does not depend on the migrations before it`,
      );
    }
  }
  if (phase === 'contract') {
    // A contract migration was written against the schema its earlier expand migrations make.
    const firstExpand = plan.find((e) => e.action === 'skip');
    const laterContract = firstExpand && plan.slice(plan.indexOf(firstExpand)).some((e) => e.action !== 'skip' && e.action !== 'applied');
    if (firstExpand && laterContract) {
      throw new RefusalError(
        `${firstExpand.path}: pending expand migration comes before pending contract migrations; run bgmigrate apply --phase expand first`,
      );
    }
  }
  return plan;
}

function refuseMissingRelease(plan: PlanEntry[], reports: FileReport[], release: string | null): void {
  if (release !== null) return;
  for (const entry of plan) {
    if (entry.action !== 'apply' && entry.action !== 'resume') continue;
    const report = reports.find((r) => r.id === entry.id);
    if (report && report.directives.deprecates.length > 0) {
      throw new UsageError(
        `${entry.path}: declares deprecations (${report.directives.deprecates.join(', ')}), which are recorded at a release: pass --release <name>`,
      );
    }
  }
}

/**
 * Why a migration may not run now, as `file:line:column: reason` lines. `refusals` stop the run
 * (exit 1): lint errors, contract effects in the expand phase, names that cannot be matched to a
 * deprecation. `waits` are the ledger's refusals of contract effects: they clear when the ledger
 * changes (a deprecation recorded, a release shipped or retired, the rollback window passing).
 */
export interface Judgement {
  refusals: string[];
  waits: string[];
}

/**
 * Why `report` may not run in `phase` (both lists empty when it may): lint errors in either phase;
 * any contract effect in expand; any contract effect the ledger refuses in contract (unless a
 * `bgmigrate-ignore` comment took responsibility for it, which the ledger records).
 */
export function judge(report: FileReport, phase: RunPhase, gate: LedgerGate): Judgement {
  const reasons: string[] = [];
  const waits: string[] = [];
  const where = (line: number, column: number) => `${report.path}:${line}:${column}`;
  if (phase === 'all') {
    // No traffic: no release can be broken or blocked. Only what the runner itself cannot run stops it.
    for (const finding of report.findings) {
      if (finding.severity === 'error' && NO_TRAFFIC_REFUSALS.has(finding.rule)) reasons.push(`${where(finding.line, finding.column)}: ${finding.rule}: ${finding.message}`);
    }
    return { refusals: reasons, waits };
  }
  for (const finding of report.findings) {
    // Contract findings carry the verdict of the gate the file was linted with; the effects
    // below are judged by the gate passed in, which is the current one. A script's read is
    // settled by compiling it against the database right before it runs (see applyMigrations).
    if (finding.severity !== 'error' || finding.ledger || finding.readAtApply) continue;
    reasons.push(`${where(finding.line, finding.column)}: ${finding.rule}: ${finding.message}`);
  }
  for (const statement of runnableStatements(report)) {
    for (const effect of statement.effects) {
      if (effect.class !== 'contract') continue;
      if (phase === 'expand') {
        reasons.push(
          `${where(statement.line, statement.column)}: ${effect.kind} ${effect.object} is a contract effect; the expand phase applies additive changes only`,
        );
        continue;
      }
      // A suppression vouches for the one effect its finding named (set by the linter on the
      // effect itself), never for whatever else shares its line.
      if (effect.suppressed !== undefined) continue;
      const verdict = contractVerdict(effect, gate);
      if (!verdict.allowed) {
        // A name the analyser could not pin to a schema never becomes allowed by waiting.
        // Nor does one a live query still uses (usage evidence): that needs the query fixed.
        (isAmbiguous(effect.object) || verdict.byUsage ? reasons : waits).push(`${where(statement.line, statement.column)}: ${effect.kind}: ${verdict.reason}`);
      }
      // Recorded with the migration: the releases that shipped before this one get sealed.
      else if (verdict.allowedBy !== undefined) effect.allowedBy = verdict.allowedBy;
    }
  }
  return { refusals: reasons, waits };
}

/** A DO block with COMMIT/ROLLBACK in its body, or a procedure call (procedures may commit). */
function commitsAsItGoes(statement: RunnableStatement): boolean {
  return statement.kind === 'CallStmt' || statement.effects.some((e) => e.kind === 'do-block' && (e as { detail?: { subtype?: string } }).detail?.subtype === 'commits');
}

/** A statement whose only lasting effect is on the session: safe, and needed, to run again on resume. */
function changesSession(statement: RunnableStatement): boolean {
  if (statement.kind === 'VariableSetStmt' || statement.kind === 'DiscardStmt') return true;
  return statement.kind === 'SelectStmt' && /\bset_config\s*\(/i.test(statement.text) && statement.effects.every((e) => e.kind === 'select' || e.kind === 'set');
}

/** Findings that stop even an apply with no traffic: the runner could not run the file correctly. */
const NO_TRAFFIC_REFUSALS = new Set(['parse-error', 'transaction-control']);

/** What an interrupted run leaves: the migration in progress rolled back (or resumable), the ones before it kept. */
function interruption(signal: AbortSignal, file: MigrationFile, applied: AppliedMigration[], transactional: boolean): InterruptedError {
  const name = signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
  const current = transactional
    ? `${file.path} was rolled back (nothing of it is applied)`
    : `${file.path} stopped between statements: those done are applied and recorded, and the next apply resumes there`;
  const kept = applied.length === 0 ? 'no migration of this run was applied' : `kept: ${applied.length} migration${applied.length === 1 ? '' : 's'} applied before it (${applied.map((a) => a.path).join(', ')})`;
  return new InterruptedError(name, `interrupted by ${name}: ${current}; ${kept}`);
}

function refusalMessage(reasons: string[]): string {
  const more = reasons.length > 1 ? ` (and ${reasons.length - 1} more; --dry-run lists them all)` : '';
  return `${reasons[0]}${more}`;
}

function runsInTransaction(report: FileReport): boolean {
  return !report.directives.noTransaction && !report.statements.some((s) => s.cannotRunInTransaction);
}

function suppressionsOf(report: FileReport): { rule: string; reason: string; object?: string }[] {
  return report.findings
    .filter((f) => f.suppressed !== undefined)
    .map((f) => ({ rule: f.rule, reason: f.suppressed!, ...(f.object ? { object: f.object } : {}) }));
}

/** Runs one migration at a time on the work connection, with retries and ledger records. */
class MigrationRunner {
  readonly rebuilt: string[] = [];
  private readonly watch: BlockerWatch | undefined;
  private pid = 0;

  constructor(
    private readonly work: pg.Client,
    lock: ApplierLock | undefined,
    private readonly ledger: LedgerOptions,
    private readonly settings: Settings,
    private readonly emit: (event: ApplyEvent) => void,
    private readonly sleep: ((ms: number) => Promise<void>) | undefined,
  ) {
    // Probe twice per lock timeout so a wait is seen before the timeout ends it.
    this.watch = lock ? new BlockerWatch(lock.client, Math.max(20, Math.floor(settings.lockTimeoutMs / 2))) : undefined;
  }

  async run(
    file: MigrationFile,
    report: FileReport,
    done: number[],
    release: string | null,
    recheck?: () => Promise<string[]>,
  ): Promise<AppliedMigration> {
    if (this.pid === 0) this.pid = await backendPid(this.work);
    const statements = runnableStatements(report);
    const started = Date.now();
    const counter = { retries: 0 };
    const record = async () => {
      await recordMigration(
        this.work,
        {
          id: file.id,
          checksum: file.checksum,
          phase: report.phase,
          release,
          durationMs: Date.now() - started,
          effects: statements.flatMap((s) => s.effects),
          suppressions: suppressionsOf(report),
        },
        this.ledger,
      );
      if (report.directives.deprecates.length > 0 && release !== null) {
        await recordDeprecations(this.work, report.directives.deprecates, release, { ...this.ledger, source: 'directive', migrationId: file.id });
      }
    };
    const backfill = report.directives.backfill;
    if (backfill) {
      // SET statements first (they shape the session the batches run in), then the batches.
      for (const statement of statements) if (changesSession(statement)) await this.execute(statement.text);
      const target = statements.find((s) => !changesSession(s))!;
      const where = `${file.path}:${target.line}:${target.column}`;
      const figures = await runBackfill(this.work, target, where, {
        schema: ledgerSchema(this.ledger),
        migrationId: file.id,
        checksum: file.checksum,
        batchSize: this.settings.batchSize ?? backfill.batchSize ?? 1000,
        batchDelayMs: this.settings.batchDelayMs,
        ...(this.settings.maxReplicationLagMs !== undefined ? { maxReplicationLagMs: this.settings.maxReplicationLagMs } : {}),
        lockTimeoutMs: this.settings.lockTimeoutMs,
        statementTimeoutMs: this.settings.batchTimeoutMs,
        maxRetries: this.settings.maxRetries,
        retryDelayMs: this.settings.retryDelayMs,
        retryMaxDelayMs: this.settings.retryMaxDelayMs,
        sleep: this.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
        onProgress: (progress) => this.emit({ type: 'backfill', id: file.id, path: file.path, ...progress, elapsedMs: Date.now() - started }),
      }, backfill.key ?? ((table) => this.settings.backfillKeys[table]));
      counter.retries += figures.retries;
      await this.finish(file, counter, record);
      const durationMs = Date.now() - started;
      this.emit({ type: 'migration-done', id: file.id, durationMs, retries: counter.retries });
      return { id: file.id, path: file.path, durationMs, retries: counter.retries, statements: statements.length, backfill: figures };
    }
    if (runsInTransaction(report)) {
      const before = recheck
        ? async () => {
            const reasons = await recheck();
            if (reasons.length > 0) throw new RefusalError(refusalMessage(reasons));
          }
        : undefined;
      await this.inTransaction(file, statements, statements, started, counter, record, before);
    } else {
      const doneSet = new Set(done);
      // A statement that commits as it goes and was started by an earlier run, never finished:
      // part of it is committed. It is re-run only when the migration says that is safe.
      const starts = statements.some(commitsAsItGoes) ? await statementStarts(this.work, file.id, file.checksum, this.ledger) : [];
      for (const statement of statements) {
        if (doneSet.has(statement.index)) continue;
        const earlier = starts.find((s) => s.statementIndex === statement.index);
        if (earlier && commitsAsItGoes(statement) && !report.directives.idempotent) {
          throw new RefusalError(
            `${file.path}:${statement.line}:${statement.column}: this ${statement.kind === 'CallStmt' ? 'procedure call' : 'DO block'} commits as it goes, and an earlier run started it at ${formatInstant(earlier.at)} and did not finish: ` +
              `some of its batches are committed, and running it again from the start would repeat them. Finish or undo its work by hand; ` +
              `to let bgmigrate re-run it, make every batch idempotent and declare the migration "-- bgmigrate: idempotent" in a new migration file`,
          );
        }
        break;
      }
      for (const statement of statements) {
        if (doneSet.has(statement.index)) {
          // Resuming after a crash: the session settings the finished statements made
          // (search_path, timeouts, set_config) are in force again before the next one.
          if (changesSession(statement)) await this.execute(statement.text);
          continue;
        }
        if (commitsAsItGoes(statement)) await recordStatementStart(this.work, { migrationId: file.id, checksum: file.checksum, statementIndex: statement.index }, this.ledger);
        await this.alone(file, statement, statements, started, counter, release);
      }
      await this.finish(file, counter, record);
    }
    const durationMs = Date.now() - started;
    this.emit({ type: 'migration-done', id: file.id, durationMs, retries: counter.retries });
    return { id: file.id, path: file.path, durationMs, retries: counter.retries, statements: statements.length };
  }

  /** The whole migration and `after` (its ledger rows) in one transaction, retried as a whole. */
  private async inTransaction(
    file: MigrationFile,
    statements: RunnableStatement[],
    all: RunnableStatement[],
    started: number,
    counter: { retries: number },
    after: () => Promise<void>,
    before?: () => Promise<void>,
  ): Promise<void> {
    let current = statements[0];
    const whole = statements.length === all.length;
    await this.withRetries(
      file,
      {
        tables: tablesOf(statements),
        statement: () => current,
        state: () =>
          whole
            ? 'the migration was rolled back: nothing of it is applied'
            : `statement ${current.index + 1} was rolled back; the statements before it are applied and recorded, and the next apply resumes there`,
      },
      counter,
      () =>
        this.transaction(async () => {
          await before?.();
          for (const statement of statements) {
            current = statement;
            this.progress(file, statement, all.length, started, counter.retries);
            await this.execute(statement.text);
          }
          await after();
        }),
    );
  }

  /** One statement of a no-transaction migration, then its progress row. */
  private async alone(
    file: MigrationFile,
    statement: RunnableStatement,
    all: RunnableStatement[],
    started: number,
    counter: { retries: number },
    release: string | null,
  ): Promise<void> {
    const recordDone = (since: number) =>
      recordStatementProgress(
        this.work,
        { migrationId: file.id, checksum: file.checksum, statementIndex: statement.index, durationMs: Date.now() - since, release },
        this.ledger,
      );
    if (canWrapInTransaction(statement)) {
      // Plain DDL in a no-transaction migration still commits with its progress row: exactly once.
      await this.inTransaction(file, [statement], all, started, counter, () => recordDone(Date.now()));
      return;
    }
    const build = await concurrentIndexBuild(statement.text);
    const context = {
      tables: tablesOf([statement]),
      statement: () => statement,
      state: () =>
        `this statement runs outside a transaction and may have partly run; the statements before it are applied and recorded, and the next apply resumes at it${
          build?.name ? ' (dropping an INVALID index it left, then building again)' : ''
        }`,
    };
    await this.withRetries(file, context, counter, async () => {
      this.progress(file, statement, all.length, started, counter.retries);
      const since = Date.now();
      let skip = false;
      if (build?.name) {
        const existing = await existingIndex(this.work, { ...build, name: build.name });
        if (existing?.onTable && !existing.valid) {
          // Left by a failed or killed concurrent build: useless, and it slows every write.
          this.emit({ type: 'invalid-index', id: file.id, index: existing.qualifiedName });
          await this.execute(`DROP INDEX CONCURRENTLY IF EXISTS ${existing.qualifiedName}`);
          this.rebuilt.push(existing.qualifiedName);
        } else if (existing?.onTable && existing.valid) {
          // An earlier run finished the build but died before recording it.
          skip = true;
        }
      }
      // An unnamed build cannot be found by name later: note the table's INVALID indexes now, so
      // that one this attempt leaves behind is dropped before retrying or giving up.
      const invalidBefore = build && !build.name ? await invalidIndexes(this.work, build.table) : null;
      try {
        if (!skip) await this.execute(statement.text);
      } catch (error) {
        if (invalidBefore) {
          const left = (await invalidIndexes(this.work, build!.table).catch(() => [])).filter((i) => !invalidBefore.includes(i));
          for (const index of left) await this.work.query(`DROP INDEX CONCURRENTLY IF EXISTS ${index}`).catch(() => undefined);
        }
        throw error;
      }
      await this.transaction(() => recordDone(since));
    });
  }

  /** Records a no-transaction migration as applied once all its statements are done. */
  private async finish(file: MigrationFile, counter: { retries: number }, record: () => Promise<void>): Promise<void> {
    await this.withRetries(
      file,
      {
        tables: [],
        statement: () => null,
        state: () => 'every statement is applied and recorded; the next apply records the migration',
      },
      counter,
      () => this.transaction(record),
    );
  }

  private async execute(sql: string): Promise<void> {
    // A session-level SET an earlier statement (or migration) left behind must not lift the cap either.
    await this.capTimeouts();
    this.watch?.start(this.pid);
    try {
      await this.work.query(sql);
    } finally {
      await this.watch?.stop();
    }
    await this.capTimeouts();
  }

  /**
   * The runner's lock timeout (and statement timeout, when it sets one) wins over the
   * migration's: after each statement, a `SET lock_timeout = 0`, a larger value, a `set_config`
   * or a `RESET` it ran is brought back to the cap (a smaller value is kept). Live traffic never
   * queues behind the migration for longer than the configured timeout.
   */
  private async capTimeouts(): Promise<void> {
    const local = this.inTransaction_;
    const caps: [string, number][] = [['lock_timeout', Math.round(this.settings.lockTimeoutMs)]];
    if (this.settings.statementTimeoutMs > 0) caps.push(['statement_timeout', Math.round(this.settings.statementTimeoutMs)]);
    for (const [name, cap] of caps) {
      await this.work.query(
        `SELECT set_config($1, $2, $3) FROM pg_settings WHERE name = $1 AND (setting::bigint = 0 OR setting::bigint > $4::bigint)`,
        [name, `${cap}ms`, local, cap],
      );
    }
  }

  /** Inside the runner's own transaction (SET LOCAL semantics for the cap). */
  private inTransaction_ = false;

  private async transaction(body: () => Promise<void>): Promise<void> {
    await this.work.query('BEGIN');
    this.inTransaction_ = true;
    try {
      await this.work.query(`SET LOCAL lock_timeout = ${Math.round(this.settings.lockTimeoutMs)}`);
      await this.work.query(`SET LOCAL statement_timeout = ${Math.round(this.settings.statementTimeoutMs)}`);
      await body();
      await this.work.query('COMMIT');
    } catch (error) {
      await this.work.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      this.inTransaction_ = false;
    }
  }

  /**
   * Retries on lock timeout; turns the final failure, and any SQL error, into a RefusalError
   * that says where, why, who was in the way, and what state the migration is in.
   */
  private async withRetries(
    file: MigrationFile,
    context: { tables: string[]; statement: () => RunnableStatement | null; state: () => string },
    counter: { retries: number },
    attempt: () => Promise<void>,
  ): Promise<void> {
    if (this.watch) this.watch.last = [];
    try {
      await withLockRetries(attempt, this.settings, {
        sleep: this.sleep,
        onRetry: (event: RetryEvent) => {
          counter.retries++;
          this.emit({
            type: 'retry',
            id: file.id,
            retry: event.retry,
            maxRetries: event.maxRetries,
            delayMs: event.delayMs,
            code: event.code,
            blockers: this.watch?.last ?? [],
          });
        },
      });
    } catch (error) {
      const statement = context.statement();
      const where = statement ? `${file.path}:${statement.line}:${statement.column}` : file.path;
      if (error instanceof RetriesExhausted) {
        let blockers = this.watch?.last ?? [];
        if (blockers.length === 0) {
          blockers = await lockHoldersOn(this.work, context.tables, [this.pid]).catch(() => []);
        }
        const who =
          blockers.length > 0 ? `blocked by ${blockers.map(describeBlocker).join(', ')}` : 'the blocking session had gone when checked';
        throw new LockTimeoutExhausted(
          `${where}: gave up after ${error.attempts} attempts, each waiting ${formatMs(this.settings.lockTimeoutMs)} for a lock (${error.lastError.message}); ${who}; ${context.state()}`,
          { applied: [], cause: error },
        );
      }
      if (isDatabaseError(error)) {
        const code = (error as { code: string }).code;
        throw new RefusalError(`${where}: ${(error as Error).message} (SQLSTATE ${code}); ${context.state()}`, { cause: error });
      }
      if (isConnectionLoss(error)) {
        // The session went away (server restart, network, terminated backend): PostgreSQL
        // rolled back whatever transaction was open.
        throw new UsageError(`${where}: lost the connection to the database (${(error as Error).message.split('\n')[0]}); ${context.state()}`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  private progress(file: MigrationFile, statement: RunnableStatement, count: number, started: number, retries: number): void {
    this.emit({
      type: 'statement',
      id: file.id,
      index: statement.index,
      count,
      line: statement.line,
      text: statement.text,
      elapsedMs: Date.now() - started,
      retries,
    });
  }
}

/** The session is gone: server shutdown, terminated backend, network failure. */
function isConnectionLoss(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (code.startsWith('08') || /^57P0[123]$/.test(code) || /^E(CONNRESET|PIPE|CONNREFUSED|TIMEDOUT)$/.test(code))) {
    return true;
  }
  return /connection terminated|connection (is )?closed|connection error|not queryable/i.test(error.message);
}

/** A PostgreSQL error (has a five-character SQLSTATE), as opposed to a lost connection. */
function isDatabaseError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08') && code !== '57P01';
}

