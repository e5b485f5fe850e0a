import { describe, expect, it } from 'vitest';
import { lintSql } from '../../src/lint.js';

describe('parse-error', () => {
  it('reports a syntax error at its line and column, and analyses the statements before it', async () => {
    const report = await lintSql('ALTER TABLE users DROP COLUMN a;\nSELECT 1;\nALTER TABLE users DROPP COLUMN b;\nDROP TABLE users;');
    expect(report.findings.map((f) => [f.rule, f.line, f.column, f.severity])).toEqual([
      ['drop-column', 1, 1, 'error'],
      ['parse-error', 3, 19, 'error'],
    ]);
    expect(report.findings[1].message).toBe('syntax error at or near "DROPP"');
    expect(report.statements.map((s) => s.kind)).toEqual(['AlterTableStmt', 'SelectStmt']);
  });

  it('counts columns in characters after multi-byte text', async () => {
    const report = await lintSql("SELECT 'ééé', 'ü';\nSELECT 'ñ' FRM t;");
    expect(report.findings.map((f) => [f.rule, f.line, f.column])).toEqual([['parse-error', 2, 16]]);
  });

  it('reports an unterminated string', async () => {
    const report = await lintSql("SELECT 1;\nSELECT 'abc");
    expect(report.findings.map((f) => [f.rule, f.line, f.column])).toEqual([['parse-error', 2, 8]]);
    expect(report.findings[0].message).toContain('unterminated quoted string');
  });

  it('reports a syntax error inside a DO block at the DO statement', async () => {
    const report = await lintSql('SELECT 1;\nDO $$ BEGIN SELEC 1; END $$;');
    expect(report.findings.map((f) => [f.rule, f.line, f.column])).toEqual([['parse-error', 2, 1]]);
    expect(report.findings[0].message).toMatch(/^in DO block: syntax error/);
  });

  it('cannot be suppressed', async () => {
    const report = await lintSql('-- bgmigrate-ignore parse-error: trust me\nSELEC 1;');
    expect(report.findings.map((f) => [f.rule, f.severity])).toEqual([['parse-error', 'error']]);
  });
});
