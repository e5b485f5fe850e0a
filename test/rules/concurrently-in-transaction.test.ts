import { describe, expect, it } from 'vitest';
import { findings as findingsOf, positions as positionsOf, type LintCase } from './core-helpers.js';

const RULE = 'concurrently-in-transaction';

const findings = (sql: string, options: LintCase = {}) => findingsOf(sql, RULE, options);
const positions = (sql: string, options: LintCase = {}) => positionsOf(sql, RULE, options);

describe(RULE, () => {
  it('flags CREATE INDEX CONCURRENTLY inside an explicit transaction block', async () => {
    const sql = [
      '-- bgmigrate: no-transaction',
      'BEGIN;',
      'CREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id);',
      'COMMIT;',
    ].join('\n');
    const found = await findings(sql);
    expect(found.map((f) => [f.line, f.column])).toEqual([[3, 1]]);
    expect(found[0]).toMatchObject({ severity: 'error', object: 'public.orders_user_idx' });
    expect(found[0]!.message).toContain('transaction block');
  });

  it('flags VACUUM, REINDEX CONCURRENTLY and DETACH CONCURRENTLY inside BEGIN … COMMIT', async () => {
    const sql = [
      'BEGIN;',
      'VACUUM orders;',
      'REINDEX INDEX CONCURRENTLY orders_user_idx;',
      'ALTER TABLE events DETACH PARTITION events_2024 CONCURRENTLY;',
      'DROP INDEX CONCURRENTLY old_idx;',
      'COMMIT;',
    ].join('\n');
    expect(await positions(sql)).toEqual([
      [2, 1],
      [3, 1],
      [4, 1],
      [5, 1],
    ]);
  });

  it('flags a CONCURRENTLY statement the runner would wrap together with other statements', async () => {
    const sql = ["SET lock_timeout = '2s';", 'CREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id);'].join('\n');
    const found = await findings(sql);
    expect(found.map((f) => [f.line, f.column])).toEqual([[2, 1]]);
    expect(found[0]!.help).toContain('no-transaction');
  });

  it('flags a CONCURRENTLY statement inside a DO block (always one transaction)', async () => {
    const sql = ['-- bgmigrate: no-transaction', 'DO $$', 'BEGIN', '  CREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id);', 'END $$;'].join('\n');
    const found = await findings(sql);
    expect(found.map((f) => [f.line, f.column])).toEqual([[4, 3]]);
    expect(found[0]!.message).toContain('DO block');
  });

  it('judges ALTER TYPE … ADD VALUE inside BEGIN … COMMIT only before PostgreSQL 12', async () => {
    const sql = "BEGIN;\nALTER TYPE mood ADD VALUE 'meh';\nCOMMIT;";
    expect(await positions(sql, { pgVersion: 11 })).toEqual([[2, 1]]);
    expect(await positions(sql, { pgVersion: 12 })).toEqual([]);
  });

  it('does not flag one CONCURRENTLY statement alone in its migration', async () => {
    expect(await positions('-- CreateIndex\nCREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_idx ON orders (user_id);\n')).toEqual([]);
  });

  it('does not flag several statements under a no-transaction directive, outside BEGIN … COMMIT', async () => {
    const sql = [
      '-- bgmigrate: no-transaction',
      "SET lock_timeout = '2s';",
      'CREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id);',
      'DROP INDEX CONCURRENTLY orders_user_old_idx;',
      'BEGIN;',
      'ALTER TABLE orders ADD COLUMN note text;',
      'COMMIT;',
      'VACUUM orders;',
    ].join('\n');
    expect(await positions(sql)).toEqual([]);
  });

  it('does not flag REFRESH MATERIALIZED VIEW CONCURRENTLY (it may run in a transaction)', async () => {
    expect(await positions('BEGIN;\nREFRESH MATERIALIZED VIEW CONCURRENTLY daily;\nCOMMIT;')).toEqual([]);
  });
});
