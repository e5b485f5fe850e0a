/**
 * `check --database`: the phase ledger decides contract findings; the server's version is the
 * default target; checksum drift stops the check; nothing is ever written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/check.js';
import { loadConfig } from '../../src/config/config.js';
import { DriftError } from '../../src/errors.js';
import { renderJson } from '../../src/report/json.js';
import { RULE_IDS } from '../../src/rules/ids.js';
import { ROOT, runCli, tempProject } from '../support/cli.js';
import { createTestDatabase, withClient, withDatabase, type TestDatabase } from '../support/db.js';

const EXAMPLE = path.join(ROOT, 'migrations-example');
let db: TestDatabase;
let project: string;

beforeAll(async () => {
  db = await createTestDatabase('check_db');
  project = tempProject();
  fs.mkdirSync(path.join(project, 'migrations'));
  for (const name of fs.readdirSync(EXAMPLE).filter((f) => f.endsWith('.sql'))) {
    fs.copyFileSync(path.join(EXAMPLE, name), path.join(project, 'migrations', name));
  }
});
afterAll(async () => {
  await db?.drop();
  fs.rmSync(project, { recursive: true, force: true });
});

function bgmigrate(...args: string[]) {
  return runCli(args, { cwd: project, env: { BGMIGRATE_DATABASE_URL: db.url } });
}

interface JsonFinding {
  rule: string;
  severity: string;
  object?: string;
  ledger?: { allowed: boolean; reason: string };
}

/** The contract findings of 008 as [rule, severity, allowed]. */
function contractFindings(stdout: string): [string, string, boolean | undefined][] {
  const report = JSON.parse(stdout) as { files: { path: string; findings: JsonFinding[] }[] };
  const file = report.files.find((f) => f.path === 'migrations/008_users_drop_name.sql')!;
  return file.findings.filter((f) => f.ledger).map((f) => [f.rule, f.severity, f.ledger?.allowed]);
}

const schemaExists = () =>
  withClient(db.url, async (c) => (await c.query("SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'bgmigrate'")).rows[0].n);

describe('check --database', () => {
  it('without a ledger yet: refuses contract effects, says no deprecation is recorded, and creates nothing', async () => {
    const run = bgmigrate('check', '--format', 'json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(contractFindings(run.stdout)).toEqual([
      ['drop-routine', 'error', false],
      ['drop-column', 'error', false],
    ]);
    const reasons = (JSON.parse(run.stdout).files.at(-1).findings as JsonFinding[]).map((f) => f.ledger?.reason);
    expect(reasons[1]).toMatch(/^no deprecation of public\.users\.name or of its table public\.users is recorded in the ledger/);
    expect(await schemaExists()).toBe(0);
  });

  it('follows the ledger through the releases: refused while v1 can take traffic, info once retired', async () => {
    // v1 ships 001–006; v2 adds 007, whose directive deprecates users.name at v2.
    const later = ['007_users_name_deprecate.sql', '008_users_drop_name.sql'];
    const parked = path.join(project, 'parked');
    fs.mkdirSync(parked);
    for (const name of later) fs.renameSync(path.join(project, 'migrations', name), path.join(parked, name));
    expect(bgmigrate('apply', '--phase', 'expand', '--release', 'v1', '--skip-pool-check').code).toBe(0);
    expect(bgmigrate('release', 'ship', 'v1').code).toBe(0);
    for (const name of later) fs.renameSync(path.join(parked, name), path.join(project, 'migrations', name));
    expect(bgmigrate('apply', '--phase', 'expand', '--release', 'v2', '--skip-pool-check').code).toBe(0);

    // Deprecated at v2, but v2 has not shipped.
    const unshipped = bgmigrate('check', '--format', 'json');
    expect(unshipped.code).toBe(1);
    const unshippedReason = (JSON.parse(unshipped.stdout).files.at(-1).findings as JsonFinding[])[1].ledger!.reason;
    expect(unshippedReason).toBe(
      'public.users.name is deprecated at release v2, but v2 has not shipped yet (run "bgmigrate release ship v2" when it serves traffic)',
    );
    expect(bgmigrate('release', 'ship', 'v2').code).toBe(0);

    const refused = bgmigrate('check', '--format', 'json');
    expect(refused.code).toBe(1);
    expect(contractFindings(refused.stdout)).toEqual([
      ['drop-routine', 'error', false],
      ['drop-column', 'error', false],
    ]);
    const reason = (JSON.parse(refused.stdout).files.at(-1).findings as JsonFinding[])[1].ledger!.reason;
    expect(reason).toMatch(/^release v1 still uses public\.users\.name and is a rollback target until it is retired or until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    expect(bgmigrate('release', 'retire', 'v1').code).toBe(0);
    const allowed = bgmigrate('check', '--format', 'json');
    // No pg_stat_statements in this database: no usage evidence, said as a warning (src/usage/evidence.ts).
    expect(allowed.stderr).toBe(
      'warning: usage evidence for public.users_sync_full_name is missing: pg_stat_statements is loaded but not created in this database: run CREATE EXTENSION pg_stat_statements\n' +
        'warning: usage evidence for public.users.name is missing: pg_stat_statements is loaded but not created in this database: run CREATE EXTENSION pg_stat_statements\n',
    );
    expect(allowed.code).toBe(0);
    expect(contractFindings(allowed.stdout)).toEqual([
      ['drop-routine', 'info', true],
      ['drop-column', 'info', true],
    ]);
    // --offline ignores the ledger even with a database configured.
    expect(bgmigrate('check', '--offline', '--format', 'json').code).toBe(1);
  });

  it('reads in a READ ONLY transaction: works for a role that may only read the ledger', async () => {
    await withClient(db.url, async (c) => {
      await c.query("DROP ROLE IF EXISTS bgm_reader; CREATE ROLE bgm_reader LOGIN PASSWORD 'reader-pw'");
      await c.query(`GRANT CONNECT ON DATABASE ${db.name} TO bgm_reader`);
      await c.query('GRANT USAGE ON SCHEMA bgmigrate TO bgm_reader; GRANT SELECT ON ALL TABLES IN SCHEMA bgmigrate TO bgm_reader');
    });
    const url = withDatabase(db.url, db.name, { user: 'bgm_reader', password: 'reader-pw' });
    const run = runCli(['check', '--format', 'json', '--database', url], { cwd: project });
    // Only the (missing) usage evidence is mentioned: the role lacks nothing else.
    expect(run.stderr.split('\n').filter((line) => line && !line.startsWith('warning: usage evidence for '))).toEqual([]);
    expect(run.code).toBe(0);
  });

  it('stops with exit 1 when an applied migration changed since it was applied', () => {
    const file = path.join(project, 'migrations', '004_users_full_name_expand.sql');
    const original = fs.readFileSync(file);
    fs.appendFileSync(file, '\n-- edited after it was applied\n');
    try {
      const run = bgmigrate('check');
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines[0]).toBe(
        'bgmigrate: 1 applied migration has changed since it was applied; restore the file or deal with "bgmigrate ledger verify" first',
      );
      expect(lines[1]).toMatch(/^ {2}004_users_full_name_expand\.sql: changed since it was applied/);
    } finally {
      fs.writeFileSync(file, original);
    }
    expect(bgmigrate('check').code).toBe(0);
  });

  it('a wrong password is exit 2 with one line that never shows the password', () => {
    const url = withDatabase(db.url, db.name, { user: 'bgm_reader', password: 'not-the-password-xyz' });
    const run = runCli(['check', '--database', url], { cwd: project });
    expect(run.code).toBe(2);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('password authentication failed');
    expect(run.stderr).not.toContain('not-the-password-xyz');
    expect(run.stdout).toBe('');
  });
});

