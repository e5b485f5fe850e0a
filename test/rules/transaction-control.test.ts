import { describe, expect, it } from 'vitest';
import { findings as findingsOf, type LintCase } from './core-helpers.js';
import { lintSql } from '../../src/lint.js';

const RULE = 'transaction-control';

/** Every finding of this rule (the shared helper of test/rules/core-helpers.ts). */
const findings = (sql: string, options: LintCase = {}) => findingsOf(sql, RULE, options);

describe(RULE, () => {
  it('flags a COMMIT before the end, and ROLLBACK/ABORT anywhere, in a migration the runner wraps', async () => {
    const sql = [
      'BEGIN;',
      'ALTER TABLE orders ADD COLUMN note text;',
      'COMMIT;',
      'START TRANSACTION;',
      'ALTER TABLE orders ADD COLUMN note2 text;',
      'ROLLBACK;',
      'ABORT;',
      'END;',
    ].join('\n');
    const found = await findings(sql);
    expect(found.map((f) => [f.line, f.column, f.severity])).toEqual([
      [3, 1, 'error'],
      [6, 1, 'error'],
      [7, 1, 'error'],
    ]);
    expect(found[0]!.message).toBe(
      'COMMIT before the end of a migration bgmigrate runs in one transaction with its ledger row: the statements after it would not be part of that transaction',
    );
    expect(found[1]!.message).toBe(
      'ROLLBACK in a migration bgmigrate runs in one transaction with its ledger row: it would end that transaction part-way, leaving the migration half-applied',
    );
  });

  it('does not flag a BEGIN first and a COMMIT last that wrap the whole file', async () => {
    expect(await findings('BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;')).toEqual([]);
    expect(await findings('SET lock_timeout = \'1s\';\nBEGIN;\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;')).toEqual([]);
  });

  it('flags COMMIT AND CHAIN even at the end, and cannot be turned off', async () => {
    const report = await lintSql('ALTER TABLE orders ADD COLUMN note text;\nCOMMIT AND CHAIN;', { pgVersion: 15, rules: { [RULE]: 'off' } });
    expect(report.findings.map((f) => [f.rule, f.line, f.severity])).toEqual([[RULE, 2, 'error']]);
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
