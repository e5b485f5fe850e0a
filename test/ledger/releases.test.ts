import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { RefusalError, UsageError } from '../../src/errors.js';
import {
  listReleases,
  recordMigration,
  ensureLedger,
  releaseEvents,
  retireExpired,
  retireRelease,
  rollbackRelease,
  shipRelease,
  showLedger,
} from '../../src/ledger/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { client, freshSchema, thrown } from './helpers.js';

let db: TestDatabase;
let c: pg.Client;
const DAY = 24 * 3600 * 1000;

beforeAll(async () => {
  db = await createTestDatabase('ledger_releases');
  c = await client(db.url);
});
afterAll(async () => {
  await c.end();
  await db.drop();
});

async function events(schema: string): Promise<[string, string, string | null][]> {
  return (await releaseEvents(c, { schema })).map((e) => [e.release, e.state, e.color]);
}

async function states(schema: string, now?: Date): Promise<Record<string, string>> {
  const list = await listReleases(c, { schema, rollbackWindowMs: DAY, now });
  return Object.fromEntries(list.map((r) => [r.release, r.retiredByWindow ? 'standby (counts as retired)' : r.state]));
}

describe('release ship', () => {
  it('makes the first release live with no previous one', async () => {
    const schema = freshSchema();
    expect(await shipRelease(c, 'v41', { schema, color: 'blue' })).toEqual({ release: 'v41', color: 'blue', previous: null });
    expect(await events(schema)).toEqual([['v41', 'live', 'blue']]);
  });

  it('makes the previous live release standby and alternates the color', async () => {
    const schema = freshSchema();
    await shipRelease(c, 'v41', { schema, color: 'blue' });
    expect(await shipRelease(c, 'v42', { schema })).toEqual({ release: 'v42', color: 'green', previous: 'v41' });
    expect(await shipRelease(c, 'v43', { schema })).toEqual({ release: 'v43', color: 'blue', previous: 'v42' });
    expect(await events(schema)).toEqual([
      ['v41', 'live', 'blue'],
      ['v42', 'live', 'green'],
      ['v41', 'standby', null],
      ['v43', 'live', 'blue'],
      ['v42', 'standby', null],
    ]);
    expect(await states(schema)).toEqual({ v41: 'standby', v42: 'standby', v43: 'live' });
  });

  it('ships a release first recorded by apply (deployed → live)', async () => {
    const schema = freshSchema();
    await ensureLedger(c, { schema });
    await recordMigration(c, { id: '001.sql', checksum: 'a', phase: 'expand', release: 'v1', durationMs: 1 }, { schema });
    expect(await states(schema)).toEqual({ v1: 'deployed' });
    await shipRelease(c, 'v1', { schema });
    expect(await events(schema)).toEqual([
      ['v1', 'deployed', null],
      // Nothing was live: the first release takes blue (what `release color --next` says).
      ['v1', 'live', 'blue'],
    ]);
    const [info] = await listReleases(c, { schema, rollbackWindowMs: DAY });
    expect(info.deployedAt).toBeInstanceOf(Date);
    expect(info.shippedAt).toBeInstanceOf(Date);
  });

  it('refuses to ship a live or a retired release', async () => {
    const schema = freshSchema();
    await shipRelease(c, 'v1', { schema });
    let error = await thrown(() => shipRelease(c, 'v1', { schema }));
    expect(error).toBeInstanceOf(RefusalError);
    expect(error.message).toBe('release v1 is already live');
    await shipRelease(c, 'v2', { schema });
    await retireRelease(c, 'v1', { schema });
    error = await thrown(() => shipRelease(c, 'v1', { schema }));
    expect(error).toBeInstanceOf(RefusalError);
    expect(error.message).toBe('release v1 is retired and can never receive traffic again; ship a new release');
    expect(await events(schema)).toEqual([
      ['v1', 'live', 'blue'],
      ['v2', 'live', 'green'],
      ['v1', 'standby', null],
      ['v1', 'retired', null],
    ]);
  });

  it('rejects a bad color', async () => {
    const error = await thrown(() => shipRelease(c, 'v1', { schema: freshSchema(), color: 'red' }));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe('invalid color "red": expected blue or green');
  });
});

