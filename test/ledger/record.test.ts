import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { RefusalError, UsageError } from '../../src/errors.js';
import { normaliseObjectName } from '../../src/index.js';
import {
  appliedMigrations,
  deprecateObject,
  ensureLedger,
  recordDeprecations,
  recordMigration,
  recordStatementProgress,
  statementProgress,
} from '../../src/ledger/index.js';
import type { Effect } from '../../src/model.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { client, freshSchema, thrown } from './helpers.js';

let db: TestDatabase;
let c: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase('ledger_record');
  c = await client(db.url);
});
afterAll(async () => {
  await c.end();
  await db.drop();
});

const dropName: Effect = {
  kind: 'drop-column',
  object: 'public.users.name',
  table: 'public.users',
  class: 'contract',
  lock: 'AccessExclusiveLock',
  rewrites: false,
  scans: false,
};

describe('recordMigration', () => {
  it('writes one exact row and registers the release as deployed', async () => {
    const schema = freshSchema();
    await ensureLedger(c, { schema });
    await c.query('BEGIN');
    const recorded = await recordMigration(
      c,
      {
        id: '0005_drop_name.sql',
        checksum: 'f'.repeat(64),
        phase: 'contract',
        release: 'v43',
        durationMs: 12.6,
        effects: [dropName],
        suppressions: [{ rule: 'drop-column', reason: 'unused since v41', line: 3 }],
      },
      { schema },
    );
    await c.query('COMMIT');
    expect(recorded).toMatchObject({ id: '0005_drop_name.sql', release: 'v43', durationMs: 13, appliedBy: 'postgres' });
    const { rows } = await c.query(
      `SELECT seq, id, checksum, phase, release, applied_by, duration_ms, effects, suppressions FROM "${schema}".migrations`,
    );
    expect(rows).toEqual([
      {
        seq: '1',
        id: '0005_drop_name.sql',
        checksum: 'f'.repeat(64),
        phase: 'contract',
        release: 'v43',
        applied_by: 'postgres',
        duration_ms: 13,
        effects: [dropName],
        suppressions: [{ rule: 'drop-column', reason: 'unused since v41', line: 3 }],
      },
    ]);
    const events = await c.query(`SELECT release, state, color FROM "${schema}".release_events ORDER BY seq`);
    expect(events.rows).toEqual([{ release: 'v43', state: 'deployed', color: null }]);
  });

  it('leaves no row when the caller rolls back', async () => {
    const schema = freshSchema();
    await ensureLedger(c, { schema });
    await c.query('BEGIN');
    await recordMigration(c, { id: '001.sql', checksum: 'a', phase: 'expand', release: 'v1', durationMs: 1 }, { schema });
    await c.query('ROLLBACK');
    expect(await appliedMigrations(c, { schema })).toEqual([]);
    const { rows } = await c.query(`SELECT count(*)::int AS n FROM "${schema}".releases`);
    expect(rows[0].n).toBe(0);
  });

  it('refuses to record the same migration twice', async () => {
    const schema = freshSchema();
    await ensureLedger(c, { schema });
    await recordMigration(c, { id: '001.sql', checksum: 'a', phase: 'expand', durationMs: 1 }, { schema });
    const error = await thrown(() => recordMigration(c, { id: '001.sql', checksum: 'a', phase: 'expand', durationMs: 1 }, { schema }));
    expect(error).toBeInstanceOf(RefusalError);
    expect(error.message).toBe('migration 001.sql is already recorded in the ledger (was it applied by another process?)');
  });

  it('lists applied migrations in the order applied; none without a ledger, without creating it', async () => {
    const schema = freshSchema();
    expect(await appliedMigrations(c, { schema })).toEqual([]);
    const { rows } = await c.query('SELECT to_regnamespace($1) AS ns', [schema]);
    expect(rows[0].ns).toBeNull();
    await ensureLedger(c, { schema });
    for (const id of ['b.sql', 'a.sql', 'c.sql']) {
      await recordMigration(c, { id, checksum: `sum-${id}`, phase: 'expand', durationMs: 0 }, { schema });
    }
    const applied = await appliedMigrations(c, { schema });
    expect(applied.map((m) => [m.id, m.checksum, m.phase, m.release])).toEqual([
      ['b.sql', 'sum-b.sql', 'expand', null],
      ['a.sql', 'sum-a.sql', 'expand', null],
      ['c.sql', 'sum-c.sql', 'expand', null],
    ]);
    expect(applied[0].appliedAt).toBeInstanceOf(Date);
  });

  it('rejects a release name with spaces', async () => {
    const schema = freshSchema();
    await ensureLedger(c, { schema });
    const error = await thrown(() =>
      recordMigration(c, { id: 'x.sql', checksum: 'a', phase: 'expand', release: 'v 1', durationMs: 0 }, { schema }),
    );
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe('invalid release name "v 1": expected a non-empty name without spaces, e.g. v43');
  });
});

