import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { acquireApplierLock } from '../../src/apply/applier-lock.js';
import { ApplyRefusal, applyMigrations, migrationStatus, type ApplyEvent } from '../../src/apply/index.js';
import * as ledger from '../../src/ledger/index.js';
import { DriftError, RefusalError, UsageError } from '../../src/errors.js';
import { Clients, columnsOf, freshDatabase, migrationsDir, schemaExists, testConfig } from './helpers.js';

const fast = { lockTimeout: '200ms', maxRetries: 2, retryDelay: '10ms', retryMaxDelay: '20ms', lockWait: '10s' };

/** Each test gets its own database: the ledger starts empty. */
async function setup(name: string): Promise<{ clients: Clients; admin: pg.Client }> {
  const clients = new Clients(await freshDatabase(name));
  return { clients, admin: await clients.client('test-admin') };
}

const opened: Clients[] = [];
afterAll(async () => {
  for (const c of opened) await c.closeAll();
});

async function db(name: string) {
  const s = await setup(name);
  opened.push(s.clients);
  return s;
}

describe('apply --phase expand', () => {
  it('applies pending expand migrations in order and leaves contract migrations for the contract phase', async () => {
    const { clients, admin } = await db('expand');
    const config = testConfig(fast);
    const dir = migrationsDir({
      '001_accounts.sql': 'CREATE TABLE accounts (id int PRIMARY KEY, name text);\n',
      '002_drop_name.sql': 'ALTER TABLE accounts DROP COLUMN name;\n',
      '003_email.sql': 'ALTER TABLE accounts ADD COLUMN email text;\n',
    });
    const events: ApplyEvent['type'][] = [];
    const result = await applyMigrations({
      database: clients.url,
      config,
      files: dir.files(),
      phase: 'expand',
      release: 'v1',
      onProgress: (e) => events.push(e.type),
    });
    expect(result.plan.map((e) => [e.id, e.phase, e.action, e.verdict])).toEqual([
      ['001_accounts.sql', 'expand', 'apply', 'ok'],
      ['002_drop_name.sql', 'contract', 'skip', undefined],
      ['003_email.sql', 'expand', 'apply', 'ok'],
    ]);
    expect(result.applied.map((a) => [a.id, a.retries, a.statements])).toEqual([
      ['001_accounts.sql', 0, 1],
      ['003_email.sql', 0, 1],
    ]);
    expect(events).toEqual(['plan', 'migration', 'statement', 'migration-done', 'migration', 'statement', 'migration-done']);
    expect(await columnsOf(admin, 'accounts')).toEqual(['id', 'name', 'email']);
    const applied = await ledger.appliedMigrations(admin, config.ledger);
    expect(applied.map((a) => [a.id, a.phase, a.release, a.checksum])).toEqual([
      ['001_accounts.sql', 'expand', 'v1', dir.files()[0].checksum],
      ['003_email.sql', 'expand', 'v1', dir.files()[2].checksum],
    ]);

    // Nothing left to do in expand; the contract migration waits for the ledger (a refusal with requireAll).
    const again = await applyMigrations({ database: clients.url, config, files: dir.files(), phase: 'expand', release: 'v1' });
    expect(again.applied).toEqual([]);
    const waiting = await applyMigrations({ database: clients.url, config, files: dir.files(), phase: 'contract' });
    expect(waiting.applied).toEqual([]);
    expect(waiting.plan.map((e) => [e.id, e.verdict ?? null])).toEqual([
      ['001_accounts.sql', null],
      ['002_drop_name.sql', 'waiting'],
      ['003_email.sql', null],
    ]);
    const refusal = await applyMigrations({ database: clients.url, config, files: dir.files(), phase: 'contract', requireAll: true }).catch((e) => e);
    expect(refusal).toBeInstanceOf(ApplyRefusal);
    expect((refusal as ApplyRefusal).exitCode).toBe(1);
    expect((refusal as Error).message).toMatch(/^002_drop_name\.sql:1:1: drop-column: /);
    expect(await columnsOf(admin, 'accounts')).toEqual(['id', 'name', 'email']);
  });

  it('refuses before running anything when any migration of the phase is refused (pre-flight)', async () => {
    const { clients, admin } = await db('lint_refusal');
    const config = testConfig(fast);
    const dir = migrationsDir({
      '001_accounts.sql': 'CREATE TABLE accounts (id int PRIMARY KEY, name text);\n',
      '002_index.sql': '-- a blocking index build on an existing table\nCREATE INDEX accounts_name_idx ON accounts (name);\n',
      '003_email.sql': 'ALTER TABLE accounts ADD COLUMN email text;\n',
    });
    const error = await applyMigrations({ database: clients.url, config, files: dir.files(), phase: 'expand' }).catch((e) => e);
    expect(error).toBeInstanceOf(ApplyRefusal);
    expect((error as Error).message).toMatch(/^002_index\.sql:2:1: index-not-concurrent: /);
    expect((error as ApplyRefusal).applied.map((a) => a.id)).toEqual([]);
    expect((await ledger.appliedMigrations(admin, config.ledger)).map((a) => a.id)).toEqual([]);
    expect(await columnsOf(admin, 'accounts')).toEqual([]);
  });

  it('the contract phase will not run ahead of a pending expand migration', async () => {
    const { clients, admin } = await db('contract_first');
    const config = testConfig(fast);
    const dir = migrationsDir({
      '001_accounts.sql': 'CREATE TABLE accounts (id int PRIMARY KEY, name text);\n',
      '002_drop_name.sql': 'ALTER TABLE accounts DROP COLUMN name;\n',
    });
    const error = await applyMigrations({ database: clients.url, config, files: dir.files(), phase: 'contract' }).catch((e) => e);
    expect(error).toBeInstanceOf(RefusalError);
    expect((error as Error).message).toBe(
      '001_accounts.sql: pending expand migration comes before pending contract migrations; run bgmigrate apply --phase expand first',
    );
    expect(await columnsOf(admin, 'accounts')).toEqual([]);
  });
});

