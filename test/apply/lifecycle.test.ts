/**
 * migrations-example through its whole life, as the deploy pipeline drives it: the repository
 * grows release by release (v1: 001–003, v2: 004–006, v3: 007–008), each release is applied
 * with `apply --phase expand --release R` and then shipped; the contract migration 008 waits
 * until no release older than v3 can receive traffic.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { ApplyRefusal, applyMigrations, migrationStatus } from '../../src/apply/index.js';
import { appliedMigrations, listDeprecations, retireRelease, shipRelease } from '../../src/ledger/index.js';
import { discoverMigrations } from '../../src/migrations/discover.js';
import { Clients, columnsOf, freshDatabase, testConfig } from './helpers.js';

const EXAMPLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations-example');
const RELEASES: Record<string, string[]> = {
  v1: ['001_create_users.sql', '002_create_products.sql', '003_create_orders.sql'],
  v2: ['004_users_full_name_expand.sql', '005_users_full_name_index.sql', '006_users_full_name_backfill.sql'],
  v3: ['007_users_name_deprecate.sql', '008_users_drop_name.sql'],
};

let clients: Clients;
let admin: pg.Client;
let workspace: string;
const config = testConfig({ lockTimeout: '1s', maxRetries: 2, retryDelay: '10ms', retryMaxDelay: '20ms' });
const ledger = { schema: 'bgmigrate' };

beforeAll(async () => {
  clients = new Clients(await freshDatabase('lifecycle'));
  admin = await clients.client('test-admin');
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'bgmigrate-lifecycle-'));
});
afterAll(async () => {
  await clients.closeAll();
  fs.rmSync(workspace, { recursive: true, force: true });
});

/** The repository as of `release`: its migrations join the directory. */
function addRelease(release: string): void {
  for (const name of RELEASES[release]) fs.copyFileSync(path.join(EXAMPLE, name), path.join(workspace, name));
}
const files = () => discoverMigrations({ dir: workspace, layout: 'plain', cwd: workspace });
const apply = (phase: 'expand' | 'contract', release: string, extra: { dryRun?: boolean; now?: () => Date; requireAll?: boolean } = {}) =>
  applyMigrations({ database: clients.url, config, files: files(), phase, release, ...extra });

