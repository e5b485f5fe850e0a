/**
 * Interrupts (issue 9, class 8): SIGINT and SIGTERM cancel the statement on the server, roll back
 * the migration in progress, print one line saying what was rolled back and what was kept, and
 * exit 130 / 143.
 */
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, tempProject } from '../support/cli.js';
import { createTestDatabase, withClient, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
const databases: TestDatabase[] = [];

afterAll(async () => {
  for (const d of databases) await d.drop();
});

async function sleeping(): Promise<number> {
  for (let i = 0; i < 300; i++) {
    const rows = await withClient(db.url, async (c) => (await c.query("SELECT pid FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%' AND state = 'active'")).rows);
    if (rows.length > 0) return rows.length;
    await new Promise((r) => setTimeout(r, 50));
  }
  return 0;
}

describe.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)('%s during apply', (signal, code) => {
  it(`cancels the server-side statement, rolls back the migration, keeps the ones before, exits ${code}`, async () => {
    const suffix = signal.toLowerCase();
    db = await createTestDatabase(`interrupt_${suffix}`);
    databases.push(db);
    const cwd = tempProject({
      [`migrations/001_${suffix}_a.sql`]: `CREATE TABLE ${suffix}_a (id int);\n`,
      [`migrations/002_${suffix}_slow.sql`]: `CREATE TABLE ${suffix}_b (id int);\nSELECT pg_sleep(30);\n`,
    });
    const child = spawn(process.execPath, [CLI, '--database', db.url, 'apply', '--phase', 'expand', '--skip-pool-check'], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(await sleeping()).toBe(1);
    child.kill(signal);
    expect(await exited).toBe(code);
    expect(stderr.trim().split('\n').at(-1)).toBe(
      `bgmigrate: interrupted by ${signal}: migrations/002_${suffix}_slow.sql was rolled back (nothing of it is applied); kept: 1 migration applied before it (migrations/001_${suffix}_a.sql)`,
    );
    const state = await withClient(db.url, async (c) => ({
      sleeping: (await c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%' AND state = 'active'")).rows[0].n,
      a: (await c.query(`SELECT to_regclass('public.${suffix}_a') IS NOT NULL AS x`)).rows[0].x,
      b: (await c.query(`SELECT to_regclass('public.${suffix}_b') IS NOT NULL AS x`)).rows[0].x,
    }));
    expect(state).toEqual({ sleeping: 0, a: true, b: false });
  }, 30_000);
});
