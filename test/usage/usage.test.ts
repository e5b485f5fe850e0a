/**
 * Usage evidence against a real server with pg_stat_statements preloaded (test/support/global-setup.ts):
 * a job that keeps reading a deprecated column blocks the contract migration; fixed and
 * snapshotted again, the migration applies; resets, a missing extension and overrides.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../support/cli.js';
import { createTestDatabase, withClient, type TestDatabase } from '../support/db.js';

/** The same server, its `postgres` database: where the shadow database is created. */
const adminUrlOf = (url: string) => Object.assign(new URL(url), { pathname: '/postgres' }).toString();

const MIGRATIONS = {
  'migrations/001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, name text, full_name text);\nCREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL);\n',
  'migrations/002_deprecate_name.sql': "-- bgmigrate: deprecates public.users.name\nCOMMENT ON COLUMN users.full_name IS 'replaces name';\n",
  'migrations/003_drop_name.sql': '-- bgmigrate: phase=contract\nALTER TABLE users DROP COLUMN name;\n',
};

const cleanup: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

/** A database where v1 then v2 (which deprecates users.name) shipped, and v1 is retired. */
async function shipped(name: string, options: { extension?: boolean; config?: Record<string, unknown>; env?: Record<string, string> } = {}) {
  const db: TestDatabase = await createTestDatabase(`usage_${name}`);
  const project = tempProject({ ...MIGRATIONS, ...(options.config ? { 'bgmigrate.config.json': JSON.stringify(options.config) } : {}) });
  cleanup.push(() => db.drop(), () => fs.rmSync(project, { recursive: true, force: true }));
  if (options.extension !== false) await withClient(db.url, (c) => c.query('CREATE EXTENSION pg_stat_statements'));
  const run = (...args: string[]) => runCli(args, { cwd: project, env: { BGMIGRATE_DATABASE_URL: db.url, ...options.env } });
  fs.renameSync(path.join(project, 'migrations', '002_deprecate_name.sql'), path.join(project, '002.later'));
  fs.renameSync(path.join(project, 'migrations', '003_drop_name.sql'), path.join(project, '003.later'));
  expect(run('apply', '--phase', 'expand', '--release', 'v1').code).toBe(0);
  await withClient(db.url, (c) => c.query(`INSERT INTO users VALUES (1, 'Ann', 'Ann'); INSERT INTO orders VALUES (1, 1)`));
  expect(run('release', 'ship', 'v1').code).toBe(0);
  fs.renameSync(path.join(project, '002.later'), path.join(project, 'migrations', '002_deprecate_name.sql'));
  expect(run('apply', '--phase', 'expand', '--release', 'v2').code).toBe(0);
  const ship = run('release', 'ship', 'v2');
  expect(ship.code).toBe(0);
  expect(run('release', 'retire', 'v1').code).toBe(0);
  fs.renameSync(path.join(project, '003.later'), path.join(project, 'migrations', '003_drop_name.sql'));
  const job = (sql: string) => withClient(db.url, async (c) => void (await c.query(sql)));
  const nameColumn = () =>
    withClient(db.url, async (c) => (await c.query(`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'name'`)).rows[0].n as number);
  return { db, project, run, ship, job, nameColumn };
}

