import { describe, expect, it } from 'vitest';
import { paint } from '../../src/report/paint.js';
import type { CheckReport, FileReport, Finding } from '../../src/model.js';
import { renderGithub } from '../../src/report/github.js';
import { renderJson } from '../../src/report/json.js';
import { renderPretty } from '../../src/report/pretty.js';
import { renderSarif } from '../../src/report/sarif.js';

const finding: Finding = {
  rule: 'rename-column',
  severity: 'error',
  message: 'renaming column public.users.name breaks blue, 100% sure: it reads "name"',
  line: 2,
  column: 3,
  endLine: 2,
  endColumn: 45,
  object: 'public.users.name',
  lock: 'AccessExclusiveLock',
  help: 'add the new column, sync, backfill, deprecate, drop later',
  ledger: { allowed: false, reason: 'no deprecation of public.users.name' },
};

function report(findings: Finding[]): CheckReport {
  const file = { path: 'db/a,b:c.sql', id: 'a,b:c.sql', checksum: 'x', phase: 'contract', findings, statements: [], directives: { deprecates: [], noTransaction: false } } as FileReport;
  return { version: 1, files: [file], summary: { files: 1, errors: findings.filter((f) => f.severity === 'error').length, warnings: 0 } };
}

describe('reporters', () => {
  it('github: escapes data and properties as workflow commands require', () => {
    const out = renderGithub(report([finding]));
    expect(out.split('\n')[0]).toBe(
      '::error file=db/a%2Cb%3Ac.sql,line=2,col=3,endLine=2,endColumn=45,title=bgmigrate rename-column::' +
        'renaming column public.users.name breaks blue, 100%25 sure: it reads "name"%0A' +
        'ledger: no deprecation of public.users.name%0Ahelp: add the new column, sync, backfill, deprecate, drop later',
    );
    expect(renderGithub(report([{ ...finding, severity: 'info', suppressed: 'ok' }])).startsWith('::notice ')).toBe(true);
  });

  it('json: the documented keys only', () => {
    const out = JSON.parse(renderJson(report([finding])));
    expect(Object.keys(out)).toEqual(['version', 'files', 'summary']);
    expect(Object.keys(out.files[0])).toEqual(['path', 'phase', 'findings']);
    expect(out.files[0].findings[0]).toEqual(finding);
  });

  it('pretty: code frame with a caret line under a one-line span; info hidden unless asked', () => {
    const sources = new Map([['db/a,b:c.sql', '-- x\n  ALTER TABLE users RENAME COLUMN name TO full_name;\n']]);
    const out = renderPretty(report([finding]), { paint: paint(false), sources });
    expect(out).toContain(
      [
        'db/a,b:c.sql:2:3  error  rename-column',
        '  renaming column public.users.name breaks blue, 100% sure: it reads "name"',
        '  > 2 |   ALTER TABLE users RENAME COLUMN name TO full_name;',
        '      |   ' + '^'.repeat(42),
        '  help: add the new column, sync, backfill, deprecate, drop later',
        '  ledger: refused — no deprecation of public.users.name',
      ].join('\n'),
    );
    expect(out.trim().split('\n').at(-1)).toBe('✖ 1 migration checked: 1 error, 0 warnings');
    const info = report([{ ...finding, severity: 'info', suppressed: 'fine' }]);
    expect(renderPretty(info, { paint: paint(false), sources })).not.toContain('rename-column');
    expect(renderPretty(info, { paint: paint(false), sources, showInfo: true })).toContain('suppressed: fine');
  });

  it('sarif: level, location, suppression', () => {
    const sarif = JSON.parse(renderSarif(report([{ ...finding, suppressed: 'reviewed' }]), [
      { id: 'rename-column', category: 'contract', defaultLevel: 'error', summary: 's', why: 'w', help: 'h' },
    ]));
    const [result] = sarif.runs[0].results;
    expect(result).toMatchObject({
      ruleId: 'rename-column',
      ruleIndex: 0,
      level: 'error',
      suppressions: [{ kind: 'inSource', justification: 'reviewed' }],
    });
    expect(result.locations[0].physicalLocation.region).toEqual({ startLine: 2, startColumn: 3, endLine: 2, endColumn: 45 });
    expect(sarif.runs[0].tool.driver.rules[0].defaultConfiguration).toEqual({ level: 'error', enabled: true });
  });
});
