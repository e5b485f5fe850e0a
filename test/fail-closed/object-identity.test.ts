/**
 * Issue class 5: object identity. Deprecation names are checked against the database and the
 * migrations (exit 2 with the closest match), bare `table.column` names resolve through the
 * search path and are stored qualified, and a column is never confused with a dotted table name.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintSql } from '../../src/lint.js';
import { closestName, resolveDeprecation } from '../../src/ledger/objects.js';
import type { LedgerGate } from '../../src/model.js';
import { runCli, tempProject } from '../support/cli.js';
import { createTestDatabase, withClient, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
let project: string;

beforeAll(async () => {
  db = await createTestDatabase('object_identity');
  project = tempProject({
    'migrations/001_users.sql': 'CREATE TABLE users (id int PRIMARY KEY, name text);\nCREATE TABLE "users.name" (id int);\n',
  });
  expect(bgmigrate('apply', '--phase', 'expand', '--release', 'v1', '--skip-pool-check').code).toBe(0);
});
afterAll(async () => {
  await db?.drop();
  fs.rmSync(project, { recursive: true, force: true });
});

function bgmigrate(...args: string[]) {
  return runCli(['--database', db.url, ...args], { cwd: project });
}

describe('a column is not a dotted table', () => {
  it('effects and deprecations keep them apart', async () => {
    const report = await lintSql('ALTER TABLE users DROP COLUMN name;\nDROP TABLE "users.name";', { pgVersion: 16 });
    expect(report.findings.map((f) => f.object)).toEqual(['public.users.name', 'public."users.name"']);
    // A ledger that deprecated only the column allows only the column.
    const gate: LedgerGate = { judge: (e) => ({ allowed: e.object === 'public.users.name', reason: 'test' }) };
    const judged = await lintSql('ALTER TABLE users DROP COLUMN name;\nDROP TABLE "users.name";', { pgVersion: 16, ledger: gate });
    expect(judged.findings.map((f) => [f.object, f.severity])).toEqual([
      ['public.users.name', 'info'],
      ['public."users.name"', 'error'],
    ]);
  });
});

describe('deprecation names are resolved and checked', () => {
  const known = new Set(['public', 'public.users', 'public.users.id', 'public.users.name', 'public."users.name"', 'archive', 'archive.users']);

  it('resolves bare names through the search path, keeps qualified ones', () => {
    expect(resolveDeprecation('users.name', known, '')).toBe('public.users.name');
    expect(resolveDeprecation('users', known, '')).toBe('public.users');
    expect(resolveDeprecation('archive.users', known, '')).toBe('archive.users');
    expect(resolveDeprecation('public."users.name"', known, '')).toBe('public."users.name"');
  });

  it('refuses an unknown name, naming the closest', () => {
    expect(() => resolveDeprecation('public.usres.name', known, 'm.sql:1:1: ')).toThrow(
      'm.sql:1:1: deprecates public.usres.name: neither the migrations nor the database know such an object; did you mean public.users.name? (write schema.table, schema.table.column or schema.routine)',
    );
    expect(closestName('public.nothing_like_it_at_all', known)).toBeUndefined();
    expect(() => resolveDeprecation('public.f(integer)', known, '')).toThrow('name a routine without its arguments');
  });

  it('ledger deprecate: exit 2 with the closest match; a bare name is stored qualified', async () => {
    const typo = bgmigrate('ledger', 'deprecate', 'public.users.nmae', '--release', 'v2');
    expect(typo.code).toBe(2);
    expect(typo.stderr.split('\n')[0]).toBe(
      'bgmigrate: deprecates public.users.nmae: neither the migrations nor the database know such an object; did you mean public.users.name? (write schema.table, schema.table.column or schema.routine)',
    );
    const bare = bgmigrate('ledger', 'deprecate', 'users.name', '--release', 'v2', '--register');
    expect(bare.stderr).toBe('');
    expect(bare.code).toBe(0);
    expect(bare.stdout).toBe('recorded: public.users.name is deprecated from release v2\n');
    const rows = await withClient(db.url, async (c) => (await c.query('SELECT object, release FROM bgmigrate.deprecations ORDER BY seq')).rows);
    expect(rows).toEqual([{ object: 'public.users.name', release: 'v2' }]);
  });

  it('check --database and apply: a deprecates directive naming nothing known is exit 2, before anything runs', async () => {
    fs.writeFileSync(path.join(project, 'migrations', '002_deprecate.sql'), '-- bgmigrate: deprecates public.user.name\nALTER TABLE users ADD COLUMN full_name text;\n');
    try {
      const check = bgmigrate('check');
      expect(check.code).toBe(2);
      expect(check.stderr.split('\n')[0]).toBe(
        'bgmigrate: migrations/002_deprecate.sql:1:1: deprecates public.user.name: neither the migrations nor the database know such an object; did you mean public.users.name? (write schema.table, schema.table.column or schema.routine)',
      );
      const apply = bgmigrate('apply', '--phase', 'expand', '--release', 'v2', '--skip-pool-check');
      expect(apply.code).toBe(2);
      expect(apply.stderr.split('\n')[0]).toContain('migrations/002_deprecate.sql:1:1: deprecates public.user.name:');
      const column = await withClient(db.url, async (c) => (await c.query("SELECT 1 FROM information_schema.columns WHERE column_name = 'full_name'")).rows.length);
      expect(column).toBe(0);
      // A name the pending migration itself creates is known.
      fs.writeFileSync(path.join(project, 'migrations', '002_deprecate.sql'), '-- bgmigrate: deprecates users.full_name\nALTER TABLE users ADD COLUMN full_name text;\n');
      expect(bgmigrate('check').code).toBe(0);
    } finally {
      fs.rmSync(path.join(project, 'migrations', '002_deprecate.sql'));
    }
  });
});