describe('checksums and dry runs', () => {
  it('stops on an applied migration whose file changed', async () => {
    const { clients } = await db('drift');
    const config = testConfig(fast);
    const dir = migrationsDir({ '001_accounts.sql': 'CREATE TABLE accounts (id int PRIMARY KEY);\n' });
    await applyMigrations({ database: clients.url, config, files: dir.files(), phase: 'expand' });
    fs.appendFileSync(path.join(dir.dir, '001_accounts.sql'), '-- edited\n');
    fs.writeFileSync(path.join(dir.dir, '002_more.sql'), 'CREATE TABLE more (id int);\n');
    const error = await applyMigrations({ database: clients.url, config, files: dir.files(), phase: 'expand' }).catch((e) => e);
    expect(error).toBeInstanceOf(RefusalError);
    expect((error as Error).message).toMatch(
      /^001_accounts\.sql: changed since it was applied \(checksum [0-9a-f]{12}… in the ledger, [0-9a-f]{12}… on disk\); restore the file, or review with bgmigrate ledger verify$/,
    );
    const admin = await clients.client();
    expect(await columnsOf(admin, 'more')).toEqual([]);
    const status = await migrationStatus({ database: clients.url, config, files: dir.files() });
    expect(status.migrations.map((m) => [m.id, m.state, m.drift])).toEqual([
      ['001_accounts.sql', 'applied', 'changed'],
      ['002_more.sql', 'pending', undefined],
    ]);
  });

  it('--dry-run plans and judges but changes nothing, not even the ledger schema', async () => {
    const { clients, admin } = await db('dry_run');
    const config = testConfig(fast);
    const dir = migrationsDir({
      '001_accounts.sql': 'CREATE TABLE accounts (id int PRIMARY KEY, name text);\n',
      '002_index.sql': 'CREATE INDEX accounts_name_idx ON accounts (name);\n',
      '003_email.sql': 'ALTER TABLE accounts ADD COLUMN email text;\n',
    });
    const result = await applyMigrations({ database: clients.url, config, files: dir.files(), phase: 'expand', dryRun: true });
    expect(result.plan.map((e) => [e.id, e.action, e.verdict])).toEqual([
      ['001_accounts.sql', 'apply', 'ok'],
      ['002_index.sql', 'apply', 'refused'],
      ['003_email.sql', 'apply', 'not-reached'],
    ]);
    expect(result.plan[1].reasons?.[0]).toMatch(/^002_index\.sql:1:1: index-not-concurrent: /);
    expect(result.applied).toEqual([]);
    expect(await schemaExists(admin, 'bgmigrate')).toBe(false);
    expect(await columnsOf(admin, 'accounts')).toEqual([]);
  });
});

