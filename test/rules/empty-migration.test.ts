import { describe, expect, it } from 'vitest';
import { lintSql } from '../../src/lint.js';
import { found } from './core-helpers.js';

const R = 'empty-migration';

describe(R, () => {
  it.each([
    ['an empty file', ''],
    ['whitespace', '  \n\n'],
    ['comments only', '-- nothing to do\n/* really */\n'],
  ])('warns on %s, at 1:1, without crashing', async (_n, sql) => {
    const report = await lintSql(sql);
    expect(report.findings.map((f) => [f.rule, f.line, f.column, f.severity])).toEqual([[R, 1, 1, 'warning']]);
    expect(report.statements).toEqual([]);
    expect(report.phase).toBe('expand');
  });

  it('does not warn on a file with a statement', async () => {
    expect(await found('SELECT 1;', R)).toEqual([]);
  });
});
