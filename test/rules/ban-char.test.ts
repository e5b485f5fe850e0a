import { describe, expect, it } from 'vitest';
import { findings as findingsOf, type LintCase } from './core-helpers.js';

const RULE = 'ban-char';

/** Every finding of this rule (the shared helper of test/rules/core-helpers.ts). */
const findings = (sql: string, options: LintCase = {}) => findingsOf(sql, RULE, options);

describe(RULE, () => {
  it('flags char(n), character(n) and bare char columns', async () => {
    const sql = [
      'CREATE TABLE a (id bigint, country char(2), flag character(1));',
      'ALTER TABLE b ADD COLUMN kind char;',
    ].join('\n');
    const found = await findings(sql);
    expect(found.map((f) => [f.line, f.column, f.object])).toEqual([
      [1, 28, 'public.a.country'],
      [1, 45, 'public.a.flag'],
      [2, 26, 'public.b.kind'],
    ]);
    expect(found[0]!.severity).toBe('warning');
  });

  it('does not flag varchar, text or the internal "char" type', async () => {
    expect(await findings('CREATE TABLE a (a varchar(2), b text, c "char");')).toEqual([]);
  });
});