describe('one applier at a time', () => {
  it('a second applier waits, then exits 2 naming the holder', async () => {
    const { clients } = await db('second_applier');
    const config = testConfig({ ...fast, lockWait: '100ms' });
    const holder = await clients.client();
    const pid = (await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    const lock = await acquireApplierLock(holder, { schema: 'bgmigrate', waitMs: 0 });
    const dir = migrationsDir({ '001_accounts.sql': 'CREATE TABLE accounts (id int PRIMARY KEY);\n' });
    const error = await applyMigrations({ database: clients.url, config, files: dir.files(), phase: 'expand' }).catch((e) => e);
    await lock.release();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(new RegExp(`^another bgmigrate apply holds the ledger lock \\(pid ${pid}, since `));
  });

  it('two appliers started together apply each migration exactly once', async () => {
    const { clients, admin } = await db('two_appliers');
    const config = testConfig(fast);
    const dir = migrationsDir({
      '001_counter.sql': 'CREATE TABLE runs (migration text);\n',
      '002_one.sql': "INSERT INTO runs VALUES ('002'); SELECT pg_sleep(0.2);\n",
      '003_two.sql': "INSERT INTO runs VALUES ('003');\n",
    });
    const run = () => applyMigrations({ database: clients.url, config, files: dir.files(), phase: 'expand' });
    const [a, b] = await Promise.all([run(), run()]);
    const counts = [a.applied.length, b.applied.length].sort();
    expect(counts).toEqual([0, 3]);
    expect((await admin.query('SELECT migration FROM runs ORDER BY 1')).rows.map((r) => r.migration)).toEqual(['002', '003']);
    expect((await ledger.appliedMigrations(admin, config.ledger)).map((r) => r.id).sort()).toEqual(['001_counter.sql', '002_one.sql', '003_two.sql']);
  });
});

describe('no-transaction migrations', () => {
  let clients: Clients;
  let admin: pg.Client;
  beforeAll(async () => {
    ({ clients, admin } = await db('no_tx'));
    await admin.query('CREATE TABLE accounts (id int PRIMARY KEY, email text); CREATE TABLE events (what text)');
  });

  it('run statement by statement, resume after a failure, and rebuild an INVALID index', async () => {
    const config = testConfig({ ...fast, maxRetries: 1 });
    const dir = migrationsDir({
      '001_email_index.sql': [
        '-- bgmigrate: no-transaction',
        "INSERT INTO events VALUES ('step 1');",
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_email_idx ON accounts (email);',
        "INSERT INTO events VALUES ('step 3');",
        '',
      ].join('\n'),
    });
    // A writer's open transaction: the concurrent build waits for it and hits the lock timeout.
    const writer = await clients.client('the-writer');
    const writerPid = (await writer.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    await writer.query('BEGIN');
    await writer.query("INSERT INTO accounts VALUES (1, 'a@example.com')");
    const error = await applyMigrations({ database: clients.url, config, files: dir.files(), phase: 'expand' }).catch((e) => e);
    await writer.query('COMMIT');
    expect(error).toBeInstanceOf(ApplyRefusal);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^001_email_index\\.sql:3:1: gave up after 2 attempts, each waiting 200ms for a lock \\(canceling statement due to lock timeout\\); blocked by pid ${writerPid} \\(idle in transaction for [0-9.]+s, last query "INSERT INTO accounts VALUES \\(1, 'a@example.com'\\)"\\); this statement runs outside a transaction`,
      ),
    );
    expect((await admin.query('SELECT what FROM events')).rows).toEqual([{ what: 'step 1' }]);
    const invalid = await admin.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'accounts_email_idx'::regclass`);
    expect(invalid.rows).toEqual([{ indisvalid: false }]);
    const status = await migrationStatus({ database: clients.url, config, files: dir.files() });
    expect(status.migrations).toEqual([
      {
        id: '001_email_index.sql',
        path: '001_email_index.sql',
        phase: 'expand',
        state: 'pending',
        release: null,
        appliedAt: null,
        checksum: dir.files()[0].checksum,
        doneStatements: 1,
      },
    ]);

    const result = await applyMigrations({ database: clients.url, config, files: dir.files(), phase: 'expand' });
    expect(result.plan.map((e) => [e.action, e.doneStatements])).toEqual([['resume', [0]]]);
    expect(result.rebuiltIndexes).toEqual(['public.accounts_email_idx']);
    expect((await admin.query('SELECT what FROM events ORDER BY what')).rows).toEqual([{ what: 'step 1' }, { what: 'step 3' }]);
    const valid = await admin.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'accounts_email_idx'::regclass`);
    expect(valid.rows).toEqual([{ indisvalid: true }]);
    expect((await ledger.appliedMigrations(admin, config.ledger)).map((r) => r.id)).toEqual(['001_email_index.sql']);
  });

  it('an unnamed concurrent build that fails leaves no INVALID index behind', async () => {
    // A ledger of its own: this directory is not the one the test above applied.
    const config = testConfig({ ...fast, maxRetries: 0 }, { schema: 'unnamed_ledger' });
    await admin.query(`CREATE TABLE dupes (code text); INSERT INTO dupes VALUES ('x'), ('x')`);
    // unnamed-concurrent-index refuses this in real migrations; suppressed to test the runner's own cleanup.
    const dir = migrationsDir({ '001_unique.sql': "-- bgmigrate-ignore unnamed-concurrent-index: exercising the runner's cleanup\nCREATE UNIQUE INDEX CONCURRENTLY ON dupes (code);\n" });
    const error = await applyMigrations({ database: clients.url, config, files: dir.files(), phase: 'expand' }).catch((e) => e);
    expect(error).toBeInstanceOf(ApplyRefusal);
    expect((error as Error).message).toMatch(/^001_unique\.sql:2:1: could not create unique index "dupes_code_idx" \(SQLSTATE 23505\); /);
    expect((await admin.query(`SELECT count(*)::int AS n FROM pg_index WHERE indrelid = 'dupes'::regclass`)).rows[0].n).toBe(0);
  });
});

describe('losing a session mid-run', () => {
  async function waitFor(admin: pg.Client, sql: string): Promise<number> {
    for (let i = 0; i < 500; i++) {
      const { rows } = await admin.query(sql);
      if (rows.length > 0) return rows[0].pid as number;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`never saw: ${sql}`);
  }

  it('the work session terminated inside a migration: exit 2, the migration rolled back and unrecorded', async () => {
    const { clients, admin } = await db('lost_work');
    const config = testConfig(fast);
    const dir = migrationsDir({ '001_slow.sql': 'CREATE TABLE slow (id int);\nSELECT pg_sleep(5);\n' });
    const running = applyMigrations({ database: clients.url, config, files: dir.files(), phase: 'expand' }).catch((e) => e);
    const pid = await waitFor(admin, `SELECT pid FROM pg_stat_activity WHERE application_name = 'bgmigrate apply' AND query LIKE 'SELECT pg_sleep%'`);
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    const error = await running;
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(
      /^001_slow\.sql:2:1: lost the connection to the database \(.+\); the migration was rolled back: nothing of it is applied$/,
    );
    expect(await columnsOf(admin, 'slow')).toEqual([]);
    expect(await ledger.appliedMigrations(admin, config.ledger)).toEqual([]);
  });

  it('the lock session terminated: the run stops before the next migration', async () => {
    const { clients, admin } = await db('lost_lock');
    const config = testConfig(fast);
    const dir = migrationsDir({
      '001_slow.sql': 'CREATE TABLE first (id int);\nSELECT pg_sleep(1);\n',
      '002_next.sql': 'CREATE TABLE second (id int);\n',
    });
    const running = applyMigrations({ database: clients.url, config, files: dir.files(), phase: 'expand' }).catch((e) => e);
    await waitFor(admin, `SELECT pid FROM pg_stat_activity WHERE application_name = 'bgmigrate apply' AND query LIKE 'SELECT pg_sleep%'`);
    const lockPid = await waitFor(admin, `SELECT pid FROM pg_stat_activity WHERE application_name = 'bgmigrate apply (lock)'`);
    await admin.query('SELECT pg_terminate_backend($1)', [lockPid]);
    const error = await running;
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(
      'lost the ledger lock (its database session ended); stopped before the next migration, run apply again',
    );
    expect((await ledger.appliedMigrations(admin, config.ledger)).map((m) => m.id)).toEqual(['001_slow.sql']);
    expect(await columnsOf(admin, 'second')).toEqual([]);
  });
});

describe('errors typed by cause', () => {
  it('drift is a DriftError (a RefusalError, exit 1)', async () => {
    const { clients } = await db('typed_drift');
    const config = testConfig(fast);
    const dir = migrationsDir({ '001_accounts.sql': 'CREATE TABLE accounts (id int PRIMARY KEY);\n' });
    await applyMigrations({ database: clients.url, config, files: dir.files(), phase: 'expand' });
    fs.appendFileSync(path.join(dir.dir, '001_accounts.sql'), '-- edited\n');
    const error = await applyMigrations({ database: clients.url, config, files: dir.files(), phase: 'expand' }).catch((e) => e);
    expect(error).toBeInstanceOf(DriftError);
    expect(error).toBeInstanceOf(RefusalError);
  });
});
