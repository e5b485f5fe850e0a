import { describe, expect, it } from 'vitest';
import { lintSql } from '../../src/lint.js';

const RULE = 'prefer-timestamptz';

async function findings(sql: string) {
  const report = await lintSql(sql, { pgVersion: 15 });
  return report.findings.filter((f) => f.rule === RULE);
}

describe(RULE, () => {
  it('flags timestamp without time zone in new tables and new columns', async () => {
    const sql = [
      'CREATE TABLE a (id bigint, created_at timestamp NOT NULL, updated_at TIMESTAMP(3));',
      'ALTER TABLE b ADD COLUMN seen_at timestamp without time zone;',
      'CREATE TABLE c (history timestamp[]);',
    ].join('\n');
    const found = await findings(sql);
    expect(found.map((f) => [f.line, f.column, f.object])).toEqual([
      [1, 1, 'public.a.created_at'],
      [1, 1, 'public.a.updated_at'],
      [2, 1, 'public.b.seen_at'],
      [3, 1, 'public.c.history'],
    ]);
    expect(found[0]!.severity).toBe('warning');
    expect(found[0]!.message).toContain('public.a.created_at');
  });

  it('does not flag timestamptz, date or time', async () => {
    const sql = [
      'CREATE TABLE a (a timestamptz, b timestamp with time zone, c date, d time, e TIMESTAMPTZ(3));',
      'ALTER TABLE b ADD COLUMN e timestamptz DEFAULT now();',
    ].join('\n');
    expect(await findings(sql)).toEqual([]);
  });
});
