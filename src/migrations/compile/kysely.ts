/**
 * The `kysely` layout: `up(db)` runs with a real `Kysely` on the PostgreSQL dialect (the user's
 * own copy of kysely) whose driver records each compiled query instead of sending it.
 *
 * A query that reads (a SELECT, or a statement asked for its rows) gets no rows: the migration
 * may decide what to do from them, so it is reported (`dynamic-sql`) and left out of the SQL.
 */
import type { MigrationFile } from '../../model.js';
import type { RecordedCall, RecorderContext, Recording } from './index.js';

interface CompiledQuery {
  sql: string;
  parameters: readonly unknown[];
}

export async function recordKysely(file: MigrationFile, module: Record<string, unknown>, ctx: RecorderContext): Promise<Recording> {
  const kysely = await ctx.userModule('kysely');
  const { Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } = kysely as Record<string, new (...args: unknown[]) => unknown>;
  const calls: RecordedCall[] = [];
  const problems: Recording['problems'] = [];
  const connection = {
    async executeQuery(query: CompiledQuery) {
      const at = ctx.positionOf(new Error().stack) ?? ctx.upPosition;
      if (/^\s*(select|with\b[\s\S]*\bselect\b(?![\s\S]*\b(insert|update|delete)\b)|show|explain|table)\b/i.test(query.sql)) {
        problems.push({
          ...at,
          message: `the migration reads from the database while it runs (${query.sql.slice(0, 80)}): compiled without one it got no rows, so what it does next may differ on the real database; compute the statements without reading, or write the migration in SQL`,
        });
        return { rows: [] };
      }
      calls.push({ sql: query.sql, parameters: query.parameters, ...at });
      return { rows: [], numAffectedRows: 0n };
    },
    async *streamQuery(): AsyncIterableIterator<never> {
      // Nothing to stream: there is no database.
    },
  };
  const driver = {
    async init() {},
    async acquireConnection() {
      return connection;
    },
    async beginTransaction() {},
    async commitTransaction() {},
    async rollbackTransaction() {},
    async releaseConnection() {},
    async destroy() {},
  };
  const db = new Kysely({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => driver,
      createIntrospector: (instance: unknown) => new PostgresIntrospector(instance),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  const up = (module.up ?? (module.default as Record<string, unknown> | undefined)?.up) as ((db: unknown) => Promise<void>) | undefined;
  if (typeof up !== 'function') {
    problems.push({ line: 1, column: 1, message: `${file.path} exports no up(db) function: a Kysely migration exports async function up(db)` });
    return { calls, problems, noTransaction: false };
  }
  try {
    await up(db);
  } catch (error) {
    const at = ctx.positionOf((error as Error)?.stack) ?? ctx.upPosition;
    problems.push({
      ...at,
      message: `up() failed while compiling without a database: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`,
    });
  }
  return { calls, problems, noTransaction: false };
}
