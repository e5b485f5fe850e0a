// check --database judges contract findings a second time (with the usage evidence) without a
// second lint: src/lint.ts, judgeAgain.
import { describe, expect, it } from 'vitest';
import { judgeAgain, lintSql } from '../../src/lint.js';
import type { LedgerGate } from '../../src/model.js';

const ALLOW: LedgerGate = { judge: () => ({ allowed: true, reason: 'deprecated since v1, every release using it retired' }) };
const REFUSE: LedgerGate = { judge: (e) => ({ allowed: false, reason: `${e.object} is still used by a live query` }) };
const PREVIOUS = ['CREATE TABLE users (id bigint PRIMARY KEY, name text, nick text);'];
const SQL = 'ALTER TABLE users DROP COLUMN name;\n-- bgmigrate-ignore drop-column: reviewed with the team\nALTER TABLE users DROP COLUMN nick;';

describe('judgeAgain', () => {
  it('re-judges contract findings in place with another gate; suppressed ones stay suppressed', async () => {
    const report = await lintSql(SQL, { previous: PREVIOUS, ledger: ALLOW });
    const shape = () => report.findings.map((f) => [f.rule, f.line, f.severity, f.ledger?.allowed, f.suppressed ?? null]);
    expect(shape()).toEqual([
      ['drop-column', 1, 'info', true, null],
      ['drop-column', 3, 'info', true, 'reviewed with the team'],
    ]);
    judgeAgain([report], REFUSE);
    expect(shape()).toEqual([
      ['drop-column', 1, 'error', false, null],
      ['drop-column', 3, 'info', true, 'reviewed with the team'],
    ]);
    expect(report.findings[0].ledger?.reason).toBe('public.users.name is still used by a live query');
    // And back: the severity restored is the rule's own, not the last verdict's.
    judgeAgain([report], ALLOW);
    expect(shape()[0]).toEqual(['drop-column', 1, 'info', true, null]);
  });

  it('refuses findings it did not lint (read back from JSON, say)', async () => {
    const report = await lintSql(SQL, { previous: PREVIOUS, ledger: ALLOW });
    const copy = JSON.parse(JSON.stringify(report));
    expect(() => judgeAgain([copy], REFUSE)).toThrow('judgeAgain: migration.sql:1: drop-column was not linted in this process');
  });
});
