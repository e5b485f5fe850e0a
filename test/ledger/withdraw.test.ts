/**
 * Correcting the ledger, append-only: `ledger deprecate --withdraw` and retiring a release that
 * was registered by mistake. The gate's verdict is asserted before and after each correction.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../support/cli.js';
import { createTestDatabase, withClient, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
let project: string;

beforeAll(async () => {
  db = await createTestDatabase('ledger_withdraw');
  project = tempProject({
    'migrations/001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, name text);\n',
    'migrations/002_drop_name.sql': '-- bgmigrate: phase=contract\nALTER TABLE users DROP COLUMN name;\n',
  });
  await withClient(db.url, (c) => c.query('CREATE TABLE users (id bigint PRIMARY KEY, name text)'));
});
afterAll(async () => {
  await db.drop();
  fs.rmSync(project, { recursive: true, force: true });
});

const bgmigrate = (...args: string[]) => runCli(args, { cwd: project, env: { BGMIGRATE_DATABASE_URL: db.url } });

/** The ledger's verdict on the DROP COLUMN, as `check --database` reports it. */
function verdict(): { allowed: boolean; reason: string } {
  const run = bgmigrate('check', '--format', 'json');
  const files = (JSON.parse(run.stdout) as { files: { findings: { rule: string; ledger?: { allowed: boolean; reason: string } }[] }[] }).files;
  return files[1].findings.find((f) => f.rule === 'drop-column')!.ledger!;
}

describe('withdrawing a deprecation', () => {
  it('takes a deprecation back with a reason, keeps it in the history, and the gate refuses again', async () => {
    expect(bgmigrate('release', 'ship', 'v1', '--register', '--color', 'blue').code).toBe(0);
    expect(bgmigrate('ledger', 'deprecate', 'users.name', '--release', 'v2', '--register')).toEqual({
      code: 0,
      stdout: 'recorded: public.users.name is deprecated from release v2\n',
      stderr: '',
    });
    expect(bgmigrate('release', 'ship', 'v2').code).toBe(0);
    expect(bgmigrate('release', 'retire', 'v1').code).toBe(0);
    expect(verdict().allowed).toBe(true);

    // Withdrawing needs a reason; a name the ledger does not hold is refused with what it does hold.
    expect(bgmigrate('ledger', 'deprecate', 'public.users.name', '--release', 'v2', '--withdraw')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'bgmigrate: ledger deprecate --withdraw: give --reason "why the deprecation was wrong" (the ledger records it)\n',
    });
    expect(bgmigrate('ledger', 'deprecate', 'users.name', '--release', 'v2', '--withdraw', '--reason', 'x')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'bgmigrate: no deprecation of users.name at release v2 is in force (the ledger has public.users.name at v2)\n',
    });
    expect(
      bgmigrate('ledger', 'deprecate', 'public.users.name', '--release', 'v2', '--withdraw', '--reason', 'the nightly export still reads it'),
    ).toEqual({ code: 0, stdout: 'withdrawn: public.users.name is no longer deprecated from release v2\n', stderr: '' });
    expect(verdict()).toEqual({
      allowed: false,
      reason: expect.stringContaining('no deprecation of public.users.name or of its table public.users is recorded in the ledger'),
    });
    // A second withdrawal has nothing left to withdraw.
    expect(bgmigrate('ledger', 'deprecate', 'public.users.name', '--release', 'v2', '--withdraw', '--reason', 'again').code).toBe(1);

    const show = bgmigrate('ledger', 'show');
    expect(show.stdout).toMatch(/ {2}public\.users\.name {2}from v2 {2}\(ledger deprecate, \S+; withdrawn \S+ by \S+: the nightly export still reads it\)\n/);
    const status = JSON.parse(bgmigrate('status', '--format', 'json').stdout) as { deprecations: unknown[] };
    expect(status.deprecations).toEqual([]);
    const rows = await withClient(db.url, async (c) => (await c.query('SELECT d.object, d.release, w.reason FROM bgmigrate.deprecation_withdrawals w JOIN bgmigrate.deprecations d ON d.seq = w.deprecation_seq')).rows);
    expect(rows).toEqual([{ object: 'public.users.name', release: 'v2', reason: 'the nightly export still reads it' }]);

    // Deprecating it again, once the export is fixed, counts again.
    expect(bgmigrate('ledger', 'deprecate', 'public.users.name', '--release', 'v2').stdout).toBe('recorded: public.users.name is deprecated from release v2\n');
    expect(verdict().allowed).toBe(true);
  });

  it('retires a release registered by mistake, with a reason, so it stops blocking contract', async () => {
    // A typo registers v3x; as a deployed release that never shipped it blocks every contract effect.
    expect(bgmigrate('ledger', 'deprecate', 'public.users.id', '--release', 'v3x', '--register').code).toBe(0);
    expect(verdict()).toEqual({ allowed: false, reason: expect.stringContaining('v3x') });
    expect(bgmigrate('release', 'retire', 'v3x')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'bgmigrate: release v3x was deployed but never shipped: retiring it needs --reason (why it will never serve traffic), which the ledger records\n',
    });
    expect(bgmigrate('release', 'retire', 'v3x', '--reason', 'typo for v3, never built')).toEqual({ code: 0, stdout: 'v3x is retired\n', stderr: '' });
    expect(verdict().allowed).toBe(true);
    const reason = await withClient(db.url, async (c) => (await c.query(`SELECT reason FROM bgmigrate.release_events WHERE release = 'v3x' AND state = 'retired'`)).rows);
    expect(reason).toEqual([{ reason: 'typo for v3, never built' }]);
  });
});
