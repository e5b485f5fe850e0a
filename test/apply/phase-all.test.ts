/**
 * `apply --phase all`: every pending migration in file order, contract ones included, on a
 * database no release serves; refused where a release has shipped unless --no-traffic, which the
 * ledger records.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../support/cli.js';
import { createTestDatabase, withClient, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
let project: string;

beforeAll(async () => {
  db = await createTestDatabase('phase_all');
  project = tempProject({
    'migrations/001_users.sql': 'CREATE TABLE users (id int PRIMARY KEY, name text, email text);\nCREATE INDEX users_email_idx ON users (email);\n',
    'migrations/002_drop_name.sql': 'ALTER TABLE users DROP COLUMN name;\n',
    'migrations/003_nick.sql': 'ALTER TABLE users ADD COLUMN nick text;\n',
  });
});
afterAll(async () => {
  await db?.drop();
  fs.rmSync(project, { recursive: true, force: true });
});

const bgmigrate = (...args: string[]) => runCli(['--database', db.url, ...args], { cwd: project });
const columns = () => withClient(db.url, async (c) => (await c.query("SELECT column_name AS c FROM information_schema.columns WHERE table_name = 'users' ORDER BY ordinal_position")).rows.map((r) => r.c));

describe('apply --phase all', () => {
  it('brings a fresh database to the latest schema in file order, contract migrations included', async () => {
    const run = bgmigrate('apply', '--phase', 'all', '--skip-pool-check');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(await columns()).toEqual(['id', 'email', 'nick']);
    const rows = await withClient(db.url, async (c) => (await c.query('SELECT id, phase FROM bgmigrate.migrations ORDER BY seq')).rows);
    expect(rows).toEqual([
      { id: '001_users.sql', phase: 'expand' },
      { id: '002_drop_name.sql', phase: 'contract' },
      { id: '003_nick.sql', phase: 'expand' },
    ]);
  });

  it('is refused once a release has shipped, unless --no-traffic, which is recorded', async () => {
    expect(bgmigrate('release', 'ship', 'v1', '--register').code).toBe(0);
    fs.writeFileSync(`${project}/migrations/004_drop_nick.sql`, 'ALTER TABLE users DROP COLUMN nick;\n');
    const refused = bgmigrate('apply', '--phase', 'all', '--skip-pool-check');
    expect(refused.code).toBe(1);
    expect(refused.stderr.split('\n')[0]).toBe(
      "bgmigrate: apply --phase all runs contract migrations without the ledger's consent, and release v1 shipped on this database; use --phase expand / contract, or --no-traffic if nothing reads this database any more (recorded in the ledger)",
    );
    expect(await columns()).toEqual(['id', 'email', 'nick']);
    const forced = bgmigrate('apply', '--phase', 'all', '--no-traffic', '--skip-pool-check');
    expect(forced.stderr).toBe('');
    expect(forced.code).toBe(0);
    expect(await columns()).toEqual(['id', 'email']);
    const recorded = await withClient(db.url, async (c) => (await c.query('SELECT migration_ids, by FROM bgmigrate.no_traffic_applies')).rows);
    expect(recorded.map((r) => r.migration_ids)).toEqual([['004_drop_nick.sql']]);
    expect(typeof recorded[0].by).toBe('string');
  });
});
