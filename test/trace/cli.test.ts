/**
 * `bgmigrate trace` as users run it: the built CLI, its output and exit codes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempProject } from '../support/cli.js';
import { createTestDatabase, withClient, type TestDatabase } from '../support/db.js';
import { exec, fingerprint } from './helpers.js';

let db: TestDatabase;
let before: string;

const PROJECT = {
  'migrations/001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n',
  'migrations/002_email_index.sql': '-- bgmigrate: no-transaction\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n',
  'migrations/003_name.sql': 'ALTER TABLE users ADD COLUMN name text;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\n',
};

beforeAll(async () => {
  db = await createTestDatabase('trace_cli');
  await exec(db.url, 'CREATE TABLE existing (id int PRIMARY KEY)');
  before = await fingerprint(db.url);
});

afterAll(async () => {
  expect(await fingerprint(db.url)).toBe(before);
  await db.drop();
});

describe('bgmigrate trace', () => {
  it('--format json: every statement with what the server did, and exit 0 when it matches check', () => {
    const cwd = tempProject(PROJECT);
    const run = runCli(['trace', '--database', db.url, '--format', 'json'], { cwd });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.version).toBe(1);
    expect(report.ranOn).toBe('copy');
    expect(report.summary).toEqual({ files: 3, statements: 4, errors: 0, mismatches: 0 });
    expect(report.files.map((f: { path: string }) => f.path)).toEqual([
      'migrations/001_users.sql',
      'migrations/002_email_index.sql',
      'migrations/003_name.sql',
    ]);
    const [index] = report.files[1].statements;
    expect(index).toMatchObject({ mode: 'throwaway', status: 'ok', strongest: { relation: 'public.users', mode: 'ShareUpdateExclusiveLock' } });
    const [addColumn, setNotNull] = report.files[2].statements;
    expect(addColumn.strongest).toEqual({ relation: 'public.users', mode: 'AccessExclusiveLock' });
    expect(setNotNull.scanned).toEqual([{ relation: 'public.users', seqScans: 1, seqTuplesRead: 0, indexScans: 0 }]);
    expect(run.stdout).not.toContain(new URL(db.url).password);
  });

  it('pretty: a table per file and a last line saying the database was not touched', () => {
    const cwd = tempProject(PROJECT);
    const run = runCli(['trace', 'migrations/003_name.sql', '--database', db.url, '--no-color'], { cwd });
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('migrations/003_name.sql');
    expect(lines[1]).toMatch(/^ {2}# +line +statement +ran +time +strongest new lock +rewrote +seq scans +check$/);
    // The database has no users table: the file fails there, and trace says so (exit 1).
    expect(lines[2]).toMatch(/^ {2}1 +1:1 +ALTER TABLE users ADD COLUMN name text +in tx .* failed$/);
    expect(lines[3]).toBe('      error: relation "users" does not exist');
    expect(run.stdout).toContain('✖ 2 statements traced on PostgreSQL');
    expect(lines.at(-2)).toMatch(/^ran on a throwaway copy of postgres:\/\/.*:\*\*\*@.*, dropped afterwards: the database itself was not touched; nothing outlives the run$/);
  });

  it('one file of the migrations directory: earlier migrations are history for check, the database has them', async () => {
    const applied = await createTestDatabase('trace_cli_applied');
    try {
      await exec(applied.url, PROJECT['migrations/001_users.sql']);
      const cwd = tempProject(PROJECT);
      const run = runCli(['trace', 'migrations/003_name.sql', '--database', applied.url, '--format', 'json'], { cwd });
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout);
      expect(report.files.map((f: { id: string }) => f.id)).toEqual(['003_name.sql']);
      expect(report.files[0].statements.map((s: { status: string; mismatches: string[] }) => [s.status, s.mismatches])).toEqual([
        ['ok', []],
        ['ok', []],
      ]);
      expect(report.files[0].statements[1].predicted).toEqual([{ table: 'public.users', lock: 'AccessExclusiveLock', rewrites: false, scans: true }]);
    } finally {
      await applied.drop();
    }
  });

  it('refuses a statement that acts on the whole server with one line and exit 2', () => {
    const cwd = tempProject({ 'migrations/001_system.sql': "ALTER SYSTEM SET work_mem = '64MB';\n" });
    const run = runCli(['trace', '--database', db.url], { cwd });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'bgmigrate: migrations/001_system.sql:1:1: trace refuses to run ALTER SYSTEM: it acts on the whole server and cannot be rolled back\n',
    );
  });

  it('needs a database', () => {
    const cwd = tempProject(PROJECT);
    const run = runCli(['trace'], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toMatch(/^bgmigrate: trace needs a database/);
  });
});

describe('trace never changes the server outside the throwaway copy', () => {
  it('roles and database settings run in a transaction rolled back at once, and the last line says nothing outlives the run', async () => {
    const name = new URL(db.url).pathname.slice(1);
    const cwd = tempProject({
      'migrations/001_roles.sql': [
        'CREATE ROLE bgm_trace_probe NOLOGIN;',
        `ALTER ROLE ${new URL(db.url).username} CONNECTION LIMIT 0;`,
        `ALTER DATABASE "${name}" SET work_mem = '1MB';`,
        `COMMENT ON DATABASE "${name}" IS 'touched';`,
        'CREATE TABLE t (id int);',
        '',
      ].join('\n'),
    });
    const run = runCli(['trace', '--database', db.url, '--no-color'], { cwd });
    expect(run.stderr).toBe('');
    expect(run.stdout.split('\n').at(-2)).toMatch(
      /, dropped afterwards: the database itself was not touched; 4 statements on roles or database settings \(shared by the whole server\) ran in a transaction rolled back at once: nothing of them outlives the run$/,
    );
    const state = await withClient(db.url, async (c) => ({
      role: (await c.query("SELECT count(*)::int AS n FROM pg_roles WHERE rolname = 'bgm_trace_probe'")).rows[0].n,
      limit: (await c.query('SELECT rolconnlimit FROM pg_roles WHERE rolname = current_user')).rows[0].rolconnlimit,
      settings: (await c.query('SELECT count(*)::int AS n FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = current_database()')).rows[0].n,
      comment: (await c.query('SELECT shobj_description(oid, \'pg_database\') AS c FROM pg_database WHERE datname = current_database()')).rows[0].c,
    }));
    expect(state).toEqual({ role: 0, limit: -1, settings: 0, comment: null });
  });
});

describe('trace on a migrated database', () => {
  it('with no paths, traces only the pending migrations (the applied ones are history)', async () => {
    const migrated = await createTestDatabase('trace_pending');
    try {
      const cwd = tempProject({ 'migrations/001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);\n' });
      expect(runCli(['apply', '--database', migrated.url, '--phase', 'expand', '--skip-pool-check'], { cwd }).code).toBe(0);
      fs.writeFileSync(path.join(cwd, 'migrations', '002_email.sql'), 'ALTER TABLE users ADD COLUMN email text;\n');
      const run = runCli(['trace', '--database', migrated.url, '--format', 'json'], { cwd });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout);
      expect(report.files.map((f: { path: string }) => f.path)).toEqual(['migrations/002_email.sql']);
      expect(report.summary).toEqual({ files: 1, statements: 1, errors: 0, mismatches: 0 });
    } finally {
      await migrated.drop();
    }
  });
});
