/**
 * Running one migration on the work connection: every statement under the runner's
 * `lock_timeout` (which a migration's own SET cannot lift), retried with backoff when it hits
 * the lock timeout, and recorded in the ledger in the same transaction as the statements (a
 * no-transaction migration: statement by statement, so a crash resumes where it stopped).
 */
import type pg from 'pg';
import { backendPid } from '../db/sql.js';
import { serverVersion } from '../db/connect.js';
import { RefusalError, UsageError } from '../errors.js';
import {
  recordDeprecations,
  recordMigration,
  recordStatementProgress,
  recordStatementStart,
  statementStarts,
  type LedgerOptions,
} from '../ledger/index.js';
import { ledgerSchema } from '../ledger/schema.js';
import { formatInstant } from '../ledger/state.js';
import type { FileReport, MigrationFile } from '../model.js';
import { formatMs, type ApplierLock } from './applier-lock.js';
import { runBackfill, type BackfillProgress } from './backfill.js';
import { describeBlocker, lockHoldersOn, type Blocker } from './blocker.js';
import { BlockerWatch } from './blocker-watch.js';
import { concurrentIndexBuild, existingIndex, invalidIndexes } from './concurrent-index.js';
import { LockTimeoutExhausted, MigrationFailed } from './errors.js';
import { withLockRetries, type RetryEvent, type RetrySchedule } from './retry.js';
import { canWrapInTransaction, detailOf, runnableStatements, tablesOf, type RunnableStatement } from './statements.js';

/** One migration this run applied (ApplyResult.applied): how long it took, how many lock retries. */
export interface AppliedMigration {
  id: string;
  path: string;
  durationMs: number;
  retries: number;
  statements: number;
  /** A backfill's final figures (src/apply/backfill.ts). */
  backfill?: BackfillProgress;
}

/** The runner's progress: which statement, retries, backfill batches (part of ApplyEvent). */
export type RunnerEvent =
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

/** How the runner runs: timeouts and the retry schedule, backfill batching. */
export interface RunnerSettings extends RetrySchedule {
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

/** The work connection's session: the runner's timeouts, and a check that stops a statement when bgmigrate dies. */
export async function prepareSession(work: pg.Client, settings: RunnerSettings, pgVersion: number): Promise<void> {
  // Session-level defaults for statements that run outside a transaction; transactions set
  // them again with SET LOCAL.
  await work.query(`SET lock_timeout = ${Math.round(settings.lockTimeoutMs)}`);
  await work.query(`SET statement_timeout = ${Math.round(settings.statementTimeoutMs)}`);
  // If this process dies mid-statement, the server notices within a second and stops the
  // statement, instead of finishing an orphaned CREATE INDEX CONCURRENTLY nobody records.
  const server = await serverVersion(work).catch(() => pgVersion);
  if (server >= 14) await work.query(`SET client_connection_check_interval = 1000`).catch(() => undefined);
}

/** Runs one migration at a time on the work connection, with retries and ledger records. */
export class MigrationRunner {
  readonly rebuilt: string[] = [];
  private readonly watch: BlockerWatch | undefined;
  private pid = 0;

  constructor(
    private readonly work: pg.Client,
    lock: ApplierLock | undefined,
    private readonly ledger: LedgerOptions,
    private readonly settings: RunnerSettings,
    private readonly emit: (event: RunnerEvent) => void,
    private readonly sleep: ((ms: number) => Promise<void>) | undefined,
    /** What the run applied so far (the caller adds to it): carried by the refusals the runner throws. */
    private readonly applied: readonly AppliedMigration[],
  ) {
    // Probe twice per lock timeout so a wait is seen before the timeout ends it.
    this.watch = lock ? new BlockerWatch(lock.client, Math.max(20, Math.floor(settings.lockTimeoutMs / 2))) : undefined;
  }

  async run(
    file: MigrationFile,
    report: FileReport,
    done: number[],
    release: string | null,
    recheck?: () => Promise<void>,
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
      await this.inTransaction(file, statements, statements, started, counter, record, recheck);
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
    const build = concurrentIndexBuild(statement);
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
   * Retries on lock timeout; turns the final failure into a LockTimeoutExhausted, and any SQL
   * error into a MigrationFailed, saying where, why, who was in the way, and what state the
   * migration is in. A lost connection is a UsageError (exit 2).
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
      if (error instanceof LockTimeoutExhausted) {
        let blockers = this.watch?.last ?? [];
        if (blockers.length === 0) {
          blockers = await lockHoldersOn(this.work, context.tables, [this.pid]).catch(() => []);
        }
        const who =
          blockers.length > 0 ? `blocked by ${blockers.map(describeBlocker).join(', ')}` : 'the blocking session had gone when checked';
        throw new LockTimeoutExhausted(
          `${where}: gave up after ${error.attempts} attempts, each waiting ${formatMs(this.settings.lockTimeoutMs)} for a lock (${error.lastError.message}); ${who}; ${context.state()}`,
          { attempts: error.attempts, lastError: error.lastError, applied: this.applied, cause: error },
        );
      }
      if (isDatabaseError(error)) {
        const code = (error as { code: string }).code;
        throw new MigrationFailed(`${where}: ${(error as Error).message} (SQLSTATE ${code}); ${context.state()}`, { sqlState: code, applied: this.applied, cause: error });
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

/** A DO block with COMMIT/ROLLBACK in its body, or a procedure call (procedures may commit). */
function commitsAsItGoes(statement: RunnableStatement): boolean {
  return statement.kind === 'CallStmt' || statement.effects.some((e) => e.kind === 'do-block' && detailOf(e)?.subtype === 'commits');
}

/** A statement whose only lasting effect is on the session: safe, and needed, to run again on resume. */
function changesSession(statement: RunnableStatement): boolean {
  if (statement.kind === 'VariableSetStmt' || statement.kind === 'DiscardStmt') return true;
  return (
    statement.kind === 'SelectStmt' &&
    statement.effects.some((e) => detailOf(e)?.setsConfig === true) &&
    statement.effects.every((e) => e.kind === 'select' || e.kind === 'set')
  );
}

/** The runner wraps the migration in one transaction (no directive or statement says otherwise). */
export function runsInTransaction(report: FileReport): boolean {
  return !report.directives.noTransaction && !report.statements.some((s) => s.cannotRunInTransaction);
}

function suppressionsOf(report: FileReport): { rule: string; reason: string; object?: string }[] {
  return report.findings
    .filter((f) => f.suppressed !== undefined)
    .map((f) => ({ rule: f.rule, reason: f.suppressed!, ...(f.object ? { object: f.object } : {}) }));
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
