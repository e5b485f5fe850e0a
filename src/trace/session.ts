/**
 * How trace talks to the server: one statement per protocol message, hard timeouts, one-line
 * errors without the password, and database names in URLs.
 */
import type pg from 'pg';
import { stripPassword } from '../db/connect.js';

/** `application_name` of trace's sessions, so a DBA can see them in `pg_stat_activity`. */
export const APP = 'bgmigrate trace';

/** The same URL pointing at another database on the same server. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = '/' + encodeURIComponent(database);
  return parsed.toString();
}

/** The database a URL names (`postgres` when it names none). */
export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
}

export { backendPid, quoteIdent } from '../db/sql.js';

/** The server's error as one line, with the URL's password removed. */
export function errorText(error: unknown, url: string): string {
  const message = error instanceof Error ? error.message : String(error);
  return stripPassword(message.split('\n')[0] ?? message, url);
}

/**
 * Runs one migration statement. The extended protocol refuses more than one statement per
 * message, so a statement's text can never smuggle in a COMMIT.
 */
export async function runOne(client: pg.Client, text: string): Promise<void> {
  await client.query({ text, queryMode: 'extended' } as pg.QueryConfig);
}

/** Milliseconds since `start` (from `process.hrtime.bigint()`), to 0.01 ms. */
export function millis(start: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - start) / 1e4) / 100;
}


export interface Caps {
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}

/**
 * Sets trace's hard limits, for the current transaction (`local`) or the session. Called before
 * every statement, so a migration's own `SET statement_timeout = 0` cannot lift them. Inside a
 * transaction, `idle_in_transaction_session_timeout` also ends it if trace dies holding locks.
 */
export async function capTimeouts(client: pg.Client, caps: Caps, local: boolean): Promise<void> {
  const idle = local ? String(Math.max(caps.statementTimeoutMs, 10_000) * 2) : '0';
  await client.query(
    `SELECT set_config('lock_timeout', $1, $4), set_config('statement_timeout', $2, $4),
            set_config('idle_in_transaction_session_timeout', $3, $4)`,
    [String(caps.lockTimeoutMs), String(caps.statementTimeoutMs), idle, local],
  );
}

/** `last_value` of every sequence the role may read, by schema-qualified name. */
export async function sequenceValues(client: pg.Client): Promise<Map<string, string | null>> {
  const { rows } = await client.query<{ name: string; value: string | null }>(
    `SELECT schemaname || '.' || sequencename AS name, last_value::text AS value FROM pg_sequences
      WHERE has_sequence_privilege(format('%I.%I', schemaname, sequencename), 'SELECT')`,
  );
  return new Map(rows.map((r) => [r.name, r.value]));
}
