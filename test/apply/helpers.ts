/**
 * Shared by the runner's tests: a fresh database per test file, clients that are always
 * closed, and a config with fast retry settings.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { discoverMigrations } from '../../src/migrations/discover.js';
import type { MigrationFile } from '../../src/model.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { validateConfig, type Config } from '../../src/config/config.js';

/** A new empty database on the run's test server, dropped by `Clients.closeAll()`. */
export async function freshDatabase(name: string): Promise<TestDatabase> {
  return createTestDatabase(`runner_${name}`);
}

/** Opens clients on a test database; `closeAll()` closes every one of them and drops the database. */
export class Clients {
  private readonly open: pg.Client[] = [];
  readonly url: string;
  constructor(private readonly db: TestDatabase) {
    this.url = db.url;
  }

  async client(applicationName = 'runner-test'): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.url, application_name: applicationName });
    client.on('error', () => undefined);
    await client.connect();
    this.open.push(client);
    return client;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.open.splice(0).map((c) => c.end().catch(() => undefined)));
    await this.db.drop();
  }
}

/** Config with the given `apply` overrides (strings such as `'300ms'`, as in a config file). */
export function testConfig(apply: Record<string, unknown> = {}, ledger: Record<string, unknown> = {}): Config {
  return validateConfig({ apply, ledger }, { root: process.cwd(), knownRules: [] });
}

/** A temporary migrations directory holding `files` (name → SQL), and its migrations in order. */
export function migrationsDir(files: Record<string, string>): { dir: string; files: () => MigrationFile[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bgmigrate-runner-'));
  for (const [name, sql] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), sql);
  return { dir, files: () => discoverMigrations({ dir, layout: 'plain', cwd: dir }) };
}

/** The names of a table's columns, in order. */
export async function columnsOf(client: pg.ClientBase, table: string): Promise<string[]> {
  const { rows } = await client.query<{ attname: string }>(
    `SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [table],
  );
  return rows.map((r) => r.attname);
}

/** Whether a schema exists. */
export async function schemaExists(client: pg.ClientBase, schema: string): Promise<boolean> {
  const { rows } = await client.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [schema]);
  return rows.length === 1;
}
