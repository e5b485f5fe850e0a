/**
 * Resuming a `CREATE INDEX CONCURRENTLY` safely. A concurrent build that fails or is killed
 * leaves an INVALID index behind; `IF NOT EXISTS` would then keep that useless index (it is
 * never used for reads, yet slows every write). So before each build we look for an index of
 * that name: INVALID ⇒ drop it concurrently and build again; VALID ⇒ an earlier run finished
 * the build but died before recording it, so the statement is done.
 */
import { quoteIdent } from '../db/sql.js';
import type pg from 'pg';
import type { RunnableStatement } from './statements.js';

/** The index a `CREATE INDEX CONCURRENTLY` statement builds. */
export interface ConcurrentIndexBuild {
  /** Index name as PostgreSQL stores it; null when the statement lets PostgreSQL choose one. */
  name: string | null;
  /** The table, quoted for use in SQL (schema-qualified only if the statement was). */
  table: string;
}

/** The index a CREATE INDEX CONCURRENTLY statement builds (as the linter read it), or null for any other statement. */
export function concurrentIndexBuild(statement: Pick<RunnableStatement, 'concurrentIndex'>): ConcurrentIndexBuild | null {
  const index = statement.concurrentIndex;
  if (!index) return null;
  const table = index.schema !== null ? `${quoteIdent(index.schema)}.${quoteIdent(index.table)}` : quoteIdent(index.table);
  return { name: index.name, table };
}

/** The INVALID indexes on a table (schema-qualified, quoted), e.g. left by failed concurrent builds. */
export async function invalidIndexes(client: pg.ClientBase, table: string): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE i.indrelid = to_regclass($1) AND NOT i.indisvalid
      ORDER BY 1`,
    [table],
  );
  return rows.map((r) => r.name);
}

/** An index of the build's name in the table's schema, with its validity, or null. */
export async function existingIndex(
  client: pg.ClientBase,
  build: ConcurrentIndexBuild & { name: string },
): Promise<{ qualifiedName: string; valid: boolean; onTable: boolean } | null> {
  const { rows } = await client.query<{ qualified: string; valid: boolean; on_table: boolean }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS qualified, i.indisvalid AS valid,
            i.indrelid = to_regclass($1) AS on_table
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_index i ON i.indexrelid = c.oid
      WHERE c.relname = $2
        AND c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = to_regclass($1))`,
    [build.table, build.name],
  );
  if (rows.length === 0) return null;
  return { qualifiedName: rows[0].qualified, valid: rows[0].valid, onTable: rows[0].on_table };
}

