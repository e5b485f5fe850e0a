/**
 * Runs migration statements against a real server and records, from the server itself, what
 * each one locked, rewrote and scanned — without changing the target database.
 *
 * Design (why it is safe):
 * - Everything that can run in a transaction runs on the target inside ONE transaction that is
 *   always rolled back. Each statement runs under a SAVEPOINT so a failing one is undone alone
 *   and later ones still run; earlier statements stay applied inside the transaction, so later
 *   ones see their objects. Transaction control (BEGIN/COMMIT/…) and COPY are never executed.
 *   Statements are sent with the extended protocol, which accepts exactly one statement.
 * - A hard `lock_timeout` and `statement_timeout` are set before every statement (a migration's
 *   own SET cannot lift them), and `idle_in_transaction_session_timeout` ends the transaction if
 *   trace dies while holding locks.
 * - Statements that cannot run in a transaction (CONCURRENTLY, VACUUM) run on a throwaway
 *   database, dropped at the end: a copy of the target (CREATE DATABASE … TEMPLATE) when nobody
 *   else is connected to it, else an empty database into which the traced statements before them
 *   are replayed. A second session samples their locks while they run, holding a snapshot and
 *   ACCESS SHARE on the tables they touch so that they wait where they would wait in production.
 *   Without the right to create a database, trace refuses them (UsageError, exit 2).
 * - Statements that act on the whole server (CREATE/DROP DATABASE, ALTER SYSTEM, tablespaces,
 *   subscriptions) are refused before anything runs.
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

/**
 * Traces the statements of `files`, in order, against `options.url`.
 * Throws UsageError (exit 2) for statements trace refuses, for a role that cannot create the
 * throwaway database some statements need, and for connection failures.
 */
