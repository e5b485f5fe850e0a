/** `apply --phase expand` checks the pool budget first and applies nothing when it fails. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyMigrations, migrationStatus } from '../../src/apply/index.js';
import { validateConfig, type Config } from '../../src/config/config.js';
import { discoverMigrations } from '../../src/migrations/discover.js';
import type { MigrationFile } from '../../src/model.js';
import { PoolBudgetRefusal, readLastPoolCheck } from '../../src/pool/check.js';
import { startPoolServer, type PoolTestServer } from './server.js';

const fast = { lockTimeout: '200ms', maxRetries: 1, retryDelay: '10ms', retryMaxDelay: '20ms', lockWait: '5s' };

/** max_connections 30: 27 usable, 24 allowed with the default 10% headroom. */
function config(poolSize: number): Config {
  return validateConfig(
    { apply: fast, pool: { colors: { blue: { instances: 2, poolSize }, green: { instances: 2, poolSize } }, role: 'app' } },
    { root: process.cwd(), knownRules: [] },
  );
}

function migrations(): MigrationFile[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bgmigrate-pool-gate-'));
  fs.writeFileSync(path.join(dir, '001_accounts.sql'), 'CREATE TABLE accounts (id bigint PRIMARY KEY, name text);\n');
  return discoverMigrations({ dir, layout: 'plain', cwd: dir });
}

describe('apply --phase expand and the pool budget', () => {
  let server: PoolTestServer;
  let admin: pg.Client;
  let n = 0;

  /** A fresh database, and the admin session as the only other client. */
  const fresh = async (): Promise<{ url: string; db: pg.Client }> => {
    n += 1;
    await server.settle(0, admin);
    await admin.query(`CREATE DATABASE expand${n}`);
    return { url: server.url(`expand${n}`), db: await server.client({ database: `expand${n}` }) };
  };
  const tableExists = async (db: pg.Client) => (await db.query("SELECT to_regclass('accounts') AS t")).rows[0].t !== null;

  beforeAll(async () => {
    server = await startPoolServer({ max_connections: 30 }, 18);
    admin = await server.client({ applicationName: 'admin' });
    await admin.query("CREATE ROLE app LOGIN PASSWORD 'app'");
  });
  afterAll(async () => {
    await admin?.end();
    await server?.stop();
  });

  test('over budget: refuses with exit 1 and applies nothing', async () => {
    const { url, db } = await fresh();
    try {
      const error = await applyMigrations({ database: url, config: config(10), files: migrations(), phase: 'expand', release: 'v2' }).catch((e) => e);
      expect(error).toBeInstanceOf(PoolBudgetRefusal);
      expect(error.exitCode).toBe(1);
      // 40 (colors) + 2 (runner) + 2 (the admin session and this test's own) against 24.
      expect(error.message).toMatch(/^pool budget exceeded: 44 connections needed but max_connections 30 − superuser_reserved_connections 3 − reserved_connections 0 minus 10% headroom allows 24; the largest pool size per instance that fits is 5;/);
      // The runner's two sessions were its own, not other clients.
      expect(error.budget.supply.ownSessions).toBe(2);
      expect(error.budget.supply.unlisted.map((u: { applicationName: string }) => u.applicationName)).toEqual(['admin', 'bgmigrate-test']);
      expect(await tableExists(db)).toBe(false);
      const applied = await db.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'accounts'");
      expect(applied.rows[0].n).toBe(0);
      expect(await readLastPoolCheck(db, 'bgmigrate')).toMatchObject({ outcome: 'over-budget', release: 'v2' });
      // status shows the last budget.
      const status = await migrationStatus({ database: url, config: config(10), files: migrations() });
      expect(status.lastPoolCheck).toMatchObject({ outcome: 'over-budget', release: 'v2' });
      expect(status.lastPoolCheck?.budget?.ok).toBe(false);
    } finally {
      await db.end();
    }
  });

  test('--skip-pool-check applies anyway and records the skip', async () => {
    const { url, db } = await fresh();
    try {
      const result = await applyMigrations({ database: url, config: config(10), files: migrations(), phase: 'expand', release: 'v2', skipPoolCheck: true });
      expect(result.poolCheck).toEqual({ outcome: 'skipped', message: 'pool budget not checked: --skip-pool-check' });
      expect(result.applied.map((a) => a.id)).toEqual(['001_accounts.sql']);
      expect(await tableExists(db)).toBe(true);
      expect(await readLastPoolCheck(db, 'bgmigrate')).toMatchObject({ outcome: 'skipped', release: 'v2', budget: null });
    } finally {
      await db.end();
    }
  });

  test('a fitting budget lets the expand phase run and is recorded', async () => {
    const { url, db } = await fresh();
    try {
      const result = await applyMigrations({ database: url, config: config(5), files: migrations(), phase: 'expand', release: 'v3' });
      expect(result.poolCheck?.outcome).toBe('fits');
      expect(result.poolCheck?.message).toMatch(/^pool budget fits: 24 of 24 allowed connections/);
      expect(result.applied.map((a) => a.id)).toEqual(['001_accounts.sql']);
      expect(await tableExists(db)).toBe(true);
      expect(await readLastPoolCheck(db, 'bgmigrate')).toMatchObject({ outcome: 'fits', release: 'v3', budget: { ok: true } });
    } finally {
      await db.end();
    }
  });
});