describe('concurrent transitions', () => {
  it('serialises two ships started together: one ends live, the other standby', async () => {
    const schema = freshSchema();
    await shipRelease(c, 'v1', { schema });
    const [a, b] = [await client(db.url), await client(db.url)];
    try {
      const results = await Promise.all([shipRelease(a, 'v2', { schema }), shipRelease(b, 'v3', { schema })]);
      const previous = results.map((r) => r.previous).sort();
      // Each saw the other's (or v1's) live state, never the same one twice.
      expect(previous.includes('v1')).toBe(true);
      expect(new Set(previous).size).toBe(2);
      const final = await states(schema);
      expect(Object.values(final).filter((state) => state === 'live')).toEqual(['live']);
      expect(final.v1).toBe('standby');
    } finally {
      await a.end();
      await b.end();
    }
  });
});

describe('release retire', () => {
  it('retires a standby', async () => {
    const schema = freshSchema();
    await shipRelease(c, 'v1', { schema });
    await shipRelease(c, 'v2', { schema });
    await retireRelease(c, 'v1', { schema });
    expect(await states(schema)).toEqual({ v1: 'retired', v2: 'live' });
    const [v1] = await listReleases(c, { schema, rollbackWindowMs: DAY });
    expect(v1.retiredAt).toBeInstanceOf(Date);
    expect(v1.rollbackTargetUntil).toBeNull();
  });

  it('refuses to retire a live release, and says why', async () => {
    const schema = freshSchema();
    await shipRelease(c, 'v1', { schema });
    const error = await thrown(() => retireRelease(c, 'v1', { schema }));
    expect(error).toBeInstanceOf(RefusalError);
    expect(error.message).toBe('release v1 is live: ship its successor first, then retire it');
    expect(await events(schema)).toEqual([['v1', 'live', 'blue']]);
  });

  it('refuses a retired or unknown release; a deployed or rolled-back one only with a reason, which it records', async () => {
    const schema = freshSchema();
    await shipRelease(c, 'v1', { schema });
    await shipRelease(c, 'v2', { schema });
    await retireRelease(c, 'v1', { schema });
    expect((await thrown(() => retireRelease(c, 'v1', { schema }))).message).toBe('release v1 is already retired');
    await ensureLedger(c, { schema });
    await recordMigration(c, { id: 'a.sql', checksum: 'a', phase: 'expand', release: 'v3', durationMs: 1 }, { schema });
    const deployed = await thrown(() => retireRelease(c, 'v3', { schema }));
    expect(deployed).toBeInstanceOf(UsageError);
    expect(deployed.message).toBe('release v3 was deployed but never shipped: retiring it needs --reason (why it will never serve traffic), which the ledger records');
    await shipRelease(c, 'v3', { schema });
    await rollbackRelease(c, { schema, rollbackWindowMs: DAY });
    expect((await thrown(() => retireRelease(c, 'v3', { schema }))).message).toBe(
      'release v3 was rolled back: retiring it needs --reason (why it will never serve traffic), which the ledger records',
    );
    await retireRelease(c, 'v3', { schema, reason: 'broken build, replaced by v4' });
    const last = (await c.query(`SELECT release, state, reason FROM "${schema}".release_events ORDER BY seq DESC LIMIT 1`)).rows[0];
    expect(last).toEqual({ release: 'v3', state: 'retired', reason: 'broken build, replaced by v4' });
    const unknown = await thrown(() => retireRelease(c, 'v9', { schema }));
    expect(unknown).toBeInstanceOf(UsageError);
    expect(unknown.message).toBe('release v9 is not in the ledger');
  });

  it('--expired retires every standby past the rollback window, with the reason', async () => {
    const schema = freshSchema();
    await shipRelease(c, 'v1', { schema });
    await shipRelease(c, 'v2', { schema });
    await shipRelease(c, 'v3', { schema });
    expect(await retireExpired(c, { schema, rollbackWindowMs: DAY })).toEqual([]);
    expect(await retireExpired(c, { schema, rollbackWindowMs: DAY, now: new Date(Date.now() + 2 * DAY) })).toEqual(['v1', 'v2']);
    expect(await states(schema)).toEqual({ v1: 'retired', v2: 'retired', v3: 'live' });
    const reasons = (await c.query(`SELECT reason FROM "${schema}".release_events WHERE state = 'retired' ORDER BY seq`)).rows.map((r) => r.reason);
    expect(reasons.every((r: string) => /^rollback window ended \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(r))).toBe(true);
  });
});

