import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from '../../src/parse/parser.js';
import { SourceText } from '../../src/parse/source.js';
import { splitStatements } from '../../src/parse/statements.js';
import { lintSql, migrationFromString } from '../../src/lint.js';
import { lintMigrations } from '../../src/lint.js';
import { UsageError } from '../../src/errors.js';

beforeAll(() => loadParser());

const spans = (sql: string) =>
  splitStatements(SourceText.fromString(sql)).statements.map((s) => [s.kind, s.span.line, s.span.column, s.span.endLine, s.span.endColumn, s.text]);

describe('statement spans', () => {
  it('gives 1-based line:column to end (semicolon excluded) for each statement', async () => {
    expect(spans('SELECT 1;\n  CREATE TABLE t (id int);\nSELECT 2; SELECT 3')).toEqual([
      ['SelectStmt', 1, 1, 1, 9, 'SELECT 1'],
      ['CreateStmt', 2, 3, 2, 26, 'CREATE TABLE t (id int)'],
      ['SelectStmt', 3, 1, 3, 9, 'SELECT 2'],
      ['SelectStmt', 3, 11, 3, 19, 'SELECT 3'],
    ]);
  });

  it('counts characters, not bytes, after multi-byte UTF-8 on the same line and before', () => {
    expect(spans("-- héllo wörld ✓\nSELECT 'ééé'; SELECT '日本';\n/* ü */ DROP TABLE t;")).toEqual([
      ['SelectStmt', 2, 1, 2, 13, "SELECT 'ééé'"],
      ['SelectStmt', 2, 15, 2, 26, "SELECT '日本'"],
      ['DropStmt', 3, 9, 3, 21, 'DROP TABLE t'],
    ]);
  });

  it('excludes a comment between a statement and its semicolon', () => {
    expect(spans('SELECT 1 -- one\n;\nSELECT 2 /* two */;')).toEqual([
      ['SelectStmt', 1, 1, 1, 9, 'SELECT 1'],
      ['SelectStmt', 3, 1, 3, 9, 'SELECT 2'],
    ]);
  });

  it('excludes leading comments and trailing comments and blanks of the last statement', () => {
    expect(spans('-- first\n\n/* block */\nSELECT 1\n-- trailing\n\n')).toEqual([['SelectStmt', 4, 1, 4, 9, 'SELECT 1']]);
  });

  it('skips comment headers, nested block comments and a trailing -- comment; keeps comments inside', () => {
    expect(spans('-- CreateTable\nCREATE TABLE a (id int);\n\n-- CreateIndex\nCREATE INDEX a_id ON a (id);\n')).toEqual([
      ['CreateStmt', 2, 1, 2, 24, 'CREATE TABLE a (id int)'],
      ['IndexStmt', 5, 1, 5, 28, 'CREATE INDEX a_id ON a (id)'],
    ]);
    expect(spans("/* outer /* inner */ still */ SELECT 1;\nSELECT '--x' -- tail\n")).toEqual([
      ['SelectStmt', 1, 31, 1, 39, 'SELECT 1'],
      ['SelectStmt', 2, 1, 2, 13, "SELECT '--x'"],
    ]);
    // A lone CR ends a -- comment as a newline does; a /* inside a string is no comment.
    expect(spans('SELECT 1 --x\r;\rSELECT $$ /* $$')).toEqual([
      ['SelectStmt', 1, 1, 1, 9, 'SELECT 1'],
      ['SelectStmt', 1, 16, 1, 31, 'SELECT $$ /* $$'],
    ]);
    expect(spans('CREATE TABLE t (\n  a int, -- inside\n  b int\n);')).toEqual([
      ['CreateStmt', 1, 1, 4, 2, 'CREATE TABLE t (\n  a int, -- inside\n  b int\n)'],
    ]);
  });

  it('handles CRLF line ends and a UTF-8 BOM', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('SELECT 1;\r\nDROP TABLE t;\r\n')]);
    const split = splitStatements(new SourceText(bytes, 'x.sql'));
    expect(split.statements.map((s) => [s.span.line, s.span.column, s.text])).toEqual([
      [1, 1, 'SELECT 1'],
      [2, 1, 'DROP TABLE t'],
    ]);
  });

  it('finds comments with the scanner, not inside strings', () => {
    const split = splitStatements(SourceText.fromString("SELECT '-- bgmigrate: not a comment'; -- bgmigrate: real\n"));
    expect(split.comments.map((c) => [c.text, c.span.line, c.span.column])).toEqual([['-- bgmigrate: real', 1, 39]]);
  });

  it('reports statements through lintSql with the same spans', async () => {
    const report = await lintSql("SELECT 'ä';\n  ALTER TABLE users DROP COLUMN name;");
    expect(report.findings.map((f) => [f.rule, f.line, f.column, f.endLine, f.endColumn])).toEqual([['drop-column', 2, 3, 2, 37]]);
    expect(report.statements.map((s) => [s.index, s.kind, s.line, s.column])).toEqual([
      [0, 'SelectStmt', 1, 1],
      [1, 'AlterTableStmt', 2, 3],
    ]);
  });
});

describe('bad input', () => {
  it('throws UsageError with the path for binary and non-UTF-8 files', async () => {
    const binary = { ...migrationFromString('', 'bin.sql'), bytes: Buffer.from([0x53, 0x00, 0x01]) };
    await expect(lintMigrations([binary], { pgVersion: 15 })).rejects.toThrow(UsageError);
    await expect(lintMigrations([binary], { pgVersion: 15 })).rejects.toThrow(/^bin\.sql: binary file/);
    const latin1 = { ...migrationFromString('', 'latin1.sql'), bytes: Buffer.from([0x53, 0x45, 0x4c, 0xe9, 0x0a]) };
    await expect(lintMigrations([latin1], { pgVersion: 15 })).rejects.toThrow(/^latin1\.sql: not valid UTF-8/);
  });

  it('lints a large file without trouble', async () => {
    const sql = 'ALTER TABLE t ADD COLUMN c int;\n'.repeat(20000);
    const report = await lintSql(sql);
    expect(report.statements).toHaveLength(20000);
    expect(report.statements[19999].line).toBe(20000);
  });
});