describe('usage evidence', () => {
  it('a job still reading the deprecated column (unqualified, in a join) refuses the contract; fixed and snapshotted again, it applies', async () => {
    const s = await shipped('lifecycle');
    expect(s.ship.stderr).toMatch(/^usage snapshot for v2: \d+ statements recorded\n$/);
    await s.job('SELECT u.id, name FROM users u JOIN orders o ON o.user_id = u.id');

    const refused = s.run('apply', '--phase', 'contract', '--release', 'v2');
    expect(refused.code).toBe(1);
    expect(refused.stderr.split('\n')[0]).toMatch(
      /^bgmigrate: migrations\/003_drop_name\.sql:2:1: drop-column: public\.users\.name is deprecated since v2, but is still used by a query that ran 1 time since the snapshot, as role \S+ on primary: SELECT u\.id, name FROM users u JOIN orders o ON o\.user_id = u\.id$/,
    );
    expect(await s.nameColumn()).toBe(1);

    const check = s.run('check', '--format', 'json');
    expect(check.code).toBe(1);
    const finding = JSON.parse(check.stdout).files[2].findings[0];
    expect([finding.rule, finding.severity, finding.ledger.allowed]).toEqual(['drop-column', 'error', false]);
    expect(finding.ledger.reason).toMatch(/^public\.users\.name is deprecated since v2, but is still used by a query/);

    const usage = s.run('usage');
    expect(usage.code).toBe(1);
    expect(usage.stdout.split('\n')[0]).toMatch(/^public\.users\.name \(deprecated at v2\): used, since the snapshot of \S+$/);

    // The job is fixed; a new snapshot starts the count again.
    expect(s.run('usage', '--snapshot')).toMatchObject({ code: 0, stdout: expect.stringMatching(/^usage snapshot recorded: \d+ statements\n$/) });
    await s.job('SELECT u.id, full_name FROM users u JOIN orders o ON o.user_id = u.id');
    expect(s.run('usage')).toMatchObject({ code: 0, stdout: expect.stringMatching(/^public\.users\.name \(deprecated at v2\): unused, since the snapshot of \S+\n$/) });
    const applied = s.run('apply', '--phase', 'contract', '--release', 'v2');
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(await s.nameColumn()).toBe(0);
  });

  it('usage --shadow: live queries prepared on the schema after every migration; one that fails is breaking use', async () => {
    const s = await shipped('shadow');
    await s.job('SELECT u.id, name FROM users u JOIN orders o ON o.user_id = u.id');
    await s.job('SELECT full_name FROM users WHERE id = 1');
    const run = s.run('usage', '--shadow', adminUrlOf(s.db.url), '--format', 'json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const shadow = JSON.parse(run.stdout).shadow as { breaking: { sqlstate: string; message: string; query: { text: string } }[] };
    expect(shadow.breaking.map((b) => [b.sqlstate, b.message, b.query.text])).toEqual([
      ['42703', 'column "name" does not exist', 'SELECT u.id, name FROM users u JOIN orders o ON o.user_id = u.id'],
    ]);
    // The shadow database is gone; the target still has the column.
    const left = await withClient(s.db.url, async (c) => (await c.query(`SELECT count(*)::int AS n FROM pg_database WHERE datname LIKE 'bgmigrate_shadow_%'`)).rows[0].n);
    expect(left).toBe(0);
    expect(await s.nameColumn()).toBe(1);
  });

  it("a read replica's queries count: usage.servers", async () => {
    // The replica: a database with the same tables and its own statistics, as a standby would have.
    const replica = await createTestDatabase('usage_replica');
    cleanup.push(() => replica.drop());
    await withClient(replica.url, (c) => c.query('CREATE EXTENSION pg_stat_statements; CREATE TABLE users (id bigint PRIMARY KEY, name text, full_name text)'));
    const s = await shipped('with_replica', {
      config: { usage: { servers: [{ name: 'replica-1', url: '$BGM_TEST_REPLICA_URL' }] } },
      env: { BGM_TEST_REPLICA_URL: replica.url },
    });
    expect(s.ship.stderr).toMatch(/^usage snapshot for v2: \d+ statements recorded\nusage snapshot for v2 on replica-1: \d+ statements? recorded\n$/);
    await withClient(replica.url, (c) => c.query('SELECT name FROM users WHERE id = 1'));
    const refused = s.run('apply', '--phase', 'contract', '--release', 'v2');
    expect(refused.code).toBe(1);
    expect(refused.stderr.split('\n')[0]).toMatch(/ is still used by a query that ran 1 time since the snapshot, as role \S+ on replica-1: SELECT name FROM users WHERE id = \$1$/);
    expect(await s.nameColumn()).toBe(1);
  });

  it('SELECT * is a possible use: a warning, not a refusal', async () => {
    const s = await shipped('star');
    await s.job('SELECT * FROM users');
    const run = s.run('apply', '--phase', 'contract', '--release', 'v2');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^warning: public\.users\.name: possibly used \(SELECT \* or an INSERT without a column list\) by a query that ran 1 time since the snapshot, as role \S+ on primary: SELECT \* FROM users$/m);
    expect(await s.nameColumn()).toBe(0);
  });

  it('--ignore-usage overrides the refusal and is recorded with its reason', async () => {
    const s = await shipped('override');
    await s.job('SELECT name FROM users');
    expect(s.run('apply', '--phase', 'contract', '--ignore-usage', 'public.users.name').stderr).toBe(
      'bgmigrate: apply --ignore-usage: give --reason "why the query does not matter" (the ledger records it)\n',
    );
    const run = s.run('apply', '--phase', 'contract', '--release', 'v2', '--ignore-usage', 'public.users.name', '--reason', 'the report job is being retired today');
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('warning: usage refusal of public.users.name overridden (--ignore-usage): the report job is being retired today');
    const rows = await withClient(s.db.url, async (c) => (await c.query('SELECT object, reason, migration_id FROM bgmigrate.usage_overrides')).rows);
    expect(rows).toEqual([{ object: 'public.users.name', reason: 'the report job is being retired today', migration_id: '003_drop_name.sql' }]);
  });

  it('a statistics reset since the snapshot makes the evidence incomplete: a warning, a refusal with usage.require', async () => {
    const s = await shipped('reset', { config: { usage: { require: true } } });
    await withClient(s.db.url, (c) => c.query('SELECT pg_stat_statements_reset()'));
    const run = s.run('apply', '--phase', 'contract', '--release', 'v2');
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')[0]).toMatch(
      /^bgmigrate: migrations\/003_drop_name\.sql:2:1: drop-column: usage evidence for public\.users\.name is incomplete and usage\.require is set: pg_stat_statements was reset at \S+, after the snapshot of \S+: queries that ran before the reset are not counted$/,
    );
    fs.writeFileSync(path.join(s.project, 'bgmigrate.config.json'), '{}');
    const warned = s.run('apply', '--phase', 'contract', '--release', 'v2');
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(/^warning: usage evidence for public\.users\.name is incomplete: pg_stat_statements was reset at/m);
  });

  it('without the extension: no evidence, a warning saying how to enable it; a refusal with usage.require', async () => {
    const s = await shipped('missing', { extension: false, config: { usage: { require: true } } });
    expect(s.ship.stderr).toBe('');
    const run = s.run('apply', '--phase', 'contract', '--release', 'v2');
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')[0]).toBe(
      'bgmigrate: migrations/003_drop_name.sql:2:1: drop-column: usage evidence for public.users.name is missing and usage.require is set: pg_stat_statements is loaded but not created in this database: run CREATE EXTENSION pg_stat_statements',
    );
    fs.writeFileSync(path.join(s.project, 'bgmigrate.config.json'), '{}');
    const warned = s.run('apply', '--phase', 'contract', '--release', 'v2');
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain('warning: usage evidence for public.users.name is missing: pg_stat_statements is loaded but not created in this database: run CREATE EXTENSION pg_stat_statements');
  });
});
