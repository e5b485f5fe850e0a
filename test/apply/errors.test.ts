/**
 * A library caller tells why `applyMigrations` refused by the error's class, never by its message:
 * every class is exported from the package root (src/index.ts) and checked here with instanceof
 * against a real server.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import {
  applyMigrations,
  ApplyRefusal,
  DriftError,
  LedgerRefusal,
  LockTimeoutExhausted,
  MigrationFailed,
  PlanRefusal,
  PoolBudgetRefusal,
  RefusalError,
  validateConfig,
  type ApplyOptions,
} from '../../src/index.js';
import { Clients, freshDatabase, migrationsDir, testConfig } from './helpers.js';

const fast = { lockTimeout: '100ms', maxRetries: 1, retryDelay: '10ms', retryMaxDelay: '20ms', lockWait: '10s' };

let clients: Clients;
let admin: pg.Client;

beforeAll(async () => {
  clients = new Clients(await freshDatabase('errors'));
  admin = await clients.client('test-admin');
});
afterAll(async () => {
  await clients.closeAll();
});

/** The error `applyMigrations` rejects with (fails the test when it resolves). */
async function refusal(options: Omit<ApplyOptions, 'database'>): Promise<unknown> {
  const outcome = await applyMigrations({ database: clients.url, ...options }).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome, 'applyMigrations should have refused').toBeInstanceOf(RefusalError);
  return outcome;
}

// Every test keeps its ledger in a schema of its own (and its tables under names of its own), so
// the history of one does not meet another's.
describe('apply refusals are typed by cause', () => {
  it('a changed applied file is a DriftError', async () => {
    const config = testConfig(fast, { schema: 'ledger_drift' });
    const dir = migrationsDir({ '001_a.sql': 'CREATE TABLE drift_a (id int);\n' });
    await applyMigrations({ database: clients.url, config, files: dir.files(), phase: 'expand' });
    fs.writeFileSync(path.join(dir.dir, '001_a.sql'), 'CREATE TABLE drift_a (id bigint);\n');
    const error = await refusal({ config, files: dir.files(), phase: 'expand' });
    expect(error).toBeInstanceOf(DriftError);
    expect(error).not.toBeInstanceOf(ApplyRefusal);
  });

  it('a new migration sorting before an applied one is a PlanRefusal', async () => {
    const config = testConfig(fast, { schema: 'ledger_plan' });
    const dir = migrationsDir({ '002_b.sql': 'CREATE TABLE plan_b (id int);\n' });
    await applyMigrations({ database: clients.url, config, files: dir.files(), phase: 'expand' });
    fs.writeFileSync(path.join(dir.dir, '001_a.sql'), 'CREATE TABLE plan_a (id int);\n');
    const error = await refusal({ config, files: dir.files(), phase: 'expand' });
    expect(error).toBeInstanceOf(PlanRefusal);
    expect(error).not.toBeInstanceOf(ApplyRefusal);
    expect((error as Error).message).toMatch(/^001_a\.sql: new migration sorts before 002_b\.sql/);
  });

  it('a lint error is an ApplyRefusal, not a LedgerRefusal', async () => {
    const config = testConfig(fast, { schema: 'ledger_lint' });
    const dir = migrationsDir({
      '001_t.sql': 'CREATE TABLE lint_t (id int, name text);\n',
      '002_index.sql': 'CREATE INDEX lint_t_name_idx ON lint_t (name);\n',
    });
    await applyMigrations({ database: clients.url, config, files: dir.files().slice(0, 1), phase: 'expand' });
    const error = await refusal({ config, files: dir.files(), phase: 'expand' });
    expect(error).toBeInstanceOf(ApplyRefusal);
    expect(error).not.toBeInstanceOf(LedgerRefusal);
    expect((error as ApplyRefusal).reasons).toEqual([expect.stringMatching(/^002_index\.sql:1:1: index-not-concurrent: /)]);
  });

  it('with requireAll, a contract migration the ledger does not allow yet is a LedgerRefusal', async () => {
    const config = testConfig(fast, { schema: 'ledger_wait' });
    const dir = migrationsDir({
      '001_t.sql': 'CREATE TABLE wait_t (id int, name text);\n',
      '002_drop.sql': 'ALTER TABLE wait_t DROP COLUMN name;\n',
    });
    await applyMigrations({ database: clients.url, config, files: dir.files(), phase: 'expand' });
    // Without requireAll it is no error: the migration waits.
    const waiting = await applyMigrations({ database: clients.url, config, files: dir.files(), phase: 'contract' });
    expect(waiting.plan.map((e) => e.verdict ?? null)).toEqual([null, 'waiting']);
    const error = await refusal({ config, files: dir.files(), phase: 'contract', requireAll: true });
    expect(error).toBeInstanceOf(LedgerRefusal);
    expect(error).toBeInstanceOf(ApplyRefusal);
    expect((error as LedgerRefusal).reasons).toEqual(waiting.plan[1].reasons);
  });

  it('running out of lock retries is a LockTimeoutExhausted, with the attempts and PostgreSQL last answer', async () => {
    const config = testConfig(fast, { schema: 'ledger_lock' });
    await admin.query('CREATE TABLE lock_t (id int)');
    const dir = migrationsDir({ '001_note.sql': 'ALTER TABLE lock_t ADD COLUMN note text;\n' });
    const blocker = await clients.client('errors-blocker');
    await blocker.query('BEGIN');
    await blocker.query('SELECT count(*) FROM lock_t');
    const error = await refusal({ config, files: dir.files(), phase: 'expand' }).finally(() => blocker.query('COMMIT'));
    expect(error).toBeInstanceOf(LockTimeoutExhausted);
    expect(error).toBeInstanceOf(ApplyRefusal);
    expect((error as LockTimeoutExhausted).attempts).toBe(2);
    expect(((error as LockTimeoutExhausted).lastError as Error & { code: string }).code).toBe('55P03');
  });

  it('a statement the server rejects is a MigrationFailed with its SQLSTATE, after the migrations before it', async () => {
    const config = testConfig(fast, { schema: 'ledger_failed' });
    const dir = migrationsDir({
      '001_t.sql': 'CREATE TABLE failed_t (id int);\n',
      '002_bad.sql': "INSERT INTO failed_t VALUES ('not a number');\n",
    });
    const error = await refusal({ config, files: dir.files(), phase: 'expand' });
    expect(error).toBeInstanceOf(MigrationFailed);
    expect((error as MigrationFailed).sqlState).toBe('22P02');
    expect((error as MigrationFailed).applied.map((a) => a.id)).toEqual(['001_t.sql']);
  });

  it('an expand phase whose pools do not fit the server is a PoolBudgetRefusal', async () => {
    const config = validateConfig(
      {
        apply: fast,
        ledger: { schema: 'ledger_pool' },
        pool: { colors: { blue: { instances: 100, poolSize: 100 }, green: { instances: 100, poolSize: 100 } } },
      },
      { root: process.cwd(), knownRules: [] },
    );
    const dir = migrationsDir({ '001_t.sql': 'CREATE TABLE pool_t (id int);\n' });
    const error = await refusal({ config, files: dir.files(), phase: 'expand' });
    expect(error).toBeInstanceOf(PoolBudgetRefusal);
    expect(error).not.toBeInstanceOf(ApplyRefusal);
  });
});
