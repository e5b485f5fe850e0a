import { describe, expect, it } from 'vitest';
import { findings as findingsOf, type LintCase } from './core-helpers.js';

const RULE = 'unknown-effect';

/** Every finding of this rule (the shared helper of test/rules/core-helpers.ts). */
const findings = (sql: string, options: LintCase = {}) => findingsOf(sql, RULE, options);

describe(RULE, () => {
  it('flags a statement the analyser cannot classify on an existing table, naming the assumed lock', async () => {
    const found = await findings('SELECT 1;\nALTER TABLE orders SET WITHOUT OIDS;');
    expect(found.map((f) => [f.line, f.column, f.object, f.lock, f.severity])).toEqual([
      [2, 1, 'public.orders', 'AccessExclusiveLock', 'error'],
    ]);
    expect(found[0]!.message).toContain('cannot classify');
    expect(found[0]!.message).toContain('AccessExclusiveLock');
  });

  it('does not flag it on a table created in the same file', async () => {
    expect(await findings('CREATE TABLE scratch (id bigint);\nALTER TABLE scratch SET WITHOUT OIDS;')).toEqual([]);
  });

  it('does not flag classified statements', async () => {
    const sql = [
      'ALTER TABLE orders ADD COLUMN note text;',
      'ALTER TABLE orders ALTER COLUMN note SET STATISTICS 100;',
      "COMMENT ON TABLE orders IS 'orders';",
      'GRANT SELECT ON orders TO reporting;',
    ].join('\n');
    expect(await findings(sql)).toEqual([]);
  });
});
