/**
 * The `kysely` layout: real Kysely migrations (test/fixtures/kysely/migrations, written with the
 * kysely devDependency) are compiled by running their `up`, linted with findings at the
 * TypeScript call's line and column, and applied to a real server by the same runner as SQL.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverMigrations } from '../../src/migrations/discover.js';
import { inlineParameters, layOut } from '../../src/migrations/compile/index.js';
import { ROOT, runCli, tempProject } from '../support/cli.js';
import { createTestDatabase, withClient, type TestDatabase } from '../support/db.js';

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'kysely');

// Detection, order and checksums: with every other layout's in discover.test.ts.
describe('kysely layout: check', () => {
  it('reports findings at the TypeScript call, with the SQL it produced', () => {
    const run = runCli(['check', '--format', 'json'], { cwd: FIXTURE });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const findings = (JSON.parse(run.stdout) as { files: { path: string; findings: { rule: string; severity: string; line: number; column: number; sql?: string }[] }[] }).files.flatMap(
      (f) => f.findings.map((x) => [f.path, x.line, x.column, x.rule, x.severity, x.sql ?? null]),
    );
    expect(findings).toEqual([
      ['migrations/002_full_name.ts', 6, 3, 'index-not-concurrent', 'error', 'create index "users_full_name_idx" on "users" ("full_name")'],
      ['migrations/003_drop_name.ts', 5, 3, 'drop-column', 'error', 'alter table "users" drop column "name"'],
      ['migrations/004_reads.ts', 4, 16, 'dynamic-sql', 'error', 'select "id" from "users"'],
    ]);
    const pretty = runCli(['check'], { cwd: FIXTURE });
    expect(pretty.stdout).toContain(
      "migrations/002_full_name.ts:6:3  error  index-not-concurrent\n" +
        '  CREATE INDEX public.users_full_name_idx on existing table public.users without CONCURRENTLY holds a ShareLock that blocks writes for the whole build\n' +
        "  > 6 |   await db.schema.createIndex('users_full_name_idx').on('users').column('full_name').execute();\n",
    );
    expect(pretty.stdout).toContain('  sql: create index "users_full_name_idx" on "users" ("full_name")\n');
  });

  it('honours directives and suppressions written as // comments before the call', () => {
    const cwd = tempProject({
      'migrations/001_users.ts': fs.readFileSync(path.join(FIXTURE, 'migrations', '001_create_users.ts'), 'utf8'),
      'migrations/002_index.ts': [
        "import { Kysely } from 'kysely';",
        'export async function up(db: Kysely<any>): Promise<void> {',
        '  // bgmigrate-ignore index-not-concurrent: the table is empty in every environment',
        "  await db.schema.createIndex('users_email_idx').on('users').column('email').execute();",
        '}',
        '',
      ].join('\n'),
    });
    // Resolve kysely from this repository's node_modules, as a project's own install would.
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(cwd, 'node_modules'));
    const run = runCli(['check', '--format', 'json'], { cwd });
    expect(run.stderr).toBe('');
    const findings = JSON.parse(run.stdout).files[1].findings;
    expect(findings.map((f: { rule: string; severity: string; line: number; suppressed?: string }) => [f.rule, f.severity, f.line, f.suppressed])).toEqual([
      ['index-not-concurrent', 'info', 4, 'the table is empty in every environment'],
    ]);
    expect(run.code).toBe(0);
  });

  it('without kysely installed: exit 2 naming the package', () => {
    const cwd = tempProject({ 'migrations/001.ts': "import { Kysely } from 'kysely';\nexport async function up(db: Kysely<any>) {}\n" });
    const run = runCli(['check'], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`bgmigrate: the migrations in ${path.join(cwd, 'migrations')} use kysely, which is not installed there: npm install kysely (bgmigrate uses your own copy)\n`);
  });
});

describe('kysely layout: the SQL text', () => {
  it('puts each statement at its call and each directive at its line', () => {
    const script = ['// bgmigrate: phase=contract', 'x', 'y', '  // bgmigrate-ignore drop-table: gone'].join('\n');
    expect(
      layOut(
        [
          { sql: 'drop table a', parameters: [], line: 3, column: 3 },
          { sql: 'drop table b', parameters: [], line: 3, column: 3 },
          { sql: 'drop table c', parameters: [], line: 5, column: 1 },
        ],
        script,
        false,
      ),
    ).toBe('-- bgmigrate: phase=contract\n\n  drop table a; drop table b;\n-- bgmigrate-ignore drop-table: gone\ndrop table c;\n');
  });

  it('inlines parameters as literals, never inside quotes or dollar-quoted bodies', () => {
    expect(inlineParameters(`comment on table t is $1`, ["it's"])).toBe(`comment on table t is 'it''s'`);
    expect(inlineParameters(`select '$1', "$2", $$ $1 $$, $1, $2`, [7, null])).toBe(`select '$1', "$2", $$ $1 $$, 7, NULL`);
  });
});

describe('kysely layout: apply', () => {
  let db: TestDatabase;
  let project: string;
  beforeAll(async () => {
    db = await createTestDatabase('kysely_apply');
    project = tempProject({});
    fs.cpSync(path.join(FIXTURE, 'migrations'), path.join(project, 'migrations'), { recursive: true });
    fs.rmSync(path.join(project, 'migrations', '004_reads.ts'));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(project, 'node_modules'));
  });
  afterAll(async () => {
    await db.drop();
    fs.rmSync(project, { recursive: true, force: true });
  });

  it('applies the compiled SQL with the same runner, recording the scripts by checksum', async () => {
    const bgmigrate = (...args: string[]) => runCli(args, { cwd: project, env: { BGMIGRATE_DATABASE_URL: db.url } });
    // The plain index on an existing table is refused in expand, as in SQL.
    const refused = bgmigrate('apply', '--phase', 'expand', '--release', 'v1', '--skip-pool-check');
    expect(refused.code).toBe(1);
    expect(refused.stderr.split('\n')[0]).toMatch(/^bgmigrate: migrations\/002_full_name\.ts:6:3: index-not-concurrent: /);
    // Written concurrently, it applies (outside a transaction, as the runner does for SQL).
    const fixed = [
      '// bgmigrate: no-transaction',
      "import { Kysely, sql } from 'kysely';",
      '',
      'export async function up(db: Kysely<any>): Promise<void> {',
      "  await db.schema.alterTable('users').addColumn('full_name', 'text').execute();",
      '  await sql`create index concurrently if not exists users_full_name_idx on users (full_name)`.execute(db);',
      "  await sql`comment on column users.full_name is ${'replaces name'}`.execute(db);",
      '}',
      '',
    ].join('\n');
    fs.writeFileSync(path.join(project, 'migrations', '002_full_name.ts'), fixed);
    const applied = bgmigrate('apply', '--phase', 'expand', '--release', 'v1', '--skip-pool-check');
    expect(applied.stderr).not.toContain('bgmigrate:');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/applied migrations\/001_create_users\.ts .*\napplied migrations\/002_full_name\.ts .*\npending migrations\/003_drop_name\.ts \(contract: apply --phase contract\)\n/);
    const state = await withClient(db.url, async (c) => ({
      columns: (await c.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY ordinal_position`)).rows.map((r) => r.column_name),
      index: (await c.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_full_name_idx'::regclass`)).rows,
      comment: (await c.query(`SELECT col_description('users'::regclass, 4) AS c`)).rows[0].c,
      ledger: (await c.query('SELECT id, phase, checksum FROM bgmigrate.migrations ORDER BY seq')).rows,
    }));
    expect(state.columns).toEqual(['id', 'email', 'name', 'full_name']);
    expect(state.index).toEqual([{ indisvalid: true }]);
    expect(state.comment).toBe('replaces name');
    const files = discoverMigrations({ dir: path.join(project, 'migrations'), layout: 'auto', cwd: project });
    expect(state.ledger).toEqual([
      { id: '001_create_users.ts', phase: 'expand', checksum: files[0].checksum },
      { id: '002_full_name.ts', phase: 'expand', checksum: files[1].checksum },
    ]);
  });
});

describe('kysely layout: check --staged', () => {
  it('compiles the staged copy of a script, even one deleted from the working tree since', () => {
    const git = (cwd: string, ...args: string[]) =>
      execFileSync('git', args, { cwd, stdio: 'ignore', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
    const cwd = tempProject({ 'migrations/001_create_users.ts': fs.readFileSync(path.join(FIXTURE, 'migrations', '001_create_users.ts'), 'utf8') });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(cwd, 'node_modules'));
    git(cwd, 'init', '-q');
    git(cwd, 'add', 'migrations');
    git(cwd, 'commit', '-qm', 'init');
    fs.copyFileSync(path.join(FIXTURE, 'migrations', '003_drop_name.ts'), path.join(cwd, 'migrations', '003_drop_name.ts'));
    git(cwd, 'add', 'migrations/003_drop_name.ts');
    fs.rmSync(path.join(cwd, 'migrations', '003_drop_name.ts'));
    const run = runCli(['check', '--staged', '--format', 'json'], { cwd });
    expect(run.stderr).toBe('');
    const out = JSON.parse(run.stdout) as { files: { path: string; findings: { rule: string; line: number; column: number }[] }[] };
    expect(out.files.map((f) => [f.path, f.findings.map((x) => [x.rule, x.line, x.column])])).toEqual([['migrations/003_drop_name.ts', [['drop-column', 5, 3]]]]);
    expect(run.code).toBe(1);
    // The scratch copy is gone, and .bgmigrate/ keeps itself out of git.
    expect(fs.readdirSync(path.join(cwd, '.bgmigrate'))).toEqual(['.gitignore']);
  });
});

describe('kysely layout: a migration that reads, at apply', () => {
  let db: TestDatabase;
  let project: string;
  const reads = (body: string) =>
    [
      "import { Kysely } from 'kysely';",
      '',
      'export async function up(db: Kysely<any>): Promise<void> {',
      '  // bgmigrate-ignore dynamic-sql: reviewed; apply compiles it against the database',
      "  const rows = await db.selectFrom('users').select(['id', 'email']).orderBy('id').execute();",
      body,
      '}',
      '',
    ].join('\n');
  beforeAll(async () => {
    db = await createTestDatabase('kysely_reads');
    project = tempProject({ 'migrations/001_create_users.ts': fs.readFileSync(path.join(FIXTURE, 'migrations', '001_create_users.ts'), 'utf8') });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(project, 'node_modules'));
  });
  afterAll(async () => {
    await db.drop();
    fs.rmSync(project, { recursive: true, force: true });
  });
  const bgmigrate = (...args: string[]) => runCli(args, { cwd: project, env: { BGMIGRATE_DATABASE_URL: db.url } });

  it('is compiled again with its reads answered by the database, and what it sends is linted and applied', async () => {
    expect(bgmigrate('apply', '--phase', 'expand', '--release', 'v1').code).toBe(0);
    await withClient(db.url, (c) => c.query(`INSERT INTO users (email, name) VALUES ('a@x', 'A'), ('b@x', 'B')`));
    fs.writeFileSync(
      path.join(project, 'migrations', '002_names.ts'),
      reads("  for (const row of rows) await db.updateTable('users').set({ name: row.email }).where('id', '=', row.id).execute();"),
    );
    // Offline: the read is reported (suppressed here, with its reason), and no UPDATE is seen.
    const check = JSON.parse(bgmigrate('check', '--offline', '--format', 'json').stdout).files[1].findings;
    expect(check.map((f: { rule: string; severity: string; line: number }) => [f.rule, f.severity, f.line])).toEqual([['dynamic-sql', 'info', 5]]);
    const run = bgmigrate('apply', '--phase', 'expand', '--release', 'v1');
    expect(run.stderr).not.toContain('bgmigrate:');
    expect(run.code).toBe(0);
    const names = await withClient(db.url, async (c) => (await c.query('SELECT name FROM users ORDER BY id')).rows.map((r) => r.name));
    expect(names).toEqual(['a@x', 'b@x']);
  });

  it('refuses what the real compile would send when it is not allowed in the phase', async () => {
    fs.writeFileSync(
      path.join(project, 'migrations', '003_drop_if_empty.ts'),
      reads("  if (rows.length > 0) await db.schema.alterTable('users').dropColumn('name').execute();"),
    );
    const run = bgmigrate('apply', '--phase', 'expand', '--release', 'v2');
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')[0]).toBe(
      'bgmigrate: migrations/003_drop_if_empty.ts:6:24: drop-column public.users.name is a contract effect; the expand phase applies additive changes only',
    );
    const columns = await withClient(db.url, async (c) => (await c.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY ordinal_position`)).rows.map((r) => r.column_name));
    expect(columns).toContain('name');
  });
});
