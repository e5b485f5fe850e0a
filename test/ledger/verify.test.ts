import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { describeDrift, ensureLedger, recordMigration, verifyChecksums, verifyLedger } from '../../src/ledger/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { client, freshSchema } from './helpers.js';

let db: TestDatabase;
let c: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase('ledger_verify');
  c = await client(db.url);
});
afterAll(async () => {
  await c.end();
  await db.drop();
});

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);

describe('ledger verify', () => {
  it('finds nothing when every applied file is unchanged; pending files are not drift', async () => {
    const schema = freshSchema();
    await ensureLedger(c, { schema });
    await recordMigration(c, { id: '001.sql', checksum: A, phase: 'expand', durationMs: 1 }, { schema });
    expect(
      await verifyLedger(c, [{ id: '001.sql', checksum: A }, { id: '002.sql', checksum: B }], { schema }),
    ).toEqual({ checked: 1, drift: [] });
  });

  it('reports a changed file and a missing file', async () => {
    const schema = freshSchema();
    await ensureLedger(c, { schema });
    await recordMigration(c, { id: '001.sql', checksum: A, phase: 'expand', durationMs: 1 }, { schema });
    await recordMigration(c, { id: '002.sql', checksum: B, phase: 'expand', durationMs: 1 }, { schema });
    await recordMigration(c, { id: '003.sql', checksum: C, phase: 'contract', durationMs: 1 }, { schema });
    const result = await verifyLedger(c, [{ id: '001.sql', checksum: A }, { id: '002.sql', checksum: C }], { schema });
    expect(result).toEqual({
      checked: 3,
      drift: [
        { id: '002.sql', kind: 'changed', recordedChecksum: B, fileChecksum: C },
        { id: '003.sql', kind: 'missing', recordedChecksum: C },
      ],
    });
    expect(result.drift.map(describeDrift)).toEqual([
      '002.sql: changed since it was applied (ledger sha256 bbbbbbbbbbbb…, file cccccccccccc…)',
      '003.sql: applied (sha256 cccccccccccc…) but its file is missing',
    ]);
  });

  it('has nothing to check without a ledger', async () => {
    expect(await verifyLedger(c, [{ id: '001.sql', checksum: A }], { schema: freshSchema() })).toEqual({ checked: 0, drift: [] });
  });

  it('compares pure lists', () => {
    expect(verifyChecksums([], [])).toEqual([]);
    expect(verifyChecksums([{ id: 'x', checksum: A }], [{ id: 'x', checksum: A }])).toEqual([]);
  });
});
