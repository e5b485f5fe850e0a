import type pg from 'pg';
import { connect } from '../db/connect.js';
import type { CliContext } from './context.js';

/**
 * Connects to the command's database (a missing one is a UsageError naming the command), runs
 * `work`, and closes the connection on every path.
 */
export async function withDatabase<T>(c: CliContext, command: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const url = await c.requireDatabaseUrl(command);
  const client = await connect(url, { applicationName: `bgmigrate ${command}` });
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
