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

  it('maps the parser position (0-based code points) through 4-byte characters too', async () => {
    const report = await lintSql("SELECT '😀😀' AS x; SELEC 1;");
    expect(report.findings.map((f) => [f.rule, f.line, f.column])).toEqual([['parse-error', 1, 19]]);
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

describe('parse-error: syntax the target server does not have yet', () => {
  it.each([
    ['ALTER TABLE t ADD CONSTRAINT nn NOT NULL a NOT VALID;', 17, 18, 'ADD CONSTRAINT … NOT NULL needs PostgreSQL 18 or later (target is 17)'],
    ['ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (a * 2) VIRTUAL;', 17, 18, 'a VIRTUAL generated column (GENERATED … AS without STORED) needs PostgreSQL 18 or later (target is 17)'],
    ['REINDEX INDEX CONCURRENTLY i;', 11, 12, 'REINDEX CONCURRENTLY needs PostgreSQL 12 or later (target is 11)'],
    ['ALTER TABLE p DETACH PARTITION c CONCURRENTLY;', 13, 14, 'DETACH PARTITION … CONCURRENTLY needs PostgreSQL 14 or later (target is 13)'],
    ['ALTER TABLE t SET ACCESS METHOD heap;', 14, 15, 'SET ACCESS METHOD needs PostgreSQL 15 or later (target is 14)'],
  ])('%s is refused below its version and accepted from it', async (sql, old, ok, message) => {
    const before = await lintSql(`SELECT 1;\n${sql}`, { pgVersion: old });
    expect(before.findings.filter((f) => f.rule === 'parse-error').map((f) => [f.line, f.column, f.message])).toEqual([[2, 1, message]]);
    const after = await lintSql(`SELECT 1;\n${sql}`, { pgVersion: ok });
    expect(after.findings.filter((f) => f.rule === 'parse-error')).toEqual([]);
  });
});
