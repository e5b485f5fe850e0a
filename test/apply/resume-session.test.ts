/**
 * Resume replays the session (issue 9, class 2): when a no-transaction migration resumes after a
 * crash, the SET / set_config statements it had finished are in force again before the next
 * statement runs. Without it, `CREATE TABLE made_here` below lands in public, not archive.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { applyMigrations } from '../../src/apply/index.js';
import * as ledger from '../../src/ledger/index.js';
import { Clients, freshDatabase, migrationsDir, testConfig } from './helpers.js';

let clients: Clients;
let admin: pg.Client;

beforeAll(async () => {
  clients = new Clients(await freshDatabase('resume_session'));
  admin = await clients.client('test-admin');
  await admin.query('CREATE SCHEMA archive; CREATE TABLE archive.users (id int)');
});
afterAll(async () => {
  await clients.closeAll();
});

describe('resuming a no-transaction migration', () => {
  it('replays the session settings of its finished statements first', async () => {
    const config = testConfig({ lockTimeout: '1s', maxRetries: 0 });
    const dir = migrationsDir({
      '001_archive.sql': [
        '-- bgmigrate: no-transaction',
        'SET search_path TO archive;',
        "SELECT set_config('lock_timeout', '2s', false);",
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS users_id_idx ON users (id);',
        'CREATE TABLE made_here (id int);',
        '',
      ].join('\n'),
    });
    const [file] = dir.files();
    // A crash after the first three statements: their progress rows are in the ledger.
    await ledger.ensureLedger(admin, config.ledger);
    for (const statementIndex of [0, 1, 2]) {
      await ledger.recordStatementProgress(admin, { migrationId: file.id, checksum: file.checksum, statementIndex, durationMs: 1 }, config.ledger);
    }
    await admin.query('CREATE INDEX CONCURRENTLY users_id_idx ON archive.users (id)');

    await applyMigrations({ database: clients.url, config, files: dir.files(), phase: 'expand' });
    const where = (await admin.query("SELECT table_schema FROM information_schema.tables WHERE table_name = 'made_here'")).rows;
    expect(where).toEqual([{ table_schema: 'archive' }]);
    expect((await ledger.appliedMigrations(admin, config.ledger)).map((a) => a.id)).toEqual(['001_archive.sql']);
  });
});