describe('migrations-example, release by release', () => {
  it('v1 and v2: expand applied, shipped', async () => {
    addRelease('v1');
    expect((await apply('expand', 'v1')).applied.map((a) => a.id)).toEqual(RELEASES.v1);
    await shipRelease(admin, 'v1', ledger);
    await admin.query(`INSERT INTO users (email, name) SELECT 'u' || g || '@example.com', 'User ' || g FROM generate_series(1, 2500) g`);

    addRelease('v2');
    expect((await apply('expand', 'v2')).applied.map((a) => a.id)).toEqual(RELEASES.v2);
    await shipRelease(admin, 'v2', ledger);
    // The backfill filled every row; the concurrent index is valid.
    expect((await admin.query('SELECT count(*)::int AS n FROM users WHERE full_name IS DISTINCT FROM name')).rows[0].n).toBe(0);
    expect((await admin.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_full_name_idx'::regclass`)).rows).toEqual([
      { indisvalid: true },
    ]);
  });

  it('v3 expand: applies the deprecation and records it; the contract migration waits', async () => {
    addRelease('v3');
    const result = await apply('expand', 'v3');
    expect(result.applied.map((a) => a.id)).toEqual(['007_users_name_deprecate.sql']);
    expect(result.plan.filter((e) => e.action === 'skip').map((e) => [e.id, e.phase])).toEqual([['008_users_drop_name.sql', 'contract']]);
    expect((await listDeprecations(admin, ledger)).map((d) => [d.object, d.release, d.source, d.migrationId])).toEqual([
      ['public.users.name', 'v3', 'directive', '007_users_name_deprecate.sql'],
      ['public.users_sync_full_name', 'v3', 'directive', '007_users_name_deprecate.sql'],
    ]);
  });

  it('contract waits while v3 has not shipped, naming the missing fact (a normal outcome, not an error)', async () => {
    const result = await apply('contract', 'v3');
    expect(result.applied).toEqual([]);
    expect(result.plan.filter((e) => e.action === 'apply').map((e) => [e.id, e.verdict, e.reasons])).toEqual([
      [
        '008_users_drop_name.sql',
        'waiting',
        [
          '008_users_drop_name.sql:6:1: drop-routine: public.users_sync_full_name is deprecated at release v3, but v3 has not shipped yet ' +
            '(run "bgmigrate release ship v3" when it serves traffic)',
          '008_users_drop_name.sql:8:1: drop-column: public.users.name is deprecated at release v3, but v3 has not shipped yet ' +
            '(run "bgmigrate release ship v3" when it serves traffic)',
        ],
      ],
    ]);
    expect(await columnsOf(admin, 'users')).toContain('name');
  });

  it('contract is still refused while the older releases are standby rollback targets', async () => {
    await shipRelease(admin, 'v3', ledger);
    // requireAll (--require-all): waiting is a refusal, exit 1.
    const error = await apply('contract', 'v3', { requireAll: true }).catch((e) => e);
    expect(error).toBeInstanceOf(ApplyRefusal);
    expect((error as ApplyRefusal).reasons).toHaveLength(2);
    for (const reason of (error as ApplyRefusal).reasons) {
      expect(reason).toMatch(
        /^008_users_drop_name\.sql:\d:1: drop-(routine|column): release v2 still uses public\.(users_sync_full_name|users\.name) and is a rollback target until it is retired or until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
      );
    }
    const status = await migrationStatus({ database: clients.url, config, files: files() });
    expect(status.contractEffects.map((e) => [e.effect, e.object, e.allowed])).toEqual([
      ['drop-routine', 'public.users_sync_full_name', false],
      ['drop-column', 'public.users.name', false],
    ]);
  });

  it('contract would be allowed once the rollback window has passed (judged at a later now)', async () => {
    const later = new Date(Date.now() + config.ledger.rollbackWindowMs + 60_000);
    const result = await apply('contract', 'v3', { dryRun: true, now: () => later });
    expect(result.plan.filter((e) => e.action === 'apply').map((e) => [e.id, e.verdict])).toEqual([['008_users_drop_name.sql', 'ok']]);
    expect(result.applied).toEqual([]);
    expect(await columnsOf(admin, 'users')).toContain('name');
  });

  it('retiring v2 alone is not enough while v1 is a standby too; retiring both allows the contract, which applies', async () => {
    await retireRelease(admin, 'v2', ledger);
    const waiting = await apply('contract', 'v3');
    expect(waiting.applied).toEqual([]);
    expect(waiting.plan.find((e) => e.id === '008_users_drop_name.sql')!.reasons![0]).toMatch(/^008_users_drop_name\.sql:6:1: drop-routine: release v1 still uses public\.users_sync_full_name and is a rollback target/);
    await retireRelease(admin, 'v1', ledger);

    const result = await apply('contract', 'v3');
    expect(result.applied.map((a) => a.id)).toEqual(['008_users_drop_name.sql']);
    expect(await columnsOf(admin, 'users')).toEqual(['id', 'email', 'created_at', 'full_name']);
    expect((await admin.query(`SELECT to_regproc('users_sync_full_name') AS f`)).rows[0].f).toBeNull();

    const applied = await appliedMigrations(admin, ledger);
    const all = files();
    expect(applied.map((m) => [m.id, m.phase, m.release, m.checksum === all.find((f) => f.id === m.id)!.checksum])).toEqual([
      ['001_create_users.sql', 'expand', 'v1', true],
      ['002_create_products.sql', 'expand', 'v1', true],
      ['003_create_orders.sql', 'expand', 'v1', true],
      ['004_users_full_name_expand.sql', 'expand', 'v2', true],
      ['005_users_full_name_index.sql', 'expand', 'v2', true],
      ['006_users_full_name_backfill.sql', 'expand', 'v2', true],
      ['007_users_name_deprecate.sql', 'expand', 'v3', true],
      ['008_users_drop_name.sql', 'contract', 'v3', true],
    ]);

    const status = await migrationStatus({ database: clients.url, config, files: files() });
    expect(status.migrations.every((m) => m.state === 'applied')).toBe(true);
    expect(status.releases.map((r) => [r.release, r.state])).toEqual([
      ['v1', 'retired'],
      ['v2', 'retired'],
      ['v3', 'live'],
    ]);
    expect(status.deprecations).toEqual([
      { object: 'public.users.name', release: 'v3' },
      { object: 'public.users_sync_full_name', release: 'v3' },
    ]);
    expect(status.contractEffects).toEqual([]);
  });
});
