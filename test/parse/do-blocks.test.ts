import { describe, expect, it } from 'vitest';
import { lintSql } from '../../src/lint.js';

const kinds = async (sql: string) =>
  (await lintSql(sql)).statements.map((s) => [s.kind, s.line, s.column, s.effects.map((e) => `${e.kind} ${e.object}`).join('; ')]);

describe('DO blocks', () => {
  it('analyses static SQL in nested blocks, IF and LOOP bodies and exception handlers, with file spans', async () => {
    const sql = [
      'SELECT 1;',
      'DO $body$',
      'DECLARE r record;',
      'BEGIN',
      '  ALTER TABLE users ADD COLUMN x int;',
      '  IF NOT EXISTS (SELECT 1) THEN',
      '    BEGIN',
      '      ALTER TABLE users DROP COLUMN y;',
      '    EXCEPTION WHEN others THEN',
      '      DROP TABLE junk;',
      '    END;',
      '  END IF;',
      '  FOR r IN SELECT id FROM t LOOP',
      '    UPDATE t SET a = 1 WHERE id = r.id;',
      '  END LOOP;',
      'END',
      '$body$;',
    ].join('\n');
    expect(await kinds(sql)).toEqual([
      ['SelectStmt', 1, 1, 'select query'],
      ['DoStmt', 2, 1, 'do-block DO'],
      ['AlterTableStmt', 5, 3, 'add-column public.users.x'],
      ['AlterTableStmt', 8, 7, 'drop-column public.users.y'],
      ['DropStmt', 10, 7, 'drop-table public.junk'],
      ['UpdateStmt', 14, 5, 'update public.t'],
    ]);
  });

  it('reports EXECUTE of a computed string as a dynamic-sql fact at the EXECUTE', async () => {
    const report = await lintSql("DO $$\nBEGIN\n  EXECUTE format('DROP TABLE %I', 'x');\nEND $$;");
    const dyn = report.statements.find((s) => s.kind === 'DynamicExecute')!;
    expect([dyn.line, dyn.column, dyn.effects[0].kind]).toEqual([3, 3, 'dynamic-sql']);
    expect(dyn.effects[0]).toMatchObject({ detail: { dynamicSql: "format('DROP TABLE %I', 'x')" } });
  });

  it('analyses EXECUTE of a constant string like static SQL', async () => {
    expect(await kinds("DO $$ BEGIN EXECUTE 'ALTER TABLE t DROP COLUMN c'; END $$;")).toEqual([
      ['DoStmt', 1, 1, 'do-block DO'],
      ['AlterTableStmt', 1, 13, 'drop-column public.t.c'],
    ]);
  });

  it('treats a DO block in another language as dynamic', async () => {
    const report = await lintSql("DO LANGUAGE plv8 $$ plv8.execute('DROP TABLE t') $$;");
    expect(report.statements.map((s) => [s.kind, s.effects[0].kind])).toEqual([
      ['DoStmt', 'do-block'],
      ['DynamicExecute', 'dynamic-sql'],
    ]);
  });

  it('maps spans in a single-quoted DO body when no quotes are doubled', async () => {
    expect(await kinds("DO '\nBEGIN\n  DROP TABLE t;\nEND';")).toEqual([
      ['DoStmt', 1, 1, 'do-block DO'],
      ['DropStmt', 3, 3, 'drop-table public.t'],
    ]);
  });

  it('does not analyse CREATE FUNCTION bodies', async () => {
    const sql = 'CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DROP TABLE t; RETURN NEW; END $$;';
    expect(await kinds(sql)).toEqual([['CreateFunctionStmt', 1, 1, 'create-routine public.f']]);
  });
});
