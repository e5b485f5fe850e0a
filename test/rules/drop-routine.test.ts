import { describe, expect, it } from 'vitest';
import { found, findings } from './core-helpers.js';

const R = 'drop-routine';

describe(R, () => {
  it('flags DROP FUNCTION, DROP PROCEDURE and DROP ROUTINE', async () => {
    const fs = await findings('DROP FUNCTION f(int);\nDROP PROCEDURE app.p();\nDROP ROUTINE r;', R);
    expect(fs.map((f) => [f.rule, f.line, f.column, f.object])).toEqual([
      [R, 1, 1, 'public.f'],
      [R, 2, 1, 'app.p'],
      [R, 3, 1, 'public.r'],
    ]);
    expect(fs[1].message).toContain('procedure app.p');
  });

  it('does not flag a drop followed by a re-create of the same function in the file', async () => {
    const sql = 'DROP FUNCTION IF EXISTS f(int);\nCREATE FUNCTION f(a bigint) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;';
    expect(await found(sql, R)).toEqual([]);
  });

  it('does not analyse a CREATE FUNCTION body as migration effects', async () => {
    const sql = 'CREATE FUNCTION cleanup() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DROP FUNCTION other(); DROP TABLE t; END $$;';
    const report = await findings(sql, R);
    expect(report).toEqual([]);
    expect(await found(sql, 'drop-table')).toEqual([]);
  });
});
