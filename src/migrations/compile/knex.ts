/**
 * The `knex` layout: `up(knex)` runs with a knex instance (the user's copy) on the `pg` client
 * whose connection records each query instead of sending it. `export const config = {
 * transaction: false }` is honoured. A read gets no rows and is reported as `dynamic-sql`.
 */
import type { MigrationFile } from '../../model.js';
import type { RecordedCall, RecorderContext, Recording } from './index.js';

interface KnexClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<void>;
  _query(connection: unknown, query: { sql: string; bindings?: unknown[]; response?: unknown }): Promise<unknown>;
}

export async function recordKnex(file: MigrationFile, module: Record<string, unknown>, ctx: RecorderContext): Promise<Recording> {
  const library = await ctx.userModule('knex');
  const factory = (library.default ?? library.knex ?? library) as (config: Record<string, unknown>) => { client: KnexClient; destroy(): Promise<void> };
  const knex = factory({ client: 'pg' });
  const calls: RecordedCall[] = [];
  const problems: Recording['problems'] = [];
  knex.client.acquireConnection = async () => ({ recording: true });
  knex.client.releaseConnection = async () => undefined;
  knex.client._query = async (_connection, query) => {
    const at = ctx.positionOf(new Error().stack) ?? ctx.upPosition;
    if (/^\s*(select|with|show|table|explain)\b/i.test(query.sql)) {
      problems.push({
        ...at,
        message: `the migration reads from the database while it runs (${query.sql.slice(0, 80)}): compiled without one it got no rows, so what it does next may differ on the real database; compute the statements without reading, or write the migration in SQL`,
      });
    } else {
      calls.push({ sql: query.sql, parameters: query.bindings ?? [], ...at });
    }
    query.response = { rows: [], rowCount: 0, command: '', fields: [] };
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
