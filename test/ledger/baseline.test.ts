/**
 * `ledger baseline`: each tool's history table is created as that tool creates it, on a real
 * server, and the ledger rows bgmigrate records from it are asserted exactly.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { ROOT, runCli, tempProject } from '../support/cli.js';
import { createTestDatabase, withClient, type TestDatabase } from '../support/db.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

interface Setup {
  db: TestDatabase;
  project: string;
  run: (...args: string[]) => ReturnType<typeof runCli>;
  ledger: () => Promise<{ id: string; phase: string; source: string; baseline_from: string; applied_at: string; checksum: string }[]>;
}

async function setup(name: string, files: Record<string, string>, history: string): Promise<Setup> {
  const db = await createTestDatabase(`baseline_${name.replace(/\W/g, '_')}`);
  const project = tempProject(files);
  cleanup.push(() => db.drop(), () => fs.rmSync(project, { recursive: true, force: true }));
  await withClient(db.url, (c) => c.query(history));
  return {
    db,
    project,
    run: (...args) => runCli(args, { cwd: project, env: { BGMIGRATE_DATABASE_URL: db.url } }),
    ledger: () =>
      withClient(db.url, async (c) => {
        const { rows } = await c.query(
          `SELECT id, phase, source, baseline_from, to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') AS applied_at, checksum
             FROM bgmigrate.migrations ORDER BY seq`,
        );
        return rows;
      }),
  };
}

const sha = (text: string) => crypto.createHash('sha256').update(text).digest('hex');
const CREATE_USERS = 'CREATE TABLE users (id bigint PRIMARY KEY, name text);\n';
const ADD_EMAIL = 'ALTER TABLE users ADD COLUMN email text;\n';
const DROP_NAME = '-- bgmigrate: phase=contract\nALTER TABLE users DROP COLUMN name;\n';

describe('ledger baseline --from prisma', () => {
  const files = {
    'migrations/20240101000000_init/migration.sql': CREATE_USERS,
    'migrations/20240102000000_email/migration.sql': ADD_EMAIL,
    'migrations/20240103000000_drop_name/migration.sql': DROP_NAME,
  };
  const table = `CREATE TABLE _prisma_migrations (
      id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL, finished_at timestamptz,
      migration_name varchar(255) NOT NULL, logs text, rolled_back_at timestamptz,
      started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count integer NOT NULL DEFAULT 0);`;

  it('records what prisma applied, with its times, and is idempotent', async () => {
    const s = await setup('prisma', files, `${table}
      INSERT INTO _prisma_migrations VALUES
        ('a', '${sha(CREATE_USERS)}', '2024-01-05 10:00:02+00', '20240101000000_init', NULL, NULL, '2024-01-05 10:00:00+00', 1),
        ('b', 'x', NULL, '20240102000000_email', 'boom', '2024-01-06 09:00:00+00', '2024-01-06 08:00:00+00', 0),
        ('c', '${sha(ADD_EMAIL)}', '2024-01-06 10:00:01+00', '20240102000000_email', NULL, NULL, '2024-01-06 10:00:00+00', 1);`);
    const dry = s.run('ledger', 'baseline', '--from', 'prisma', '--dry-run');
    expect(dry).toEqual({
      code: 0,
      stdout:
        'would record  migrations/20240101000000_init/migration.sql  expand  applied 2024-01-05T10:00:02Z\n' +
        'would record  migrations/20240102000000_email/migration.sql  expand  applied 2024-01-06T10:00:01Z\n' +
        'baseline from prisma (public._prisma_migrations): dry run, 2 migrations would be recorded, nothing changed\n',
      stderr: '',
    });
    expect(await withClient(s.db.url, async (c) => (await c.query(`SELECT to_regnamespace('bgmigrate') AS ns`)).rows[0].ns)).toBeNull();

    expect(s.run('ledger', 'baseline', '--from', 'prisma')).toEqual({
      code: 0,
      stdout:
        'recorded  migrations/20240101000000_init/migration.sql  expand  applied 2024-01-05T10:00:02Z\n' +
        'recorded  migrations/20240102000000_email/migration.sql  expand  applied 2024-01-06T10:00:01Z\n' +
        'baseline from prisma (public._prisma_migrations): 2 migrations recorded\n',
      stderr: '',
    });
    expect(await s.ledger()).toEqual([
      { id: '20240101000000_init/migration.sql', phase: 'expand', source: 'baseline', baseline_from: 'prisma', applied_at: '2024-01-05T10:00:02', checksum: sha(CREATE_USERS) },
      { id: '20240102000000_email/migration.sql', phase: 'expand', source: 'baseline', baseline_from: 'prisma', applied_at: '2024-01-06T10:00:01', checksum: sha(ADD_EMAIL) },
    ]);

    const again = s.run('ledger', 'baseline', '--from', 'prisma', '--format', 'json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({
      from: 'prisma',
      table: 'public._prisma_migrations',
      recorded: [],
      alreadyRecorded: ['20240101000000_init/migration.sql', '20240102000000_email/migration.sql'],
      gaps: [],
      dryRun: false,
    });
    expect((await s.ledger()).length).toBe(2);

    // status says where the rows came from; apply sees the database as migrated (nothing to expand).
    const status = s.run('status', '--format', 'json');
    const migrations = (JSON.parse(status.stdout) as { migrations: { id: string; state: string; source?: string; baselineFrom?: string }[] }).migrations;
    expect(migrations.map((m) => [m.id, m.state, m.source ?? null, m.baselineFrom ?? null])).toEqual([
      ['20240101000000_init/migration.sql', 'applied', 'baseline', 'prisma'],
      ['20240102000000_email/migration.sql', 'applied', 'baseline', 'prisma'],
      ['20240103000000_drop_name/migration.sql', 'pending', null, null],
    ]);
    expect(s.run('status').stdout).toContain('(baseline from prisma)');
    expect(s.run('apply', '--phase', 'expand', '--release', 'v1', '--skip-pool-check')).toMatchObject({ code: 0, stdout: expect.stringContaining('nothing to apply') });
  });

  it('refuses a failed entry, naming it, and records nothing', async () => {
    const s = await setup('prisma_failed', files, `${table}
      INSERT INTO _prisma_migrations VALUES
        ('a', 'x', '2024-01-05 10:00:02+00', '20240101000000_init', NULL, NULL, '2024-01-05 10:00:00+00', 1),
        ('b', 'x', NULL, '20240102000000_email', 'boom', NULL, '2024-01-06 08:00:00+00', 0);`);
    expect(s.run('ledger', 'baseline', '--from', 'prisma')).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'bgmigrate: public._prisma_migrations has an entry that did not apply cleanly: migration_name 20240102000000_email (failed: started, never finished); resolve it with prisma first (nothing was recorded)\n',
    });
    expect(await withClient(s.db.url, async (c) => (await c.query(`SELECT to_regclass('bgmigrate.migrations') AS t`)).rows[0].t)).toBeNull();
  });

  it('refuses an applied entry with no file', async () => {
    const s = await setup('prisma_orphan', files, `${table}
      INSERT INTO _prisma_migrations VALUES
        ('a', 'x', '2024-01-05 10:00:02+00', '20240101000000_init', NULL, NULL, '2024-01-05 10:00:00+00', 1),
        ('z', 'x', '2024-01-05 10:00:02+00', '20231231000000_hotfix', NULL, NULL, '2024-01-05 10:00:00+00', 1);`);
    expect(s.run('ledger', 'baseline', '--from', 'prisma')).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'bgmigrate: public._prisma_migrations lists an applied migration with no file in the migrations directory: migration_name 20231231000000_hotfix; restore the file (or check --dir and the layout) before baselining (nothing was recorded)\n',
    });
  });
});

describe('ledger baseline --from flyway', () => {
  const files = {
    'db/V1__init.sql': CREATE_USERS,
    'db/V2__email.sql': ADD_EMAIL,
    'db/V3__drop_name.sql': DROP_NAME,
    'db/R__views.sql': 'CREATE OR REPLACE VIEW user_names AS SELECT id FROM users;\n',
  };
  const table = `CREATE TABLE flyway_schema_history (
      installed_rank integer PRIMARY KEY, version varchar(50), description varchar(200) NOT NULL,
      type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum integer,
      installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(),
      execution_time integer NOT NULL, success boolean NOT NULL);`;

  it('records versioned and repeatable scripts with installed_on and installed_by; a baseline row covers lower versions', async () => {
    const s = await setup('flyway', files, `${table}
      INSERT INTO flyway_schema_history VALUES
        (1, '1', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', NULL, 'ops', '2023-06-01 00:00:00', 0, true),
        (2, '2', 'email', 'SQL', 'V2__email.sql', 123, 'deployer', '2023-06-02 12:00:00', 40, true),
        (3, NULL, 'views', 'SQL', 'R__views.sql', 456, 'deployer', '2023-06-02 12:00:01', 5, true);
      SET TIME ZONE 'UTC';`);
    const result = s.run('ledger', 'baseline', '--from', 'flyway', '--dir', 'db');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      'warning: db/V3__drop_name.sql sorts before baselined migrations but was not applied: apply will refuse it as out of order until it is applied with --allow-out-of-order or removed\n',
    );
    // R__ repeatables run after every versioned file in Flyway's order, so V3 (pending) is a gap before it.
    expect(await s.ledger()).toEqual([
      { id: 'V1__init.sql', phase: 'expand', source: 'baseline', baseline_from: 'flyway', applied_at: expect.any(String), checksum: sha(CREATE_USERS) },
      { id: 'V2__email.sql', phase: 'expand', source: 'baseline', baseline_from: 'flyway', applied_at: expect.any(String), checksum: sha(ADD_EMAIL) },
      { id: 'R__views.sql', phase: 'expand', source: 'baseline', baseline_from: 'flyway', applied_at: expect.any(String), checksum: expect.any(String) },
    ]);
    const by = await withClient(s.db.url, async (c) => (await c.query('SELECT applied_by, duration_ms FROM bgmigrate.migrations ORDER BY seq')).rows);
    expect(by).toEqual([
      { applied_by: 'ops', duration_ms: 0 },
      { applied_by: 'deployer', duration_ms: 40 },
      { applied_by: 'deployer', duration_ms: 5 },
    ]);
  });

  it('refuses a failed script and an undone version', async () => {
    const s = await setup('flyway_failed', files, `${table}
      INSERT INTO flyway_schema_history VALUES
        (1, '1', 'init', 'SQL', 'V1__init.sql', 1, 'ops', '2023-06-01', 10, true),
        (2, '2', 'email', 'SQL', 'V2__email.sql', 2, 'ops', '2023-06-02', 10, false);`);
    expect(s.run('ledger', 'baseline', '--from', 'flyway', '--dir', 'db')).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'bgmigrate: public.flyway_schema_history has an entry that did not apply cleanly: installed_rank 2 (V2__email.sql): failed; resolve it with flyway first (nothing was recorded)\n',
    });
    await withClient(s.db.url, (c) =>
      c.query(`DELETE FROM flyway_schema_history WHERE installed_rank = 2;
        INSERT INTO flyway_schema_history VALUES (3, '1', 'init', 'UNDO_SQL', 'U1__init.sql', 1, 'ops', '2023-06-03', 10, true);`),
    );
    expect(s.run('ledger', 'baseline', '--from', 'flyway', '--dir', 'db').stderr).toBe(
      'bgmigrate: public.flyway_schema_history has an entry that did not apply cleanly: installed_rank 3 (U1__init.sql): undone (rolled back) by an undo migration; resolve it with flyway first (nothing was recorded)\n',
    );
  });
});

describe('ledger baseline from the other tools', () => {
  const plain = {
    'migrations/20240101000000_init.sql': CREATE_USERS,
    'migrations/20240102000000_email.sql': ADD_EMAIL,
    'migrations/20240103000000_drop_name.sql': DROP_NAME,
  };
  const twoApplied = ['20240101000000_init.sql', '20240102000000_email.sql'];

  const cases: [tool: string, files: Record<string, string>, history: string, expected: string[], extra?: string[]][] = [
    [
      'drizzle',
      { 'drizzle/0000_init.sql': CREATE_USERS, 'drizzle/0001_email.sql': ADD_EMAIL, 'drizzle/meta/_journal.json': JSON.stringify({ version: '7', dialect: 'postgresql', entries: [{ idx: 0, tag: '0000_init', when: 1700000000000, breakpoints: true }, { idx: 1, tag: '0001_email', when: 1700000000001, breakpoints: true }] }) },
      `CREATE SCHEMA drizzle; CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint);
       INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('${sha(CREATE_USERS)}', 1700000000000);`,
      ['0000_init.sql'],
      ['--dir', 'drizzle'],
    ],
    [
      'kysely',
      plain,
      `CREATE TABLE kysely_migration (name varchar(255) PRIMARY KEY, timestamp varchar(255) NOT NULL);
       INSERT INTO kysely_migration VALUES ('20240101000000_init', '2024-01-01T00:00:00.000Z'), ('20240102000000_email', '2024-01-02T00:00:00.000Z');`,
      twoApplied,
    ],
    [
      'node-pg-migrate',
      plain,
      `CREATE TABLE pgmigrations (id serial PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL);
       INSERT INTO pgmigrations (name, run_on) VALUES ('20240101000000_init', '2024-01-01'), ('20240102000000_email', '2024-01-02');`,
      twoApplied,
    ],
    [
      'knex',
      plain,
      `CREATE TABLE knex_migrations (id serial PRIMARY KEY, name varchar(255), batch integer, migration_time timestamptz);
       INSERT INTO knex_migrations (name, batch, migration_time) VALUES ('20240101000000_init.sql', 1, '2024-01-01'), ('20240102000000_email.sql', 1, '2024-01-02');`,
      twoApplied,
    ],
    [
      'typeorm',
      { 'migrations/1700000000000-Init.sql': CREATE_USERS, 'migrations/1700000000001-Email.sql': ADD_EMAIL },
      `CREATE TABLE migrations (id serial PRIMARY KEY, "timestamp" bigint NOT NULL, name varchar NOT NULL);
       INSERT INTO migrations ("timestamp", name) VALUES (1700000000000, 'Init1700000000000');`,
      ['1700000000000-Init.sql'],
    ],
    [
      'golang-migrate',
      { 'migrations/000001_init.up.sql': CREATE_USERS, 'migrations/000001_init.down.sql': 'DROP TABLE users;\n', 'migrations/000002_email.up.sql': ADD_EMAIL, 'migrations/000003_drop_name.up.sql': DROP_NAME },
      `CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (2, false);`,
      ['000001_init.up.sql', '000002_email.up.sql'],
    ],
    [
      'dbmate',
      plain,
      `CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY); INSERT INTO schema_migrations VALUES ('20240101000000'), ('20240102000000');`,
      twoApplied,
    ],
    [
      'diesel',
      { 'migrations/2024-01-01-000000_init/up.sql': CREATE_USERS, 'migrations/2024-01-01-000000_init/down.sql': 'DROP TABLE users;\n', 'migrations/2024-01-02-000000_email/up.sql': ADD_EMAIL },
      `CREATE TABLE __diesel_schema_migrations (version varchar(50) PRIMARY KEY, run_on timestamp NOT NULL DEFAULT now());
       INSERT INTO __diesel_schema_migrations VALUES ('20240101000000', '2024-01-01'), ('20240102000000', '2024-01-02');`,
      ['2024-01-01-000000_init/up.sql', '2024-01-02-000000_email/up.sql'],
    ],
  ];

  it.each(cases)('%s: records the migrations its history lists', async (tool, files, history, expected, extra = []) => {
    const s = await setup(tool, files, history);
    const result = s.run('ledger', 'baseline', '--from', tool, ...extra);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect((await s.ledger()).map((r) => [r.id, r.source, r.baseline_from])).toEqual(expected.map((id) => [id, 'baseline', tool]));
    expect(s.run('ledger', 'baseline', '--from', tool, ...extra).stdout).toMatch(/: 0 migrations recorded, \d+ already in the ledger\n$/);
  });

  it('golang-migrate: a dirty version refuses', async () => {
    const s = await setup('golang_dirty', { 'migrations/000001_init.up.sql': CREATE_USERS }, `CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (1, true);`);
    expect(s.run('ledger', 'baseline', '--from', 'golang-migrate').stderr).toBe(
      'bgmigrate: public.schema_migrations has an entry that did not apply cleanly: version 1 (dirty: it failed part-way); resolve it with golang-migrate first (nothing was recorded)\n',
    );
  });

  it("refuses a table that is another tool's, and a missing table", async () => {
    const s = await setup('wrong_tool', plain, `CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL);`);
    expect(s.run('ledger', 'baseline', '--from', 'dbmate')).toEqual({
      code: 2,
      stdout: '',
      stderr: `bgmigrate: public.schema_migrations is not dbmate's history table: it has a "dirty" column; it looks like golang-migrate's (--from golang-migrate)\n`,
    });
    expect(s.run('ledger', 'baseline', '--from', 'prisma')).toEqual({
      code: 2,
      stdout: '',
      stderr: `bgmigrate: no _prisma_migrations table in the database (prisma's history; searched "$user", public): check --database, or pass --table <schema.table> if prisma was configured to keep it elsewhere\n`,
    });
  });
});

describe('ledger baseline --up-to', () => {
  const files = {
    'migrations/001_users.sql': CREATE_USERS,
    'migrations/002_email.sql': ADD_EMAIL,
    'migrations/003_drop_name.sql': DROP_NAME,
  };

  it('records every migration up to the one named, by file name or id; unknown names get the closest', async () => {
    const s = await setup('up_to', files, 'SELECT 1;');
    expect(s.run('ledger', 'baseline', '--up-to', '002_emial')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'bgmigrate: --up-to 002_emial: no such migration in the migrations directory; the closest is 002_email.sql\n',
    });
    expect(s.run('ledger', 'baseline', '--up-to', '002_email')).toEqual({
      code: 0,
      stdout:
        'recorded  migrations/001_users.sql  expand  applied at an unknown time\n' +
        'recorded  migrations/002_email.sql  expand  applied at an unknown time\n' +
        'baseline up to the given migration: 2 migrations recorded\n',
      stderr: '',
    });
    expect((await s.ledger()).map((r) => [r.id, r.phase, r.baseline_from])).toEqual([
      ['001_users.sql', 'expand', 'up-to'],
      ['002_email.sql', 'expand', 'up-to'],
    ]);
    const all = s.run('ledger', 'baseline', '--up-to', 'migrations/003_drop_name.sql');
    expect(all.stdout).toBe(
      'recorded  migrations/003_drop_name.sql  contract  applied at an unknown time\n' +
        'already     migrations/001_users.sql\n' +
        'already     migrations/002_email.sql\n' +
        'baseline up to the given migration: 1 migration recorded, 2 already in the ledger\n',
    );
  });

  it('takes one of --from and --up-to', async () => {
    const s = await setup('up_to_usage', files, 'SELECT 1;');
    expect(s.run('ledger', 'baseline')).toEqual({
      code: 2,
      stdout: '',
      stderr: "bgmigrate: ledger baseline: give --from <tool> (another runner's history table) or --up-to <migration>, one of them\n",
    });
    expect(s.run('ledger', 'baseline', '--from', 'liquibase').code).toBe(2);
  });
});

describe('ledger baseline of script migrations', () => {
  it('kysely: kysely_migration names match the .ts files; phases come from compiling them', async () => {
    const fixture = path.join(ROOT, 'test', 'fixtures', 'kysely', 'migrations');
    const files = Object.fromEntries(
      ['001_create_users.ts', '002_full_name.ts', '003_drop_name.ts'].map((name) => [`migrations/${name}`, fs.readFileSync(path.join(fixture, name), 'utf8')]),
    );
    const s = await setup('kysely_ts', files, `CREATE TABLE kysely_migration (name varchar(255) PRIMARY KEY, timestamp varchar(255) NOT NULL);
       INSERT INTO kysely_migration VALUES ('001_create_users', '2024-03-01T10:00:00.000Z'), ('002_full_name', '2024-03-02T10:00:00.000Z'), ('003_drop_name', '2024-03-03T10:00:00.000Z');`);
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(s.project, 'node_modules'));
    const run = s.run('ledger', 'baseline', '--from', 'kysely');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect((await s.ledger()).map((r) => [r.id, r.phase, r.source, r.baseline_from, r.applied_at])).toEqual([
      ['001_create_users.ts', 'expand', 'baseline', 'kysely', '2024-03-01T10:00:00'],
      ['002_full_name.ts', 'expand', 'baseline', 'kysely', '2024-03-02T10:00:00'],
      ['003_drop_name.ts', 'contract', 'baseline', 'kysely', '2024-03-03T10:00:00'],
    ]);
  });
});

describe('ledger baseline of node-pg-migrate, knex and typeorm scripts', () => {
  const copy = (layout: string, names: string[]) =>
    Object.fromEntries(names.map((name) => [`migrations/${name}`, fs.readFileSync(path.join(ROOT, 'test', 'fixtures', layout, 'migrations', name), 'utf8')]));
  it.each([
    [
      'node-pg-migrate',
      copy('node-pg-migrate', ['1700000000000_users.js', '1700000000001_email.ts']),
      `CREATE TABLE pgmigrations (id serial PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL);
       INSERT INTO pgmigrations (name, run_on) VALUES ('1700000000000_users', '2024-01-01'), ('1700000000001_email', '2024-01-02');`,
      ['1700000000000_users.js', '1700000000001_email.ts'],
    ],
    [
      'knex',
      copy('knex', ['20240101000000_users.js', '20240102000000_email.ts']),
      `CREATE TABLE knex_migrations (id serial PRIMARY KEY, name varchar(255), batch integer, migration_time timestamptz);
       INSERT INTO knex_migrations (name, batch, migration_time) VALUES ('20240101000000_users.js', 1, '2024-01-01'), ('20240102000000_email.ts', 2, '2024-01-02');`,
      ['20240101000000_users.js', '20240102000000_email.ts'],
    ],
    [
      'typeorm',
      copy('typeorm', ['1700000000000-Users.ts', '1700000000001-DropName.ts']),
      `CREATE TABLE migrations (id serial PRIMARY KEY, "timestamp" bigint NOT NULL, name varchar NOT NULL);
       INSERT INTO migrations ("timestamp", name) VALUES (1700000000000, 'Users1700000000000');`,
      ['1700000000000-Users.ts'],
    ],
  ])('%s: the history names match the script files', async (tool, files, history, expected) => {
    const s = await setup(`${tool}_scripts`, { ...files, 'package.json': '{ "private": true, "type": "commonjs" }' }, history);
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(s.project, 'node_modules'));
    const run = s.run('ledger', 'baseline', '--from', tool);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect((await s.ledger()).map((r) => [r.id, r.source, r.baseline_from])).toEqual(expected.map((id) => [id, 'baseline', tool]));
  });
});
