/**
 * Shared by the runner's tests: a fresh database per test file, clients that are always
 * closed, and a config with fast retry settings.
 */
import pg from 'pg';
import { validateConfig, type Config } from '../../src/config/config.js';

const TEMP_URL = process.env.BGMIGRATE_TEST_DATABASE_URL;

/** A new empty database on the test server; returns its URL. */
export async function freshDatabase(name: string): Promise<string> {
  if (!TEMP_URL) throw new Error('BGMIGRATE_TEST_DATABASE_URL is not set');
  const admin = new pg.Client({ connectionString: TEMP_URL });
  await admin.connect();
  const db = `runner_${name}_${process.pid}_${Date.now() % 100000}`;
  try {
    await admin.query(`CREATE DATABASE ${db}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEMP_URL);
  url.pathname = `/${db}`;
  return url.toString();
}

/** Opens clients and closes every one of them in `closeAll()`. */
export class Clients {
  private readonly open: pg.Client[] = [];
  constructor(private readonly url: string) {}

  async client(applicationName = 'runner-test'): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.url, application_name: applicationName });
    client.on('error', () => undefined);
    await client.connect();
    this.open.push(client);
    return client;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.open.splice(0).map((c) => c.end().catch(() => undefined)));
  }
}

/** Config with the given `apply` overrides (strings such as `'300ms'`, as in a config file). */
export function testConfig(apply: Record<string, unknown> = {}, ledger: Record<string, unknown> = {}): Config {
  return validateConfig({ apply, ledger }, { root: process.cwd(), knownRules: [] });
}
