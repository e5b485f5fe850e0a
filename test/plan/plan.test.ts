/**
 * `bgmigrate plan`: the files each recipe writes, what `check` says of them, and their expand steps
 * applied to a real server while the old color keeps writing through the old names.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import type pg from 'pg';
import { CLI, ROOT, runCli, tempProject } from '../support/cli.js';
import { createTestDatabase, withClient, type TestDatabase } from '../support/db.js';

/**
 * Runs `bgmigrate <args>` as a child process (spawnSync would block this one) while `write(c, i)`
 * runs here in a loop, i from `from`: the old color's traffic through the whole run, and `linger`
 * ms after it. Returns the run, the loops completed while it ran, and all loops completed.
 */
async function runUnderWrites(
  url: string,
  cwd: string,
  args: string[],
  options: { from: number; linger?: number },
  write: (c: pg.Client, i: number) => Promise<void>,
): Promise<{ code: number | null; stdout: string; stderr: string; loopsDuringRun: number; loops: number }> {
  let running = true;
  let loops = 0;
  const writer = withClient(url, async (c) => {
    for (let i = options.from; running; i++) {
      await write(c, i);
      loops++;
    }
  });
  const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, BGMIGRATE_DATABASE_URL: url } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  const loopsDuringRun = loops;
  if (options.linger) await new Promise((resolve) => setTimeout(resolve, options.linger));
  running = false;
  await writer;
  return { ...run, loopsDuringRun, loops };
}

const BASE = {
  'migrations/0001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text, nickname text);\n',
  'migrations/0002_orders.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\n',
};

describe('bgmigrate plan', () => {
  it('numbers the files after the last migration; --dry-run writes nothing; unknown names are exit 2', () => {
    const cwd = tempProject(BASE);
    const dry = runCli(['plan', 'add-unique', 'public.users.email', '--dry-run'], { cwd });
    expect(dry.code).toBe(0);
    expect(dry.stdout.split('\n').filter((l) => l.startsWith('── '))).toEqual(['── migrations/0003_users_email_unique_index.sql', '── migrations/0004_users_email_unique.sql']);
    expect(fs.readdirSync(path.join(cwd, 'migrations'))).toEqual(['0001_users.sql', '0002_orders.sql']);
    expect(runCli(['plan', 'add-unique', 'public.users.emial'], { cwd })).toEqual({
      code: 2,
      stdout: '',
      stderr: 'bgmigrate: plan add-unique: public.users.emial is not a column the migrations create; the closest is public.users.email\n',
    });
    expect(runCli(['plan', 'add-uniq', 'public.users.email'], { cwd }).stderr).toBe(
      'bgmigrate: plan: unknown recipe "add-uniq"; the recipes are rename-column, rename-table, change-type, set-not-null, add-foreign-key, add-unique, drop-column (did you mean add-unique?)\n',
    );
  });

  it('writes into prisma and diesel directories too, named by the time after the newest', () => {
    const prisma = tempProject({ 'migrations/20240101000000_init/migration.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n' });
    expect(runCli(['plan', 'add-unique', 'public.users.email'], { cwd: prisma }).code).toBe(0);
    const made = fs.readdirSync(path.join(prisma, 'migrations')).sort();
    expect(made[0]).toBe('20240101000000_init');
    expect(made.slice(1).map((d) => d.replace(/^\d{14}_/, ''))).toEqual(['users_email_unique_index', 'users_email_unique']);
    expect(made.slice(1).every((d) => fs.existsSync(path.join(prisma, 'migrations', d, 'migration.sql')))).toBe(true);
    expect(runCli(['check'], { cwd: prisma }).code).toBe(0);
    const diesel = tempProject({ 'migrations/2024-01-01-000000_init/up.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n' });
    expect(runCli(['plan', 'add-unique', 'public.users.email'], { cwd: diesel }).code).toBe(0);
    expect(fs.readdirSync(path.join(diesel, 'migrations')).sort().slice(1).map((d) => /^\d{4}-\d\d-\d\d-\d{6}_(.*)$/.exec(d)?.[1])).toEqual(['users_email_unique_index', 'users_email_unique']);
  });

  it('every file passes check except the contract steps, which wait for the ledger', () => {
    const cwd = tempProject(BASE);
    for (const args of [
      ['set-not-null', 'public.users.email'],
      ['add-foreign-key', 'public.orders.user_id', '--references', 'public.users.id'],
      ['add-unique', 'public.users.email'],
      ['drop-column', 'public.users.nickname'],
    ]) {
      expect(runCli(['plan', ...args], { cwd }).code).toBe(0);
    }
    expect(fs.readdirSync(path.join(cwd, 'migrations'))).toEqual([
      '0001_users.sql',
      '0002_orders.sql',
      '0003_users_email_not_null_check.sql',
      '0004_users_email_not_null_validate.sql',
      '0005_users_email_set_not_null.sql',
      '0006_orders_user_id_fkey.sql',
      '0007_orders_user_id_fkey_validate.sql',
      '0008_users_email_unique_index.sql',
      '0009_users_email_unique.sql',
      '0010_users_nickname_deprecate.sql',
      '0011_users_nickname_drop.sql',
    ]);
    const report = JSON.parse(runCli(['check', '--format', 'json'], { cwd }).stdout) as { files: { path: string; phase: string; findings: { rule: string; severity: string }[] }[] };
    const errors = report.files.flatMap((f) => f.findings.filter((x) => x.severity === 'error').map((x) => [f.path, f.phase, x.rule]));
    expect(errors).toEqual([
      ['migrations/0005_users_email_set_not_null.sql', 'contract', 'set-not-null'],
      ['migrations/0011_users_nickname_drop.sql', 'contract', 'drop-column'],
    ]);
  });
});

