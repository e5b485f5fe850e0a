import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import {
  deprecateObject,
  ensureLedger,
  fillLedger,
  ledgerGate,
  listReleases,
  readLedgerSnapshot,
  gateFromSnapshot,
  recordDeprecations,
  recordMigration,
  retireRelease,
  rollbackRelease,
  shipRelease,
} from '../../src/ledger/index.js';
import type { Effect } from '../../src/model.js';
import { createTestDatabase, withDatabase, type TestDatabase } from '../support/db.js';
import { client, countQueries, freshSchema } from './helpers.js';

let db: TestDatabase;
let c: pg.Client;
const DAY = 24 * 3600 * 1000;

beforeAll(async () => {
  db = await createTestDatabase('ledger_gate');
  c = await client(db.url);
});
afterAll(async () => {
  await c.end();
  await db.drop();
});

function effect(kind: string, object: string, table?: string, cls: Effect['class'] = 'contract'): Effect {
  return { kind, object, table, class: cls, lock: 'AccessExclusiveLock', rewrites: false, scans: false };
}
const dropName = effect('drop-column', 'public.users.name', 'public.users');

/** `2026-11-27T10:00:00Z` for an instant, rounded up to the second. */
function iso(ms: number): string {
  return new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

async function standbyAt(schema: string, release: string): Promise<number> {
  const info = (await listReleases(c, { schema, rollbackWindowMs: DAY })).find((r) => r.release === release)!;
  return info.standbyAt!.getTime();
}

async function judge(schema: string, e: Effect = dropName, now?: Date) {
  const gate = await ledgerGate(c, { schema, rollbackWindowMs: DAY, now });
  return gate.judge(e);
}

/** The usual history: v42 live, migration with the deprecation applied with v43, v43 shipped. */
async function deployV43(schema: string): Promise<void> {
  await shipRelease(c, 'v42', { schema, color: 'blue' });
  await ensureLedger(c, { schema });
  await c.query('BEGIN');
  await recordMigration(c, { id: '0004_read_full_name.sql', checksum: 'a', phase: 'expand', release: 'v43', durationMs: 3 }, { schema });
  await recordDeprecations(c, ['public.users.name'], 'v43', { schema, migrationId: '0004_read_full_name.sql' });
  await c.query('COMMIT');
}

describe('the ledger rule', () => {
  it('refuses when there is no ledger at all, without creating one', async () => {
    const schema = freshSchema();
    expect(await judge(schema)).toEqual({
      allowed: false,
      reason:
        `no deprecation of public.users.name or of its table public.users is recorded in the ledger (the ledger in schema "${schema}" does not exist yet): ` +
        'deprecate it in the release that stops using it ("-- bgmigrate: deprecates public.users.name" in a migration applied with that release, ' +
        'or "bgmigrate ledger deprecate public.users.name --release <release>")',
    });
    const { rows } = await c.query('SELECT to_regnamespace($1) AS ns', [schema]);
    expect(rows[0].ns).toBeNull();
  });

  it('refuses when no deprecation of the object or its table is recorded', async () => {
    const schema = freshSchema();
    await shipRelease(c, 'v42', { schema });
    await deprecateObject(c, 'public.users.email', 'v43', { schema });
    await shipRelease(c, 'v43', { schema });
    await retireRelease(c, 'v42', { schema });
    expect(await judge(schema, effect('drop-table', 'public.orders', 'public.orders'))).toEqual({
      allowed: false,
      reason:
        'no deprecation of public.orders is recorded in the ledger: deprecate it in the release that stops using it ' +
        '("-- bgmigrate: deprecates public.orders" in a migration applied with that release, or "bgmigrate ledger deprecate public.orders --release <release>")',
    });
  });

  it('refuses while the deprecating release has not shipped', async () => {
    const schema = freshSchema();
    await deployV43(schema);
    expect(await judge(schema)).toEqual({
      allowed: false,
      reason:
        'public.users.name is deprecated at release v43, but v43 has not shipped yet (run "bgmigrate release ship v43" when it serves traffic)',
    });
  });

  it('refuses while an older release is a rollback target, naming it and until when', async () => {
    const schema = freshSchema();
    await deployV43(schema);
    await shipRelease(c, 'v43', { schema });
    const since = await standbyAt(schema, 'v42');
    expect(await judge(schema)).toEqual({
      allowed: false,
      reason: `release v42 still uses public.users.name and is a rollback target until it is retired or until ${iso(since + DAY)}`,
    });
    // One millisecond before the window ends it is still refused.
    expect((await judge(schema, dropName, new Date(since + DAY - 1))).allowed).toBe(false);
  });

  it('allows once the older release is retired', async () => {
    const schema = freshSchema();
    await deployV43(schema);
    await shipRelease(c, 'v43', { schema });
    await retireRelease(c, 'v42', { schema });
    expect(await judge(schema)).toEqual({
      allowed: true,
      reason: 'public.users.name is deprecated at release v43, which has shipped, and no release that shipped before it (or never shipped) can receive traffic',
      allowedBy: 'v43',
    });
  });

  it('allows, without a retire, once the rollback window has passed', async () => {
    const schema = freshSchema();
    await deployV43(schema);
    await shipRelease(c, 'v43', { schema });
    const since = await standbyAt(schema, 'v42');
    expect(await judge(schema, dropName, new Date(since + DAY))).toEqual({
      allowed: true,
      reason: 'public.users.name is deprecated at release v43, which has shipped, and no release that shipped before it (or never shipped) can receive traffic',
      allowedBy: 'v43',
    });
  });

  it('refuses after a rollback made the older release live again', async () => {
    const schema = freshSchema();
    await deployV43(schema);
    await shipRelease(c, 'v43', { schema });
    await rollbackRelease(c, { schema, rollbackWindowMs: DAY });
    expect(await judge(schema)).toEqual({ allowed: false, reason: 'release v42 still uses public.users.name and is live' });
  });

  it('names the older standby whose window ends last; then the next one', async () => {
    const schema = freshSchema();
    await shipRelease(c, 'v41', { schema });
    await shipRelease(c, 'v42', { schema });
    await deprecateObject(c, 'public.users.name', 'v43', { schema });
    await shipRelease(c, 'v43', { schema });
    const v41 = await standbyAt(schema, 'v41');
    const v42 = await standbyAt(schema, 'v42');
    expect((await judge(schema)).reason).toBe(
      `release v42 still uses public.users.name and is a rollback target until it is retired or until ${iso(v42 + DAY)}`,
    );
    await retireRelease(c, 'v42', { schema });
    expect((await judge(schema)).reason).toBe(
      `release v41 still uses public.users.name and is a rollback target until it is retired or until ${iso(v41 + DAY)}`,
    );
    await retireRelease(c, 'v41', { schema });
    expect((await judge(schema)).allowed).toBe(true);
  });

  it('accepts a deprecation of the table for its columns, and says so', async () => {
    const schema = freshSchema();
    await shipRelease(c, 'v1', { schema });
    await deprecateObject(c, 'public.users', 'v2', { schema });
    await shipRelease(c, 'v2', { schema });
    await retireRelease(c, 'v1', { schema });
    expect(await judge(schema)).toEqual({
      allowed: true,
      reason:
        'public.users.name is deprecated at release v2 (via its table public.users), which has shipped, and no release that shipped before it (or never shipped) can receive traffic',
      allowedBy: 'v2',
    });
    expect((await judge(schema, effect('drop-column', 'public.accounts.name', 'public.accounts'))).allowed).toBe(false);
  });

  it('does not count a newer release as a user of the object', async () => {
    const schema = freshSchema();
    await shipRelease(c, 'v1', { schema });
    await deprecateObject(c, 'public.users.name', 'v2', { schema });
    await shipRelease(c, 'v2', { schema });
    await shipRelease(c, 'v3', { schema });
    await retireRelease(c, 'v1', { schema });
    // v2 is standby, but it is the deprecating release itself: it no longer uses the column.
    expect((await judge(schema)).allowed).toBe(true);
  });

  it('allows any non-contract effect', async () => {
    const schema = freshSchema();
    expect(await judge(schema, effect('add-column', 'public.users.email', 'public.users', 'additive'))).toEqual({
      allowed: true,
      reason: 'add-column is not a contract effect',
    });
  });

  it('judges inside the caller’s transaction with readLedgerSnapshot', async () => {
    const schema = freshSchema();
    await deployV43(schema);
    await c.query('BEGIN');
    const snapshot = await readLedgerSnapshot(c, { schema });
    await c.query('COMMIT');
    const gate = gateFromSnapshot(snapshot, { rollbackWindowMs: DAY });
    expect(snapshot.version).toBe(7);
    expect(snapshot.applied).toEqual([{ id: '0004_read_full_name.sql', checksum: 'a' }]);
    expect(gate.judge(dropName).allowed).toBe(false);
    expect(gate.drift([{ id: '0004_read_full_name.sql', checksum: 'b' }])).toEqual([
      { id: '0004_read_full_name.sql', kind: 'changed', recordedChecksum: 'a', fileChecksum: 'b' },
    ]);
  });
});

describe('checksum drift read with the gate', () => {
  it('lets the server compare the files and send back only the differences', async () => {
    const schema = freshSchema();
    await ensureLedger(c, { schema });
    for (const [id, checksum] of [['001.sql', 'a1'], ['002.sql', 'b1'], ['003.sql', 'c1']]) {
      await recordMigration(c, { id, checksum, phase: 'expand', durationMs: 1 }, { schema });
    }
    const files = [
      { id: '001.sql', checksum: 'a1' },
      { id: '002.sql', checksum: 'b2' },
      { id: '004.sql', checksum: 'd1' },
    ];
    const gate = await ledgerGate(c, { schema, rollbackWindowMs: DAY, files });
    const expected = [
      { id: '002.sql', kind: 'changed', recordedChecksum: 'b1', fileChecksum: 'b2' },
      { id: '003.sql', kind: 'missing', recordedChecksum: 'c1' },
    ];
    expect(gate.snapshot.drift).toEqual(expected);
    expect(gate.snapshot.applied).toEqual([]);
    expect(gate.drift(files)).toEqual(expected);
    // The same answer as comparing the whole list on the client.
    const whole = await ledgerGate(c, { schema, rollbackWindowMs: DAY });
    expect(whole.drift(files)).toEqual(expected);
    // Only what check stops on.
    const changedOnly = await ledgerGate(c, { schema, rollbackWindowMs: DAY, files, driftKinds: 'changed' });
    expect(changedOnly.drift()).toEqual([expected[0]]);
    // No ledger, no drift.
    expect((await ledgerGate(c, { schema: freshSchema(), rollbackWindowMs: DAY, files })).drift(files)).toEqual([]);
  });
});

describe('the gate reads a READ ONLY snapshot with a constant number of queries', () => {
  it('sends the same queries for an empty ledger and one with 10,000 migrations and 1,000 releases', async () => {
    const small = freshSchema();
    await deployV43(small);
    const big = freshSchema();
    const filled = await fillLedger(c, { schema: big });
    expect(filled).toEqual({ migrations: 10_000, releases: 1_000, events: 3_997, deprecations: 1_000 });
    const { rows } = await c.query(
      `SELECT (SELECT count(*) FROM "${big}".migrations)::int AS m, (SELECT count(*) FROM "${big}".releases)::int AS r`,
    );
    expect(rows[0]).toEqual({ m: 10_000, r: 1_000 });

    const a = await countQueries(c, () => ledgerGate(c, { schema: small, rollbackWindowMs: DAY }));
    const b = await countQueries(c, () => ledgerGate(c, { schema: big, rollbackWindowMs: DAY }));
    expect(a.queries.length).toBe(4);
    expect(b.queries.length).toBe(a.queries.length);
    expect(b.queries[0]).toBe('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    expect(b.queries[b.queries.length - 1]).toBe('COMMIT');

    // The synthetic history is judged like a real one.
    const gate = b.result;
    expect(gate.snapshot.applied.length).toBe(10_000);
    expect(gate.judge(effect('drop-column', 'public.bench_table_500.old_column', 'public.bench_table_500')).allowed).toBe(true);
    expect(gate.judge(effect('drop-column', 'public.bench_table_1000.old_column', 'public.bench_table_1000')).reason).toMatch(
      /^release bench-v999 still uses public\.bench_table_1000\.old_column and is a rollback target until it is retired or until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    );
  });

  it('works for a role that may only read the ledger', async () => {
    const schema = freshSchema();
    await deployV43(schema);
    const role = `bgm_reader_${process.pid}`;
    await c.query(`CREATE ROLE ${role} LOGIN PASSWORD 'reader_pw_1'`);
    await c.query(`GRANT USAGE ON SCHEMA "${schema}" TO ${role}`);
    await c.query(`GRANT SELECT ON ALL TABLES IN SCHEMA "${schema}" TO ${role}`);
    const reader = await client(withDatabase(db.url, db.name, { user: role, password: 'reader_pw_1' }));
    try {
      const gate = await ledgerGate(reader, { schema, rollbackWindowMs: DAY });
      expect(gate.judge(dropName).reason).toBe(
        'public.users.name is deprecated at release v43, but v43 has not shipped yet (run "bgmigrate release ship v43" when it serves traffic)',
      );
    } finally {
      await reader.end();
      await c.query(`DROP OWNED BY ${role}`);
      await c.query(`DROP ROLE ${role}`);
    }
  });
});
