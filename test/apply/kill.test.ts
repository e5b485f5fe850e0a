/**
 * SIGKILL a child `applyMigrations` (built from dist/) at many points: between migrations,
 * inside a transactional migration, during a CREATE INDEX CONCURRENTLY build, between the
 * statements of a no-transaction migration. Afterwards the ledger must match the schema, and
 * the next apply must finish the job with every statement's effect present exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { applyMigrations } from '../../src/apply/index.js';
import * as ledger from '../../src/ledger/index.js';
import { Clients, columnsOf, freshDatabase, migrationsDir, testConfig } from './helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHILD = path.join(ROOT, 'test', 'apply', 'fixtures', 'apply-child.mjs');
const BUILT = path.join(ROOT, 'dist', 'apply', 'apply.js');

const apply = { lockTimeout: '500ms', maxRetries: 20, retryDelay: '50ms', retryMaxDelay: '500ms', lockWait: '30s' };

const MIGRATIONS = {
  '001_tables.sql': [
    'CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL);',
    'INSERT INTO items SELECT g, g FROM generate_series(1, 1500) g;',
    'CREATE TABLE runs (migration text NOT NULL);',
    // Slow on purpose: it gives the concurrent index build below a window of about 1.5 s.
    'CREATE FUNCTION slow_key(int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.001); RETURN $1; END $$;',
    '',
  ].join('\n'),
  '002_tx.sql': ["INSERT INTO runs VALUES ('002');", 'CREATE TABLE t002 (id int);', 'SELECT pg_sleep(1);', ''].join('\n'),
  '003_no_tx.sql': [
    '-- bgmigrate: no-transaction',
    "INSERT INTO runs VALUES ('003a');",
    'CREATE INDEX CONCURRENTLY items_slow_idx ON items ((slow_key(v)));',
    'SELECT pg_sleep(0.5);',
    "INSERT INTO runs VALUES ('003b');",
    '',
  ].join('\n'),
  '004_tx.sql': ['ALTER TABLE items ADD COLUMN w int;', "INSERT INTO runs VALUES ('004');", ''].join('\n'),
};

interface KillPoint {
  name: string;
  /** Kill when the child reports this event… */
  event: string;
  id?: string;
  index?: number;
  /** …this long after it. */
  afterMs: number;
  /** INVALID indexes the next apply must find, drop and build again. */
  rebuilt?: string[];
}

const POINTS: KillPoint[] = [
  { name: 'after planning, before any migration', event: 'plan', afterMs: 0 },
  { name: 'between migrations', event: 'migration-done', id: '001_tables.sql', afterMs: 0 },
  { name: 'inside a transactional migration', event: 'statement', id: '002_tx.sql', index: 2, afterMs: 300 },
  { name: 'during a CREATE INDEX CONCURRENTLY build', event: 'statement', id: '003_no_tx.sql', index: 1, afterMs: 600, rebuilt: ['public.items_slow_idx'] },
  { name: 'between statements of a no-transaction migration', event: 'statement', id: '003_no_tx.sql', index: 2, afterMs: 100 },
  { name: 'at the start of the last migration', event: 'statement', id: '004_tx.sql', index: 0, afterMs: 0 },
];

const opened: Clients[] = [];
let dir: ReturnType<typeof migrationsDir>;

beforeAll(() => {
  if (!fs.existsSync(BUILT)) throw new Error(`${BUILT} is missing: run "npm run build" first`);
  dir = migrationsDir(MIGRATIONS);
});
afterAll(async () => {
  for (const c of opened) await c.closeAll();
});

