import { describe, expect, it } from 'vitest';
import { findings as findingsOf, positions as positionsOf, type LintCase } from './core-helpers.js';

const RULE = 'unbatched-dml';

const findings = (sql: string, options: LintCase = {}) => findingsOf(sql, RULE, options);
const positions = (sql: string, options: LintCase = {}) => positionsOf(sql, RULE, options);

describe(RULE, () => {
  it('flags UPDATE and DELETE without WHERE on an existing table', async () => {
    const found = await findings("UPDATE orders SET state = 'new';\nDELETE FROM sessions;");
    expect(found.map((f) => [f.line, f.column, f.object])).toEqual([
      [1, 1, 'public.orders'],
      [2, 1, 'public.sessions'],
    ]);
    expect(found[0]).toMatchObject({ severity: 'error', lock: 'RowExclusiveLock' });
    expect(found[0]!.message).toContain('every row');
  });

  it('flags DML with a WHERE in the same transaction as DDL on that table', async () => {
    const sql = [
      'ALTER TABLE orders ADD COLUMN total_cents bigint;',
      'UPDATE orders SET total_cents = total * 100 WHERE id < 1000;',
    ].join('\n');
    const found = await findings(sql);
    expect(found.map((f) => [f.line, f.column])).toEqual([[2, 1]]);
    expect(found[0]!.message).toContain('AccessExclusiveLock');
  });

  it('does not flag DML with a WHERE in its own transaction', async () => {
    const sql = [
      '-- bgmigrate: no-transaction',
      'ALTER TABLE orders ADD COLUMN total_cents bigint;',
      'UPDATE orders SET total_cents = total * 100 WHERE id BETWEEN 1 AND 10000;',
      'DELETE FROM sessions WHERE expires_at < now();',
    ].join('\n');
    expect(await positions(sql)).toEqual([]);
  });

  it('does not flag a batch after the DDL transaction was committed', async () => {
    const sql = [
      '-- bgmigrate: no-transaction',
      'BEGIN;',
      'ALTER TABLE orders ADD COLUMN total_cents bigint;',
      'COMMIT;',
      'UPDATE orders SET total_cents = total * 100 WHERE id < 1000;',
    ].join('\n');
    expect(await positions(sql)).toEqual([]);
  });

  it('does not flag DML on a table created in the same file', async () => {
    const sql = [
      'CREATE TABLE flags (id bigint, on_off boolean);',
      "INSERT INTO flags VALUES (1, true);",
      'UPDATE flags SET on_off = false;',
      'DELETE FROM flags;',
    ].join('\n');
    expect(await positions(sql)).toEqual([]);
  });

  it('does not flag DML that runs before the DDL (no strong lock is held yet)', async () => {
    const sql = ['UPDATE orders SET state = 2 WHERE state = 1;', 'ALTER TABLE orders ADD COLUMN note text;'].join('\n');
    expect(await positions(sql)).toEqual([]);
  });

  it('does not flag DDL on another table in the same transaction', async () => {
    const sql = ['ALTER TABLE users ADD COLUMN note text;', 'UPDATE orders SET state = 1 WHERE id = 5;'].join('\n');
    expect(await positions(sql)).toEqual([]);
  });
});
