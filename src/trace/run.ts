/**
 * Runs migration statements against a real server and records, from the server itself, what
 * each one locked, rewrote and scanned — without changing the target database.
 *
 * Design (why it is safe, and what it sees):
 * - Preferred venue: a COPY of the target (CREATE DATABASE … TEMPLATE target), possible when the
 *   role may create databases, nobody else is connected to the target and it is small (default
 *   ≤ 256 MB). Each statement runs in its own transaction, committed in the copy, so the next one
 *   starts with no locks held and every lock is seen afresh; CONCURRENTLY/VACUUM run there as
 *   they would in production. The copy is dropped at the end; the target is never written.
 * - Otherwise, the TARGET itself, inside ONE transaction that is always rolled back. Each
 *   statement runs under a SAVEPOINT so a failing one is undone alone and later ones still run;
 *   earlier statements stay applied inside the transaction so later ones see their objects. A
 *   lock an earlier statement took is already held and cannot be seen again ("masked"). Statements
 *   that cannot run in a transaction run on a throwaway database — a copy of the target if one
 *   can be made, else an empty one — into which the traced statements before them are replayed;
 *   their transactional form (without CONCURRENTLY) is then replayed in the target's transaction.
 *   Without CREATEDB trace refuses them (UsageError).
 * - Always: transaction control (BEGIN/COMMIT/…) and COPY are never executed; statements go over
 *   the extended protocol, which accepts exactly one statement per message; a hard lock_timeout,
 *   statement_timeout and idle_in_transaction_session_timeout are set before every statement (a
 *   migration's own SET cannot lift them); statements that act on the whole server (CREATE/DROP
 *   DATABASE, ALTER SYSTEM, tablespaces, subscriptions) are refused before anything runs.
 * - Non-transactional statements are watched from a second session that first makes them wait
 *   for their first lock on the tables they name (see openSampler), then samples their pg_locks
 *   rows until they end. Their duration includes that wait.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { connect, redactUrl, stripPassword } from '../db/connect.js';
import { UsageError } from '../errors.js';
import type { Effect, Span } from '../model.js';
import { classifyStatement, loadParser, relationNames, type Handling } from './classify.js';
import { compareTables, observeTables, predictTables } from './compare.js';
import {
  diffLocks,
  diffRewrites,
  diffScans,
  lockRank,
  sampleLocks,
  takeSnapshot,
  type LockRow,
  type Snapshot,
} from './observe.js';
import type { TraceReport, TracedFile, TracedStatement } from './types.js';

/** One statement to trace, with what the static analysis said about it. */
export interface TraceInputStatement extends Span {
  index: number;
  text: string;
  /** libpg-query node type, when known (else trace parses the text itself). */
  kind?: string;
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
  /** Longest run of any statement; default 30 s. */
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

const APP = 'bgmigrate trace';

/** The same URL pointing at another database on the same server. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = '/' + encodeURIComponent(database);
  return parsed.toString();
}

function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
}

function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

function location(file: TraceInputFile, stmt: TraceInputStatement): string {
  return `${file.path}:${stmt.line}:${stmt.column}`;
}

function errorText(error: unknown, url: string): string {
  const message = error instanceof Error ? error.message : String(error);
  return stripPassword(message.split('\n')[0] ?? message, url);
}

async function runOne(client: pg.Client, text: string): Promise<void> {
  // The extended protocol refuses more than one statement per message: a statement can never
  // smuggle in a COMMIT.
  await client.query({ text, queryMode: 'extended' } as pg.QueryConfig);
}

function millis(start: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - start) / 1e4) / 100;
}

interface Planned {
  file: TraceInputFile;
  stmt: TraceInputStatement;
  kind: string;
  handling: Exclude<Handling, { kind: 'refuse' }>;
}

/** Where the statements ran. */
interface Venue {
  kind: 'copy' | 'target';
  main: pg.Client;
  mainPid: number;
  /** The copy's or throwaway database's name, dropped at the end. */
  scratchDb?: string;
  reason?: string;
}

/**
 * Traces the statements of `files`, in order, against `options.url`.
 *
 * When the role may create databases, nobody else is connected to the target and it is no
 * larger than `copyLimitBytes`, everything runs on a copy of the target (CREATE DATABASE …
 * TEMPLATE), each statement in its own transaction committed there, so each statement's locks
 * are seen afresh. Otherwise everything runs on the target inside one transaction that is rolled
 * back (a lock an earlier statement took is then held already and cannot be seen again).
 *
 * Throws UsageError (exit 2) for statements trace refuses, for a role that cannot create the
 * throwaway database some statements need, and for connection failures.
 */
export async function runTrace(files: readonly TraceInputFile[], options: TraceRunOptions): Promise<TraceReport> {
  await loadParser();
  const lockTimeoutMs = options.lockTimeoutMs ?? 2_000;
  const statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
  const caps = [String(lockTimeoutMs), String(statementTimeoutMs)];
  const plan: Planned[] = [];
  for (const file of files) {
    for (const stmt of file.statements) {
      const classified: ReturnType<typeof classifyStatement> = stmt.parseError
        ? { nodeType: 'ParseError', handling: { kind: 'skip', note: 'not run: PostgreSQL cannot parse it, and the rest of the file was not traced' } }
        : classifyStatement(stmt.text);
      const { nodeType, handling } = classified;
      const kind = stmt.kind ?? nodeType;
      if (handling.kind === 'refuse') {
        throw new UsageError(
          `${location(file, stmt)}: trace refuses to run ${handling.what}: it acts on the whole server and cannot be rolled back`,
          { location: location(file, stmt) },
        );
      }
      plan.push({ file, stmt, kind, handling });
    }
  }
  const needsThrowaway = plan.find((p) => p.handling.kind === 'throwaway');

  const opened: pg.Client[] = [];
  const open = async (url: string, name = APP): Promise<pg.Client> => {
    const client = await connect(url, { applicationName: name });
    opened.push(client);
    return client;
  };
  const close = async (client: pg.Client): Promise<void> => {
    opened.splice(opened.indexOf(client), 1);
    await client.end().catch(() => undefined);
  };
  const scratchDbs: string[] = [];
  const targetDb = databaseName(options.url);
  /**
   * Runs `fn` on a short-lived connection to a maintenance database other than the target
   * (`postgres`, or `template1` when the target is `postgres`), for CREATE/DROP DATABASE. Short,
   * because a session on template1 stops others from creating databases.
   */
  const maintenance = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T | undefined> => {
    for (const db of ['postgres', 'template1'].filter((d) => d !== targetDb)) {
      const client = await connect(withDatabase(options.url, db), { applicationName: APP }).catch(() => undefined);
      if (!client) continue;
      try {
        return await fn(client);
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    return undefined;
  };
  try {
    const probe = await open(options.url);
    const info = (
      await probe.query<{ major: number; can_create: boolean; role: string; db: string; others: number; size: string }>(
        `SELECT current_setting('server_version_num')::int / 10000 AS major,
                (SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user) AS can_create,
                current_user AS role, current_database() AS db,
                (SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()) AS others,
                pg_database_size(current_database())::text AS size`,
      )
    ).rows[0]!;
    const scratchName = (what: string) => `bgmigrate_trace_${what}_${process.pid}_${randomBytes(3).toString('hex')}`;

    // 1. A copy of the target when possible: clean observations, and the target is not touched.
    // In the target venue a copy still serves as the throwaway database for CONCURRENTLY & co.
    let venue: Venue | undefined;
    let copyReason: string | undefined;
    let copyName: string | undefined;
    const copyLimit = options.copyLimitBytes ?? 256 * 1024 * 1024;
    if (!info.can_create) copyReason = `role "${info.role}" cannot create databases`;
    else if (info.others > 0) copyReason = `${info.others} other session(s) are connected to it`;
    else if (Number(info.size) > copyLimit) copyReason = `it is larger than ${Math.round(copyLimit / 1048576)} MB`;
    else if (options.venue !== 'target' || needsThrowaway) {
      await close(probe); // a copy needs nobody connected to the original, trace included
      const name = scratchName('copy');
      try {
        const made = await maintenance(async (client) => {
          await client.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(info.db)}`);
          return true;
        });
        if (made) {
          scratchDbs.push(name);
          copyName = name;
        } else {
          copyReason = 'no maintenance database (postgres, template1) to connect to';
        }
      } catch (error) {
        copyReason = `could not copy it: ${errorText(error, options.url)}`;
      }
    }
    if (options.venue === 'target') copyReason = 'asked to run on the target';
    else if (copyName) {
      const main = await open(withDatabase(options.url, copyName));
      venue = { kind: 'copy', main, mainPid: await backendPid(main), scratchDb: copyName };
    }

    // 2. Otherwise the target itself, in a transaction that is always rolled back.
    let throwaway: { url: string; source: 'template' | 'replay' } | undefined;
    if (!venue) {
      if (needsThrowaway && !info.can_create) {
        const handling = needsThrowaway.handling as Extract<Handling, { kind: 'throwaway' }>;
        const where = location(needsThrowaway.file, needsThrowaway.stmt);
        throw new UsageError(
          `${where}: ${handling.what} cannot run inside a transaction, and role "${info.role}" cannot create a throwaway database to run it in (it needs CREATEDB); trace refuses to run it against database "${info.db}"`,
          { location: where },
        );
      }
      const main = opened.includes(probe) ? probe : await open(options.url);
      if (needsThrowaway && copyName) throwaway = { url: withDatabase(options.url, copyName), source: 'template' };
      else if (needsThrowaway) {
        // An empty database; the traced statements before each non-transactional one are replayed into it.
        const name = scratchName('replay');
        await main.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0`);
        scratchDbs.push(name);
        throwaway = { url: withDatabase(options.url, name), source: 'replay' };
      }
      venue = { kind: 'target', main, mainPid: await backendPid(main), reason: copyReason };
    }

    const { main, mainPid } = venue;
    const capSql = (local: boolean) =>
      `SELECT set_config('lock_timeout', $1, ${local}), set_config('statement_timeout', $2, ${local}),
              set_config('idle_in_transaction_session_timeout', $3, ${local})`;
    const idleCap = String(Math.max(statementTimeoutMs, 10_000) * 2);
    const venueUrl = venue.kind === 'copy' ? withDatabase(options.url, venue.scratchDb!) : options.url;
    const traced = new Map<TraceInputFile, TracedStatement[]>();
    for (const file of files) traced.set(file, []);
    let sampler: Sampler | undefined;
    let scratch: { runner: pg.Client; pid: number } | undefined;
    let replayed = 0;

    // Sequences are not transactional: nextval() during the trace (a serial default, an INSERT)
    // advances them on the target for good. Resetting them would race live traffic, so trace
    // only reports it.
    const sequencesBefore = venue.kind === 'target' ? await sequenceValues(main) : new Map<string, string | null>();
    if (venue.kind === 'target') await main.query('BEGIN');
    try {
      let current = venue.kind === 'target' ? await takeSnapshot(main, mainPid, true) : undefined;
      for (let i = 0; i < plan.length; i++) {
        const { file, stmt, kind, handling } = plan[i]!;
        options.onProgress?.(`${location(file, stmt)} ${stmt.text.replace(/\s+/g, ' ').slice(0, 60)}`);
        const base = baseResult(stmt, kind);
        let result: TracedStatement;
        if (handling.kind === 'skip') {
          result = stmt.parseError
            ? { ...base, mode: 'skipped', status: 'error', error: stmt.parseError, note: handling.note }
            : { ...base, mode: 'skipped', status: 'skipped', note: handling.note };
        } else if (handling.kind === 'transaction') {
          // Caps before every statement: a migration's own SET cannot lift them.
          if (venue.kind === 'copy') await main.query('BEGIN');
          await main.query(capSql(true), [...caps, idleCap]);
          const before = venue.kind === 'copy' ? await takeSnapshot(main, mainPid, true) : current!;
          if (venue.kind === 'target') await main.query('SAVEPOINT bgmigrate_trace');
          const start = process.hrtime.bigint();
          let failure: string | undefined;
          try {
            await runOne(main, stmt.text);
          } catch (error) {
            failure = errorText(error, options.url);
          }
          const durationMs = millis(start);
          if (failure !== undefined) {
            await main.query(venue.kind === 'target' ? 'ROLLBACK TO SAVEPOINT bgmigrate_trace' : 'ROLLBACK');
            result = { ...base, status: 'error', error: failure, durationMs };
          } else {
            const after = await takeSnapshot(main, mainPid, true);
            result = observed(base, before, after, after.locks, kind, durationMs);
            if (venue.kind === 'target') {
              await main.query('RELEASE SAVEPOINT bgmigrate_trace');
              current = after;
            } else {
              try {
                await main.query('COMMIT');
              } catch (error) {
                result = { ...base, status: 'error', error: `at COMMIT: ${errorText(error, options.url)}`, durationMs };
              }
            }
          }
        } else if (venue.kind === 'copy') {
          sampler ??= await openSampler(await open(venueUrl, `${APP} (sampler)`));
          await main.query(capSql(false), [...caps, '0']);
          const run = await sampler.run(main, mainPid, stmt.text, stmt.effects, options.url);
          result = sampledResult(base, run, kind);
        } else {
          // On the target: run it on the throwaway database, brought up to this point first.
          if (!scratch) {
            const runner = await open(throwaway!.url);
            scratch = { runner, pid: await backendPid(runner) };
            sampler = await openSampler(await open(throwaway!.url, `${APP} (sampler)`));
          }
          for (; replayed < i; replayed++) {
            const earlier = plan[replayed]!;
            if (earlier.handling.kind !== 'skip') await runOne(scratch.runner, earlier.stmt.text).catch(() => undefined);
          }
          await scratch.runner.query(capSql(false), [...caps, '0']);
          const run = await sampler!.run(scratch.runner, scratch.pid, stmt.text, stmt.effects, options.url);
          result = sampledResult(base, run, kind);
          replayed = i + 1;
          if (handling.transactionalForm) {
            // The same change without CONCURRENTLY, so later statements on the target see its objects.
            await main.query('SAVEPOINT bgmigrate_trace');
            try {
              await runOne(main, handling.transactionalForm);
              await main.query('RELEASE SAVEPOINT bgmigrate_trace');
              current = await takeSnapshot(main, mainPid, true);
            } catch {
              await main.query('ROLLBACK TO SAVEPOINT bgmigrate_trace');
            }
          }
        }
        traced.get(file)!.push(result);
      }
    } finally {
      // Whatever happened, nothing stays on the target.
      if (venue.kind === 'target') await main.query('ROLLBACK').catch(() => undefined);
    }
    const sideEffects: string[] = [];
    if (venue.kind === 'target') {
      for (const [name, value] of await sequenceValues(main)) {
        const prior = sequencesBefore.get(name);
        if (prior !== undefined && prior !== value) {
          sideEffects.push(`sequence ${name} advanced from ${prior ?? 'unused'} to ${value} (sequences are not rolled back)`);
        }
      }
    }

    const tracedFiles: TracedFile[] = files.map((f) => ({ path: f.path, id: f.id, statements: traced.get(f)! }));
    return buildReport(tracedFiles, {
      database: redactUrl(options.url),
      serverMajor: info.major,
      pgVersion: options.pgVersion ?? info.major,
      ranOn: venue.kind,
      ...(venue.reason ? { ranOnReason: venue.reason } : {}),
      throwaway: throwaway ? { source: throwaway.source } : null,
      sideEffects,
    });
  } finally {
    // Sessions on the scratch databases first, then the databases themselves.
    for (const client of [...opened].reverse()) await close(client);
    if (scratchDbs.length > 0) {
      await maintenance(async (client) => {
        for (const name of scratchDbs) await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      }).catch(() => undefined);
    }
  }
}

/** `last_value` of every sequence the role may read, by schema-qualified name. */
async function sequenceValues(client: pg.Client): Promise<Map<string, string | null>> {
  const { rows } = await client.query<{ name: string; value: string | null }>(
    `SELECT schemaname || '.' || sequencename AS name, last_value::text AS value FROM pg_sequences
      WHERE has_sequence_privilege(format('%I.%I', schemaname, sequencename), 'SELECT')`,
  );
  return new Map(rows.map((r) => [r.name, r.value]));
}

async function backendPid(client: pg.Client): Promise<number> {
  return (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
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

function sampledResult(base: TracedStatement, run: SampledRun, kind: string): TracedStatement {
  if (run.failure !== undefined) return { ...base, mode: 'throwaway', status: 'error', error: run.failure, durationMs: run.durationMs };
  return { ...observed(base, run.before, run.after, run.samples, kind, run.durationMs), mode: 'throwaway', scanned: null };
}

function observed(
  base: TracedStatement,
  before: Snapshot,
  after: Snapshot,
  locks: LockRow[],
  kind: string,
  durationMs: number,
): TracedStatement {
  const all = diffLocks(before, after, locks);
  let strongest: TracedStatement['strongest'] = null;
  for (const created of [false, true]) {
    for (const lock of all) {
      if (!lock.new || lock.created !== created || !['table', 'partitioned-table', 'materialized-view'].includes(lock.relkind)) continue;
      if (!strongest || lockRank(lock.mode) > lockRank(strongest.mode)) {
        strongest = created ? { relation: lock.relation, mode: lock.mode, created: true } : { relation: lock.relation, mode: lock.mode };
      }
    }
    if (strongest) break;
  }
  const observedTables = base.status === 'ok' ? observeTables(base.predicted, { before, after, locks, kind }) : [];
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

interface SampledRun {
  failure?: string;
  durationMs: number;
  before: Snapshot;
  after: Snapshot;
  samples: LockRow[];
}

interface Sampler {
  run(runner: pg.Client, runnerPid: number, text: string, effects: Effect[], url: string): Promise<SampledRun>;
}

/**
 * Watches another session run a statement outside any transaction block. First it holds SHARE
 * UPDATE EXCLUSIVE on the tables the statement names — the weakest mode that every DDL lock
 * request conflicts with — so the statement's first lock request on them waits and is seen for
 * sure however fast the statement is; then it lets go and keeps sampling until the statement ends.
 */
async function openSampler(watcher: pg.Client): Promise<Sampler> {
  return {
    async run(runner, pid, text, effects, url) {
      const before = await takeSnapshot(watcher, pid, false);
      const names = new Set(relationNames(text));
      for (const effect of effects) {
        if (effect.table) names.add(effect.table.split('.').map((part) => quoteIdent(part)).join('.'));
      }
      await watcher.query('BEGIN');
      let blocking = false;
      try {
        // Indexes stand for their tables; a missing name is simply not held.
        const { rows } = await watcher.query<{ rel: string }>(
          `SELECT DISTINCT coalesce(i.indrelid, c.oid)::regclass::text AS rel
             FROM unnest($1::text[]) AS n
             JOIN pg_class c ON c.oid = to_regclass(n)
             LEFT JOIN pg_index i ON i.indexrelid = c.oid
            WHERE coalesce(i.indrelid, c.oid) IN (SELECT oid FROM pg_class WHERE relkind IN ('r', 'p'))`,
          [[...names]],
        );
        if (rows.length) {
          await watcher.query(`LOCK TABLE ${rows.map((r) => r.rel).join(', ')} IN SHARE UPDATE EXCLUSIVE MODE`);
          blocking = true;
        } else {
          await watcher.query('ROLLBACK');
        }
      } catch {
        await watcher.query('ROLLBACK');
      }

      let done = false;
      let failure: string | undefined;
      const start = process.hrtime.bigint();
      let durationMs = 0;
      const running = runOne(runner, text)
        .catch((error: unknown) => {
          failure = errorText(error, url);
        })
        .finally(() => {
          durationMs = millis(start);
          done = true;
        });
      const samples: LockRow[] = [];
      let waitingSeen = 0;
      while (!done) {
        const sample = await sampleLocks(watcher, pid);
        samples.push(...sample.locks);
        // Two samples of it waiting (or a second without), then let it go.
        if (blocking && ((sample.waiting && ++waitingSeen >= 2) || millis(start) > 1_000)) {
          await watcher.query('ROLLBACK');
          blocking = false;
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await running;
      if (blocking) await watcher.query('ROLLBACK');
      const after = await takeSnapshot(watcher, pid, false);
      return { failure, durationMs, before, after, samples };
    },
  };
}

function buildReport(
  files: TracedFile[],
  head: Pick<TraceReport, 'database' | 'serverMajor' | 'pgVersion' | 'ranOn' | 'ranOnReason' | 'throwaway' | 'sideEffects'>,
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
        help: 'this is a bug in bgmigrate\'s lock model: please report it with the statement; trust the observed lock',
      });
    }
  }
  return {
    version: 1,
    ...head,
    files,
    findings,
    summary: { files: files.length, statements, errors, mismatches: findings.length },
  };
}
