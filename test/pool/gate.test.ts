/** The gate `apply --phase expand` runs first, and the record `status` reads back. */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RefusalError, UsageError } from '../../src/errors.js';
import { describePoolCheck, PoolBudgetRefusal, poolGate, readLastPoolCheck, recordPoolCheck } from '../../src/pool/check.js';
import { validatePoolConfig, type PoolConfig } from '../../src/pool/config.js';
import { startPoolServer, type PoolTestServer } from './server.js';

const parse = (raw: unknown): PoolConfig =>
  validatePoolConfig(raw, (message) => {
    throw new UsageError(`pool${message}`);
  });

// Private server, max_connections 30: 27 usable, 24 allowed with 10% headroom.
const fitting = parse({ colors: { blue: { instances: 2, poolSize: 5 }, green: { instances: 2, poolSize: 5 } }, role: 'app' });
const overBudget = parse({ colors: { blue: { instances: 2, poolSize: 10 }, green: { instances: 2, poolSize: 10 } }, role: 'app' });

describe('the expand gate', () => {
  let server: PoolTestServer;
  let client: pg.Client;
  let database = 0;
  /** A fresh database per test so that each starts with no ledger. */
  const fresh = async (): Promise<pg.Client> => {
    database += 1;
    await server.settle(0, client); // only the admin session: the last test's have exited
    await client.query(`CREATE DATABASE gate${database}`);
    return server.client({ database: `gate${database}` });
  };

  beforeAll(async () => {
    server = await startPoolServer({ max_connections: 30 }, 18);
    client = await server.client();
    await client.query("CREATE ROLE app LOGIN PASSWORD 'app'");
  });
  afterAll(async () => {
    await client?.end();
    await server?.stop();
  });

  test('a fitting budget passes, is recorded, and status can read it back', async () => {
    const db = await fresh();
    try {
      expect(await readLastPoolCheck(db, 'bgmigrate')).toBeUndefined();
      const result = await poolGate(db, { pool: fitting, ledger: { schema: 'bgmigrate' } }, { release: 'v43' });
      expect(result.outcome).toBe('fits');
      // 20 + 2 (runner) + 1 (the admin session in another database) of floor(27 × 0.9) = 24.
      expect(result.message).toBe(
        'pool budget fits: 23 of 24 allowed connections under max_connections 30 − superuser_reserved_connections 3 − reserved_connections 0 minus 10% headroom, 1 to spare',
      );
      const last = await readLastPoolCheck(db, 'bgmigrate');
      expect(last).toMatchObject({ outcome: 'fits', release: 'v43', checkedBy: 'postgres' });
      expect(last!.checkedAt).toBeInstanceOf(Date);
      expect(last!.budget).toMatchObject({ version: 1, ok: true, binding: 'server' });
      expect(last!.budget!.checks[0]).toMatchObject({ capacity: 27, allowed: 24, demand: 23 });
      expect(describePoolCheck(last)).toBe(
        `pool budget at ${last!.checkedAt.toISOString().slice(0, 16)}Z for release v43: ${result.message}`,
      );
    } finally {
      await db.end();
    }
  });

  test('an over-budget config is refused with exit 1, and the refusal is recorded', async () => {
    const db = await fresh();
    try {
      const error = await poolGate(db, { pool: overBudget, ledger: { schema: 'bgmigrate' } }, { release: 'v44' }).catch((e) => e);
      expect(error).toBeInstanceOf(PoolBudgetRefusal);
      expect(error).toBeInstanceOf(RefusalError);
      expect(error.exitCode).toBe(1);
      // 4 × p + 3 ≤ 24 ⇒ p = 5; 2n × 10 + 3 ≤ 24 ⇒ n = 1.
      expect(error.message).toBe(
        'pool budget exceeded: 43 connections needed but max_connections 30 − superuser_reserved_connections 3 − reserved_connections 0 minus 10% headroom allows 24; ' +
          'the largest pool size per instance that fits is 5; at the configured pool size at most 1 instance per color fits',
      );
      expect(error.budget.suggestion).toMatchObject({ poolSize: 5, instances: 1 });
      expect(await readLastPoolCheck(db, 'bgmigrate')).toMatchObject({ outcome: 'over-budget', release: 'v44', budget: { ok: false } });
    } finally {
      await db.end();
    }
  });

  test('--skip-pool-check records a skipped check and computes nothing', async () => {
    const db = await fresh();
    try {
      const result = await poolGate(db, { pool: overBudget, ledger: { schema: 'bgmigrate' } }, { skip: true, release: 'v45' });
      expect(result).toEqual({ outcome: 'skipped', message: 'pool budget not checked: --skip-pool-check' });
      const last = await readLastPoolCheck(db, 'bgmigrate');
      expect(last).toMatchObject({ outcome: 'skipped', release: 'v45', budget: null });
      expect(describePoolCheck(last)).toBe(`pool budget: skipped at ${last!.checkedAt.toISOString().slice(0, 16)}Z for release v45 (--skip-pool-check)`);
    } finally {
      await db.end();
    }
  });

  test('no pool section: nothing to check, nothing recorded', async () => {
    const db = await fresh();
    try {
      expect(await poolGate(db, { ledger: { schema: 'bgmigrate' } })).toEqual({
        outcome: 'not-configured',
        message: 'pool budget not checked: no config file (looked for bgmigrate.config.json, .bgmigraterc.json and package.json "bgmigrate"), so no "pool" section (add one to check that both colors\' pools fit the server\'s max_connections)',
      });
      expect(await readLastPoolCheck(db, 'bgmigrate')).toBeUndefined();
      expect(describePoolCheck(undefined)).toBe('pool budget: never checked (apply --phase expand checks it)');
    } finally {
      await db.end();
    }
  });

  test('the history is append-only; the last check wins', async () => {
    const db = await fresh();
    try {
      await recordPoolCheck(db, 'ledger_x', { outcome: 'skipped', release: 'a' });
      await poolGate(db, { pool: fitting, ledger: { schema: 'ledger_x' } }, { release: 'b' });
      await recordPoolCheck(db, 'ledger_x', { outcome: 'skipped', release: 'c' });
      expect((await readLastPoolCheck(db, 'ledger_x'))?.release).toBe('c');
      const rows = await db.query('SELECT release, outcome FROM ledger_x.pool_checks ORDER BY id');
      expect(rows.rows).toEqual([
        { release: 'a', outcome: 'skipped' },
        { release: 'b', outcome: 'fits' },
        { release: 'c', outcome: 'skipped' },
      ]);
    } finally {
      await db.end();
    }
  });

  test('an unknown role stops the gate with exit 2 before anything is recorded', async () => {
    const db = await fresh();
    try {
      const error = await poolGate(db, { pool: { ...fitting, role: 'nobody' }, ledger: { schema: 'bgmigrate' } }).catch((e) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect(error.message).toBe('no config file (looked for bgmigrate.config.json, .bgmigraterc.json and package.json "bgmigrate"): pool.role: role "nobody" does not exist on the server (check the role name)');
      expect(await readLastPoolCheck(db, 'bgmigrate')).toBeUndefined();
    } finally {
      await db.end();
    }
  });
});
