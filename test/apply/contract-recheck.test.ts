/**
 * A contract migration is judged again inside its own transaction, under the ledger's lock: a
 * release that becomes live again after the re-lint (a rollback) stops it before it drops
 * anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { ApplyRefusal, applyMigrations } from '../../src/apply/index.js';
import { ledgerLockSql } from '../../src/ledger/schema.js';
import { retireRelease, shipRelease } from '../../src/ledger/index.js';
import { Clients, columnsOf, freshDatabase, migrationsDir, testConfig } from './helpers.js';

let clients: Clients;
let admin: pg.Client;

beforeAll(async () => {
  clients = new Clients(await freshDatabase('recheck'));
  admin = await clients.client('test-admin');
});
afterAll(async () => {
  await clients.closeAll();
});

describe('contract re-check under the ledger lock', () => {
  it('refuses when a rollback lands between the re-lint and the migration transaction', async () => {
    const config = testConfig({ lockTimeout: '10s', maxRetries: 0 });
    const dir = migrationsDir({
      '001_users.sql': 'CREATE TABLE users (id int PRIMARY KEY, name text, full_name text);\n',
      '002_deprecate.sql': '-- bgmigrate: deprecates public.users.name\nSELECT 1;\n',
      '003_drop_name.sql': 'ALTER TABLE users DROP COLUMN name;\n',
    });
    await applyMigrations({ database: clients.url, config, files: dir.files().slice(0, 1), phase: 'expand', release: 'v1' });
    await shipRelease(admin, 'v1');
    await applyMigrations({ database: clients.url, config, files: dir.files().slice(0, 2), phase: 'expand', release: 'v2' });
    await shipRelease(admin, 'v2');
    await retireRelease(admin, 'v1');

    // Another session holds the ledger lock while the contract apply starts.
    const other = await clients.client('release-command');
    await other.query('BEGIN');
    await other.query(ledgerLockSql('bgmigrate'));
    const running = applyMigrations({ database: clients.url, config, files: dir.files(), phase: 'contract', release: 'v2' }).catch(
      (e: unknown) => e,
    );
    let waited = false;
    for (let i = 0; i < 500 && !waited; i++) {
      const { rows } = await admin.query(
        `SELECT 1 FROM pg_stat_activity WHERE application_name = 'bgmigrate apply' AND wait_event_type = 'Lock'`,
      );
      waited = rows.length > 0;
      if (waited) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(waited).toBe(true);
    // …and records what a rollback to v1 records before letting go: v1 live, v2 rolled back.
    await other.query(`INSERT INTO bgmigrate.release_events (release, state, color) VALUES ('v1', 'live', NULL), ('v2', 'rolled-back', NULL)`);
    await other.query('COMMIT');

    const error = await running;
    expect(error).toBeInstanceOf(ApplyRefusal);
    expect((error as Error).message).toBe('003_drop_name.sql:1:1: drop-column: release v1 still uses public.users.name and is live');
    expect(await columnsOf(admin, 'users')).toEqual(['id', 'name', 'full_name']);
  });
});
