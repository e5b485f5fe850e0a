/**
 * `apply`: runs the pending migrations of one phase, in order, without ever making live
 * traffic wait on a lock for longer than the lock timeout, and without ever leaving a
 * migration half-applied and unrecorded.
 *
 * This file orchestrates: plan.ts decides which migrations run, judge.ts whether each may run
 * now, runner.ts runs one. Two connections: the lock connection holds the applier lock (and
 * watches for blockers while idle); the work connection runs the migrations. See
 * applier-lock.ts for why.
 */
import type pg from 'pg';
import { addDatabaseDependents } from './cascade.js';
import { backendPid } from '../db/sql.js';
import type { Config } from '../config/config.js';
import { targetVersion } from '../config/target-version.js';
import { connect, serverVersion } from '../db/connect.js';
import { InterruptedError, RefusalError, UsageError } from '../errors.js';
import {
  appliedMigrations,
  currentGate,
  ensureLedger,
  ledgerVersion,
  partialMigrations,
  recordDeployed,
  recordNoTrafficApply,
  recordUsageOverride,
  shippedReleases,
  type LedgerOptions,
} from '../ledger/index.js';
import { catalogObjects, resolveReportDeprecations } from '../ledger/objects.js';
import { lintMigrations } from '../lint.js';
import type { FileReport, LedgerGate, MigrationFile } from '../model.js';
import { poolGate } from '../pool/check.js';
import { acquireApplierLock, type ApplierLock, type LockHolder } from './applier-lock.js';
import { ApplyRefusal, LedgerRefusal } from './errors.js';
import { judge, judgeNow, outcome, refusalMessage, type Judgement } from './judge.js';
import { makePlan, refuseDrift, refuseMissingRelease, refusePhaseAllWhereShipped, type PlanEntry, type RunPhase } from './plan.js';
import { MigrationRunner, prepareSession, runsInTransaction, type AppliedMigration, type RunnerEvent, type RunnerSettings } from './runner.js';

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
   * Contract: treat a migration the ledger does not allow yet as a refusal (LedgerRefusal, exit 1,
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
  | RunnerEvent;

/**
 * Applies the pending migrations of `phase` in migration order.
 *
 * - Takes the applier lock (UsageError, exit 2, when another apply holds it past `lockWait`).
 * - Refuses (exit 1; the classes are in src/apply/errors.ts): on checksum drift (DriftError),
 *   on a plan out of order (PlanRefusal), over the pool budget in expand (PoolBudgetRefusal), and
 *   on the first migration whose re-lint refuses it (ApplyRefusal; LedgerRefusal when only the
 *   ledger's waits do, with --require-all) or whose statement fails (MigrationFailed);
 *   migrations before it stay applied.
 * - Contract: a migration the ledger does not allow yet is not an error. It gets the verdict
 *   `waiting` (with the reasons), it and the migrations after it are left for a later run, and
 *   the result is returned normally (the CLI exits 0, or 1 with --require-all).
 * - Expand skips pending contract migrations (they wait for the contract phase); contract
 *   refuses to start while a pending expand migration comes before a pending contract one.
 * - Retries a migration that hit the lock timeout with backoff; after the last retry throws
 *   LockTimeoutExhausted naming the blocking session, with the migration rolled back.
 *
 * @example
 * const result = await applyMigrations({ database: url, config, files, phase: 'expand', release: 'v43' });
 */
export async function applyMigrations(options: ApplyOptions): Promise<ApplyResult> {
  const settings = resolveSettings(options);
  const ledger: LedgerOptions = { schema: options.config.ledger.schema };
  const open = clientFactory(options.database);
  const emit = options.onProgress ?? (() => undefined);
  const now = options.now ?? (() => undefined);
  const dryRun = options.dryRun ?? false;
  const release = options.release ?? null;

  let lock: ApplierLock | undefined;
  let work: pg.Client | undefined;
  /** The ledger's gate as the database has it now; `underLock` holds release commands off until the work connection commits. */
  const gateAt = (underLock?: boolean) =>
    currentGate(work!, { ...ledger, rollbackWindowMs: options.config.ledger.rollbackWindowMs, now: now(), lock: underLock });
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
    const recorded = ledgerExists ? await appliedMigrations(work, ledger) : [];
    const appliedIds = new Set(recorded.map((a) => a.id));
    const unapplied = options.files.filter((f) => !appliedIds.has(f.id)).map((f) => f.id);
    const partial = ledgerExists ? await partialMigrations(work, unapplied, ledger) : [];
    refuseDrift(options.files, recorded, partial);

    const lint = (files: MigrationFile[], history: MigrationFile[], gate?: LedgerGate) =>
      lintMigrations(files, { pgVersion, rules: options.config.rules, ledger: gate, history });

    const planGate = await gateAt();
    const reports = await lint(options.files, [], planGate);
    const plan = makePlan(options.files, reports, recorded, partial, options.phase, options.allowOutOfOrder);
    if (options.phase === 'all') refusePhaseAllWhereShipped(ledgerExists ? await shippedReleases(work, ledger) : [], options.noTraffic);
    refuseMissingRelease(plan, reports, release);
    emit({ type: 'plan', plan });

    const applied: AppliedMigration[] = [];
    const runner = new MigrationRunner(work, lock, ledger, settings, emit, options.sleep, applied);
    const result: ApplyResult = { phase: options.phase, release, dryRun, plan, applied, rebuiltIndexes: runner.rebuilt, usageWarnings: [] };
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
        // With requireAll a wait is a refusal too, and the run applies nothing.
        const judgement = judge(report, options.phase, planGate);
        const { refusals } = outcome(judgement, options.requireAll);
        if (refusals.length > 0) {
          entry.verdict = 'refused';
          entry.reasons = refusals;
          throw refusal(judgement, refusals, applied);
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
      const gate = options.phase === 'contract' ? await gateAt() : planGate;
      if (!dryRun && file.script?.compiled?.problems.some((p) => p.read) && !file.script.compiled.online) {
        // A script that reads from the database: compiled again with its reads answered by the
        // database as it is now (every earlier migration applied), and what it would send linted.
        const { compileOnline } = await import('../migrations/compile/index.js');
        await compileOnline(file, work);
        const before = kept.slice(0, kept.indexOf(file));
        reportOf.set(file.id, (await lint([file], before, gate))[0]);
      }
      const report = reportOf.get(file.id)!;
      const { judgement, overridden, warnings } = await judgeNow(work, report, options.phase, gate, { config: options.config, ignore: options.ignoreUsage });
      for (const warning of warnings) if (!result.usageWarnings.includes(warning)) result.usageWarnings.push(warning);
      const { refusals, waits } = outcome(judgement, options.requireAll);
      entry.verdict = refusals.length > 0 ? 'refused' : waits.length > 0 ? 'waiting' : 'ok';
      if (refusals.length > 0) {
        entry.reasons = refusals;
        stopped = true;
        if (dryRun) continue;
        throw refusal(judgement, refusals, applied);
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
              const now = judge(report, 'contract', await gateAt(true));
              const refusals = [...now.refusals, ...now.waits];
              if (refusals.length > 0) throw refusal(now, refusals, applied);
            }
          : undefined;
      const interrupted = () => interruption(options.signal!, file, applied, runsInTransaction(report));
      if (options.signal?.aborted) throw interrupted();
      // On abort, cancel the statement on the server (from the applier-lock session): it must not
      // go on running after bgmigrate has gone.
      const workPid = await backendPid(work);
      const cancel = () => void lock?.client.query('SELECT pg_cancel_backend($1)', [workPid]).catch(() => undefined);
      options.signal?.addEventListener('abort', cancel, { once: true });
      try {
        applied.push(await runner.run(file, report, entry.doneStatements ?? [], release, recheck));
        for (const [object, reason] of overridden) {
          await recordUsageOverride(work, { object, reason, migrationId: file.id }, ledger);
        }
      } catch (error) {
        if (options.signal?.aborted) throw interrupted();
        // The runner's own refusals already carry what this run applied.
        if (error instanceof ApplyRefusal) throw error;
        if (error instanceof RefusalError) throw new ApplyRefusal(error.message, { applied, cause: error });
        throw error;
      } finally {
        options.signal?.removeEventListener('abort', cancel);
      }
    }
    if (!dryRun && release !== null && options.phase !== 'contract') await recordDeployed(work, release, ledger);
    if (!dryRun && options.phase === 'all' && options.noTraffic && applied.length > 0) {
      await recordNoTrafficApply(work, applied.map((a) => a.id), ledger);
    }
    return result;
  } finally {
    await work?.end().catch(() => undefined);
    await lock?.release().catch(() => undefined);
  }
}

