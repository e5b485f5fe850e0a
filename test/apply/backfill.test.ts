/**
 * Backfills against a real server: keyset batches with checkpoints, a SIGKILL mid-run and a resume
 * that updates no row twice (counted by a trigger), the lint of a backfill's shape, and the refusal
 * of a table without a usable key.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli, tempProject } from '../support/cli.js';
import { createTestDatabase, withClient, type TestDatabase } from '../support/db.js';

const USERS =
  'CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL, full_name text, updates integer NOT NULL DEFAULT 0);\n' +
  // Counts every UPDATE of each row: a batch applied twice would show as 2.
  'CREATE FUNCTION count_updates() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updates := OLD.updates + 1; RETURN NEW; END $$;\n' +
  'CREATE TRIGGER count_updates BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION count_updates();\n';
const BACKFILL = '-- bgmigrate: backfill batch=500\nUPDATE users SET full_name = name WHERE full_name IS NULL;\n';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('backfill');
});
afterAll(async () => {
  await db.drop();
});

async function project(schema: string, rows: number): Promise<{ cwd: string; run: (...args: string[]) => ReturnType<typeof runCli>; url: string }> {
  await withClient(db.url, (c) => c.query(`CREATE SCHEMA ${schema}`));
  const url = `${db.url}${db.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const cwd = tempProject({ 'migrations/001_users.sql': USERS, 'bgmigrate.config.json': JSON.stringify({ ledger: { schema: `ledger_${schema}` } }) });
  const run = (...args: string[]) => runCli(args, { cwd, env: { BGMIGRATE_DATABASE_URL: url } });
  expect(run('apply', '--phase', 'expand').code).toBe(0);
  await withClient(url, (c) => c.query(`INSERT INTO users (id, name) SELECT g, 'User ' || g FROM generate_series(1, ${rows}) g`));
  return { cwd, run, url };
}

describe('backfill migrations', () => {
  it('runs in keyset batches, each committed with its checkpoint, and records the migration', async () => {
    const p = await project('bf_batches', 2_300);
    fs.writeFileSync(path.join(p.cwd, 'migrations', '002_backfill.sql'), BACKFILL);
    const run = p.run('apply', '--phase', 'expand', '--format', 'json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const applied = JSON.parse(run.stdout).applied as { id: string; backfill: { rowsDone: number; batches: number; done: boolean } }[];
    expect(applied.map((a) => [a.id, a.backfill.rowsDone, a.backfill.batches, a.backfill.done])).toEqual([['002_backfill.sql', 2_300, 5, true]]);
    const state = await withClient(p.url, async (c) => ({
      left: (await c.query('SELECT count(*)::int AS n FROM users WHERE full_name IS NULL')).rows[0].n,
      twice: (await c.query('SELECT count(*)::int AS n FROM users WHERE updates <> 1')).rows[0].n,
      progress: (await c.query(`SELECT key_column, last_key, rows_done::int, batches, finished_at IS NOT NULL AS finished FROM ledger_bf_batches.backfill_progress`)).rows,
      ledger: (await c.query('SELECT id FROM ledger_bf_batches.migrations ORDER BY seq')).rows.map((r) => r.id),
    }));
    expect(state).toEqual({
      left: 0,
      twice: 0,
      progress: [{ key_column: 'id', last_key: '2300', rows_done: 2_300, batches: 5, finished: true }],
      ledger: ['001_users.sql', '002_backfill.sql'],
    });
    const status = JSON.parse(p.run('status', '--format', 'json').stdout).backfills as { migration: string; state: string; rowsDone: number; batches: number; lastKey: string }[];
    expect(status.map((b) => [b.migration, b.state, b.rowsDone, b.batches, b.lastKey])).toEqual([['002_backfill.sql', 'finished', 2_300, 5, '2300']]);
    expect(p.run('status').stdout).toMatch(/\nbackfills\n {2}finished {2}002_backfill\.sql {2}2300( of ~\d+)? rows in 5 batches, id up to 2300, finished \S+\n/);
  });

  it('killed mid-run (SIGKILL), resumes after the last committed batch: no row is updated twice', async () => {
    const p = await project('bf_kill', 3_000);
    fs.writeFileSync(path.join(p.cwd, 'migrations', '002_backfill.sql'), BACKFILL.replace('batch=500', 'batch=100'));
    const child = spawn(process.execPath, [CLI, 'apply', '--phase', 'expand', '--batch-delay', '50ms'], { cwd: p.cwd, env: { ...process.env, BGMIGRATE_DATABASE_URL: p.url } });
    // Kill it once some batches are committed.
    for (let i = 0; i < 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const done = await withClient(p.url, async (c) => (await c.query(`SELECT coalesce(max(batches), 0) AS b FROM ledger_bf_kill.backfill_progress`).catch(() => ({ rows: [{ b: 0 }] }))).rows[0].b);
      if (done >= 5) break;
    }
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    const midway = await withClient(p.url, async (c) => (await c.query('SELECT count(*)::int AS n FROM users WHERE full_name IS NOT NULL')).rows[0].n);
    expect(midway).toBeGreaterThanOrEqual(500);
    expect(midway).toBeLessThan(3_000);

    const resumed = p.run('apply', '--phase', 'expand');
    expect(resumed.stderr).not.toContain('bgmigrate:');
    expect(resumed.code).toBe(0);
    const state = await withClient(p.url, async (c) => ({
      left: (await c.query('SELECT count(*)::int AS n FROM users WHERE full_name IS NULL')).rows[0].n,
      twice: (await c.query('SELECT count(*)::int AS n FROM users WHERE updates > 1')).rows[0].n,
      rows: (await c.query('SELECT rows_done::int AS n FROM ledger_bf_kill.backfill_progress')).rows[0].n,
    }));
    expect(state).toEqual({ left: 0, twice: 0, rows: 3_000 });
  });

  it('a table without a single-column key is refused, naming the way out', async () => {
    const p = await project('bf_nokey', 10);
    await withClient(p.url, (c) => c.query('CREATE TABLE events (at timestamptz NOT NULL, payload text, copied text)'));
    fs.writeFileSync(path.join(p.cwd, 'migrations', '002_backfill.sql'), '-- bgmigrate: backfill\nUPDATE events SET copied = payload WHERE copied IS NULL;\n');
    const run = p.run('apply', '--phase', 'expand');
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')[0]).toBe(
      'bgmigrate: migrations/002_backfill.sql:2:1: events has no single-column primary key to batch by: name a unique NOT NULL column with "-- bgmigrate: backfill key=<column>" (a table without one cannot be backfilled in resumable batches)',
    );
  });

  it('batches by the unique NOT NULL column config backfill.keys names for a table without a primary key', async () => {
    const p = await project('bf_keys', 10);
    await withClient(p.url, (c) => c.query("CREATE TABLE events (seq bigint NOT NULL UNIQUE, payload text, copied text); INSERT INTO events SELECT g, 'p' || g FROM generate_series(1, 950) g"));
    fs.writeFileSync(path.join(p.cwd, 'bgmigrate.config.json'), JSON.stringify({ ledger: { schema: 'ledger_bf_keys' }, backfill: { keys: { 'bf_keys.events': 'seq' } } }));
    fs.writeFileSync(path.join(p.cwd, 'migrations', '002_backfill.sql'), '-- bgmigrate: backfill batch=400\nUPDATE events SET copied = payload WHERE copied IS NULL;\n');
    const run = p.run('apply', '--phase', 'expand', '--format', 'json');
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout).applied.map((a: { backfill: { rowsDone: number; batches: number } }) => [a.backfill.rowsDone, a.backfill.batches])).toEqual([[950, 3]]);
    const key = await withClient(p.url, async (c) => (await c.query('SELECT key_column FROM ledger_bf_keys.backfill_progress')).rows[0].key_column);
    expect(key).toBe('seq');
  });

  it('check: one UPDATE whose batches can be re-run; not unbatched-dml', () => {
    const findings = (sql: string) => {
      const cwd = tempProject({ 'migrations/001_users.sql': USERS, 'migrations/002_backfill.sql': sql });
      const out = JSON.parse(runCli(['check', '--format', 'json'], { cwd }).stdout).files[1].findings as { rule: string; line: number }[];
      fs.rmSync(cwd, { recursive: true, force: true });
      return out.map((f) => [f.rule, f.line]);
    };
    expect(findings(BACKFILL)).toEqual([]);
    expect(findings('-- bgmigrate: backfill\nUPDATE users SET full_name = name;\n')).toEqual([['backfill-shape', 2]]);
    expect(findings('-- bgmigrate: backfill idempotent\nUPDATE users SET full_name = name;\n')).toEqual([]);
    expect(findings('-- bgmigrate: backfill\nUPDATE users SET full_name = name WHERE full_name IS NULL;\nDELETE FROM users WHERE id < 0;\n')).toEqual([['backfill-shape', 2]]);
    expect(findings('-- bgmigrate: backfill batch=abc\nUPDATE users SET full_name = name WHERE full_name IS NULL;\n')).toEqual([['parse-error', 1]]);
  });
});

describe('backfill batches: the key range added to the statement', () => {
  it('goes into the top-level WHERE, before RETURNING / ON CONFLICT, never into a subquery', async () => {
    const { loadParser } = await import('../../src/parse/parser.js');
    const { addKeyRange } = await import('../../src/apply/backfill.js');
    await loadParser();
    expect(addKeyRange('UPDATE users u SET x = (SELECT 1 WHERE true) WHERE x IS NULL RETURNING id;', 'u."id"', false, 'f')).toBe(
      'UPDATE users u SET x = (SELECT 1 WHERE true) WHERE (x IS NULL) AND u."id" > $1 AND u."id" <= $2 RETURNING id',
    );
    expect(addKeyRange('UPDATE users SET x = 1', '"users"."id"', true, 'f')).toBe('UPDATE users SET x = 1 WHERE "users"."id" <= $1');
    expect(addKeyRange('INSERT INTO copy (id, n) SELECT id, name FROM users JOIN orders ON orders.user_id = users.id ON CONFLICT DO NOTHING', 'users.id', false, 'f')).toBe(
      'INSERT INTO copy (id, n) SELECT id, name FROM users JOIN orders ON orders.user_id = users.id WHERE users.id > $1 AND users.id <= $2 ON CONFLICT DO NOTHING',
    );
  });

  it('an INSERT … SELECT backfill ranges over the table it reads', async () => {
    const p = await project('bf_insert', 1_234);
    await withClient(p.url, (c) => c.query('CREATE TABLE names (id bigint PRIMARY KEY, name text NOT NULL)'));
    fs.writeFileSync(
      path.join(p.cwd, 'migrations', '002_copy.sql'),
      '-- bgmigrate: backfill batch=300\nINSERT INTO names (id, name) SELECT id, name FROM users ON CONFLICT DO NOTHING;\n',
    );
    const run = p.run('apply', '--phase', 'expand', '--format', 'json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).applied.map((a: { backfill: { rowsDone: number; batches: number } }) => [a.backfill.rowsDone, a.backfill.batches])).toEqual([[1_234, 5]]);
    expect(await withClient(p.url, async (c) => (await c.query('SELECT count(*)::int AS n FROM names')).rows[0].n)).toBe(1_234);
  });
});