describe('bgmigrate plan: rename-column, rename-table and change-type pass check but for their contract steps', () => {
  it('lists errors only on the contract steps', () => {
    const cwd = tempProject({ ...BASE, 'migrations/0003_scores.sql': 'CREATE TABLE scores (id bigint PRIMARY KEY, points integer);\n' });
    for (const args of [
      ['rename-column', 'public.users.nickname', 'handle'],
      ['rename-table', 'public.orders', 'purchases'],
      ['change-type', 'public.scores.points', 'bigint'],
    ]) {
      expect(runCli(['plan', ...args], { cwd }).code).toBe(0);
    }
    const report = JSON.parse(runCli(['check', '--format', 'json'], { cwd }).stdout) as { files: { path: string; phase: string; findings: { rule: string; severity: string }[] }[] };
    const errors = report.files.flatMap((f) => f.findings.filter((x) => x.severity === 'error').map((x) => [f.path, f.phase, x.rule]));
    expect(errors).toEqual([
      ['migrations/0007_users_nickname_drop.sql', 'contract', 'drop-routine'],
      ['migrations/0007_users_nickname_drop.sql', 'contract', 'drop-column'],
      ['migrations/0010_orders_drop_view.sql', 'contract', 'drop-view'],
      ['migrations/0014_scores_points_type_swap.sql', 'contract', 'drop-routine'],
      ['migrations/0014_scores_points_type_swap.sql', 'contract', 'drop-column'],
      ['migrations/0014_scores_points_type_swap.sql', 'contract', 'rename-column'],
    ]);
  });
});

