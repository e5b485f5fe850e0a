import { describe, expect, it } from 'vitest';
import { lintSql } from '../../src/lint.js';

const RULE = 'transaction-control';

async function findings(sql: string) {
  const report = await lintSql(sql, { pgVersion: 15 });
  return report.findings.filter((f) => f.rule === RULE);
}

describe(RULE, () => {
  it('flags BEGIN, COMMIT and ROLLBACK in a migration the runner wraps in a transaction', async () => {
    const sql = [
      'BEGIN;',
      'ALTER TABLE orders ADD COLUMN note text;',
      'COMMIT;',
      'START TRANSACTION;',
      'ALTER TABLE orders ADD COLUMN note2 text;',
      'ROLLBACK;',
    ].join('\n');
    const found = await findings(sql);
    expect(found.map((f) => [f.line, f.column])).toEqual([
      [1, 1],
      [3, 1],
      [4, 1],
      [6, 1],
    ]);
    expect(found[1]!.severity).toBe('warning');
    expect(found[1]!.message).toContain('COMMIT');
    expect(found[1]!.message).toContain('ledger');
  });

  it('does not flag transaction control in a no-transaction migration', async () => {
    const sql = ['-- bgmigrate: no-transaction', 'BEGIN;', 'ALTER TABLE orders ADD COLUMN note text;', 'COMMIT;'].join('\n');
    expect(await findings(sql)).toEqual([]);
  });

  it('does not flag a file without transaction control, or SAVEPOINTs', async () => {
    const sql = ['ALTER TABLE orders ADD COLUMN note text;', 'SAVEPOINT a;', 'RELEASE SAVEPOINT a;'].join('\n');
    expect(await findings(sql)).toEqual([]);
  });
});
