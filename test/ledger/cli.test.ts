import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLedger, recordMigration } from '../../src/ledger/index.js';
import { runCli, tempProject } from '../support/cli.js';
import { createTestDatabase, withClient, withDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
let project: string;
const sql = 'CREATE TABLE users (id bigint PRIMARY KEY, name text);\n';

beforeAll(async () => {
  db = await createTestDatabase('ledger_cli');
  project = tempProject({ 'migrations/001_users.sql': sql });
});
afterAll(async () => {
  await db.drop();
  fs.rmSync(project, { recursive: true, force: true });
});

function bgmigrate(...args: string[]) {
  return runCli(args, { cwd: project, env: { BGMIGRATE_DATABASE_URL: db.url } });
}

describe('bgmigrate release and ledger commands', () => {
  it('walks releases through ship, refusals, retire, rollback and list', () => {
    // Never deployed through apply: refused (a typo, usually) unless --register.
    expect(bgmigrate('release', 'ship', 'v1')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'bgmigrate: release v1 was never deployed (no apply --release v1 recorded it); ship it after its expand, or pass --register if it is deployed by other means\n',
    });
    expect(bgmigrate('release', 'ship', 'v1', '--color', 'blue', '--register')).toEqual({ code: 0, stdout: 'v1 is live (blue)\n', stderr: '' });

    const second = bgmigrate('release', 'ship', 'v2', '--register');
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(
      /^v2 is live \(green\); v1 is standby, a rollback target until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ or until "bgmigrate release retire v1"\n$/,
    );

    expect(bgmigrate('release', 'retire', 'v2')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'bgmigrate: release v2 is live: ship its successor first, then retire it\n',
    });
    expect(bgmigrate('release', 'ship', 'v3', '--register')).toMatchObject({ code: 0 });
    expect(bgmigrate('release', 'rollback')).toEqual({
      code: 0,
      stdout: 'rolled back: v2 is live again (green); v3 is rolled-back\n',
      stderr: '',
    });
    expect(bgmigrate('release', 'retire', 'v1')).toEqual({ code: 0, stdout: 'v1 is retired\n', stderr: '' });

    const list = bgmigrate('release', 'list', '--format', 'json');
    expect(list.code).toBe(0);
    const releases = (JSON.parse(list.stdout) as { releases: { release: string; state: string; color: string }[] }).releases;
    expect(releases.map((r) => [r.release, r.state, r.color])).toEqual([
      ['v1', 'retired', 'blue'],
      ['v2', 'live', 'green'],
      ['v3', 'rolled-back', 'blue'],
    ]);
  });

  it('records a deprecation once', () => {
    // v4 is not in the ledger yet: a typo, usually.
    expect(bgmigrate('ledger', 'deprecate', 'Public.Users.Name', '--release', 'v4')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'bgmigrate: release v4 is not in the ledger (no apply --release v4 or release ship recorded it); check the name, or pass --register to record it now\n',
    });
    expect(bgmigrate('ledger', 'deprecate', 'Public.Users.Name', '--release', 'v4', '--register')).toEqual({
      code: 0,
      stdout: 'recorded: public.users.name is deprecated from release v4\n',
      stderr: '',
    });
    expect(bgmigrate('ledger', 'deprecate', 'public.users.name', '--release', 'v4').stdout).toBe(
      'already recorded: public.users.name is deprecated from release v4\n',
    );
    const show = bgmigrate('ledger', 'show', '--format', 'json');
    expect(show.code).toBe(0);
    const contents = JSON.parse(show.stdout) as { version: number; deprecations: { object: string; release: string; source: string }[] };
    expect(contents.version).toBe(7);
    expect(contents.deprecations.map((d) => [d.object, d.release, d.source])).toEqual([['public.users.name', 'v4', 'command']]);
  });

  it('verifies checksums and exits 1 on drift', async () => {
    const checksum = crypto.createHash('sha256').update(sql).digest('hex');
    await withClient(db.url, async (client) => {
      await ensureLedger(client);
      await recordMigration(client, { id: '001_users.sql', checksum, phase: 'expand', durationMs: 4 });
    });
    expect(bgmigrate('ledger', 'verify')).toEqual({ code: 0, stdout: 'ok: 1 applied migration matches its file\n', stderr: '' });

    fs.appendFileSync(path.join(project, 'migrations/001_users.sql'), '-- edited\n');
    const drift = bgmigrate('ledger', 'verify');
    expect(drift.code).toBe(1);
    expect(drift.stdout).toMatch(
      /^drift 001_users\.sql: changed since it was applied \(ledger sha256 [0-9a-f]{12}…, file [0-9a-f]{12}…\)\n1 of 1 applied migrations differ from their files: restore them \(an applied migration must not change; put new changes in a new migration\)\n$/,
    );
    expect(drift.stdout).toContain(`ledger sha256 ${checksum.slice(0, 12)}…`);
  });

  it('says the password is wrong in one line without printing it (exit 2)', () => {
    const url = withDatabase(db.url, db.name, { user: 'postgres', password: 'N0t-The-Passw0rd' });
    const run = runCli(['release', 'list'], { cwd: project, env: { BGMIGRATE_DATABASE_URL: url } });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `bgmigrate: cannot connect to ${url.replace('N0t-The-Passw0rd', '***')}: password authentication failed for user "postgres" (wrong password)\n`,
    );
    expect(run.stderr).not.toContain('N0t-The-Passw0rd');
  });

  it('asks for a database when none is given (exit 2)', () => {
    expect(runCli(['release', 'list'], { cwd: project })).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'bgmigrate: release list needs a database: pass --database <url> (or "embedded"), or set BGMIGRATE_DATABASE_URL or DATABASE_URL\n',
    });
  });
});