describe('bgmigrate plan: expand steps under live writes', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('plan_live');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('foreign key and unique constraint are added while the old color inserts and updates: no write lost', async () => {
    const cwd = tempProject(BASE);
    const run = (...args: string[]) => runCli(args, { cwd, env: { BGMIGRATE_DATABASE_URL: db.url } });
    expect(run('apply', '--phase', 'expand', '--release', 'v1').code).toBe(0);
    await withClient(db.url, (c) => c.query(`INSERT INTO users SELECT g, 'u' || g || '@x', NULL FROM generate_series(1, 5000) g; INSERT INTO orders SELECT g, g FROM generate_series(1, 5000) g`));
    expect(run('plan', 'add-foreign-key', 'public.orders.user_id', '--references', 'public.users.id').code).toBe(0);
    expect(run('plan', 'add-unique', 'public.users.email').code).toBe(0);

    // The old color: inserts users and orders and updates emails, through the whole expand.
    let writes = 0;
    let failed = 0;
    const applied = await runUnderWrites(db.url, cwd, ['apply', '--phase', 'expand', '--release', 'v2', '--format', 'json'], { from: 5001, linger: 200 }, async (c, i) => {
      try {
        await c.query('INSERT INTO users VALUES ($1, $2, NULL)', [i, `u${i}@x`]);
        await c.query('INSERT INTO orders VALUES ($1, $1)', [i]);
        await c.query('UPDATE users SET email = email WHERE id = $1', [i - 4000]);
        writes += 3;
      } catch {
        failed += 1;
      }
    });
    // More than 30 writes (10 loops of 3) while the apply ran.
    expect(applied.loopsDuringRun).toBeGreaterThan(10);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(JSON.parse(applied.stdout).applied.map((a: { id: string }) => a.id)).toEqual([
      '0003_orders_user_id_fkey.sql',
      '0004_orders_user_id_fkey_validate.sql',
      '0005_users_email_unique_index.sql',
      '0006_users_email_unique.sql',
    ]);
    expect(failed).toBe(0);
    const state = await withClient(db.url, async (c) => ({
      users: (await c.query('SELECT count(*)::int AS n FROM users')).rows[0].n,
      orders: (await c.query('SELECT count(*)::int AS n FROM orders')).rows[0].n,
      constraints: (await c.query(`SELECT conname, contype, convalidated FROM pg_constraint WHERE conrelid IN ('users'::regclass, 'orders'::regclass) AND contype IN ('f', 'u') ORDER BY conname`)).rows,
    }));
    // Every write the writer made is there: 5,000 rows each plus one per loop.
    expect(state.users).toBe(5_000 + writes / 3);
    expect(state.orders).toBe(5_000 + writes / 3);
    expect(state.constraints).toEqual([
      { conname: 'orders_user_id_fkey', contype: 'f', convalidated: true },
      { conname: 'users_email_key', contype: 'u', convalidated: true },
    ]);
  });
});

