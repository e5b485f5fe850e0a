#!/usr/bin/env node
/**
 * Traffic-stall benchmark: how long does live traffic wait while a migration queues behind a
 * long transaction?
 *
 * On one embedded PostgreSQL (loopback only): a workload of short reads and writes on
 * `accounts` runs on a few connections; a long transaction holds a lock on `accounts` for
 * BLOCKER_MS; meanwhile `ALTER TABLE accounts ADD COLUMN …` is applied
 *   (a) by bgmigrate's runner (lock timeout LOCK_TIMEOUT_MS, retries with backoff), then
 *   (b) by a plain pg client with no lock timeout.
 * The workload's worst latency in each case is printed; the last line is JSON.
 * Target: (a) ≤ lock timeout + 100 ms; (b) ≈ the blocker's duration.
 *
 * Usage: npm run build && node scripts/bench-stall.js [--pg 16|18] [--lock-timeout-ms 500] [--blocker-ms 5000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { applyMigrations } from '../dist/apply/index.js';
import { validateConfig } from '../dist/config/config.js';
import { makeServerTempDir, startPostgresServer } from '../dist/db/embedded.js';
import { discoverMigrations } from '../dist/migrations/discover.js';

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const MAJOR = arg('--pg', 18);
const LOCK_TIMEOUT_MS = arg('--lock-timeout-ms', 500);
const BLOCKER_MS = arg('--blocker-ms', 5000);
const WORKERS = 4;
const ROWS = 10_000;
/** Hard cap on workload queries per worker and phase, so no loop is unbounded. */
const MAX_QUERIES = 2_000_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function client(url, name) {
  const c = new pg.Client({ connectionString: url, application_name: name });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

/** Short reads and writes in a loop on every worker until `stop.done`; returns latencies (ms). */
async function workload(workers, stop) {
  const latencies = [];
  await Promise.all(
    workers.map(async (c, w) => {
      for (let i = 0; i < MAX_QUERIES && !stop.done; i++) {
        const id = 1 + ((i * 7919 + w * 104_729) % ROWS);
        const started = performance.now();
        if (i % 4 === 0) await c.query('UPDATE accounts SET balance = balance + 1 WHERE id = $1', [id]);
        else await c.query('SELECT balance FROM accounts WHERE id = $1', [id]);
        latencies.push(performance.now() - started);
      }
    }),
  );
  return latencies;
}

function summary(latencies) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return {
    queries: sorted.length,
    worstMs: Math.round(sorted[sorted.length - 1] ?? 0),
    p99Ms: Number(at(0.99).toFixed(2)),
    p50Ms: Number(at(0.5).toFixed(2)),
  };
}

/**
 * Runs the workload, opens the long transaction (an open read of the table: its ACCESS SHARE
 * lock blocks any ALTER, and an ALTER waiting for it blocks everyone behind it), runs
 * `migrate` while it is open, and ends it after BLOCKER_MS.
 */
async function scenario(url, workers, migrate) {
  const blocker = await client(url, 'bench-blocker');
  const stop = { done: false };
  const traffic = workload(workers, stop);
  await sleep(300);
  await blocker.query('BEGIN');
  await blocker.query('SELECT count(*) FROM accounts');
  const blockerEnds = sleep(BLOCKER_MS).then(() => blocker.query('COMMIT'));
  const started = performance.now();
  const outcome = await migrate();
  const migrateMs = Math.round(performance.now() - started);
  await blockerEnds;
  await sleep(300);
  stop.done = true;
  const latencies = await traffic;
  await blocker.end();
  return { ...summary(latencies), migrateMs, ...outcome };
}

async function main() {
  const dir = makeServerTempDir('bgmigrate-bench-stall-');
  const migrations = fs.mkdtempSync(path.join(os.tmpdir(), 'bgmigrate-bench-stall-migrations-'));
  let server;
  const open = [];
  try {
    server = await startPostgresServer({ dataDir: path.join(dir, 'data'), major: MAJOR, fast: true });
    const url = server.url;
    const setup = await client(url, 'bench-setup');
    open.push(setup);
    await setup.query(`CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL DEFAULT 0)`);
    await setup.query(`INSERT INTO accounts (id) SELECT g FROM generate_series(1, ${ROWS}) g`);
    const workers = [];
    for (let i = 0; i < WORKERS; i++) workers.push(await client(url, `bench-worker-${i}`));
    open.push(...workers);

    fs.writeFileSync(path.join(migrations, '001_accounts_note.sql'), 'ALTER TABLE accounts ADD COLUMN note text;\n');
    const config = validateConfig(
      { apply: { lockTimeout: `${LOCK_TIMEOUT_MS}ms`, maxRetries: 30, retryDelay: '200ms', retryMaxDelay: '1s' } },
      { root: migrations, knownRules: [] },
    );
    const files = discoverMigrations({ dir: migrations, layout: 'plain' });

    const bgmigrate = await scenario(url, workers, async () => {
      const result = await applyMigrations({ database: url, config, files, phase: 'expand', release: 'bench' });
      return { retries: result.applied[0]?.retries ?? 0 };
    });
    const plain = await scenario(url, workers, async () => {
      const c = await client(url, 'bench-plain-alter');
      try {
        await c.query('ALTER TABLE accounts ADD COLUMN note_plain text');
      } finally {
        await c.end();
      }
      return {};
    });

    const result = {
      bench: 'traffic-stall',
      pgMajor: server.major,
      workers: WORKERS,
      lockTimeoutMs: LOCK_TIMEOUT_MS,
      blockerMs: BLOCKER_MS,
      bgmigrate,
      plain,
      target: {
        bgmigrateWorstMaxMs: LOCK_TIMEOUT_MS + 100,
        met: bgmigrate.worstMs <= LOCK_TIMEOUT_MS + 100,
      },
    };
    console.log(
      `bgmigrate runner: worst ${bgmigrate.worstMs} ms (p99 ${bgmigrate.p99Ms} ms, ${bgmigrate.queries} queries, ` +
        `ALTER applied after ${bgmigrate.migrateMs} ms with ${bgmigrate.retries} retries; lock timeout ${LOCK_TIMEOUT_MS} ms)`,
    );
    console.log(
      `plain client:     worst ${plain.worstMs} ms (p99 ${plain.p99Ms} ms, ${plain.queries} queries, ` +
        `ALTER applied after ${plain.migrateMs} ms; blocker held ${BLOCKER_MS} ms)`,
    );
    console.log(JSON.stringify(result));
    if (!result.target.met) process.exitCode = 1;
  } finally {
    for (const c of open) await c.end().catch(() => undefined);
    if (server) await server.stop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(migrations, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`bench-stall: ${error.message}`);
  process.exitCode = 2;
});
