/**
 * The `knex` layout: migration scripts by file name. `up(knex)` runs with a knex instance (the
 * user's copy) on the `pg` client whose connection records each query instead of sending it.
 * `export const config = { transaction: false }` is honoured. A read gets no rows and is
 * reported as `dynamic-sql`.
 */
import type { MigrationFile } from '../../model.js';
import { isRead, readCall, type RecordedCall, type RecorderContext, type Recording } from '../compile/recording.js';
import { defineLayout, firstScript, scriptFiles, scriptNames, SCRIPTS_LOOKED_FOR } from '../layout.js';

/** Detected by a first script that imports knex; tried after flyway and drizzle, before the SQL directory layouts. */
export const layout = defineLayout({
  name: 'knex',
  lookedFor: SCRIPTS_LOOKED_FOR,
  detect: { precedence: 33, matches: (dir) => /from\s+['"]knex['"]|\bKnex\b|knex\.schema/.test(firstScript(dir) ?? '') },
  find: scriptFiles,
  compile: recordKnex,
  write: { names: scriptNames, text: async (sql) => (await import('../emit.js')).scriptFor('knex', sql) },
});

interface KnexClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<void>;
  _query(connection: unknown, query: { sql: string; bindings?: unknown[]; response?: unknown }): Promise<unknown>;
}

async function recordKnex(file: MigrationFile, module: Record<string, unknown>, ctx: RecorderContext): Promise<Recording> {
  const library = await ctx.userModule('knex');
  const factory = (library.default ?? library.knex ?? library) as (config: Record<string, unknown>) => { client: KnexClient; destroy(): Promise<void> };
  const knex = factory({ client: 'pg' });
  const calls: RecordedCall[] = [];
  const problems: Recording['problems'] = [];
  knex.client.acquireConnection = async () => ({ recording: true });
  knex.client.releaseConnection = async () => undefined;
  knex.client._query = async (_connection, query) => {
    const at = ctx.positionOf(new Error().stack) ?? ctx.upPosition;
    let rows: Record<string, unknown>[] = [];
    if (isRead(query.sql)) {
      calls.push(readCall(query.sql, query.bindings ?? [], at));
      if (ctx.read) rows = await ctx.read(query.sql, query.bindings ?? []);
      else problems.push(ctx.readProblem(query.sql, at));
    } else {
      calls.push({ sql: query.sql, parameters: query.bindings ?? [], ...at });
    }
    query.response = { rows, rowCount: rows.length, command: isRead(query.sql) ? 'SELECT' : '', fields: [] };
    return query;
  };
  const exported = { ...(module.default as Record<string, unknown> | undefined), ...module };
  const up = exported.up as ((knex: unknown) => unknown) | undefined;
  const noTransaction = (exported.config as { transaction?: boolean } | undefined)?.transaction === false;
  if (typeof up !== 'function') {
    return { calls, problems: [{ line: 1, column: 1, message: `${file.path} exports no up(knex) function` }], noTransaction };
  }
  try {
    await up(knex);
  } catch (error) {
    problems.push({
      ...(ctx.positionOf((error as Error)?.stack) ?? ctx.upPosition),
      message: `up() failed while compiling without a database: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`,
    });
  } finally {
    await knex.destroy().catch(() => undefined);
  }
  return { calls, problems, noTransaction };
}