describe('bgmigrate plan rename-column: the whole lifecycle under the old color\'s writes', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('plan_rename');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('ends as a one-step rename would, with every write the old color made', async () => {
    const cwd = tempProject({ 'migrations/0001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);\nCREATE INDEX users_name_idx ON users (name);\n' });
    const env = { BGMIGRATE_DATABASE_URL: db.url };
    const run = (...args: string[]) => runCli(args, { cwd, env });
    expect(run('apply', '--phase', 'expand', '--release', 'v1').code).toBe(0);
    expect(run('release', 'ship', 'v1').code).toBe(0);
    await withClient(db.url, (c) => c.query(`INSERT INTO users SELECT g, 'name ' || g FROM generate_series(1, 3000) g`));
    const expected = new Map<number, string>(Array.from({ length: 3000 }, (_, i) => [i + 1, `name ${i + 1}`]));

    expect(run('plan', 'rename-column', 'public.users.name', 'full_name')).toMatchObject({ code: 0 });
    expect(fs.readdirSync(path.join(cwd, 'migrations'))).toEqual([
      '0001_users.sql',
      '0002_users_full_name_add.sql',
      '0003_users_full_name_backfill.sql',
      '0004_users_full_name_indexes.sql',
      '0005_users_name_deprecate.sql',
      '0006_users_name_drop.sql',
    ]);
    expect(fs.readFileSync(path.join(cwd, 'migrations', '0004_users_full_name_indexes.sql'), 'utf8')).toContain(
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS users_full_name_idx ON public.users (full_name);',
    );

    // The old color writes only `name`, all through the expand.
    const expand = await runUnderWrites(db.url, cwd, ['apply', '--phase', 'expand', '--release', 'v2'], { from: 3001 }, async (c, i) => {
      await c.query('INSERT INTO users (id, name) VALUES ($1, $2)', [i, `name ${i}`]);
      expected.set(i, `name ${i}`);
      const id = 1 + (i % 3000);
      await c.query(`UPDATE users SET name = $2 WHERE id = $1`, [id, `renamed ${i}`]);
      expected.set(id, `renamed ${i}`);
    });
    expect(expand.stderr).not.toContain('bgmigrate:');
    expect(expand.code).toBe(0);
    // Every row has the new column filled and equal to the old one.
    expect(await withClient(db.url, async (c) => (await c.query('SELECT count(*)::int AS n FROM users WHERE full_name IS DISTINCT FROM name')).rows[0].n)).toBe(0);

    expect(run('release', 'ship', 'v2').code).toBe(0);
    expect(run('release', 'retire', 'v1').code).toBe(0);
    const contract = run('apply', '--phase', 'contract', '--release', 'v2');
    expect(contract.stderr.split('\n').filter((l) => l.startsWith('bgmigrate:'))).toEqual([]);
    expect(contract.code).toBe(0);

    const final = await withClient(db.url, async (c) => ({
      columns: (await c.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY ordinal_position`)).rows.map((r) => r.column_name),
      leftovers: (await c.query(`SELECT count(*)::int AS n FROM pg_proc WHERE proname LIKE 'users_sync%'`)).rows[0].n,
      rows: (await c.query('SELECT id::int, full_name FROM users ORDER BY id')).rows as { id: number; full_name: string }[],
    }));
    expect(final.columns).toEqual(['id', 'full_name']);
    const indexes = await withClient(db.url, async (c) => (await c.query(`SELECT indexrelid::regclass::text AS name, indisvalid FROM pg_index WHERE indrelid = 'users'::regclass ORDER BY 1`)).rows);
    expect(indexes).toEqual([
      { name: 'users_full_name_idx', indisvalid: true },
      { name: 'users_pkey', indisvalid: true },
    ]);
    expect(final.leftovers).toBe(0);
    expect(final.rows.length).toBe(expected.size);
    expect(final.rows.filter((r) => expected.get(r.id) !== r.full_name)).toEqual([]);
  });
});

describe('bgmigrate plan rename-table and change-type: lifecycles under the old color\'s writes', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('plan_table_type');
  });
  afterAll(async () => {
    await db.drop();
  });

  /** Runs the expand in a child process while `write(i)` keeps running here; returns the writes made. */
  async function expandUnderWrites(cwd: string, release: string, write: (c: pg.Client, i: number) => Promise<void>): Promise<number> {
    const expand = await runUnderWrites(db.url, cwd, ['apply', '--phase', 'expand', '--release', release], { from: 1 }, write);
    expect(expand.stderr).not.toContain('bgmigrate:');
    expect(expand.code).toBe(0);
    return expand.loops;
  }

  it('rename-table: the old name keeps working as an updatable view until the contract step drops it', async () => {
    await withClient(db.url, (c) => c.query('CREATE SCHEMA rt'));
    const cwd = tempProject({ 'migrations/0001_users.sql': "CREATE TABLE rt.users (id bigint PRIMARY KEY, name text NOT NULL, status text NOT NULL DEFAULT 'new');\n", 'bgmigrate.config.json': '{"ledger": {"schema": "ledger_rt"}}' });
    const run = (...args: string[]) => runCli(args, { cwd, env: { BGMIGRATE_DATABASE_URL: db.url } });
    expect(run('apply', '--phase', 'expand', '--release', 'v1').code).toBe(0);
    expect(run('release', 'ship', 'v1').code).toBe(0);
    expect(run('plan', 'rename-table', 'rt.users', 'customers').code).toBe(0);
    expect(fs.readdirSync(path.join(cwd, 'migrations'))).toEqual(['0001_users.sql', '0002_users_rename_to_customers.sql', '0003_users_deprecate.sql', '0004_users_drop_view.sql']);
    // The old color writes through the old name, omitting the defaulted column.
    const writes = await expandUnderWrites(cwd, 'v2', async (c, i) => {
      await c.query('INSERT INTO rt.users (id, name) VALUES ($1, $2)', [i, `n${i}`]);
      await c.query('UPDATE rt.users SET name = name WHERE id = $1', [i]);
    });
    expect(writes).toBeGreaterThan(10);
    expect(run('release', 'ship', 'v2').code).toBe(0);
    expect(run('release', 'retire', 'v1').code).toBe(0);
    expect(run('apply', '--phase', 'contract', '--release', 'v2').code).toBe(0);
    const final = await withClient(db.url, async (c) => ({
      relations: (await c.query(`SELECT relname, relkind::text FROM pg_class WHERE relnamespace = 'rt'::regnamespace AND relkind IN ('r', 'v') ORDER BY 1`)).rows,
      rows: (await c.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'new')::int AS defaulted FROM rt.customers`)).rows[0],
    }));
    expect(final).toEqual({ relations: [{ relname: 'customers', relkind: 'r' }], rows: { n: writes, defaulted: writes } });
  });

  it('change-type: a shadow column, a backfill and the swap; the column keeps its name with the new type and every value', async () => {
    await withClient(db.url, (c) => c.query('CREATE SCHEMA ct'));
    const cwd = tempProject({ 'migrations/0001_scores.sql': 'CREATE TABLE ct.scores (id bigint PRIMARY KEY, points integer NOT NULL);\nCREATE INDEX scores_points_idx ON ct.scores (points);\n', 'bgmigrate.config.json': '{"ledger": {"schema": "ledger_ct"}}' });
    const run = (...args: string[]) => runCli(args, { cwd, env: { BGMIGRATE_DATABASE_URL: db.url } });
    expect(run('apply', '--phase', 'expand', '--release', 'v1').code).toBe(0);
    expect(run('release', 'ship', 'v1').code).toBe(0);
    await withClient(db.url, (c) => c.query('INSERT INTO ct.scores SELECT g, g * 10 FROM generate_series(1, 2000) g'));
    expect(run('plan', 'change-type', 'ct.scores.points', 'bigint').code).toBe(0);
    expect(fs.readdirSync(path.join(cwd, 'migrations'))).toEqual([
      '0001_scores.sql',
      '0002_scores_points_points_new_add.sql',
      '0003_scores_points_points_new_backfill.sql',
      '0004_scores_points_new_indexes.sql',
      '0005_scores_points_type_deprecate.sql',
      '0006_scores_points_type_swap.sql',
    ]);
    const expected = new Map<number, number>(Array.from({ length: 2000 }, (_, i) => [i + 1, (i + 1) * 10]));
    await expandUnderWrites(cwd, 'v2', async (c, i) => {
      await c.query('INSERT INTO ct.scores VALUES ($1, $2)', [2000 + i, i]);
      expected.set(2000 + i, i);
      await c.query('UPDATE ct.scores SET points = points + 1 WHERE id = $1', [i]);
      expected.set(i, expected.get(i)! + 1);
    });
    expect(run('release', 'ship', 'v2').code).toBe(0);
    expect(run('release', 'retire', 'v1').code).toBe(0);
    const contract = run('apply', '--phase', 'contract', '--release', 'v2');
    expect(contract.stderr.split('\n').filter((l) => l.startsWith('bgmigrate:'))).toEqual([]);
    expect(contract.code).toBe(0);
    const final = await withClient(db.url, async (c) => ({
      columns: (await c.query(`SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'ct' AND table_name = 'scores' ORDER BY ordinal_position`)).rows,
      rows: (await c.query('SELECT id::int, points::int FROM ct.scores')).rows as { id: number; points: number }[],
    }));
    expect(final.columns).toEqual([
      { column_name: 'id', data_type: 'bigint' },
      { column_name: 'points', data_type: 'bigint' },
    ]);
    expect(final.rows.length).toBe(expected.size);
    expect(final.rows.filter((r) => expected.get(r.id) !== r.points)).toEqual([]);
  });
});

