/**
 * Shared fixtures for the trace tests: a small schema with data, a catalog fingerprint to prove
 * the target is unchanged, and helpers to read a traced statement.
 */
import pg from 'pg';
import { withClient } from '../support/db.js';
import type { TraceReport, TracedStatement } from '../../src/trace/index.js';

/** Tables with rows and indexes, a NOT VALID check, a child table, a partitioned table, a matview. */
export const SCHEMA = `
CREATE TABLE t (id int PRIMARY KEY, a int, b int, v varchar(10), txt text, d int DEFAULT 1, ts timestamp);
CREATE INDEX t_a_idx ON t (a);
CREATE INDEX t_v_idx ON t (v);
INSERT INTO t SELECT g, g, g, 'v' || g, 'x', 1, now() FROM generate_series(1, 500) g;
ALTER TABLE t ADD CONSTRAINT t_b_pos CHECK (b > 0) NOT VALID;
CREATE TABLE child (id int PRIMARY KEY, t_id int);
INSERT INTO child SELECT g, g FROM generate_series(1, 100) g;
CREATE TABLE pt (id int, k date NOT NULL) PARTITION BY RANGE (k);
CREATE TABLE pt_2025 PARTITION OF pt FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE MATERIALIZED VIEW mv AS SELECT id, a FROM t;
CREATE UNIQUE INDEX mv_id ON mv (id);
CREATE SEQUENCE s;
`;

/**
 * Everything about the database's objects and data that a trace could change. Planner
 * statistics (pg_class.reltuples, relpages) are left out: CREATE INDEX and VACUUM update them in
 * place, outside transaction control, so a rollback does not restore them (documented).
 */
export async function fingerprint(url: string): Promise<string> {
  return withClient(url, async (client: pg.Client) => {
    const parts: unknown[] = [];
    for (const sql of [
      `SELECT c.oid::int8, n.nspname, c.relname, c.relkind, c.relfilenode::int8, c.relpersistence
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1`,
      `SELECT attrelid::int8, attname, atttypid::int8, attnotnull, atthasdef, attisdropped FROM pg_attribute
        WHERE attrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace) ORDER BY 1, 2`,
      `SELECT conname, contype, convalidated FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1`,
      `SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY 1`,
      `SELECT typname FROM pg_type WHERE typnamespace = 'public'::regnamespace ORDER BY 1`,
      `SELECT nspname FROM pg_namespace ORDER BY 1`,
      // Row count and a checksum of the contents of every user table.
      `SELECT c.relname, (xpath('/row/x/text()', query_to_xml(format('SELECT count(*) || '':'' || coalesce(sum(hashtext(r::text)), 0) AS x FROM %I.%I r', n.nspname, c.relname), false, true, '')))[1]::text AS rows
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%' ORDER BY 1`,
      `SELECT datname FROM pg_database ORDER BY 1`,
    ]) {
      parts.push((await client.query(sql)).rows);
    }
    return JSON.stringify(parts);
  });
}

/** Runs SQL on a database (committed), closing the connection afterwards. */
export function exec(url: string, sql: string): Promise<unknown> {
  return withClient(url, (client) => client.query(sql));
}

/** The traced statements of a one-file report. */
export function statementsOf(report: TraceReport): TracedStatement[] {
  return report.files.flatMap((f) => f.statements);
}

/** `relation:mode` of the locks a statement acquired itself, sorted. */
export function newLocks(s: TracedStatement): string[] {
  return s.locks.filter((l) => l.new).map((l) => `${l.relation}:${l.mode}`).sort();
}

/** The strongest lock a statement took on one relation (new or not), or null. */
export function lockOn(s: TracedStatement, relation: string): string | null {
  const order = ['AccessShareLock', 'RowShareLock', 'RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'];
  let best: string | null = null;
  for (const l of s.locks) {
    if (l.relation !== relation) continue;
    if (best === null || order.indexOf(l.mode) > order.indexOf(best)) best = l.mode;
  }
  return best;
}
