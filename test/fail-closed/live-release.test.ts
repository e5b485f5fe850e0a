/**
 * Scenarios against a real ledger with a release live and using everything: each hostile
 * migration must be refused by `check --database` (exit 1, the right rule) and by
 * `apply --phase expand` (exit 1, nothing of it applied, no ledger row).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../support/cli.js';
import { createTestDatabase, withClient, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
let project: string;

const BASE = `CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL DEFAULT '', email text);
CREATE SCHEMA archive;
CREATE TABLE archive.users (id int PRIMARY KEY);
CREATE SEQUENCE order_no;
CREATE FUNCTION norm(t text) RETURNS text IMMUTABLE LANGUAGE sql AS 'select lower(t)';
CREATE VIEW active_users AS SELECT id, name FROM users;
`;

beforeAll(async () => {
  db = await createTestDatabase('fail_closed');
  project = tempProject({
    'migrations/001_base.sql': BASE,
    'bgmigrate.config.json': JSON.stringify({ apply: { lockTimeout: '500ms', maxRetries: 1, retryDelay: '10ms' } }),
  });
  const cli = bgmigrate('apply', '--phase', 'expand', '--release', 'v1', '--skip-pool-check');
  expect(cli.code).toBe(0);
  expect(bgmigrate('release', 'ship', 'v1').code).toBe(0);
});
afterAll(async () => {
  await db?.drop();
  fs.rmSync(project, { recursive: true, force: true });
});

function bgmigrate(...args: string[]) {
  return runCli(['--database', db.url, ...args], { cwd: project });
}

/** Everything v1 uses, as the catalog has it: must not change under a refused migration. */
async function snapshot(): Promise<unknown> {
  return withClient(db.url, async (c) => {
    const objects = await c.query(
      `SELECT n.nspname || '.' || c.relname AS name, c.relkind::text AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname IN ('public', 'archive') ORDER BY 1`,
    );
    const columns = await c.query(
      `SELECT table_schema || '.' || table_name || '.' || column_name AS c, column_default FROM information_schema.columns WHERE table_schema IN ('public', 'archive') ORDER BY 1`,
    );
    const routines = await c.query(`SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY 1`);
    const ledger = await c.query(`SELECT count(*)::int AS n FROM bgmigrate.migrations`);
    return { objects: objects.rows, columns: columns.rows, routines: routines.rows, ledger: ledger.rows };
  });
}

/** [rule, line] of every error `check --database` reports on the file. */
function checkErrors(stdout: string, file: string): [string, number][] {
  const report = JSON.parse(stdout) as { files: { path: string; findings: { rule: string; line: number; severity: string }[] }[] };
  return report.files.find((f) => f.path === `migrations/${file}`)!.findings.filter((f) => f.severity === 'error').map((f) => [f.rule, f.line]);
}

