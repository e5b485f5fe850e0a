/**
 * Backfills (`-- bgmigrate: backfill`): the migration's one UPDATE (or INSERT … SELECT) runs in
 * keyset batches over the table's primary key (or the unique NOT NULL column named by
 * `key=<column>`). Each batch is a transaction of its own, with the runner's lock timeout and
 * retries and a statement timeout, and commits together with its checkpoint in the ledger
 * (`backfill_progress`: the last key done, the rows done), so a killed run resumes after the last
 * committed batch and never applies a batch twice.
 *
 * Rows are taken in key order with plain row locks (no SKIP LOCKED): a row a live transaction
 * holds makes the batch wait up to the lock timeout, then the batch is retried with backoff, so
 * no row is ever skipped. Throttling: batch size, a delay between batches, a pause while any
 * replica's replay lag exceeds `backfill.maxReplicationLag`, and the lock backoff.
 */
import type pg from 'pg';
import { RefusalError } from '../errors.js';
import { quoteIdent } from '../db/sql.js';
import { finishBackfill, recordBackfillBatch, startBackfill } from '../ledger/backfill-progress.js';
import { parseSql, scanSql } from '../parse/parser.js';
import { LockTimeoutExhausted } from './errors.js';
import { withLockRetries } from './retry.js';
import type { RunnableStatement } from './statements.js';

export interface BackfillOptions {
  schema: string;
  migrationId: string;
  checksum: string;
  batchSize: number;
  batchDelayMs: number;
  /** Pause while replay lag on any replica exceeds this; undefined: no check. */
  maxReplicationLagMs?: number;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  maxRetries: number;
  retryDelayMs: number;
  retryMaxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  signal?: AbortSignal;
  onProgress?: (progress: BackfillProgress) => void;
}

export interface BackfillProgress {
  rowsDone: number;
  /** pg_class.reltuples of the table when the backfill started (-1 or 0: unknown). */
  estimate: number;
  batches: number;
  retries: number;
  /** Time spent paused for replication lag so far. */
  pausedMs: number;
  done: boolean;
}

interface Target {
  /** The table the batches range over, as SQL (`"public"."users"`). */
  table: string;
  /** How the statement names it (an alias, or the table name). */
  reference: string;
  key: string;
}

/** Runs the statement in batches; returns the final figures. */
export async function runBackfill(
  client: pg.Client,
  statement: RunnableStatement,
  where: string,
  options: BackfillOptions,
  keyOption?: string | ((table: string) => string | undefined),
): Promise<BackfillProgress> {
  const target = await targetOf(client, statement, where, keyOption);
  const ledger = { schema: options.schema };
  const backfill = { migrationId: options.migrationId, checksum: options.checksum };
  const key = quoteIdent(target.key);
  const batchSql = (first: boolean) => addKeyRange(statement.text, `${target.reference}.${key}`, first, where);
  const estimate = Number((await client.query<{ n: string }>(`SELECT reltuples::bigint AS n FROM pg_class WHERE oid = $1::regclass`, [target.table])).rows[0].n);
  const saved = await startBackfill(client, { ...backfill, keyColumn: target.key, estimate }, ledger);
  const progress: BackfillProgress = { rowsDone: saved.rowsDone, estimate, batches: saved.batches, retries: 0, pausedMs: 0, done: false };
  let last = saved.lastKey;
  for (;;) {
    if (options.signal?.aborted) throw new Error('interrupted');
    if (options.maxReplicationLagMs !== undefined) await waitForReplicas(client, options, progress);
    const bound = await client.query<{ upper: string | null }>(
      `SELECT max(k)::text AS upper FROM (SELECT ${key} AS k FROM ${target.table} ${last === null ? '' : `WHERE ${key} > $2`} ORDER BY ${key} LIMIT $1) s`,
      last === null ? [options.batchSize] : [options.batchSize, last],
    );
    const upper = bound.rows[0].upper;
    if (upper === null) break;
    const changed = await inBatchTransaction(client, options, progress, async () => {
      const result = await client.query(batchSql(last === null), last === null ? [upper] : [last, upper]);
      await recordBackfillBatch(client, { ...backfill, lastKey: upper, rows: result.rowCount ?? 0 }, ledger);
      return result.rowCount ?? 0;
    });
    last = upper;
    progress.rowsDone += changed;
    progress.batches += 1;
    options.onProgress?.(progress);
    if (options.batchDelayMs > 0) await options.sleep(options.batchDelayMs);
  }
  await finishBackfill(client, backfill, ledger);
  progress.done = true;
  options.onProgress?.(progress);
  return progress;
}

/**
 * One batch and its checkpoint in a transaction, retried on a lock timeout (or deadlock) with the
 * runner's schedule (src/apply/retry.ts). After the last retry PostgreSQL's own error is thrown.
 */
