import { describe, expect, it } from 'vitest';
import { findings as findingsOf, type LintCase } from './core-helpers.js';

const RULE = 'prefer-identity';

/** Every finding of this rule (the shared helper of test/rules/core-helpers.ts). */
const findings = (sql: string, options: LintCase = {}) => findingsOf(sql, RULE, options);

describe(RULE, () => {
  it('flags serial, bigserial and smallserial columns', async () => {
    const sql = [
      'CREATE TABLE a (id bigserial PRIMARY KEY, n smallserial);',
      'ALTER TABLE b ADD COLUMN seq serial;',
      'CREATE TABLE c (id serial8);',
    ].join('\n');
    const found = await findings(sql);
    expect(found.map((f) => [f.line, f.column, f.object])).toEqual([
      [1, 17, 'public.a.id'],
      [1, 43, 'public.a.n'],
      [2, 26, 'public.b.seq'],
      [3, 17, 'public.c.id'],
    ]);
    expect(found[0]!.severity).toBe('warning');
    expect(found[0]!.help).toContain('GENERATED');
  });

  it('does not flag identity columns or plain integers', async () => {
    expect(
      await findings('CREATE TABLE a (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, n bigint, s text);'),
    ).toEqual([]);
  });
});