describe('bgmigrate plan set-not-null and drop-column: lifecycles under the old color\'s writes', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('plan_nn_drop');
  });
  afterAll(async () => {
    await db.drop();
  });

  async function lifecycle(schema: string, base: string, recipe: string[], write: (c: pg.Client, i: number) => Promise<void>): Promise<{ writes: number; run: (...args: string[]) => ReturnType<typeof runCli> }> {
    await withClient(db.url, (c) => c.query(`CREATE SCHEMA ${schema}`));
    const cwd = tempProject({ 'migrations/0001_base.sql': base, 'bgmigrate.config.json': JSON.stringify({ ledger: { schema: `ledger_${schema}` } }) });
    const run = (...args: string[]) => runCli(args, { cwd, env: { BGMIGRATE_DATABASE_URL: db.url } });
    expect(run('apply', '--phase', 'expand', '--release', 'v1').code).toBe(0);
    expect(run('release', 'ship', 'v1').code).toBe(0);
    await withClient(db.url, (c) => c.query(`INSERT INTO ${schema}.users SELECT g, 'u' || g FROM generate_series(1, 1000) g`));
    expect(run('plan', ...recipe).code).toBe(0);
    const expand = await runUnderWrites(db.url, cwd, ['apply', '--phase', 'expand', '--release', 'v2'], { from: 1001 }, write);
    const writes = expand.loops;
    expect(expand.stderr).not.toContain('bgmigrate:');
    expect(expand.code).toBe(0);
    expect(run('release', 'ship', 'v2').code).toBe(0);
    expect(run('release', 'retire', 'v1').code).toBe(0);
    const contract = run('apply', '--phase', 'contract', '--release', 'v2');
    expect(contract.stderr.split('\n').filter((l) => l.startsWith('bgmigrate:'))).toEqual([]);
    expect(contract.code).toBe(0);
    return { writes, run };
  }

  it('set-not-null: the column ends NOT NULL, with no CHECK left and every row written', async () => {
    const { writes } = await lifecycle('nn', 'CREATE TABLE nn.users (id bigint PRIMARY KEY, email text);\n', ['set-not-null', 'nn.users.email'], async (c, i) => {
      await c.query('INSERT INTO nn.users VALUES ($1, $2)', [i, `e${i}`]);
    });
    const final = await withClient(db.url, async (c) => ({
      notNull: (await c.query(`SELECT attnotnull FROM pg_attribute WHERE attrelid = 'nn.users'::regclass AND attname = 'email'`)).rows[0].attnotnull,
      checks: (await c.query(`SELECT count(*)::int AS n FROM pg_constraint WHERE conrelid = 'nn.users'::regclass AND contype = 'c'`)).rows[0].n,
      rows: (await c.query('SELECT count(*)::int AS n FROM nn.users')).rows[0].n,
    }));
    expect(final).toEqual({ notNull: true, checks: 0, rows: 1000 + writes });
  });

  it('drop-column: the old color keeps writing the column until it is retired; then it is gone and every row kept', async () => {
    const { writes } = await lifecycle('dc', 'CREATE TABLE dc.users (id bigint PRIMARY KEY, nickname text);\n', ['drop-column', 'dc.users.nickname'], async (c, i) => {
      await c.query('INSERT INTO dc.users VALUES ($1, $2)', [i, `n${i}`]);
      await c.query('UPDATE dc.users SET nickname = nickname WHERE id = $1', [i]);
    });
    const final = await withClient(db.url, async (c) => ({
      columns: (await c.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'dc' AND table_name = 'users' ORDER BY ordinal_position`)).rows.map((r) => r.column_name),
      rows: (await c.query('SELECT count(*)::int AS n FROM dc.users')).rows[0].n,
    }));
    expect(final).toEqual({ columns: ['id'], rows: 1000 + writes });
  });
});

describe('bgmigrate plan in drizzle and script layouts', () => {
  const base = {
    kysely: ['0001_users.ts', "import { Kysely, sql } from 'kysely';\nexport async function up(db: Kysely<any>): Promise<void> {\n  await sql`CREATE TABLE users (id bigint PRIMARY KEY, email text, nickname text)`.execute(db);\n}\n"],
    'node-pg-migrate': ['1700000000000_users.ts', "import type { MigrationBuilder } from 'node-pg-migrate';\nexport async function up(pgm: MigrationBuilder): Promise<void> {\n  pgm.sql('CREATE TABLE users (id bigint PRIMARY KEY, email text, nickname text)');\n}\n"],
    knex: ['20240101000000_users.ts', "import type { Knex } from 'knex';\nexport async function up(knex: Knex): Promise<void> {\n  await knex.raw('CREATE TABLE users (id bigint PRIMARY KEY, email text, nickname text)');\n}\n"],
    typeorm: ['1700000000000-Users.ts', "import type { MigrationInterface, QueryRunner } from 'typeorm';\nexport class Users1700000000000 implements MigrationInterface {\n  public async up(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.query('CREATE TABLE users (id bigint PRIMARY KEY, email text, nickname text)');\n  }\n}\n"],
  } as const;

  it.each(Object.entries(base))('%s: the files are scripts of the layout, and check reads them like the SQL', (layout, [file, content]) => {
    const cwd = tempProject({ [`migrations/${file}`]: content, 'package.json': '{ "private": true, "type": "commonjs" }' });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(cwd, 'node_modules'));
    for (const args of [['add-unique', 'public.users.email'], ['drop-column', 'public.users.nickname']]) {
      const run = runCli(['plan', ...args], { cwd });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
    }
    const report = JSON.parse(runCli(['check', '--format', 'json'], { cwd }).stdout) as { files: { path: string; findings: { rule: string; severity: string; line: number }[] }[] };
    expect(report.files).toHaveLength(5);
    expect(report.files.flatMap((f) => f.findings.filter((x) => x.severity === 'error').map((x) => x.rule))).toEqual(['drop-column']);
    expect(report.files[1].path).toMatch(layout === 'typeorm' ? /^migrations\/\d{13}-UsersEmailUniqueIndex\.ts$/ : /_users_email_unique_index\.ts$/);
  });

  it('drizzle: SQL with statement breakpoints, and the journal updated', () => {
    const cwd = tempProject({
      'drizzle/0000_users.sql': 'CREATE TABLE "users" ("id" bigint PRIMARY KEY, "email" text);\n',
      'drizzle/meta/_journal.json': JSON.stringify({ version: '7', dialect: 'postgresql', entries: [{ idx: 0, version: '7', when: 1, tag: '0000_users', breakpoints: true }] }),
    });
    const run = runCli(['plan', 'set-not-null', 'public.users.email', '--dir', 'drizzle'], { cwd });
    expect(run.stdout.split('\n').filter(Boolean)).toEqual([
      'wrote drizzle/0001_users_email_not_null_check.sql',
      'wrote drizzle/0002_users_email_not_null_validate.sql',
      'wrote drizzle/0003_users_email_set_not_null.sql',
      'updated drizzle/meta/_journal.json',
    ]);
    expect(fs.readFileSync(path.join(cwd, 'drizzle', '0003_users_email_set_not_null.sql'), 'utf8')).toContain('SET NOT NULL;\n--> statement-breakpoint\nALTER TABLE');
    const journal = JSON.parse(fs.readFileSync(path.join(cwd, 'drizzle', 'meta', '_journal.json'), 'utf8')) as { entries: { idx: number; tag: string }[] };
    expect(journal.entries.map((e) => [e.idx, e.tag])).toEqual([
      [0, '0000_users'],
      [1, '0001_users_email_not_null_check'],
      [2, '0002_users_email_not_null_validate'],
      [3, '0003_users_email_set_not_null'],
    ]);
    expect(runCli(['check', '--dir', 'drizzle', '--format', 'json'], { cwd }).code).toBe(1);
  });
});
