import { describe, expect, it } from 'vitest';
import { findings as findingsOf, type LintCase } from './core-helpers.js';

const RULE = 'detach-partition-not-concurrent';

/** Every finding of this rule (the shared helper of test/rules/core-helpers.ts). */
const findings = (sql: string, options: LintCase = {}) => findingsOf(sql, RULE, options);

const DETACH = 'SELECT 1;\nALTER TABLE events DETACH PARTITION events_2024;';

describe(RULE, () => {
  it('flags DETACH PARTITION without CONCURRENTLY on PostgreSQL 14 and later', async () => {
    const found = await findings(DETACH, { pgVersion: 14 });
    expect(found.map((f) => [f.line, f.column, f.object, f.lock])).toEqual([
      [2, 1, 'public.events_2024', 'AccessExclusiveLock'],
    ]);
    expect(found[0]!.message).toContain('public.events');
    expect(found[0]!.help).toContain('CONCURRENTLY');
  });

  it('does not flag it for PostgreSQL 13, which has no concurrent detach', async () => {
    expect(await findings(DETACH, { pgVersion: 13 })).toEqual([]);
  });

  it('does not flag DETACH PARTITION … CONCURRENTLY', async () => {
    expect(await findings('ALTER TABLE events DETACH PARTITION events_2024 CONCURRENTLY;')).toEqual([]);
  });

  it('does not flag detaching from a table created in the same file', async () => {
    const sql = [
      'CREATE TABLE m (at date) PARTITION BY RANGE (at);',
      "CREATE TABLE m_1 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
      'ALTER TABLE m DETACH PARTITION m_1;',
    ].join('\n');
    expect(await findings(sql)).toEqual([]);
  });
});
