/**
 * The ledger's snapshots of pg_stat_statements (`usage_snapshots`, `usage_snapshot_entries`,
 * ledger version 6): what src/usage/evidence.ts records at `release ship` and `usage --snapshot`,
 * and reads back to tell which queries ran since. This module owns the SQL on those tables; the
 * evidence module decides what a snapshot means.
 */
import type pg from 'pg';
import { relationExists } from '../db/sql.js';
import { ledgerSchema, quoted, type LedgerOptions } from './ddl.js';

export interface UsageSnapshotHeader {
  release: string | null;
  /** 'primary', or a name from the config's usage.servers. */
  server: string;
  reason: 'ship' | 'manual';
  /** pg_stat_statements_info at the time (PostgreSQL 14 and later), to tell a reset or evictions since. */
  statsReset: Date | null;
  dealloc: number | null;
}

export interface UsageSnapshotRow {
  seq: number;
  takenAt: Date;
  server: string;
  statsReset: Date | null;
  dealloc: number | null;
}

/** One statement's counters as a snapshot keeps them (the text only as its md5). */
export interface UsageSnapshotEntry {
  queryid: string;
  dbid: string;
  userid: string;
  calls: string;
  hash: string;
}

const table = (options: LedgerOptions, name: string) => `${quoted(ledgerSchema(options))}.${name}`;

/**
 * Records a snapshot: its header, then its entries — `'this-server'` copies the ledger server's
 * own pg_stat_statements for the current database in one statement, server side; a list records
 * entries read from another server. Returns the number of entries.
 */
export async function recordUsageSnapshot(
  client: pg.ClientBase,
  header: UsageSnapshotHeader,
  entries: 'this-server' | readonly UsageSnapshotEntry[],
  options: LedgerOptions = {},
): Promise<number> {
  const { rows } = await client.query<{ seq: string }>(
    `INSERT INTO ${table(options, 'usage_snapshots')} (release, server, reason, stats_reset, dealloc) VALUES ($1, $2, $3, $4, $5) RETURNING seq`,
    [header.release, header.server, header.reason, header.statsReset, header.dealloc],
  );
  const seq = rows[0].seq;
  if (entries === 'this-server') {
    const inserted = await client.query(
      `INSERT INTO ${table(options, 'usage_snapshot_entries')} (snapshot_seq, queryid, dbid, userid, calls, query_hash)
       SELECT $1, queryid, dbid, userid, sum(calls), md5(min(query))
         FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND queryid IS NOT NULL
        GROUP BY queryid, dbid, userid`,
      [seq],
    );
    return inserted.rowCount ?? 0;
  }
  await client.query(
    `INSERT INTO ${table(options, 'usage_snapshot_entries')} (snapshot_seq, queryid, dbid, userid, calls, query_hash)
     SELECT $1, * FROM unnest($2::bigint[], $3::oid[], $4::oid[], $5::bigint[], $6::text[])`,
    [seq, entries.map((r) => r.queryid), entries.map((r) => r.dbid), entries.map((r) => r.userid), entries.map((r) => r.calls), entries.map((r) => r.hash)],
  );
  return entries.length;
}

/** Every snapshot, oldest first; none when the ledger predates snapshots. */
export async function usageSnapshots(client: pg.ClientBase, options: LedgerOptions = {}): Promise<UsageSnapshotRow[]> {
  if (!(await relationExists(client, table(options, 'usage_snapshots')))) return [];
  const { rows } = await client.query<{ seq: string; taken_at: Date; stats_reset: Date | null; dealloc: string | null; server: string }>(
    `SELECT seq, taken_at, stats_reset, dealloc, server FROM ${table(options, 'usage_snapshots')} ORDER BY seq`,
  );
  return rows.map((r) => ({ seq: Number(r.seq), takenAt: r.taken_at, server: r.server, statsReset: r.stats_reset, dealloc: r.dealloc === null ? null : Number(r.dealloc) }));
}

/** A snapshot's calls per statement and role, keyed `queryid/userid`. */
export async function snapshotCalls(client: pg.ClientBase, seq: number, options: LedgerOptions = {}): Promise<Map<string, number>> {
  const { rows } = await client.query<{ key: string; calls: string }>(
    `SELECT queryid::text || '/' || userid AS key, calls::text FROM ${table(options, 'usage_snapshot_entries')} WHERE snapshot_seq = $1`,
    [seq],
  );
  return new Map(rows.map((r) => [r.key, Number(r.calls)]));
}

/** When each release first went live; empty when the ledger has no release history yet. */
export async function firstLiveAt(client: pg.ClientBase, options: LedgerOptions = {}): Promise<Map<string, Date>> {
  if (!(await relationExists(client, table(options, 'release_events')))) return new Map();
  const { rows } = await client.query<{ release: string; at: Date }>(
    `SELECT release, min(at) AS at FROM ${table(options, 'release_events')} WHERE state = 'live' GROUP BY release`,
  );
  return new Map(rows.map((r) => [r.release, r.at]));
}
