/**
 * The `node-pg-migrate`, `knex` and `typeorm` layouts: real migration files (test/fixtures/<layout>,
 * CommonJS projects, written against the node-pg-migrate and knex devDependencies) are compiled by
 * running their `up`, linted with findings at the script's call, and applied to a real server.
 * Their detection and order are tested with every other layout's in discover.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempProject } from '../support/cli.js';
import { createTestDatabase, withClient, type TestDatabase } from '../support/db.js';

const fixture = (layout: string) => path.join(ROOT, 'test', 'fixtures', layout);

function findings(cwd: string): (string | number | null)[][] {
  const run = runCli(['check', '--format', 'json'], { cwd });
  expect(run.stderr).toBe('');
  const files = (JSON.parse(run.stdout) as { files: { path: string; findings: { rule: string; severity: string; line: number; column: number; sql?: string }[] }[] }).files;
  return files.flatMap((f) => f.findings.map((x) => [f.path, x.line, x.column, x.rule, x.severity, x.sql ?? null]));
}

describe('node-pg-migrate layout', () => {
  it('reports findings at each pgm call with the SQL it added', () => {
    expect(findings(fixture('node-pg-migrate'))).toEqual([
      ['migrations/1700000000000_users.js', 3, 7, 'prefer-bigint', 'warning', 'CREATE TABLE "users" ( "id" serial PRIMARY KEY, "name" text )'],
      ['migrations/1700000000000_users.js', 3, 7, 'prefer-identity', 'warning', 'CREATE TABLE "users" ( "id" serial PRIMARY KEY, "name" text )'],
      ['migrations/1700000000001_email.ts', 5, 7, 'index-not-concurrent', 'error', 'CREATE INDEX "users_email_index" ON "users" ("email")'],
      ['migrations/1700000000002_drop_name.ts', 6, 7, 'drop-column', 'error', 'ALTER TABLE "users" DROP "name"'],
    ]);
  });
});

describe('knex layout', () => {
  it('reports findings at each awaited knex call', () => {
    expect(findings(fixture('knex'))).toEqual([
      ['migrations/20240101000000_users.js', 3, 3, 'prefer-identity', 'warning', 'create table "users" ("id" bigserial primary key, "name" text)'],
      ['migrations/20240103000000_drop_name.ts', 5, 3, 'drop-column', 'error', 'alter table "users" drop column "name"'],
    ]);
  });
});

describe('typeorm layout', () => {
  it('records queryRunner.query() and refuses schema-builder calls it cannot compile', () => {
    expect(findings(fixture('typeorm'))).toEqual([
      ['migrations/1700000000001-DropName.ts', 5, 23, 'drop-column', 'error', 'ALTER TABLE "users" DROP COLUMN "name"'],
      ['migrations/1700000000001-DropName.ts', 6, 23, 'dynamic-sql', 'error', null],
    ]);
    const run = runCli(['check'], { cwd: fixture('typeorm') });
    expect(run.stdout).toContain(
      'queryRunner.addColumn() builds its SQL from the live schema, which bgmigrate does not compile; write the statement with queryRunner.query(…) (what typeorm migration:generate does)',
    );
  });
});

describe('applying script migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('script_layouts');
  });
  afterAll(async () => {
    await db.drop();
  });

  /** A project with the fixture's expand migrations, resolving the libraries from this repository. */
  function project(layout: string, keep: (name: string) => boolean): string {
    const dir = tempProject({ 'package.json': '{ "private": true, "type": "commonjs" }' });
    fs.mkdirSync(path.join(dir, 'migrations'));
    for (const name of fs.readdirSync(path.join(fixture(layout), 'migrations')).filter(keep)) {
      fs.copyFileSync(path.join(fixture(layout), 'migrations', name), path.join(dir, 'migrations', name));
    }
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    return dir;
  }

  it.each([
    ['knex', 'knex_app', (n: string) => !n.includes('drop'), ['20240101000000_users.js', '20240102000000_email.ts'], ['id', 'name', 'email']],
    ['node-pg-migrate', 'npm_app', (n: string) => n.includes('users'), ['1700000000000_users.js'], ['id', 'name']],
    ['typeorm', 'typeorm_app', (n: string) => n.includes('Users'), ['1700000000000-Users.ts'], ['id', 'name']],
  ])('%s: expand applies the compiled SQL and records the scripts', async (layout, schema, keep, ids, columns) => {
    const cwd = project(layout, keep);
    await withClient(db.url, (c) => c.query(`CREATE SCHEMA ${schema}`));
    const url = `${db.url}${db.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    fs.writeFileSync(path.join(cwd, 'bgmigrate.config.json'), JSON.stringify({ ledger: { schema: `ledger_${schema}` } }));
    const run = runCli(['apply', '--phase', 'expand', '--release', 'v1'], { cwd, env: { BGMIGRATE_DATABASE_URL: url } });
    expect(run.stderr.split('\n').filter((l) => l.startsWith('bgmigrate:'))).toEqual([]);
    expect(run.code).toBe(0);
    const state = await withClient(db.url, async (c) => ({
      columns: (await c.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'users' ORDER BY ordinal_position`, [schema])).rows.map((r) => r.column_name),
      ledger: (await c.query(`SELECT id FROM ledger_${schema}.migrations ORDER BY seq`)).rows.map((r) => r.id),
    }));
    expect(state).toEqual({ columns, ledger: ids });
    if (layout === 'knex') {
      // config = { transaction: false }: the concurrent index build ran outside a transaction and is valid.
      const valid = await withClient(db.url, async (c) => (await c.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = '${schema}.users_email_idx'::regclass`)).rows);
      expect(valid).toEqual([{ indisvalid: true }]);
    }
  });
});