describe('release rollback', () => {
  it('makes the latest standby live again and the live one rolled-back', async () => {
    const schema = freshSchema();
    await shipRelease(c, 'v1', { schema, color: 'blue' });
    await shipRelease(c, 'v2', { schema });
    await shipRelease(c, 'v3', { schema });
    expect(await rollbackRelease(c, { schema, rollbackWindowMs: DAY })).toEqual({ live: 'v2', rolledBack: 'v3', color: 'green' });
    expect(await states(schema)).toEqual({ v1: 'standby', v2: 'live', v3: 'rolled-back' });
    expect((await events(schema)).slice(-2)).toEqual([
      ['v2', 'live', 'green'],
      ['v3', 'rolled-back', null],
    ]);
    // Shipping again after a rollback makes the rolled-back release live and v2 standby.
    expect(await shipRelease(c, 'v3', { schema })).toEqual({ release: 'v3', color: 'blue', previous: 'v2' });
    expect(await states(schema)).toEqual({ v1: 'standby', v2: 'standby', v3: 'live' });
  });

  it('refuses when nothing is live or no standby is left', async () => {
    const schema = freshSchema();
    let error = await thrown(() => rollbackRelease(c, { schema, rollbackWindowMs: DAY }));
    expect(error).toBeInstanceOf(RefusalError);
    expect(error.message).toBe('no release is live: there is nothing to roll back');
    await shipRelease(c, 'v1', { schema });
    error = await thrown(() => rollbackRelease(c, { schema, rollbackWindowMs: DAY }));
    expect(error.message).toBe('release v1 is live and no standby release is left to roll back to');
  });

  it('refuses to roll back to a standby past the rollback window', async () => {
    const schema = freshSchema();
    await shipRelease(c, 'v1', { schema });
    await shipRelease(c, 'v2', { schema });
    const [v1] = await listReleases(c, { schema, rollbackWindowMs: DAY });
    const later = new Date(v1.standbyAt!.getTime() + DAY + 1000);
    const error = await thrown(() => rollbackRelease(c, { schema, rollbackWindowMs: DAY, now: later }));
    expect(error).toBeInstanceOf(RefusalError);
    const until = new Date(Math.ceil((v1.standbyAt!.getTime() + DAY) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    expect(error.message).toBe(
      `release v1 left the rollback window at ${until} and counts as retired: contract migrations may already have removed what it uses`,
    );
  });
});

describe('release list', () => {
  it('shows a standby as counting as retired once the window has passed', async () => {
    const schema = freshSchema();
    await shipRelease(c, 'v1', { schema });
    await shipRelease(c, 'v2', { schema });
    const [v1] = await listReleases(c, { schema, rollbackWindowMs: DAY });
    expect(v1.rollbackTargetUntil!.getTime()).toBe(v1.standbyAt!.getTime() + DAY);
    const before = new Date(v1.standbyAt!.getTime() + DAY - 1);
    const after = new Date(v1.standbyAt!.getTime() + DAY);
    expect(await states(schema, before)).toEqual({ v1: 'standby', v2: 'live' });
    expect(await states(schema, after)).toEqual({ v1: 'standby (counts as retired)', v2: 'live' });
    const [late] = await listReleases(c, { schema, rollbackWindowMs: DAY, now: after });
    expect(late.retiredAt).toEqual(v1.rollbackTargetUntil);
  });

  it('is empty, and `ledger show` is empty, when there is no ledger; neither creates it', async () => {
    const schema = freshSchema();
    expect(await listReleases(c, { schema, rollbackWindowMs: DAY })).toEqual([]);
    expect(await showLedger(c, { schema, rollbackWindowMs: DAY })).toEqual({
      schema,
      version: 0,
      migrations: [],
      releases: [],
      events: [],
      deprecations: [],
    });
    const { rows } = await c.query('SELECT to_regnamespace($1) AS ns', [schema]);
    expect(rows[0].ns).toBeNull();
  });
});
