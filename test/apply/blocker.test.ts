import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { blockersOf, describeBlocker, lockHoldersOn } from '../../src/apply/blocker.js';
import { Clients, freshDatabase } from './helpers.js';

let clients: Clients;
let holder: pg.Client;
let waiter: pg.Client;
let observer: pg.Client;
let holderPid: number;
let waiterPid: number;

const pidOf = async (c: pg.Client) => (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;

beforeAll(async () => {
  clients = new Clients(await freshDatabase('blocker'));
  holder = await clients.client('the-holder');
  waiter = await clients.client();
  observer = await clients.client();
  holderPid = await pidOf(holder);
  waiterPid = await pidOf(waiter);
  await holder.query('CREATE TABLE orders (id int)');
});
afterAll(async () => {
  await clients.closeAll();
});

async function waitUntilWaiting(pid: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await observer.query(`SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1`, [pid]);
    if (rows[0]?.wait_event_type === 'Lock') return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the waiter never waited');
}

describe('blockers', () => {
  it('names the session in the way, its last query and its state', async () => {
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE orders IN SHARE MODE');
    const blocked = waiter.query('ALTER TABLE orders ADD COLUMN note text');
    await waitUntilWaiting(waiterPid);

    const found = await blockersOf(observer, waiterPid);
    expect(found.map((b) => [b.pid, b.query, b.state, b.applicationName])).toEqual([
      [holderPid, 'LOCK TABLE orders IN SHARE MODE', 'idle in transaction', 'the-holder'],
    ]);
    expect(found[0].ageMs).toBeGreaterThanOrEqual(0);
    expect(describeBlocker({ ...found[0], ageMs: 12_345 })).toBe(
      `pid ${holderPid} (idle in transaction for 12.3s, last query "LOCK TABLE orders IN SHARE MODE")`,
    );

    // Sessions holding locks on a table, for after the wait has ended.
    const holders = await lockHoldersOn(observer, ['public.orders'], [waiterPid]);
    expect(holders.map((b) => b.pid)).toEqual([holderPid]);

    await holder.query('COMMIT');
    await blocked;
    expect(await blockersOf(observer, waiterPid)).toEqual([]);
    expect(await lockHoldersOn(observer, ['public.orders', 'public.missing'], [])).toEqual([]);
  });
});