async function inBatchTransaction<T>(client: pg.Client, options: BackfillOptions, progress: BackfillProgress, work: () => Promise<T>): Promise<T> {
  try {
    return await withLockRetries(
      async () => {
        await client.query('BEGIN');
        try {
          await client.query(`SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true)`, [`${options.lockTimeoutMs}ms`, `${options.statementTimeoutMs}ms`]);
          const result = await work();
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      },
      options,
      { onRetry: () => void (progress.retries += 1), sleep: options.sleep },
    );
  } catch (error) {
    throw error instanceof LockTimeoutExhausted ? error.lastError : error;
  }
}

async function waitForReplicas(client: pg.Client, options: BackfillOptions, progress: BackfillProgress): Promise<void> {
  for (;;) {
    const { rows } = await client.query<{ lag: number | null }>(`SELECT max(extract(epoch FROM replay_lag) * 1000)::float8 AS lag FROM pg_stat_replication`);
    const lag = rows[0].lag ?? 0;
    if (lag <= options.maxReplicationLagMs!) return;
    const pause = Math.min(1000, options.maxReplicationLagMs!);
    await options.sleep(pause);
    progress.pausedMs += pause;
  }
}

/** The table the batches range over, its reference in the statement, and its key. */
async function targetOf(client: pg.Client, statement: RunnableStatement, where: string, keyFor?: string | ((table: string) => string | undefined)): Promise<Target> {
  const parsed = parseSql(statement.text);
  const node = 'error' in parsed ? undefined : (parsed.stmts[0]?.stmt[statement.kind] as Record<string, unknown> | undefined);
  const relation = statementRelation(statement.kind, node);
  if (!relation) throw new RefusalError(`${where}: a backfill ranges over one table: the UPDATE's, or the one table the INSERT … SELECT reads from`);
  const table = relation.schemaname ? `${quoteIdent(relation.schemaname)}.${quoteIdent(relation.relname)}` : quoteIdent(relation.relname);
  const reference = relation.alias ? quoteIdent(relation.alias) : table;
  // The directive's key=, else the config's backfill.keys for the table (schema-qualified as the catalog resolves it).
  const qualified = (await client.query<{ name: string }>(`SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1::regclass`, [table])).rows[0]?.name;
  const keyOption = typeof keyFor === 'function' ? (qualified ? keyFor(qualified) : undefined) : keyFor;
  const keys = await client.query<{ column: string; primary: boolean; notnull: boolean; identity: string }>(
    `SELECT a.attname::text AS column, i.indisprimary AS primary, a.attnotnull AS notnull, a.attidentity::text AS identity
       FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
      WHERE i.indrelid = $1::regclass AND i.indnkeyatts = 1 AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL`,
    [table],
  );
  if (keyOption) {
    const hit = keys.rows.find((k) => k.column === keyOption && k.notnull);
    if (!hit) throw new RefusalError(`${where}: backfill key=${keyOption}: ${relation.relname}.${keyOption} is not a unique NOT NULL column (a unique index on it alone, and NOT NULL)`);
    return { table, reference, key: keyOption };
  }
  const primary = keys.rows.find((k) => k.primary);
  if (!primary) {
    throw new RefusalError(
      `${where}: ${relation.relname} has no single-column primary key to batch by: name a unique NOT NULL column with "-- bgmigrate: backfill key=<column>" (a table without one cannot be backfilled in resumable batches)`,
    );
  }
  return { table, reference, key: primary.column };
}

function statementRelation(kind: string, node: Record<string, unknown> | undefined): { schemaname?: string; relname: string; alias?: string } | undefined {
  if (!node) return undefined;
  const rv = (value: unknown) => {
    const v = value as { schemaname?: string; relname?: string; alias?: { aliasname?: string } } | undefined;
    return v?.relname ? { ...(v.schemaname ? { schemaname: v.schemaname } : {}), relname: v.relname, ...(v.alias?.aliasname ? { alias: v.alias.aliasname } : {}) } : undefined;
  };
  if (kind === 'UpdateStmt') return rv(node.relation);
  if (kind === 'InsertStmt') {
    const from = (node.selectStmt as { SelectStmt?: { fromClause?: Record<string, unknown>[] } } | undefined)?.SelectStmt?.fromClause;
    if (!from || from.length !== 1 || !('RangeVar' in from[0])) return undefined;
    return rv(from[0].RangeVar);
  }
  return undefined;
}

/**
 * The statement with `<key> > $1 AND <key> <= $2` (first batch: `<key> <= $1`) added to its
 * top-level WHERE (or a WHERE added), before any RETURNING, GROUP BY, ORDER BY, LIMIT or ON CONFLICT.
 */
export function addKeyRange(sql: string, key: string, first: boolean, where: string): string {
  const tokens = scanSql(sql);
  if (!tokens) throw new RefusalError(`${where}: cannot read the backfill statement to split it into batches`);
  const bytes = Buffer.from(sql, 'utf8');
  const range = first ? `${key} <= $1` : `${key} > $1 AND ${key} <= $2`;
  let depth = 0;
  let whereToken: { start: number; end: number } | undefined;
  let stop: number | undefined;
  for (const t of tokens) {
    const word = t.text.toUpperCase();
    if (t.text === '(') depth += 1;
    else if (t.text === ')') depth -= 1;
    else if (depth === 0 && word === 'WHERE' && !whereToken) whereToken = t;
    else if (depth === 0 && ['RETURNING', 'GROUP', 'ORDER', 'LIMIT', 'ON', 'HAVING', 'WINDOW', 'OFFSET', 'FETCH', 'FOR'].includes(word) && stop === undefined) {
      // ON belongs to a JOIN before the WHERE; only one after it (or after FROM, for ON CONFLICT) ends it.
      if (word === 'ON' && !whereToken && !/\bconflict\b/i.test(bytes.subarray(t.end).toString('utf8').slice(0, 20))) continue;
      stop = t.start;
    }
  }
  const body = bytes.subarray(0, stop ?? bytes.length).toString('utf8').replace(/[\s;]+$/, '');
  const tail = stop === undefined ? '' : ` ${bytes.subarray(stop).toString('utf8').replace(/[\s;]+$/, '')}`;
  if (!whereToken) return `${body} WHERE ${range}${tail}`;
  const head = bytes.subarray(0, whereToken.end).toString('utf8');
  const condition = Buffer.from(body, 'utf8').subarray(whereToken.end).toString('utf8');
  return `${head} (${condition.trim()}) AND ${range}${tail}`;
}