describe('check({ database }) in the library', () => {
  it('gives what check --database prints: the same report, warnings and target version, and a DriftError on drift', async () => {
    const config = loadConfig({ cwd: project, knownRules: RULE_IDS });
    const options = { cwd: project, config, migrationsDir: path.join(project, 'migrations'), paths: [], database: db.url };
    const result = await check(options);
    const cli = bgmigrate('check', '--format', 'json');
    expect(renderJson(result.report)).toBe(cli.stdout);
    expect(result.warnings.map((w) => `warning: ${w}\n`).join('')).toBe(cli.stderr);
    expect(contractFindings(cli.stdout)).toEqual([
      ['drop-routine', 'info', true],
      ['drop-column', 'info', true],
    ]);
    const file = path.join(project, 'migrations', '004_users_full_name_expand.sql');
    const original = fs.readFileSync(file);
    fs.appendFileSync(file, '\n-- edited after it was applied\n');
    try {
      await expect(check(options)).rejects.toBeInstanceOf(DriftError);
    } finally {
      fs.writeFileSync(file, original);
    }
  });
});

describe('check --database targets the server version before the config', () => {
  it('a config pgVersion of 10 does not override the connected server', () => {
    const cwd = tempProject({
      'migrations/001.sql': 'ALTER TABLE existing_table ADD COLUMN c int DEFAULT 0;\n',
      'bgmigrate.config.json': JSON.stringify({ pgVersion: 10 }),
    });
    const offline = runCli(['check', '--offline', '--format', 'json'], { cwd });
    // PostgreSQL 10 rewrites the table for a constant default; 11 and later do not.
    expect(JSON.parse(offline.stdout).files[0].findings.map((f: JsonFinding) => f.rule)).toEqual(['table-rewrite']);
    const online = runCli(['check', '--format', 'json'], { cwd, env: { BGMIGRATE_DATABASE_URL: db.url } });
    expect(online.stderr).toBe('');
    expect(JSON.parse(online.stdout).files[0].findings.map((f: JsonFinding) => f.rule)).toEqual([]);
  });
});
