/** `bgmigrate apply` and `bgmigrate status` as users run them: exit codes, output, one-line errors. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { freePort } from '../../src/db/embedded.js';

let db: TestDatabase;
let project: string;

beforeAll(async () => {
  db = await createTestDatabase('runner_cli');
  project = tempProject({
    'migrations/001_accounts.sql': 'CREATE TABLE accounts (id int PRIMARY KEY, name text);\n',
    'migrations/002_drop_name.sql': 'ALTER TABLE accounts DROP COLUMN name;\n',
    'migrations/003_email.sql': 'ALTER TABLE accounts ADD COLUMN email text;\n',
    'bgmigrate.config.json': JSON.stringify({ apply: { lockTimeout: '500ms', maxRetries: 1, retryDelay: '10ms' } }),
  });
});
afterAll(async () => {
  await db.drop();
});

const cli = (args: string[], database = db.url) => runCli(['--database', database, '--dir', 'migrations', ...args], { cwd: project });

describe('bgmigrate apply / status', () => {
  it('dry run, apply, then status in JSON', () => {
    const dry = cli(['apply', '--phase', 'expand', '--release', 'v1', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout.split('\n')).toEqual([
      'apply --phase expand --release v1: dry run, nothing changed',
      '  apply    migrations/001_accounts.sql',
      '  later    migrations/002_drop_name.sql (contract phase)',
      '  apply    migrations/003_email.sql',
      '2 to apply',
      '',
    ]);

    const run = cli(['apply', '--phase', 'expand', '--release', 'v1']);
    expect(run.code).toBe(0);
    expect(run.stdout.replace(/\(\d+ms\)/g, '(…)').split('\n')).toEqual([
      'applied migrations/001_accounts.sql (…)',
      'applied migrations/003_email.sql (…)',
      'pending migrations/002_drop_name.sql (contract: apply --phase contract)',
      'apply --phase expand --release v1: 2 migrations applied',
      '',
    ]);

    const status = cli(['status', '--format', 'json']);
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout);
    expect(report.migrations.map((m: { id: string; phase: string; state: string; release: string | null }) => [m.id, m.phase, m.state, m.release])).toEqual([
      ['001_accounts.sql', 'expand', 'applied', 'v1'],
      ['002_drop_name.sql', 'contract', 'pending', null],
      ['003_email.sql', 'expand', 'applied', 'v1'],
    ]);
    expect(report.releases).toEqual([{ release: 'v1', state: 'deployed', shippedAt: null, retiredAt: null, rollbackTargetUntil: null, color: null }]);
    expect(report.colors).toEqual({ blue: null, green: null });
    expect(report.deprecations).toEqual([]);
    expect(report.contractEffects.map((e: { effect: string; object: string; allowed: boolean }) => [e.effect, e.object, e.allowed])).toEqual([
      ['drop-column', 'public.accounts.name', false],
    ]);
  });

  it('a contract migration the ledger does not allow yet waits: exit 0, listed with the reason', () => {
    const run = cli(['apply', '--phase', 'contract', '--release', 'v1']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('waiting migrations/002_drop_name.sql: the ledger does not allow it yet');
    expect(lines[1]).toMatch(/^ {4}migrations\/002_drop_name\.sql:1:1: drop-column: no deprecation of public\.accounts\.name/);
    expect(lines.at(-1)).toBe('apply --phase contract --release v1: nothing applied, 1 waiting for the ledger (run it again once it allows them)');
  });

  it('with --require-all a ledger refusal exits 1 with one line and no stack trace', () => {
    const run = cli(['apply', '--phase', 'contract', '--release', 'v1', '--require-all']);
    expect(run.code).toBe(1);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^bgmigrate: migrations\/002_drop_name\.sql:1:1: drop-column: no deprecation of public\.accounts\.name/);
  });

  it('bad usage exits 2', () => {
    expect(cli(['apply']).code).toBe(2);
    const zero = cli(['apply', '--phase', 'expand', '--lock-timeout', '0']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toBe('bgmigrate: --lock-timeout must be greater than 0 (0 would let a migration queue live traffic indefinitely)\n');
  });

  it('a wrong password or a server that is down exits 2 without printing the password', async () => {
    const wrong = new URL(db.url);
    wrong.password = 'not-the-Secret-42';
    const run = cli(['apply', '--phase', 'expand'], wrong.toString());
    expect(run.code).toBe(2);
    expect(run.stdout + run.stderr).not.toContain('not-the-Secret-42');
    expect(run.stderr).toMatch(/^bgmigrate: cannot connect to .*:\*\*\*@.*: password authentication failed/);

    const down = new URL(db.url);
    down.port = String(await freePort());
    down.password = 'not-the-Secret-42';
    const status = cli(['status'], down.toString());
    expect(status.code).toBe(2);
    expect(status.stdout + status.stderr).not.toContain('not-the-Secret-42');
    expect(status.stderr).toMatch(/connection refused/);
  });

  it('a role without the privileges to create the ledger exits 2 naming what is missing', async () => {
    const { withClient, withDatabase } = await import('../support/db.js');
    const role = `runner_ro_${Date.now() % 100000}`;
    await withClient(db.url, (c) => c.query(`CREATE ROLE ${role} LOGIN PASSWORD 'ro-Secret-7'`));
    const url = withDatabase(db.url, db.name, { user: role, password: 'ro-Secret-7' });
    const fresh = tempProject({ 'migrations/001_t.sql': 'CREATE TABLE t (id int);\n' });
    const run = runCli(['--database', url, '--dir', 'migrations', 'apply', '--phase', 'expand'], { cwd: fresh });
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')).toHaveLength(2);
    expect(run.stderr).toMatch(/^bgmigrate: .*permission denied/i);
    expect(run.stderr).not.toContain('ro-Secret-7');
    await withClient(db.url, (c) => c.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`)).catch(() => undefined);
  });
});
