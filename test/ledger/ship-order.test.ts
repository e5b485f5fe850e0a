/**
 * The ledger rule by time of shipping (issue class 3): "older" means first shipped earlier; every
 * release that is not retired and did not ship after the deprecating one blocks; once a contract
 * effect was applied on the strength of a deprecation, the releases that could not survive it are
 * sealed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { RefusalError } from '../../src/errors.js';
import {
  ensureLedger,
  ledgerGate,
  recordDeprecations,
  recordMigration,
  retireRelease,
  rollbackRelease,
  shipRelease,
} from '../../src/ledger/index.js';
import type { Effect } from '../../src/model.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { client, freshSchema, thrown } from './helpers.js';

let db: TestDatabase;
let c: pg.Client;
const DAY = 24 * 3600 * 1000;
const dropName: Effect = { kind: 'drop-column', object: 'public.users.name', table: 'public.users', class: 'contract', lock: 'AccessExclusiveLock', rewrites: false, scans: false };

beforeAll(async () => {
  db = await createTestDatabase('ledger_ship_order');
  c = await client(db.url);
});
afterAll(async () => {
  await c.end();
  await db.drop();
});

const judge = async (schema: string) => (await ledgerGate(c, { schema, rollbackWindowMs: DAY })).judge(dropName);

/** `apply --phase expand --release R` of a migration (with an optional deprecation). */
async function expand(schema: string, release: string, id: string, deprecates: string[] = []): Promise<void> {
  await ensureLedger(c, { schema });
  await c.query('BEGIN');
  await recordMigration(c, { id, checksum: id, phase: 'expand', release, durationMs: 1 }, { schema });
  if (deprecates.length > 0) await recordDeprecations(c, deprecates, release, { schema, migrationId: id });
  await c.query('COMMIT');
}

/** `apply --phase contract` of a migration whose effect the ledger allowed by `allowedBy`'s deprecation. */
async function contract(schema: string, id: string, allowedBy: string): Promise<void> {
  await recordMigration(c, { id, checksum: id, phase: 'contract', release: null, durationMs: 1, effects: [{ ...dropName, allowedBy }] }, { schema });
}

describe('older means first shipped earlier', () => {
  it('a hotfix registered after v3 but shipped before it blocks v3\'s contract until retired', async () => {
    const schema = freshSchema();
    await shipRelease(c, 'v1', { schema });
    // v3's expand runs first: v3 is registered (with its deprecation) before v2 exists.
    await expand(schema, 'v3', '003.sql', ['public.users.name']);
    // The hotfix v2, built from v1, ships first; v3 ships later.
    await expand(schema, 'v2', '002-hotfix.sql');
    await shipRelease(c, 'v2', { schema });
    await retireRelease(c, 'v1', { schema });
    await shipRelease(c, 'v3', { schema });
    const verdict = await judge(schema);
    expect(verdict.allowed).toBe(false);
    expect(verdict.reason).toMatch(/^release v2 still uses public\.users\.name and is a rollback target until it is retired or until \d{4}-/);
    await retireRelease(c, 'v2', { schema });
    expect(await judge(schema)).toMatchObject({ allowed: true, allowedBy: 'v3' });
  });

  it('a deployed release that never shipped blocks, until it ships after R or is retired with a reason', async () => {
    const schema = freshSchema();
    await shipRelease(c, 'v1', { schema });
    await expand(schema, 'v2', '002.sql', ['public.users.name']);
    await expand(schema, 'v1-hotfix', '002-hotfix.sql');
    await shipRelease(c, 'v2', { schema });
    await retireRelease(c, 'v1', { schema });
    expect((await judge(schema)).reason).toBe(
      'release v1-hotfix is deployed but has not shipped, and it may be built from code that still uses public.users.name: ship it (a release that ships after v2 does not block) or retire it ("bgmigrate release retire v1-hotfix --reason <why>")',
    );
    await retireRelease(c, 'v1-hotfix', { schema, reason: 'superseded by v2' });
    expect((await judge(schema)).allowed).toBe(true);
  });

  it('a rolled-back release blocks until retired', async () => {
    const schema = freshSchema();
    await shipRelease(c, 'v1', { schema });
    await shipRelease(c, 'v2', { schema });
    await rollbackRelease(c, { schema, rollbackWindowMs: DAY }); // v1 live again, v2 rolled back
    await expand(schema, 'v3', '003.sql', ['public.users.name']);
    await shipRelease(c, 'v3', { schema }); // v1 standby
    await retireRelease(c, 'v1', { schema });
    expect((await judge(schema)).reason).toBe(
      'release v2 was rolled back but may still be deployed again, and it may use public.users.name: retire it ("bgmigrate release retire v2 --reason <why>") once it never will',
    );
    await retireRelease(c, 'v2', { schema, reason: 'abandoned' });
    expect((await judge(schema)).allowed).toBe(true);
  });

  it('a release that shipped after R does not block', async () => {
    const schema = freshSchema();
    await shipRelease(c, 'v1', { schema });
    await expand(schema, 'v2', '002.sql', ['public.users.name']);
    await shipRelease(c, 'v2', { schema });
    await shipRelease(c, 'v3', { schema }); // v2 standby, v1 standby
    await retireRelease(c, 'v1', { schema });
    expect(await judge(schema)).toMatchObject({ allowed: true, allowedBy: 'v2' });
  });
});

describe('sealing', () => {
  it('after a contract allowed by v2, releases that shipped before v2 can never ship or be rolled back to', async () => {
    const schema = freshSchema();
    await shipRelease(c, 'v1', { schema });
    await expand(schema, 'v2', '002.sql', ['public.users.name']);
    await shipRelease(c, 'v2', { schema });
    // v1 is a standby past its window (counts as retired): the contract is allowed and applied.
    expect((await ledgerGate(c, { schema, rollbackWindowMs: DAY, now: new Date(Date.now() + 2 * DAY) })).judge(dropName).allowed).toBe(true);
    await contract(schema, '003_drop_name.sql', 'v2');
    const ship = await thrown(() => shipRelease(c, 'v1', { schema }));
    expect(ship).toBeInstanceOf(RefusalError);
    expect(ship.message).toMatch(
      /^release v1 is sealed and cannot be shipped: contract migration 003_drop_name\.sql removed public\.users\.name \(drop-column\) on \d{4}-[^,]+, allowed by its deprecation at release v2, and v1 did not ship after v2; ship a newer release$/,
    );
    const rollback = await thrown(() => rollbackRelease(c, { schema, rollbackWindowMs: 100 * DAY }));
    expect(rollback.message).toMatch(/^release v1 is sealed and cannot be rolled back to: contract migration 003_drop_name\.sql removed/);
    // A release that ships after v2 is not sealed.
    await shipRelease(c, 'v3', { schema });
    await expect(rollbackRelease(c, { schema, rollbackWindowMs: 100 * DAY })).resolves.toEqual({ live: 'v2', rolledBack: 'v3', color: 'green' });
  });
});