function resolveSettings(options: ApplyOptions): RunnerSettings {
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

/**
 * The refusal that stops the run at a migration: a LedgerRefusal when nothing but the ledger's
 * waits stop it (with --require-all, or on the recheck under the ledger's lock), else an ApplyRefusal.
 */
function refusal(judgement: Judgement, refusals: string[], applied: readonly AppliedMigration[]): ApplyRefusal {
  const message = refusalMessage(refusals);
  return judgement.refusals.length === 0 ? new LedgerRefusal(message, { reasons: refusals, applied }) : new ApplyRefusal(message, { reasons: refusals, applied });
}

/** What an interrupted run leaves: the migration in progress rolled back (or resumable), the ones before it kept. */
function interruption(signal: AbortSignal, file: MigrationFile, applied: AppliedMigration[], transactional: boolean): InterruptedError {
  const name = signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
  const current = transactional
    ? `${file.path} was rolled back (nothing of it is applied)`
    : `${file.path} stopped between statements: those done are applied and recorded, and the next apply resumes there`;
  const kept = applied.length === 0 ? 'no migration of this run was applied' : `kept: ${applied.length} migration${applied.length === 1 ? '' : 's'} applied before it (${applied.map((a) => a.path).join(', ')})`;
  return new InterruptedError(name, `interrupted by ${name}: ${current}; ${kept}`);
}
