import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireApplierLock, applierLockKey, findLockHolder, LOCK_NAMESPACE } from '../../src/apply/applier-lock.js';
import { UsageError } from '../../src/errors.js';
import { Clients, freshDatabase } from './helpers.js';

let clients: Clients;

beforeAll(async () => {
  clients = new Clients(await freshDatabase('lock'));
});
afterAll(async () => {
  await clients.closeAll();
});

describe('applierLockKey', () => {
  it('is stable, namespaced, and differs between ledger schemas', () => {
    const [ns, a] = applierLockKey('bgmigrate');
    expect(ns).toBe(LOCK_NAMESPACE);
    expect(applierLockKey('bgmigrate')).toEqual([ns, a]);
    expect(applierLockKey('other_ledger')[1]).not.toBe(a);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThanOrEqual(0x7fffffff);
  });
});

describe('acquireApplierLock', () => {
  it('lets one applier in and turns a second away with exit 2, naming the holder', async () => {
    const first = await clients.client();
    const firstPid = (await first.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
    const lock = await acquireApplierLock(first, { schema: 'bgmigrate', waitMs: 1000 });
    const second = await clients.client();
    const waits: (number | undefined)[] = [];
    const error = await acquireApplierLock(second, {
      schema: 'bgmigrate',
      waitMs: 150,
      pollMs: 50,
      onWait: (holder) => waits.push(holder?.pid),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(
      new RegExp(`^another bgmigrate apply holds the ledger lock \\(pid ${firstPid}, since \\d{4}-\\d\\d-\\d\\dT[^)]*\\); waited 150ms, try again when it has finished$`),
    );
    expect(waits).toEqual([firstPid]);
    // The refused applier's connection is closed, the holder keeps the lock.
    expect((await findLockHolder(await clients.client(), 'bgmigrate'))?.pid).toBe(firstPid);
    await lock.release();
    expect(await findLockHolder(await clients.client(), 'bgmigrate')).toBeNull();
  });

  it('waits while the holder works and gets the lock when it releases', async () => {
    const lock = await acquireApplierLock(await clients.client(), { schema: 'bgmigrate', waitMs: 1000 });
    let polls = 0;
    const next = await acquireApplierLock(await clients.client(), {
      schema: 'bgmigrate',
      waitMs: 60_000,
      pollMs: 10,
      // Release during the second wait: the third attempt must succeed.
      sleep: async () => {
        polls++;
        if (polls === 2) await lock.release();
      },
    });
    expect(polls).toBe(2);
    const holder = await findLockHolder(next.client, 'bgmigrate');
    expect(holder?.pid).toBe((await next.client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
    await next.release();
  });

  it('is free again when the holding session dies', async () => {
    const holder = await clients.client();
    const pid = (await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
    await acquireApplierLock(holder, { schema: 'bgmigrate', waitMs: 0 });
    const admin = await clients.client();
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    const lock = await acquireApplierLock(await clients.client(), { schema: 'bgmigrate', waitMs: 5000, pollMs: 20 });
    await lock.release();
  });

  it('does not contend across ledger schemas', async () => {
    const a = await acquireApplierLock(await clients.client(), { schema: 'bgmigrate', waitMs: 0 });
    const b = await acquireApplierLock(await clients.client(), { schema: 'ledger_two', waitMs: 0 });
    await a.release();
    await b.release();
  });
});
