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
import pg from 'pg';
import { inject } from 'vitest';

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

export { startServer, type StartServerOptions, type TestServer } from './server.js';
