import pg from 'pg';
import { startServer, withDatabase } from '../support/db.js';

/** A throwaway PostgreSQL server with custom settings, for budget tests that need their own limits. */
export interface PoolTestServer {
  url(database?: string, user?: string, password?: string): string;
  client(options?: { database?: string; user?: string; password?: string; applicationName?: string }): Promise<pg.Client>;
  /**
   * Waits until exactly `expected` client backends besides `via`'s own remain: closed backends
   * exit asynchronously, and a lingering one would be counted as another client.
   */
  settle(expected: number, via: pg.Client): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a private server (test/support's startServer) of the given major with `settings` as `-c name=value`. */
export async function startPoolServer(settings: Record<string, string | number>, major: 16 | 18 = 18): Promise<PoolTestServer> {
  const server = await startServer({ major, settings });
  const url = (database = 'postgres', user?: string, password?: string) =>
    withDatabase(server.url, database, user === undefined ? undefined : { user, password });
  return {
    url,
    async client(options = {}) {
      const client = new pg.Client({
        connectionString: url(options.database, options.user, options.password),
        application_name: options.applicationName ?? 'bgmigrate-test',
      });
      // The server may be stopped under an open client at the end of a test.
      client.on('error', () => undefined);
      await client.connect();
      return client;
    },
    async settle(expected, via) {
      for (let i = 0; i < 500; i++) {
        const r = await via.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
        );
        if (r.rows[0].n === expected) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`sessions did not settle to ${expected}`);
    },
    stop: () => server.stop(),
  };
}
