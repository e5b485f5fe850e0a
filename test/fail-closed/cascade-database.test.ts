/**
 * `apply --phase contract` asks the database (pg_depend) what a CASCADE would remove: a view made
 * by hand, which no migration created and no deprecation names, stops the drop of the column it
 * reads even though the column itself is deprecated and every older release is retired.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../support/cli.js';
import { createTestDatabase, withClient, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
let project: string;

beforeAll(async () => {
  db = await createTestDatabase('cascade_db');
  project = tempProject({
    'migrations/001_users.sql': 'CREATE TABLE users (id int PRIMARY KEY, name text, full_name text);\n',
    'bgmigrate.config.json': JSON.stringify({ apply: { lockTimeout: '500ms', maxRetries: 1, retryDelay: '10ms' } }),
  });
  expect(bgmigrate('apply', '--phase', 'expand', '--release', 'v1', '--skip-pool-check').code).toBe(0);
  expect(bgmigrate('release', 'ship', 'v1').code).toBe(0);
  fs.writeFileSync(path.join(project, 'migrations', '002_deprecate.sql'), '-- bgmigrate: phase=expand\n-- bgmigrate: deprecates public.users.name\nCOMMENT ON COLUMN users.name IS \'deprecated\';\n');
  expect(bgmigrate('apply', '--phase', 'expand', '--release', 'v2', '--skip-pool-check').code).toBe(0);
  expect(bgmigrate('release', 'ship', 'v2').code).toBe(0);
  expect(bgmigrate('release', 'retire', 'v1').code).toBe(0);
  // Made by hand on the server: no migration knows it.
  await withClient(db.url, (c) => c.query('CREATE VIEW report_names AS SELECT id, name FROM users'));
});
afterAll(async () => {
  await db?.drop();
  fs.rmSync(project, { recursive: true, force: true });
});

function bgmigrate(...args: string[]) {
  return runCli(['--database', db.url, ...args], { cwd: project });
}

const exists = (sql: string) => withClient(db.url, async (c) => (await c.query(sql)).rows.length);

describe('apply --phase contract with CASCADE', () => {
  it('refuses while a dependent the ledger knows nothing about would go with it, and names it', async () => {
    fs.writeFileSync(path.join(project, 'migrations', '003_drop_name.sql'), 'ALTER TABLE users DROP COLUMN name CASCADE;\n');
    const check = bgmigrate('check', '--format', 'json');
    // The schema model does not know the hand-made view: check allows the deprecated column.
    expect(check.code).toBe(0);
    // Waiting by default (exit 0, nothing applied), a refusal with --require-all.
    const waiting = bgmigrate('apply', '--phase', 'contract', '--skip-pool-check');
    expect(waiting.code).toBe(0);
    expect(waiting.stdout.split('\n').slice(0, 2).join('\n')).toMatch(
      /^waiting migrations\/003_drop_name\.sql: the ledger does not allow it yet\n {4}migrations\/003_drop_name\.sql:1:1: drop-view: .*public\.report_names/,
    );
    expect(await exists("SELECT 1 FROM pg_views WHERE viewname = 'report_names'")).toBe(1);
    const run = bgmigrate('apply', '--phase', 'contract', '--skip-pool-check', '--require-all');
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')[0]).toMatch(/^bgmigrate: migrations\/003_drop_name\.sql:1:1: drop-view: .*public\.report_names/);
    expect(await exists("SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'name'")).toBe(1);
    expect(await exists("SELECT 1 FROM pg_views WHERE viewname = 'report_names'")).toBe(1);
  });

  it('applies once the dependent is gone (or deprecated itself)', async () => {
    await withClient(db.url, (c) => c.query('DROP VIEW report_names'));
    const run = bgmigrate('apply', '--phase', 'contract', '--skip-pool-check');
    expect(run.stderr).toBe(
      'warning: usage evidence for public.users.name is missing: pg_stat_statements is loaded but not created in this database: run CREATE EXTENSION pg_stat_statements\n',
    );
    expect(run.code).toBe(0);
    expect(await exists("SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'name'")).toBe(0);
    // The ledger records which deprecation allowed the effect: the basis of sealing.
    const recorded = await withClient(db.url, async (c) =>
      (await c.query(`SELECT e->>'kind' AS kind, e->>'object' AS object, e->>'allowedBy' AS allowed_by FROM bgmigrate.migrations m, jsonb_array_elements(m.effects) e WHERE m.id = '003_drop_name.sql' AND e->>'class' = 'contract'`)).rows,
    );
    expect(recorded).toEqual([{ kind: 'drop-column', object: 'public.users.name', allowed_by: 'v2' }]);
  });
});
