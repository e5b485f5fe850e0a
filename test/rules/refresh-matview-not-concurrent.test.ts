import { describe, expect, it } from 'vitest';
import { findings as findingsOf, type LintCase } from './core-helpers.js';

const RULE = 'refresh-matview-not-concurrent';

/** Every finding of this rule (the shared helper of test/rules/core-helpers.ts). */
const findings = (sql: string, options: LintCase = {}) => findingsOf(sql, RULE, options);

describe(RULE, () => {
  it('flags REFRESH MATERIALIZED VIEW without CONCURRENTLY', async () => {
    const found = await findings('SELECT 1;\n\nREFRESH MATERIALIZED VIEW reports.daily_sales;');
    expect(found.map((f) => [f.line, f.column, f.object, f.lock])).toEqual([
      [3, 1, 'reports.daily_sales', 'AccessExclusiveLock'],
    ]);
    expect(found[0]!.message).toContain('reports.daily_sales');
    expect(found[0]!.help).toContain('unique index');
  });

  it('does not flag REFRESH … CONCURRENTLY', async () => {
    expect(await findings('REFRESH MATERIALIZED VIEW CONCURRENTLY reports.daily_sales;')).toEqual([]);
  });

  it('does not flag the first refresh of a view created in the same file', async () => {
    const sql = [
      'CREATE MATERIALIZED VIEW daily AS SELECT 1 AS id WITH NO DATA;',
      'REFRESH MATERIALIZED VIEW daily;',
    ].join('\n');
    expect(await findings(sql)).toEqual([]);
  });
});
