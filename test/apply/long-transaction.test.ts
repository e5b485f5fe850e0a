/**
 * A long transaction holds the table: apply retries, then fails cleanly, naming the blocker;
 * meanwhile the other sessions' queries on that table never wait much longer than the lock
 * timeout. A behaviour test with a generous bound, not a performance measurement (that is
 * scripts/bench-stall.js).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { ApplyRefusal, LockTimeoutExhausted, applyMigrations, type ApplyEvent } from '../../src/apply/index.js';
import * as ledger from '../../src/ledger/index.js';
import { Clients, columnsOf, freshDatabase, migrationsDir, testConfig } from './helpers.js';

const LOCK_TIMEOUT_MS = 300;
const SLACK_MS = 700;

let clients: Clients;
let admin: pg.Client;

beforeAll(async () => {
  clients = new Clients(await freshDatabase('long_tx'));
  admin = await clients.client('test-admin');
  await admin.query('CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL DEFAULT 0)');
  await admin.query('INSERT INTO accounts (id) SELECT generate_series(1, 1000)');
});
afterAll(async () => {
  await clients.closeAll();
});

/** Short reads and writes on `accounts` until `stop.done` (bounded); returns each query's latency. */
async function traffic(workers: pg.Client[], stop: { done: boolean }): Promise<number[]> {
  const latencies: number[] = [];
  await Promise.all(
    workers.map(async (c, w) => {
      for (let i = 0; i < 1_000_000 && !stop.done; i++) {
        const started = performance.now();
        if (i % 3 === 0) await c.query('UPDATE accounts SET balance = balance + 1 WHERE id = $1', [1 + ((i + w) % 1000)]);
        else await c.query('SELECT balance FROM accounts WHERE id = $1', [1 + ((i * 7 + w) % 1000)]);
        latencies.push(performance.now() - started);
      }
    }),
  );
  return latencies;
}

describe('a long transaction holding the table', () => {
  it('makes apply retry and then fail cleanly, naming the blocker, without stalling traffic past the lock timeout', async () => {
    const config = testConfig({ lockTimeout: `${LOCK_TIMEOUT_MS}ms`, maxRetries: 3, retryDelay: '100ms', retryMaxDelay: '200ms' });
    const dir = migrationsDir({ '001_note.sql': 'ALTER TABLE accounts ADD COLUMN note text;\n' });
    const workers = [await clients.client('w1'), await clients.client('w2'), await clients.client('w3')];
    const blocker = await clients.client('report-job');
    const blockerPid = (await blocker.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;

    const stop = { done: false };
    const running = traffic(workers, stop);
    await blocker.query('BEGIN');
    await blocker.query('SELECT sum(balance) FROM accounts');
    const retries: Extract<ApplyEvent, { type: 'retry' }>[] = [];
    const error = await applyMigrations({
      database: clients.url,
      config,
      files: dir.files(),
      phase: 'expand',
      onProgress: (e) => {
        if (e.type === 'retry') retries.push(e);
      },
    }).catch((e: unknown) => e);
    stop.done = true;
    const latencies = await running;
    await blocker.query('COMMIT');

    expect(error).toBeInstanceOf(ApplyRefusal);
    expect((error as ApplyRefusal).exitCode).toBe(1);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^001_note\\.sql:1:1: gave up after 4 attempts, each waiting 300ms for a lock \\(canceling statement due to lock timeout\\); ` +
          `blocked by pid ${blockerPid} \\(idle in transaction for \\d+\\.\\ds, last query "SELECT sum\\(balance\\) FROM accounts"\\); ` +
          `the migration was rolled back: nothing of it is applied$`,
      ),
    );
    expect(retries.map((r) => [r.retry, r.maxRetries, r.delayMs, r.code])).toEqual([
      [1, 3, 100, '55P03'],
      [2, 3, 200, '55P03'],
      [3, 3, 200, '55P03'],
    ]);
    expect(retries.every((r) => r.blockers.map((b) => b.pid).join() === String(blockerPid))).toBe(true);

    // Nothing half-applied, nothing recorded.
    expect(await columnsOf(admin, 'accounts')).toEqual(['id', 'balance']);
    expect(await ledger.appliedMigrations(admin, config.ledger)).toEqual([]);

    // Traffic kept flowing: no query waited much longer than one lock timeout.
    expect(latencies.length).toBeGreaterThan(100);
    expect(Math.max(...latencies)).toBeLessThan(LOCK_TIMEOUT_MS + SLACK_MS);
  });
});

describe('typed by cause', () => {
  it('running out of lock retries is a LockTimeoutExhausted (an ApplyRefusal, exit 1)', async () => {
    const config = testConfig({ lockTimeout: '100ms', maxRetries: 0 });
    const dir = migrationsDir({ '001_note2.sql': 'ALTER TABLE accounts ADD COLUMN note2 text;\n' });
    const blocker = await clients.client('typed-blocker');
    await blocker.query('BEGIN');
    await blocker.query('SELECT count(*) FROM accounts');
    const error = await applyMigrations({ database: clients.url, config, files: dir.files(), phase: 'expand' }).catch((e: unknown) => e);
    await blocker.query('COMMIT');
    expect(error).toBeInstanceOf(LockTimeoutExhausted);
    expect(error).toBeInstanceOf(ApplyRefusal);
    expect((error as LockTimeoutExhausted).exitCode).toBe(1);
  });
});
