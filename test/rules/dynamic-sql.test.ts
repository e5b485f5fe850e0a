import { describe, expect, it } from 'vitest';
import { findings as findingsOf, type LintCase } from './core-helpers.js';
import { lintSql } from '../../src/lint.js';

const RULE = 'dynamic-sql';

/** Every finding of this rule (the shared helper of test/rules/core-helpers.ts). */
const findings = (sql: string, options: LintCase = {}) => findingsOf(sql, RULE, options);

describe(RULE, () => {
  it('flags EXECUTE of a computed string inside a DO block, at the EXECUTE keyword', async () => {
    const sql = [
      'DO $$',
      'BEGIN',
      "  EXECUTE 'ALTER TABLE ' || quote_ident('orders') || ' ADD COLUMN x int';",
      "  EXECUTE format('DROP INDEX %I', 'orders_old_idx');",
      'END $$;',
    ].join('\n');
    const found = await findings(sql);
    expect(found.map((f) => [f.line, f.column])).toEqual([
      [3, 3],
      [4, 3],
    ]);
    expect(found[0]!.severity).toBe('error');
    expect(found[0]!.message).toContain('quote_ident');
  });

  it('flags a DO block in another language and a dynamic FOR … IN EXECUTE loop', async () => {
    const sql = [
      "DO LANGUAGE plv8 $$ plv8.execute('DROP TABLE orders') $$;",
      'DO $$',
      'DECLARE r record;',
      'BEGIN',
      "  FOR r IN EXECUTE 'SELECT ' || 'id FROM orders' LOOP",
      '    NULL;',
      '  END LOOP;',
      'END $$;',
    ].join('\n');
    const found = await findings(sql);
    expect(found.map((f) => f.line)).toEqual([1, 2]);
    expect(found[0]!.message).toContain('a DO block in language plv8');
    expect(found[1]!.message).toContain('FOR … IN EXECUTE');
  });

  it('flags CALL of a procedure the analyser cannot see into', async () => {
    const found = await findings('SELECT 1;\nCALL app.backfill_orders(1000);');
    expect(found.map((f) => [f.line, f.column, f.object])).toEqual([[2, 1, 'app.backfill_orders']]);
  });

  it('does not flag EXECUTE of a constant string (it is analysed as static SQL)', async () => {
    const sql = ['DO $$', 'BEGIN', "  EXECUTE 'CREATE INDEX orders_user_idx ON orders (user_id)';", 'END $$;'].join('\n');
    const report = await lintSql(sql, { pgVersion: 15 });
    expect(report.findings.filter((f) => f.rule === RULE)).toEqual([]);
    expect(report.findings.filter((f) => f.rule === 'index-not-concurrent').map((f) => [f.line, f.column])).toEqual([[3, 3]]);
  });

  it('does not flag static SQL in a DO block', async () => {
    const sql = ['DO $$', 'BEGIN', '  ALTER TABLE orders ADD COLUMN note text;', 'END $$;'].join('\n');
    expect(await findings(sql)).toEqual([]);
  });
});
