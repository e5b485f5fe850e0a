import { describe, expect, it } from 'vitest';
import { findings as findingsOf, type LintCase } from './core-helpers.js';

const RULE = 'prefer-text';

/** Every finding of this rule (the shared helper of test/rules/core-helpers.ts). */
const findings = (sql: string, options: LintCase = {}) => findingsOf(sql, RULE, options);

describe(RULE, () => {
  it('flags varchar(n) columns in new tables and new columns', async () => {
    const sql = [
      'CREATE TABLE a (id bigint, email varchar(255), name character varying(40));',
      'ALTER TABLE b ADD COLUMN code VARCHAR(8);',
    ].join('\n');
    const found = await findings(sql);
    expect(found.map((f) => [f.line, f.column, f.object])).toEqual([
      [1, 28, 'public.a.email'],
      [1, 48, 'public.a.name'],
      [2, 26, 'public.b.code'],
    ]);
    expect(found[0]!.severity).toBe('warning');
    expect(found[0]!.help).toContain('CHECK');
  });

  it('does not flag text, unbounded varchar, or a widening type change', async () => {
    const sql = [
      'CREATE TABLE a (a text, b varchar, c character varying);',
      'ALTER TABLE b ALTER COLUMN code TYPE varchar(80);',
    ].join('\n');
    expect(await findings(sql)).toEqual([]);
  });
});
