/**
 * Runs migration statements against a real server and records, from the server itself, what
 * each one locked, rewrote and scanned — without changing the target database.
 *
 * Design (why it is safe, and what it sees):
 * - Where: see venue.ts. Preferably a COPY of the target; each statement then runs in its own
 *   transaction, committed in the copy, so the next one starts with no locks held and every lock
 *   is seen afresh; CONCURRENTLY/VACUUM run there as in production.
 * - Otherwise the TARGET, inside ONE transaction that is always rolled back. Each statement runs
 *   under a SAVEPOINT so a failing one is undone alone and later ones still run; earlier
 *   statements stay applied so later ones see their objects. A lock an earlier statement took is
 *   already held and cannot be seen again ("masked", see compare.ts). Statements that cannot run
 *   in a transaction run on a throwaway database brought up to that point by replaying the traced
 *   statements before them; their transactional form (without CONCURRENTLY) is then replayed in
 *   the target's transaction so later statements see their objects.
 * - Always: transaction control (BEGIN/COMMIT/…) and COPY are never executed; statements go over
 *   the extended protocol, one per message; hard lock_timeout and statement_timeout are set before
 *   every statement; statements that act on the whole server (CREATE/DROP DATABASE, ALTER SYSTEM,
 *   tablespaces, subscriptions) are refused before anything runs.
 * - What a rollback cannot undo is reported, not hidden: sequences advanced by nextval(). (CREATE
 *   INDEX also refreshes planner statistics — pg_class.reltuples/relpages — in place.)
 * - On the target, every lock is held until the final ROLLBACK, so `statementTimeoutMs` bounds
 *   the whole transaction: each statement may use what earlier ones left; the rest are not run.
 * - Timing: a statement's `durationMs` is its own execution time, and `lockHeldMs` (the time it
 *   held its strongest lock) is the same figure: in a real apply the lock lasts until COMMIT, but
 *   under a rollback the time to the end of the transaction means nothing.
 */
import type pg from 'pg';
import { redactUrl } from '../db/connect.js';
import { UsageError } from '../errors.js';
import type { Effect, Span } from '../model.js';
import { loadParser } from '../parse/parser.js';
import { classifyStatement, type Handling } from './classify.js';
import { compareTables, observeTables, predictTables } from './compare.js';
import { diffLocks, diffRewrites, diffScans, lockRank, takeSnapshot, type LockRow, type Snapshot } from './observe.js';
import { openSampler, type SampledRun, type Sampler } from './sampler.js';
import { APP, backendPid, capTimeouts, errorText, millis, runOne, sequenceValues, type Caps } from './session.js';
import type { TraceReport, TracedFile, TracedStatement } from './types.js';
import { openVenue, type Venue } from './venue.js';

/** One statement to trace, with what the static analysis said about it. */
export interface TraceInputStatement extends Span {
  index: number;
  text: string;
  /** libpg-query node type, when known (else the classifier parses the text). */
  kind?: string;
  /** The parse tree under `kind` (src/lint.ts with `parseTrees`); without it the text is parsed. */
  node?: Record<string, unknown>;
  effects: Effect[];
  /** The analysis says PostgreSQL refuses it inside a transaction block. */
  cannotRunInTransaction?: boolean;
  /** The text does not parse (the rest of its file was not split): reported, never run. */
  parseError?: string;
}

export interface TraceInputFile {
  path: string;
  id: string;
  statements: TraceInputStatement[];
}

export interface TraceRunOptions {
  /** The target database. Never changed: see the module comment. */
  url: string;
  /** Longest wait for any lock, per statement; default 2 s. */
  lockTimeoutMs?: number;
  /** Longest run of any statement; on the target, of all statements together (their locks last until the rollback); default 30 s. */
  statementTimeoutMs?: number;
  /** The PostgreSQL major the static analysis assumed (reported only). */
  pgVersion?: number;
  /**
   * `auto` (default): a copy of the target when possible, else the target in a rolled-back
   * transaction; `target`: always the latter.
   */
  venue?: 'auto' | 'target';
  /** Largest target copied (default 256 MB); a larger one is traced in place. */
  copyLimitBytes?: number;
  /** Called before each statement, for a progress line. */
  onProgress?: (text: string) => void;
}

type Runnable = Exclude<Handling, { kind: 'refuse' }>;

interface Planned {
  file: TraceInputFile;
  stmt: TraceInputStatement;
  kind: string;
  handling: Runnable;
}

function location(file: TraceInputFile, stmt: TraceInputStatement): string {
  return `${file.path}:${stmt.line}:${stmt.column}`;
}