describe('statement progress (no-transaction migrations)', () => {
  it('records each statement once and reads them back by index', async () => {
    const schema = freshSchema();
    await ensureLedger(c, { schema });
    const base = { migrationId: '0007_index.sql', checksum: 'c1', release: 'v2' };
    await recordStatementProgress(c, { ...base, statementIndex: 1, durationMs: 30 }, { schema });
    await recordStatementProgress(c, { ...base, statementIndex: 0, durationMs: 20 }, { schema });
    await recordStatementProgress(c, { ...base, statementIndex: 0, durationMs: 99 }, { schema });
    await recordStatementProgress(c, { ...base, checksum: 'other', statementIndex: 2, durationMs: 1 }, { schema });
    const done = await statementProgress(c, '0007_index.sql', { schema, checksum: 'c1' });
    expect(done.map((s) => [s.statementIndex, s.durationMs, s.release, s.checksum])).toEqual([
      [0, 20, 'v2', 'c1'],
      [1, 30, 'v2', 'c1'],
    ]);
    expect((await statementProgress(c, '0007_index.sql', { schema })).map((s) => s.statementIndex)).toEqual([0, 1, 2]);
    expect(await statementProgress(c, 'other.sql', { schema })).toEqual([]);
  });

  it('reads nothing from a version-1 ledger (before the progress table existed)', async () => {
    const schema = freshSchema();
    await ensureLedger(c, { schema, upTo: 1 });
    expect(await statementProgress(c, 'x.sql', { schema })).toEqual([]);
  });
});

describe('deprecations', () => {
  it('records directive deprecations once per object and release', async () => {
    const schema = freshSchema();
    await ensureLedger(c, { schema });
    const first = await recordDeprecations(c, ['public.users.name', 'public.Old_Table'], 'v42', {
      schema,
      migrationId: '0004.sql',
    });
    expect(first.map((d) => [d.object, d.release, d.source, d.migrationId])).toEqual([
      ['public.users.name', 'v42', 'directive', '0004.sql'],
      ['public.Old_Table', 'v42', 'directive', '0004.sql'],
    ]);
    const again = await recordDeprecations(c, ['public.users.name'], 'v42', { schema });
    expect(again).toEqual([]);
    const { rows } = await c.query(`SELECT object, release, source, migration_id FROM "${schema}".deprecations ORDER BY seq`);
    expect(rows).toEqual([
      { object: 'public.users.name', release: 'v42', source: 'directive', migration_id: '0004.sql' },
      { object: 'public.Old_Table', release: 'v42', source: 'directive', migration_id: '0004.sql' },
    ]);
  });

  it('`ledger deprecate` records a command deprecation, creating the ledger on first use', async () => {
    const schema = freshSchema();
    const added = await deprecateObject(c, 'public.users."FullName"', 'v44', { schema });
    expect(added).toMatchObject({ object: 'public.users.FullName', release: 'v44', source: 'command', migrationId: null });
    expect(await deprecateObject(c, 'public.users."FullName"', 'v44', { schema })).toBeNull();
    const { rows } = await c.query(`SELECT release, state FROM "${schema}".release_events`);
    expect(rows).toEqual([{ release: 'v44', state: 'deployed' }]);
  });

  it('rejects a malformed object name', async () => {
    const error = await thrown(() => deprecateObject(c, 'public..name', 'v1', { schema: freshSchema() }));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe('invalid object name "public..name": a part is empty; expected schema.table, schema.table.column or schema.routine');
  });
});

describe('normaliseObjectName', () => {
  it('folds unquoted parts and keeps quoted ones', () => {
    expect(normaliseObjectName('Public.Users.Name')).toBe('public.users.name');
    // A part holding a dot stays quoted: the table "a.b" is not the column b of table a.
    expect(normaliseObjectName(' public."Users"."a.b" ')).toBe('public.Users."a.b"');
    expect(normaliseObjectName('public."users.name"')).not.toBe(normaliseObjectName('public.users.name'));
    expect(normaliseObjectName('"we""ird"')).toBe('"we""ird"');
    for (const bad of ['', 'a.', '.a', '"open', 'a b.c', 'a."b"c', 'public.f(integer)', 'a.b.c.d']) {
      expect(() => normaliseObjectName(bad), bad).toThrow(UsageError);
    }
  });
});