export async function runTrace(files: readonly TraceInputFile[], options: TraceRunOptions): Promise<TraceReport> {
  await loadParser();
  const lockTimeoutMs = options.lockTimeoutMs ?? 2_000;
  const statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
  const plan: Planned[] = [];
  for (const file of files) {
    for (const stmt of file.statements) {
      const { nodeType, handling } = classifyStatement(stmt.text);
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

  const target = await connect(options.url, { applicationName: APP });
  const clients: pg.Client[] = [target];
  let admin: pg.Client | undefined;
  let throwawayName: string | undefined;
  let throwawaySource: 'template' | 'replay' = 'replay';
  let throwawayReason: string | undefined;
  try {
    const info = (
      await target.query<{ major: number; can_create: boolean; role: string; db: string; others: number }>(
        `SELECT current_setting('server_version_num')::int / 10000 AS major,
                (SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user) AS can_create,
                current_user AS role, current_database() AS db,
                (SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()) AS others`,
      )
    ).rows[0]!;

    if (needsThrowaway) {
      const handling = needsThrowaway.handling as Extract<Handling, { kind: 'throwaway' }>;
      if (!info.can_create) {
        throw new UsageError(
          `${location(needsThrowaway.file, needsThrowaway.stmt)}: ${handling.what} cannot run inside a transaction, and role "${info.role}" cannot create a throwaway database to run it in (it needs CREATEDB); trace refuses to run it against database "${info.db}"`,
          { location: location(needsThrowaway.file, needsThrowaway.stmt) },
        );
      }
      throwawayName = `bgmigrate_trace_${process.pid}_${randomBytes(3).toString('hex')}`;
      // A copy of the target needs nobody connected to it, trace included.
      if (info.others === 0) {
        await target.end();
        clients.length = 0;
        for (const maintenance of ['postgres', 'template1']) {
          try {
            admin = await connect(withDatabase(options.url, maintenance), { applicationName: APP });
            break;
          } catch {
            // Try the next maintenance database.
          }
        }
        if (admin) {
          try {
            await admin.query(`CREATE DATABASE ${quoteIdent(throwawayName)} TEMPLATE ${quoteIdent(info.db)}`);
            throwawaySource = 'template';
          } catch (error) {
            throwawayReason = `could not copy the target: ${errorText(error, options.url)}`;
          }
        } else {
          throwawayReason = 'no maintenance database (postgres, template1) to copy the target from';
        }
      } else {
        throwawayReason = `${info.others} other session(s) are connected to the target, so it cannot be copied`;
      }
    }

    const main = clients.length ? target : await connect(options.url, { applicationName: APP });
    if (!clients.length) clients.push(main);
    if (throwawayName && throwawaySource === 'replay') {
      admin ??= main;
      // An empty database; the traced statements before each non-transactional one are replayed into it.
      await admin.query(`CREATE DATABASE ${quoteIdent(throwawayName)}`);
    }

    const pid = (await main.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    await main.query('BEGIN');
    await main.query(
      `SELECT set_config('idle_in_transaction_session_timeout', $1, true)`,
      [String(Math.max(statementTimeoutMs, 10_000) * 2)],
    );
    const caps = [String(lockTimeoutMs), String(statementTimeoutMs)];
    const capSql = `SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true)`;

    let current = await takeSnapshot(main, pid, true);
    let throwaway: ThrowawaySession | undefined;
    let replayed = 0;
    const traced = new Map<TraceInputFile, TracedStatement[]>();
    for (const file of files) traced.set(file, []);

    try {
      for (let i = 0; i < plan.length; i++) {
        const { file, stmt, kind, handling } = plan[i]!;
        options.onProgress?.(`${location(file, stmt)} ${stmt.text.replace(/\s+/g, ' ').slice(0, 60)}`);
        const base: TracedStatement = {
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
        let result: TracedStatement;
        if (handling.kind === 'skip') {
          result = { ...base, mode: 'skipped', status: 'skipped', note: handling.note };
        } else if (handling.kind === 'transaction') {
          await main.query(capSql, caps);
          await main.query('SAVEPOINT bgmigrate_trace');
          const start = process.hrtime.bigint();
          let failure: string | undefined;
          try {
            await runOne(main, stmt.text);
          } catch (error) {
            failure = errorText(error, options.url);
          }
          const durationMs = millis(start);
          if (failure !== undefined) {
            await main.query('ROLLBACK TO SAVEPOINT bgmigrate_trace');
            result = { ...base, status: 'error', error: failure, durationMs };
          } else {
            const after = await takeSnapshot(main, pid, true);
            await main.query('RELEASE SAVEPOINT bgmigrate_trace');
            result = observed(base, current, after, after.locks, kind, durationMs);
            current = after;
          }
        } else {
          throwaway ??= await openThrowaway(withDatabase(options.url, throwawayName!), caps);
          if (throwawaySource === 'replay') {
            for (; replayed < i; replayed++) {
              const earlier = plan[replayed]!;
              if (earlier.handling.kind === 'skip') continue;
              await runOne(throwaway.runner, earlier.stmt.text).catch(() => undefined);
            }
          }
          const run = await throwaway.run(stmt.text, stmt.effects);
          result = run.failure !== undefined
            ? { ...base, mode: 'throwaway', status: 'error', error: run.failure, durationMs: run.durationMs }
            : { ...observed(base, run.before, run.after, run.samples, kind, run.durationMs), mode: 'throwaway', scanned: null };
          replayed = i + 1;
          if (handling.transactionalForm) {
            // The same change without CONCURRENTLY, so later statements on the target see its objects.
            await main.query('SAVEPOINT bgmigrate_trace');
            try {
              await runOne(main, handling.transactionalForm);
              await main.query('RELEASE SAVEPOINT bgmigrate_trace');
              current = await takeSnapshot(main, pid, true);
            } catch {
              await main.query('ROLLBACK TO SAVEPOINT bgmigrate_trace');
            }
          }
        }
        traced.get(file)!.push(result);
      }
    } finally {
      // Whatever happened, nothing stays on the target.
      await main.query('ROLLBACK').catch(() => undefined);
      await throwaway?.close();
    }

    const tracedFiles: TracedFile[] = files.map((f) => ({ path: f.path, id: f.id, statements: traced.get(f)! }));
    return buildReport(tracedFiles, {
      database: redactUrl(options.url),
      serverMajor: info.major,
      pgVersion: options.pgVersion ?? info.major,
      throwaway: throwawayName ? { source: throwawaySource, ...(throwawayReason ? { reason: throwawayReason } : {}) } : null,
    });
  } finally {
    if (throwawayName) {
      const dropper = admin ?? clients[0];
      await dropper
        ?.query(`DROP DATABASE IF EXISTS ${quoteIdent(throwawayName)} WITH (FORCE)`)
        .catch(() => undefined);
    }
    for (const client of new Set([...clients, ...(admin ? [admin] : [])])) await client.end().catch(() => undefined);
  }
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
  for (const lock of all) {
    if (!lock.new || !['table', 'partitioned-table', 'materialized-view'].includes(lock.relkind)) continue;
    if (!strongest || lockRank(lock.mode) > lockRank(strongest.mode)) strongest = { relation: lock.relation, mode: lock.mode };
  }
  const observedTables = base.status === 'ok' ? observeTables(base.predicted, { before, after, locks, kind }) : [];
  return {
    ...base,
    durationMs,
    lockHeldMs: all.some((l) => l.new) ? durationMs : null,
    locks: all,
    strongest,
    rewritten: kind === 'TruncateStmt' ? [] : diffRewrites(before, after),
    scanned: diffScans(before, after),
    observed: observedTables,
    mismatches: compareTables(base.predicted, observedTables),
  };
}

interface ThrowawayRun {
  failure?: string;
  durationMs: number;
  before: Snapshot;
  after: Snapshot;
  samples: LockRow[];
}

interface ThrowawaySession {
  runner: pg.Client;
  run(text: string, effects: Effect[]): Promise<ThrowawayRun>;
  close(): Promise<void>;
}

/** Two sessions on the throwaway database: one runs statements, the other watches it. */
async function openThrowaway(url: string, caps: string[]): Promise<ThrowawaySession> {
  const runner = await connect(url, { applicationName: APP });
  const watcher = await connect(url, { applicationName: `${APP} (sampler)` }).catch(async (error: unknown) => {
    await runner.end().catch(() => undefined);
    throw error;
  });
  const pid = (await runner.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  await runner.query(`SELECT set_config('lock_timeout', $1, false), set_config('statement_timeout', $2, false)`, caps);
  return {
    runner,
    async run(text, effects) {
      const before = await takeSnapshot(watcher, pid, false);
      // Hold a snapshot and ACCESS SHARE on the tables the statement touches, like a live
      // reader would: the statement then waits in the phase where it would wait in production,
      // and the watcher sees what it holds while waiting.
      const names = new Set(relationNames(text));
      for (const effect of effects) {
        if (effect.table) names.add(effect.table.split('.').map((part) => quoteIdent(part)).join('.'));
      }
      await watcher.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      let blocking = false;
      try {
        // Indexes stand for their tables; a missing name is simply not held.
        const { rows } = await watcher.query<{ rel: string }>(
          `SELECT DISTINCT coalesce(i.indrelid, c.oid)::regclass::text AS rel
             FROM unnest($1::text[]) AS n
             JOIN pg_class c ON c.oid = to_regclass(n)
             LEFT JOIN pg_index i ON i.indexrelid = c.oid`,
          [[...names]],
        );
        for (const { rel } of rows) await watcher.query(`SELECT FROM ${rel} LIMIT 0`);
        await watcher.query('SELECT 1');
        blocking = true;
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
        // A few samples of it waiting (or a second without), then let it go.
        if (blocking && ((sample.waiting && ++waitingSeen >= 3) || millis(start) > 1_000)) {
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
    async close() {
      await runner.end().catch(() => undefined);
      await watcher.end().catch(() => undefined);
    },
  };
}

function buildReport(
  files: TracedFile[],
  head: Pick<TraceReport, 'database' | 'serverMajor' | 'pgVersion' | 'throwaway'>,
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