/** Decides how each statement runs; refuses (UsageError) before anything runs. */
function plan(files: readonly TraceInputFile[]): Planned[] {
  const out: Planned[] = [];
  for (const file of files) {
    for (const stmt of file.statements) {
      const { nodeType, handling } = stmt.parseError
        ? { nodeType: 'ParseError', handling: { kind: 'skip', note: 'not run: PostgreSQL cannot parse it, and the rest of the file was not traced' } as const }
        : classifyStatement(stmt.text, stmt.kind !== undefined && stmt.node ? { kind: stmt.kind, node: stmt.node } : undefined);
      if (handling.kind === 'transaction' && stmt.cannotRunInTransaction) {
        // The static analysis knows a case the classifier does not: trust it.
        out.push({ file, stmt, kind: stmt.kind ?? nodeType, handling: { kind: 'throwaway', what: stmt.kind ?? nodeType, transactionalForm: null } });
        continue;
      }
      if (handling.kind === 'refuse') {
        const where = location(file, stmt);
        throw new UsageError(`${where}: trace refuses to run ${handling.what}: it acts on the whole server and cannot be rolled back`, {
          location: where,
        });
      }
      out.push({ file, stmt, kind: stmt.kind ?? nodeType, handling });
    }
  }
  return out;
}

/**
 * Traces the statements of `files`, in order, against `options.url`.
 * Throws UsageError (exit 2) for statements trace refuses, for a role that cannot create the
 * throwaway database some statements need, and for connection failures.
 *
 * @example
 * const report = await runTrace([{ path: 'm.sql', id: 'm.sql', statements }], { url });
 */
export async function runTrace(files: readonly TraceInputFile[], options: TraceRunOptions): Promise<TraceReport> {
  await loadParser();
  const caps: Caps = { lockTimeoutMs: options.lockTimeoutMs ?? 2_000, statementTimeoutMs: options.statementTimeoutMs ?? 30_000 };
  const planned = plan(files);
  const first = planned.find((p) => p.handling.kind === 'throwaway');
  const venue = await openVenue(
    options,
    first && first.handling.kind === 'throwaway' ? { what: first.handling.what, location: location(first.file, first.stmt) } : undefined,
  );
  try {
    const tracer = new Tracer(venue, caps, options.url, planned);
    const results = await tracer.traceAll(options.onProgress);
    const traced: TracedFile[] = files.map((f) => ({
      path: f.path,
      id: f.id,
      statements: results.filter((r) => r.file === f).map((r) => r.result),
    }));
    return buildReport(traced, {
      database: redactUrl(options.url),
      serverMajor: venue.serverMajor,
      pgVersion: options.pgVersion ?? venue.serverMajor,
      ranOn: venue.kind,
      ...(venue.reason ? { ranOnReason: venue.reason } : {}),
      throwaway: venue.throwaway ? { source: venue.throwaway.source } : null,
      sideEffects: tracer.sideEffects,
      sharedRolledBack: tracer.sharedRolledBack,
    });
  } finally {
    await venue.close();
  }
}

/** Runs the planned statements in one venue, statement by statement. */
class Tracer {
  readonly sideEffects: string[] = [];
  /** Copy venue: statements on roles and database settings run and rolled back at once. */
  sharedRolledBack = 0;
  /** Target venue: the state inside the open transaction after the last successful statement. */
  private current: Snapshot | undefined;
  private sampler: Sampler | undefined;
  private throwaway: { runner: pg.Client; pid: number } | undefined;
  /** Target venue: how many planned statements the throwaway database has replayed. */
  private replayed = 0;
  /** Target venue: when the transaction began; its locks are held until the end, so time is budgeted. */
  private began = 0n;

  constructor(
    private readonly venue: Venue,
    private readonly caps: Caps,
    private readonly url: string,
    private readonly planned: Planned[],
  ) {}

  async traceAll(onProgress?: (text: string) => void): Promise<{ file: TraceInputFile; result: TracedStatement }[]> {
    const { venue } = this;
    const out: { file: TraceInputFile; result: TracedStatement }[] = [];
    // Sequences are not transactional: nextval() during the trace advances them on the target for
    // good. Resetting them would race live traffic, so trace only reports it.
    const sequences = venue.kind === 'target' ? await sequenceValues(venue.main) : undefined;
    if (venue.kind === 'target') {
      await venue.main.query('BEGIN');
      this.began = process.hrtime.bigint();
      this.current = await takeSnapshot(venue.main, venue.mainPid, true);
    }
    try {
      for (let i = 0; i < this.planned.length; i++) {
        const { file, stmt } = this.planned[i]!;
        onProgress?.(`${location(file, stmt)} ${stmt.text.replace(/\s+/g, ' ').slice(0, 60)}`);
        out.push({ file, result: await this.traceOne(i) });
      }
    } finally {
      // Whatever happened, nothing stays on the target.
      if (venue.kind === 'target') await venue.main.query('ROLLBACK').catch(() => undefined);
    }
    if (sequences) {
      for (const [name, value] of await sequenceValues(venue.main)) {
        const prior = sequences.get(name);
        if (prior !== undefined && prior !== value) {
          this.sideEffects.push(`sequence ${name} advanced from ${prior ?? 'unused'} to ${value} (sequences are not rolled back)`);
        }
      }
    }
    return out;
  }

