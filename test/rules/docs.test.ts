import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/rules/index.js';
import { renderRuleDocFiles, renderRuleDocs, renderRulePage, renderRuleTable } from '../../src/rules/support/docs.js';

describe('rule docs generated from metadata', () => {
  it('has one table row per rule, linked to its page', () => {
    const table = renderRuleTable(RULES, { linkBase: 'docs/rules/' });
    const rows = table.trim().split('\n').slice(2);
    expect(rows).toHaveLength(RULES.length);
    expect(rows).toContain(
      '| [`index-not-concurrent`](docs/rules/index-not-concurrent.md) | lock | error | `CREATE [UNIQUE] INDEX` without `CONCURRENTLY` on an existing table |',
    );
  });

  it('writes a page per rule with why, the safe path and version notes', () => {
    const rule = RULES.find((r) => r.id === 'reindex-not-concurrent')!;
    const page = renderRulePage(rule);
    expect(page.split('\n')[0]).toBe('# `reindex-not-concurrent`');
    expect(page).toContain(`## Why\n\n${rule.why}\n`);
    expect(page).toContain(`## The safe path\n\n${rule.help}\n`);
    expect(page).toContain(`## PostgreSQL versions\n\n${rule.versionNotes}\n`);
    expect(page).toContain('-- bgmigrate-ignore reindex-not-concurrent: <why this is safe here>');
  });

  it('shows how to turn on a rule that is off by default', () => {
    const page = renderRulePage(RULES.find((r) => r.id === 'missing-lock-timeout')!);
    expect(page).toContain('- Default level: `off`');
    expect(page).toContain('{ "rules": { "missing-lock-timeout": "warning" } }');
  });

  it('returns a file per rule plus an index, and one combined document', () => {
    const files = renderRuleDocFiles(RULES);
    expect([...files.keys()].sort()).toEqual(['README.md', ...RULES.map((r) => `${r.id}.md`)].sort());
    const all = renderRuleDocs(RULES);
    for (const r of RULES) expect(all).toContain(`### ${r.id}\n`);
    expect(all).toContain('[`table-rewrite`](#table-rewrite)');
  });
});