/** Runs the child until `point`, then SIGKILLs it. Resolves with what it printed. */
function runAndKill(url: string, point: KillPoint): Promise<{ lines: unknown[]; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [CHILD, url, dir.dir, 'expand', JSON.stringify(apply)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: unknown[] = [];
    let buffer = '';
    let killed = false;
    const timeout = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the child never reached ${point.name}: ${JSON.stringify(lines)}`));
    }, 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffer.slice(0, newline)) as { event?: string; id?: string; index?: number };
        buffer = buffer.slice(newline + 1);
        lines.push(line);
        const hit =
          line.event === point.event &&
          (point.id === undefined || line.id === point.id) &&
          (point.index === undefined || line.index === point.index);
        if (hit && !killed) {
          killed = true;
          setTimeout(() => child.kill('SIGKILL'), point.afterMs);
        }
      }
    });
    child.on('exit', (_code, signal) => {
      clearTimeout(timeout);
      resolve({ lines, killed: killed && signal === 'SIGKILL' });
    });
    child.on('error', reject);
  });
}

/** Waits (bounded) until the killed child's sessions are gone from the server. */
async function waitForOrphans(admin: pg.Client): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const { rows } = await admin.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'bgmigrate apply%' AND datname = current_database()`,
    );
    if (rows[0].n === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the killed applier’s sessions are still there after 15 s');
}

async function runs(admin: pg.Client): Promise<string[]> {
  const exists = await admin.query(`SELECT to_regclass('runs') AS t`);
  if (exists.rows[0].t === null) return [];
  return (await admin.query('SELECT migration FROM runs ORDER BY migration')).rows.map((r) => r.migration as string);
}

async function tableExists(admin: pg.Client, name: string): Promise<boolean> {
  return (await admin.query(`SELECT to_regclass($1) AS t`, [name])).rows[0].t !== null;
}

/** The ledger says what the schema shows: applied migrations complete, the others absent or resumable. */
async function expectLedgerMatchesSchema(admin: pg.Client, applied: Set<string>): Promise<void> {
  const done = await runs(admin);
  expect(await tableExists(admin, 'items')).toBe(applied.has('001_tables.sql'));
  expect(await tableExists(admin, 't002')).toBe(applied.has('002_tx.sql'));
  expect(done.filter((r) => r === '002')).toEqual(applied.has('002_tx.sql') ? ['002'] : []);
  expect(done.filter((r) => r === '004')).toEqual(applied.has('004_tx.sql') ? ['004'] : []);
  if (applied.has('001_tables.sql')) {
    expect((await columnsOf(admin, 'items')).includes('w')).toBe(applied.has('004_tx.sql'));
  }
  // The no-transaction migration: recorded statements happened exactly once.
  expect(done.filter((r) => r === '003a').length).toBeLessThanOrEqual(1);
  if (applied.has('003_no_tx.sql')) {
    expect(done.filter((r) => r.startsWith('003'))).toEqual(['003a', '003b']);
    const index = await admin.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('items_slow_idx')`);
    expect(index.rows).toEqual([{ indisvalid: true }]);
  } else {
    expect(done.includes('003b')).toBe(false);
  }
}

describe('an apply killed with SIGKILL', () => {
  for (const point of POINTS) {
    it(`${point.name}: the ledger matches the schema, and the next apply finishes the job`, async () => {
      const clients = new Clients(await freshDatabase('kill'));
      opened.push(clients);
      const admin = await clients.client('test-admin');
      const config = testConfig(apply);

      const { killed, lines } = await runAndKill(clients.url, point);
      expect(killed, JSON.stringify(lines)).toBe(true);
      await waitForOrphans(admin);

      const ledgerExists = (await admin.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'bgmigrate'`)).rows.length === 1;
      const appliedAfterKill = new Set(ledgerExists ? (await ledger.appliedMigrations(admin, config.ledger)).map((r) => r.id) : []);
      await expectLedgerMatchesSchema(admin, appliedAfterKill);

      const result = await applyMigrations({ database: clients.url, config, files: dir.files(), phase: 'expand' });
      expect(result.rebuiltIndexes).toEqual(point.rebuilt ?? []);
      expect(result.applied.map((a) => a.id)).toEqual(Object.keys(MIGRATIONS).filter((id) => !appliedAfterKill.has(id)));
      const all = new Set((await ledger.appliedMigrations(admin, config.ledger)).map((r) => r.id));
      expect([...all].sort()).toEqual(Object.keys(MIGRATIONS));
      await expectLedgerMatchesSchema(admin, all);
      expect(await runs(admin)).toEqual(['002', '003a', '003b', '004']);
      const invalid = await admin.query(`SELECT indexrelid::regclass::text AS name FROM pg_index WHERE NOT indisvalid`);
      expect(invalid.rows).toEqual([]);
    });
  }
});