  /**
   * On the target every lock taken is held until the final ROLLBACK, so the whole transaction —
   * not each statement — gets `statementTimeoutMs`: each statement may use what is left.
   */
  private remainingMs(): number {
    return this.venue.kind === 'target' ? this.caps.statementTimeoutMs - millis(this.began) : this.caps.statementTimeoutMs;
  }

  private async traceOne(i: number): Promise<TracedStatement> {
    const { stmt, kind, handling } = this.planned[i]!;
    const base = baseResult(stmt, kind);
    const remaining = this.remainingMs();
    if (remaining < 1 && handling.kind !== 'skip') {
      return {
        ...base,
        mode: 'skipped',
        status: 'error',
        error: `not run: on the target, the statements together may hold their locks for ${this.caps.statementTimeoutMs} ms (--statement-timeout), and that time is spent`,
      };
    }
    switch (handling.kind) {
      case 'skip':
        return stmt.parseError
          ? { ...base, mode: 'skipped', status: 'error', error: stmt.parseError, note: handling.note }
          : { ...base, mode: 'skipped', status: 'skipped', note: handling.note };
      case 'transaction':
        return this.inTransaction(stmt.text, base, handling.shared);
      case 'throwaway':
        return this.venue.kind === 'copy' ? this.outsideTransaction(stmt, base) : this.onThrowaway(i, base, handling.transactionalForm);
    }
  }

  /**
   * Copy: BEGIN; stmt; observe; COMMIT (ROLLBACK for a `shared` statement: roles and database
   * settings belong to the whole server, not to the copy). Target: SAVEPOINT; stmt; observe; RELEASE.
   */
  private async inTransaction(text: string, base: TracedStatement, shared?: string): Promise<TracedStatement> {
    const { main, mainPid, kind: where } = this.venue;
    if (where === 'copy') await main.query('BEGIN');
    await capTimeouts(main, { ...this.caps, statementTimeoutMs: Math.max(1, Math.ceil(this.remainingMs())) }, true);
    const before = where === 'copy' ? await takeSnapshot(main, mainPid, true) : this.current!;
    if (where === 'target') await main.query('SAVEPOINT bgmigrate_trace');
    const start = process.hrtime.bigint();
    let failure: string | undefined;
    try {
      await runOne(main, text);
    } catch (error) {
      failure = errorText(error, this.url);
    }
    const durationMs = millis(start);
    if (failure !== undefined) {
      await main.query(where === 'target' ? 'ROLLBACK TO SAVEPOINT bgmigrate_trace' : 'ROLLBACK');
      return { ...base, status: 'error', error: failure, durationMs };
    }
    const after = await takeSnapshot(main, mainPid, true);
    const result = observed(base, before, after, after.locks, durationMs);
    if (where === 'target') {
      await main.query('RELEASE SAVEPOINT bgmigrate_trace');
      this.current = after;
      return result;
    }
    if (shared !== undefined) {
      await main.query('ROLLBACK');
      this.sharedRolledBack++;
      return { ...result, note: `${shared} changes the whole server, not just this database: run in a transaction rolled back at once, so later statements do not see it` };
    }
    try {
      await main.query('COMMIT');
    } catch (error) {
      return { ...base, status: 'error', error: `at COMMIT: ${errorText(error, this.url)}`, durationMs };
    }
    return result;
  }

  /** Copy venue: the statement runs as in production, outside a transaction, sampled. */
  private async outsideTransaction(stmt: TraceInputStatement, base: TracedStatement): Promise<TracedStatement> {
    const { main, mainPid } = this.venue;
    this.sampler ??= openSampler(await this.venue.open(this.venue.url, `${APP} (sampler)`));
    await capTimeouts(main, this.caps, false);
    return sampledResult(base, await this.sampler.run(main, mainPid, stmt, this.url));
  }

