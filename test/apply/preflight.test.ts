/**
 * Pre-flight (issue 9, class 6): apply judges every pending migration of the phase before it runs
 * the first; a parse error (or a refused statement) in the last file stops the run with nothing
 * applied and nothing recorded.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../support/cli.js';
import { createTestDatabase, withClient, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
let project: string;

beforeAll(async () => {
  db = await createTestDatabase('preflight');
  project = tempProject({
    'migrations/001_accounts.sql': 'CREATE TABLE accounts (id int PRIMARY KEY);\n',
    'migrations/002_note.sql': 'ALTER TABLE accounts ADD COLUMN note text;\n',
    'migrations/003_broken.sql': 'ALTER TABLE accounts ADD COLUMN email text;\nALTER TABEL accounts ADD COLUMN x int;\n',
  });
});
afterAll(async () => {
  await db?.drop();
  fs.rmSync(project, { recursive: true, force: true });
});

describe('apply pre-flight', () => {
  it('a parse error in the last file stops the run before the first is applied', async () => {
    const run = runCli(['--database', db.url, 'apply', '--phase', 'expand', '--release', 'v1', '--skip-pool-check'], { cwd: project });
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')[0]).toMatch(/^bgmigrate: migrations\/003_broken\.sql:2:\d+: parse-error: /);
    const state = await withClient(db.url, async (c) => ({
      accounts: (await c.query("SELECT to_regclass('public.accounts') IS NOT NULL AS present")).rows[0].present,
      applied: (await c.query("SELECT count(*)::int AS n FROM bgmigrate.migrations")).rows[0].n,
    }));
    expect(state).toEqual({ accounts: false, applied: 0 });
  });
});
