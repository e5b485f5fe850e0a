import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser, parsePlpgsql, parseSql, scanSql } from '../../src/parse/parser.js';

beforeAll(() => loadParser());

describe('the WASM parser binding', () => {
  it('parses a string and its UTF-8 bytes alike, with byte offsets', () => {
    const sql = "SELECT 'é';\nDROP TABLE t;";
    const fromString = parseSql(sql);
    expect(parseSql(Buffer.from(sql, 'utf8'))).toEqual(fromString);
    expect('stmts' in fromString && fromString.stmts.map((s) => [Object.keys(s.stmt)[0], s.stmt_location ?? 0, s.stmt_len])).toEqual([
      ['SelectStmt', 0, 11],
      ['DropStmt', 13, 12],
    ]);
  });

  it('returns PostgreSQL\'s message and a 0-based character cursor for a syntax error', () => {
    expect(parseSql('SELECT ééé FROMM t;')).toEqual({ error: { message: 'syntax error at or near "t"', cursor: 17 } });
    expect(parseSql('')).toEqual({ error: { message: 'Query cannot be empty', cursor: 0 } });
  });

  it('scans tokens with byte offsets and parses PL/pgSQL, reporting its errors', () => {
    expect(scanSql('SELECT 1 -- c')?.map((t) => [t.tokenName, t.start, t.end, t.text])).toEqual([
      ['UNKNOWN', 0, 6, 'SELECT'], // libpg-query 18.1.5 names keyword tokens UNKNOWN
      ['ICONST', 7, 8, '1'],
      ['SQL_COMMENT', 9, 13, '-- c'],
    ]);
    const ok = parsePlpgsql('DO $$ BEGIN PERFORM 1; END $$');
    expect('funcs' in ok && ok.funcs.length).toBe(1);
    const bad = parsePlpgsql('DO $$ BEGIN PERFORM 1 END $$');
    expect('error' in bad && bad.error.message).toMatch(/syntax error/);
  });

  it('survives inputs larger than the initial WASM memory', () => {
    const big = 'SELECT 1;\n'.repeat(200_000);
    const r = parseSql(big);
    expect('stmts' in r && r.stmts.length).toBe(200_000);
  });
});