  /** Target venue: on the throwaway database, brought up to this point first. */
  private async onThrowaway(i: number, base: TracedStatement, transactionalForm: string | null): Promise<TracedStatement> {
    const { stmt } = this.planned[i]!;
    const spare = this.venue.throwaway!;
    if (!this.throwaway) {
      const runner = await this.venue.open(spare.url);
      this.throwaway = { runner, pid: await backendPid(runner) };
      this.sampler = openSampler(await this.venue.open(spare.url, `${APP} (sampler)`));
    }
    const { runner, pid } = this.throwaway;
    for (; this.replayed < i; this.replayed++) {
      const earlier = this.planned[this.replayed]!;
      // A statement that failed on the target fails here too; replay goes on regardless.
      // Shared statements (roles, database settings) are never replayed: they would be committed server-wide.
      if (earlier.handling.kind !== 'skip' && !(earlier.handling.kind === 'transaction' && earlier.handling.shared)) {
        await runOne(runner, earlier.stmt.text).catch(() => undefined);
      }
    }
    await capTimeouts(runner, this.caps, false);
    let result = sampledResult(base, await this.sampler!.run(runner, pid, stmt, this.url));
    if (result.status === 'error' && spare.source === 'replay') {
      result = {
        ...result,
        note: 'it ran on an empty throwaway database with only the traced migrations replayed: objects the target had before them are missing there',
      };
    }
    this.replayed = i + 1;
    if (transactionalForm) {
      const { main, mainPid } = this.venue;
      await main.query('SAVEPOINT bgmigrate_trace');
      try {
        await runOne(main, transactionalForm);
        await main.query('RELEASE SAVEPOINT bgmigrate_trace');
        this.current = await takeSnapshot(main, mainPid, true);
      } catch {
        await main.query('ROLLBACK TO SAVEPOINT bgmigrate_trace');
      }
    }
    return result;
  }
}

function baseResult(stmt: TraceInputStatement, kind: string): TracedStatement {
  return {
    index: stmt.index,
    line: stmt.line,
    column: stmt.column,
    endLine: stmt.endLine,
    endColumn: stmt.endColumn,
    text: stmt.text,
    kind,
    mode: 'transaction',
    status: 'ok',
    durationMs: 0,
    lockHeldMs: null,
    locks: [],
    strongest: null,
    rewritten: [],
    scanned: null,
    predicted: predictTables(stmt.effects),
    observed: [],
    mismatches: [],
    effects: stmt.effects,
  };
}

function sampledResult(base: TracedStatement, run: SampledRun): TracedStatement {
  if (run.failure !== undefined) return { ...base, mode: 'throwaway', status: 'error', error: run.failure, durationMs: run.durationMs };
  return { ...observed(base, run.before, run.after, run.samples, run.durationMs), mode: 'throwaway', scanned: null };
}

const TABLE_KINDS = ['table', 'partitioned-table', 'materialized-view'];

/** The statement's result from two snapshots and the locks seen in between. */
function observed(base: TracedStatement, before: Snapshot, after: Snapshot, locks: LockRow[], durationMs: number): TracedStatement {
  const all = diffLocks(before, after, locks);
  // Tables that existed before the statement first: a lock on one it created blocks nobody.
  let strongest: TracedStatement['strongest'] = null;
  for (const created of [false, true]) {
    for (const lock of all) {
      if (!lock.new || lock.created !== created || !TABLE_KINDS.includes(lock.relkind)) continue;
      if (!strongest || lockRank(lock.mode) > lockRank(strongest.mode)) {
        strongest = created ? { relation: lock.relation, mode: lock.mode, created: true } : { relation: lock.relation, mode: lock.mode };
      }
    }
    if (strongest) break;
  }
  const observedTables = observeTables(base.predicted, { before, after, locks });
  return {
    ...base,
    durationMs,
    lockHeldMs: all.some((l) => l.new) ? durationMs : null,
    locks: all,
    strongest,
    rewritten: diffRewrites(before, after),
    scanned: diffScans(before, after),
    observed: observedTables,
    mismatches: compareTables(base.predicted, observedTables),
  };
}

function buildReport(
  files: TracedFile[],
  head: Pick<TraceReport, 'database' | 'serverMajor' | 'pgVersion' | 'ranOn' | 'ranOnReason' | 'throwaway' | 'sideEffects' | 'sharedRolledBack'>,
): TraceReport {
  const findings: TraceReport['findings'] = [];
  let statements = 0;
  let errors = 0;
  for (const file of files) {
    for (const s of file.statements) {
      statements++;
      if (s.status === 'error') errors++;
      if (s.mismatches.length === 0) continue;
      findings.push({
        path: file.path,
        rule: 'trace-mismatch',
        severity: 'error',
        message: `the server disagrees with the static analysis: ${s.mismatches.join('; ')}`,
        line: s.line,
        column: s.column,
        endLine: s.endLine,
        endColumn: s.endColumn,
        object: s.observed.find((o) => s.mismatches.some((m) => m.startsWith(o.table + ':')))?.table,
        help: "this is a bug in bgmigrate's lock model: please report it with the statement; trust the observed lock",
      });
    }
  }
  return { version: 1, ...head, files, findings, summary: { files: files.length, statements, errors, mismatches: findings.length } };
}
