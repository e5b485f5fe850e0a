import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockTimeoutExhausted } from '../../src/apply/errors.js';
import { retryDelays, withLockRetries, type RetryEvent } from '../../src/apply/retry.js';
import { Clients, freshDatabase } from './helpers.js';
import type pg from 'pg';

let clients: Clients;
let holder: pg.Client;
let worker: pg.Client;

const noSleep = async () => undefined;

beforeAll(async () => {
  clients = new Clients(await freshDatabase('retry'));
  holder = await clients.client();
  worker = await clients.client();
  await holder.query('CREATE TABLE t (id int)');
});
afterAll(async () => {
  await clients.closeAll();
});

/** One attempt: the ALTER in a transaction with a 50 ms lock timeout, rolled back on failure. */
async function addColumn(name: string): Promise<void> {
  await worker.query('BEGIN');
  try {
    await worker.query('SET LOCAL lock_timeout = 50');
    await worker.query(`ALTER TABLE t ADD COLUMN ${name} int`);
    await worker.query('COMMIT');
  } catch (error) {
    await worker.query('ROLLBACK');
    throw error;
  }
}

describe('retryDelays', () => {
  it('doubles from retryDelay up to retryMaxDelay', () => {
    expect(retryDelays({ maxRetries: 6, retryDelayMs: 100, retryMaxDelayMs: 1000 })).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(retryDelays({ maxRetries: 0, retryDelayMs: 100, retryMaxDelayMs: 1000 })).toEqual([]);
  });
});

describe('withLockRetries', () => {
  it('retries a transaction that hit lock_timeout and succeeds once the lock is free', async () => {
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE t IN ACCESS SHARE MODE');
    const events: RetryEvent[] = [];
    const slept: number[] = [];
    let attempts = 0;
    await withLockRetries(
      async () => {
        attempts++;
        await addColumn('a');
      },
      { maxRetries: 5, retryDelayMs: 10, retryMaxDelayMs: 15 },
      {
        onRetry: (event) => events.push(event),
        sleep: async (ms) => {
          slept.push(ms);
          if (slept.length === 2) await holder.query('COMMIT');
        },
      },
    );
    expect(attempts).toBe(3);
    expect(slept).toEqual([10, 15]);
    expect(events.map((e) => [e.retry, e.maxRetries, e.code])).toEqual([
      [1, 5, '55P03'],
      [2, 5, '55P03'],
    ]);
    const columns = await worker.query(`SELECT attname FROM pg_attribute WHERE attrelid = 't'::regclass AND attnum > 0 ORDER BY attnum`);
    expect(columns.rows.map((r) => r.attname)).toEqual(['id', 'a']);
  });

  it('gives up after the last retry with nothing applied', async () => {
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE t IN ACCESS SHARE MODE');
    let attempts = 0;
    const error = await withLockRetries(
      async () => {
        attempts++;
        await addColumn('b');
      },
      { maxRetries: 2, retryDelayMs: 1, retryMaxDelayMs: 1 },
      { sleep: noSleep },
    ).catch((e: unknown) => e);
    await holder.query('COMMIT');
    expect(error).toBeInstanceOf(LockTimeoutExhausted);
    expect((error as LockTimeoutExhausted).attempts).toBe(3);
    expect(((error as LockTimeoutExhausted).lastError as Error & { code: string }).code).toBe('55P03');
    expect(attempts).toBe(3);
    const b = await worker.query(`SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'b'`);
    expect(b.rows[0].n).toBe(0);
  });

  it('retries a deadlock victim too', async () => {
    let attempts = 0;
    await withLockRetries(
      async () => {
        attempts++;
        if (attempts === 1) await worker.query(`DO $$ BEGIN RAISE EXCEPTION 'victim' USING ERRCODE = '40P01'; END $$`);
      },
      { maxRetries: 1, retryDelayMs: 1, retryMaxDelayMs: 1 },
      { sleep: noSleep },
    );
    expect(attempts).toBe(2);
  });

  it('does not retry other errors', async () => {
    let attempts = 0;
    const error = await withLockRetries(
      async () => {
        attempts++;
        await worker.query('SELECT * FROM no_such_table');
      },
      { maxRetries: 5, retryDelayMs: 1, retryMaxDelayMs: 1 },
      { sleep: noSleep },
    ).catch((e: unknown) => e);
    expect((error as { code: string }).code).toBe('42P01');
    expect(attempts).toBe(1);
  });
});
