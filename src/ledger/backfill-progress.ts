/**
 * Backfill checkpoints (`<schema>.backfill_progress`, ledger version 7): per migration and file
 * content, the key column, the last key done and the rows done. src/apply/backfill.ts writes one
 * in each batch's transaction, so a killed run resumes after the last committed batch; `status`
 * reads them.
 */
import type pg from 'pg';
import { relationExists } from '../db/sql.js';
import { ledgerSchema, quoted, type LedgerOptions } from './ddl.js';

/** One backfill's checkpoint. */
export interface BackfillCheckpoint {
  migrationId: string;
  checksum: string;
  keyColumn: string;
  /** The last key done, as text; null before the first batch. */
  lastKey: string | null;
  rowsDone: number;
  batches: number;
  /** pg_class.reltuples of the table when the backfill started. */
  estimate: number | null;
  startedAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

/** The backfill's identity: one checkpoint per migration and file content. */
export interface BackfillKey {
  migrationId: string;
  checksum: string;
}

function table(options: LedgerOptions): string {
  return `${quoted(ledgerSchema(options))}.backfill_progress`;
}

/**
 * Creates the checkpoint when the backfill starts (kept as it is when an earlier run started it)
 * and returns where to go on from.
 */
export async function startBackfill(
  client: pg.ClientBase,
  start: BackfillKey & { keyColumn: string; estimate: number },
  options: LedgerOptions = {},
): Promise<{ lastKey: string | null; rowsDone: number; batches: number }> {
  await client.query(
    `INSERT INTO ${table(options)} (migration_id, checksum, key_column, estimate) VALUES ($1, $2, $3, $4) ON CONFLICT (migration_id, checksum) DO NOTHING`,
    [start.migrationId, start.checksum, start.keyColumn, start.estimate],
  );
  const saved = (
    await client.query<{ last_key: string | null; rows_done: string; batches: number }>(
      `SELECT last_key, rows_done, batches FROM ${table(options)} WHERE migration_id = $1 AND checksum = $2`,
      [start.migrationId, start.checksum],
    )
  ).rows[0];
  return { lastKey: saved.last_key, rowsDone: Number(saved.rows_done), batches: saved.batches };
}

/** Records one batch as done; call it in the batch's own transaction. */
export async function recordBackfillBatch(client: pg.ClientBase, batch: BackfillKey & { lastKey: string; rows: number }, options: LedgerOptions = {}): Promise<void> {
  await client.query(
    `UPDATE ${table(options)} SET last_key = $3, rows_done = rows_done + $4, batches = batches + 1, updated_at = now()
      WHERE migration_id = $1 AND checksum = $2`,
    [batch.migrationId, batch.checksum, batch.lastKey, batch.rows],
  );
}

/** Records that the last batch is done. */
export async function finishBackfill(client: pg.ClientBase, key: BackfillKey, options: LedgerOptions = {}): Promise<void> {
  await client.query(`UPDATE ${table(options)} SET finished_at = now(), updated_at = now() WHERE migration_id = $1 AND checksum = $2`, [key.migrationId, key.checksum]);
}

/** Every backfill checkpoint, oldest first; empty for a ledger older than version 7 (or none). */
export async function backfillCheckpoints(client: pg.ClientBase, options: LedgerOptions = {}): Promise<BackfillCheckpoint[]> {
  if (!(await relationExists(client, table(options)))) return [];
  const { rows } = await client.query<{
    migration_id: string;
    checksum: string;
    key_column: string;
    last_key: string | null;
    rows_done: string;
    batches: number;
    estimate: string | null;
    started_at: Date;
    updated_at: Date;
    finished_at: Date | null;
  }>(`SELECT * FROM ${table(options)} ORDER BY started_at`);
  return rows.map((r) => ({
    migrationId: r.migration_id,
    checksum: r.checksum,
    keyColumn: r.key_column,
    lastKey: r.last_key,
    rowsDone: Number(r.rows_done),
    batches: r.batches,
    estimate: r.estimate === null ? null : Number(r.estimate),
    startedAt: r.started_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
  }));
}
