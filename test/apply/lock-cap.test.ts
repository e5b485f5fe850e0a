/**
 * A migration cannot lift the runner's lock cap (issue 9, class 1): `SET lock_timeout = 0`,
 * `SET LOCAL lock_timeout = '1h'` or `set_config` inside a migration are brought back to the
 * configured timeout before the next statement, so live queries never queue behind a blocked
 * ALTER for longer than that. (Without the cap, the ALTER would wait for the blocker forever and
 * every query behind it too.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { ApplyRefusal, applyMigrations } from '../../src/apply/index.js';
import { Clients, columnsOf, freshDatabase, migrationsDir, testConfig } from './helpers.js';

const LOCK_TIMEOUT_MS = 300;

let clients: Clients;
let admin: pg.Client;

beforeAll(async () => {
  clients = new Clients(await freshDatabase('lock_cap'));
  admin = await clients.client('test-admin');
  await admin.query('CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL DEFAULT 0)');
  await admin.query('INSERT INTO accounts (id) SELECT generate_series(1, 100)');
});
afterAll(async () => {
  await clients.closeAll();
});

describe('the runner keeps its lock cap whatever the migration sets', () => {
  it.each([
    ['SET lock_timeout = 0', 'SET lock_timeout = 0;\nALTER TABLE accounts ADD COLUMN note text;\n'],
    ["SET LOCAL lock_timeout = '1h'", "SET LOCAL lock_timeout = '1h';\nALTER TABLE accounts ADD COLUMN note text;\n"],
    ['set_config', "SELECT set_config('lock_timeout', '0', true);\nALTER TABLE accounts ADD COLUMN note text;\n"],
    ['RESET', 'RESET lock_timeout;\nALTER TABLE accounts ADD COLUMN note text;\n'],
  ])('%s', async (_name, sql) => {
    const config = testConfig({ lockTimeout: `${LOCK_TIMEOUT_MS}ms`, maxRetries: 0, retryDelay: '10ms' });
    const dir = migrationsDir({ '001_note.sql': sql });
    const blocker = await clients.client('report-job');
    const reader = await clients.client('reader');
    await blocker.query('BEGIN');
    await blocker.query('SELECT sum(balance) FROM accounts');
    try {
      const started = performance.now();
      const applying = applyMigrations({ database: clients.url, config, files: dir.files(), phase: 'expand' }).catch((e: unknown) => e);
      // A live query arriving while the ALTER waits must not wait past the cap (plus slack).
      await new Promise((r) => setTimeout(r, 100));
      const readStarted = performance.now();
      await reader.query('SELECT balance FROM accounts WHERE id = 1');
      const readMs = performance.now() - readStarted;
      const error = await applying;
      expect(error).toBeInstanceOf(ApplyRefusal);
      expect((error as Error).message).toContain('canceling statement due to lock timeout');
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(readMs).toBeLessThan(LOCK_TIMEOUT_MS + 700);
      expect(await columnsOf(admin, 'accounts')).toEqual(['id', 'balance']);
    } finally {
      await blocker.query('COMMIT');
    }
  }, 15_000);
});