// Files with a contract effect are contract-phase migrations: expand defers them (exit 0, nothing
// run); the others are refused by expand (exit 1). Contract then refuses each (no deprecation).
const hostile: [name: string, sql: string, errors: [string, number][]][] = [
  ['no-op CREATE SCHEMA IF NOT EXISTS, then DROP SCHEMA', 'CREATE SCHEMA IF NOT EXISTS public;\nDROP SCHEMA public CASCADE;\n', [['drop-routine', 2], ['drop-schema', 2], ['drop-sequence', 2], ['drop-table', 2], ['drop-view', 2]]],
  ['no-op ADD COLUMN IF NOT EXISTS, then DROP COLUMN', 'ALTER TABLE users ADD COLUMN IF NOT EXISTS email text;\nALTER TABLE users DROP COLUMN email;\n', [['drop-column', 2]]],
  ['CREATE SEQUENCE IF NOT EXISTS, then DROP SEQUENCE', 'CREATE SEQUENCE IF NOT EXISTS order_no;\nDROP SEQUENCE order_no;\n', [['drop-sequence', 2]]],
  ['CREATE OR REPLACE FUNCTION, then DROP FUNCTION', "CREATE OR REPLACE FUNCTION norm(t text) RETURNS text IMMUTABLE LANGUAGE sql AS 'select upper(t)';\nDROP FUNCTION norm(text);\n", [['drop-routine', 2]]],
  ['CREATE TEMP TABLE, then DROP TABLE public.', 'CREATE TEMP TABLE users (id int);\nDROP TABLE public.users CASCADE;\n', [['drop-table', 2], ['drop-view', 2]]],
  ['set_config that may not run: search path unknown', "SELECT set_config('search_path', 'archive', false) WHERE false;\nDROP TABLE users;\n", [['drop-table', 2]]],
  ['savepoint rollback restores the search path', 'SAVEPOINT s;\nSET search_path TO archive;\nROLLBACK TO SAVEPOINT s;\nDROP TABLE users CASCADE;\n', [['drop-table', 4], ['drop-view', 4]]],
  ['a call of a routine bgmigrate has not seen', 'SELECT pg_catalog.pg_sleep(0), cleanup_everything();\n', [['dynamic-sql', 1]]],
  ['DELETE … WHERE true', 'DELETE FROM users WHERE true;\n', [['delete-all-rows', 1], ['unbatched-dml', 1]]],
  ['ROLLBACK before the end of an expand migration: refused before any of it runs', 'CREATE TABLE scratch (id int);\nROLLBACK;\nCREATE TABLE scratch2 (id int);\n', [['transaction-control', 2]]],
  ['ROLLBACK in the middle of a wrapped migration', 'CREATE TABLE scratch (id int);\nROLLBACK;\nDROP VIEW active_users;\n', [['transaction-control', 2], ['drop-view', 3]]],
];

describe('with release v1 live, hostile migrations are refused by check --database and apply --phase expand', () => {
  it.each(hostile)('%s', async (_name, sql, errors) => {
    const file = '002_hostile.sql';
    fs.writeFileSync(path.join(project, 'migrations', file), sql);
    try {
      const before = await snapshot();
      const check = bgmigrate('check', '--format', 'json');
      expect(check.code).toBe(1);
      expect(checkErrors(check.stdout, file)).toEqual(errors);

      const contractPhase = errors.some(([rule]) => !['dynamic-sql', 'transaction-control', 'unbatched-dml'].includes(rule));
      const expand = bgmigrate('apply', '--phase', 'expand', '--release', 'v2', '--skip-pool-check');
      if (contractPhase) {
        expect(expand.code).toBe(0);
        expect(expand.stdout).toContain(`pending migrations/${file} (contract: apply --phase contract)`);
      } else {
        expect(expand.code).toBe(1);
        expect(expand.stderr.split('\n')[0]).toContain(`migrations/${file}:`);
      }
      expect(await snapshot()).toEqual(before);

      if (contractPhase) {
        const contract = bgmigrate('apply', '--phase', 'contract', '--skip-pool-check', '--require-all');
        expect(contract.code).toBe(1);
        expect(contract.stderr.split('\n')[0]).toContain(`migrations/${file}:`);
        expect(await snapshot()).toEqual(before);
      }
    } finally {
      fs.rmSync(path.join(project, 'migrations', file));
    }
  });
});

describe('apply --phase contract judges each effect by identity', () => {
  it('a suppression of prefer-text on a line that also drops a column does not let the drop through', async () => {
    const file = '002_mixed.sql';
    fs.writeFileSync(
      path.join(project, 'migrations', file),
      '-- bgmigrate: phase=contract\n-- bgmigrate-ignore prefer-text: legacy code column\nALTER TABLE users ADD COLUMN code varchar(10), DROP COLUMN email;\n',
    );
    try {
      const before = await snapshot();
      const apply = bgmigrate('apply', '--phase', 'contract', '--skip-pool-check', '--require-all');
      expect(apply.code).toBe(1);
      expect(apply.stderr.split('\n')[0]).toContain('migrations/002_mixed.sql:3:1: drop-column:');
      expect(await snapshot()).toEqual(before);
    } finally {
      fs.rmSync(path.join(project, 'migrations', file));
    }
  });
});
