/**
 * The `kysely` layout: migration scripts (`*.ts`, `*.js`, `*.mts`, …, not declaration files) by
 * file name. `up(db)` runs with a real `Kysely` on the PostgreSQL dialect (the user's own copy
 * of kysely) whose driver records each compiled query instead of sending it.
 *
 * A query that reads (a SELECT, or a statement asked for its rows) gets no rows: the migration
 * may decide what to do from them, so it is reported (`dynamic-sql`) and left out of the SQL.
 */
import type { MigrationFile } from '../../model.js';
import { isRead, readCall, type RecordedCall, type RecorderContext, type Recording } from '../compile/recording.js';
import { defineLayout, firstScript, scriptFiles, scriptNames, SCRIPTS_LOOKED_FOR } from '../layout.js';

/** Detected by a first script that imports kysely; tried after flyway and drizzle, before the SQL directory layouts. */
export const layout = defineLayout({
  name: 'kysely',
  lookedFor: SCRIPTS_LOOKED_FOR,
  detect: { precedence: 30, matches: (dir) => /from\s+['"]kysely['"]|require\(['"]kysely['"]\)|\bKysely</.test(firstScript(dir) ?? '') },
  find: scriptFiles,
  compile: recordKysely,
  write: { names: scriptNames, text: async (sql) => (await import('../emit.js')).scriptFor('kysely', sql) },
});

interface CompiledQuery {
  sql: string;
  parameters: readonly unknown[];
}

async function recordKysely(file: MigrationFile, module: Record<string, unknown>, ctx: RecorderContext): Promise<Recording> {
  const kysely = await ctx.userModule('kysely');
  const { Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } = kysely as Record<string, new (...args: unknown[]) => unknown>;
  const calls: RecordedCall[] = [];
  const problems: Recording['problems'] = [];
  const connection = {
    async executeQuery(query: CompiledQuery) {
      const at = ctx.positionOf(new Error().stack) ?? ctx.upPosition;
      if (isRead(query.sql)) {
        calls.push(readCall(query.sql, query.parameters, at));
        if (ctx.read) return { rows: await ctx.read(query.sql, query.parameters) };
        problems.push(ctx.readProblem(query.sql, at));
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
