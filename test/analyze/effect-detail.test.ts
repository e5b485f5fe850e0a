import { describe, expect, it } from 'vitest';
import { lintSql, type AnalyzedEffect } from '../../src/lint.js';

/** The effects of `sql`'s statements, in order. */
async function effects(sql: string): Promise<AnalyzedEffect[]> {
  const report = await lintSql(sql);
  // lintSql reports the analyser's effects (FileReport types them as the shared `Effect`).
  return report.statements.flatMap((s) => s.effects as AnalyzedEffect[]);
}

async function only(sql: string, kind: AnalyzedEffect['kind']): Promise<AnalyzedEffect> {
  const found = (await effects(sql)).filter((e) => e.kind === kind);
  expect(found).toHaveLength(1);
  return found[0]!;
}

// What rules read instead of the parse tree (src/rules/support/rule.ts): each fact is pinned here.
describe('effect detail: the facts rules read', () => {
  it('column definitions: written type, modifiers, whole primary key, default calls, location', async () => {
    const sql = 'CREATE TABLE t (id serial PRIMARY KEY, a pg_catalog.varchar(40)[], b app.posint, c int, d int, PRIMARY KEY (c, d));';
    const [id, a, b, c] = (await only(sql, 'create-table')).detail.columns!;
    expect(id).toMatchObject({ typeName: ['serial'], serial: true, wholePrimaryKey: true, location: 16 });
    expect(a).toMatchObject({ typeName: ['varchar'], typeMods: [40], array: true, wholePrimaryKey: false });
    expect(b).toMatchObject({ typeName: ['app', 'posint'] });
    expect(c).toMatchObject({ primaryKey: true, wholePrimaryKey: false });
    const added = await only("ALTER TABLE t ADD COLUMN x text DEFAULT pg_catalog.md5(random()::text || now())", 'add-column');
    expect(added.detail.columnFacts).toMatchObject({ defaultCalls: ['md5', 'random', 'now'], defaultIsNull: false });
    expect((await only('ALTER TABLE t ADD COLUMN x text DEFAULT NULL', 'add-column')).detail.columnFacts?.defaultIsNull).toBe(true);
    expect((await only('ALTER FOREIGN TABLE f ADD COLUMN x text', 'add-column')).detail.subtype).toBe('foreign-table');
  });

  it('SELECT: whether it calls set_config, certain or not (the runner replays it on resume)', async () => {
    expect((await only("SELECT set_config('search_path', 'app', false)", 'select')).detail).toMatchObject({ subtype: 'set_config', setsConfig: true });
    const computed = (await only("SELECT set_config('search_path', current_setting('x'), false)", 'select')).detail;
    expect(computed.setsConfig).toBe(true);
    expect(computed.subtype).toBeUndefined();
    expect((await only('SELECT 1', 'select')).detail.setsConfig).toBeUndefined();
  });

  it('ADD PRIMARY KEY / UNIQUE: the key columns', async () => {
    expect((await only('ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY (id)', 'add-constraint')).detail.keyColumns).toEqual(['id']);
    expect((await only('ALTER TABLE t ADD UNIQUE (a, b)', 'add-constraint')).detail.keyColumns).toEqual(['a', 'b']);
    expect((await only('ALTER TABLE t ADD PRIMARY KEY USING INDEX i', 'add-constraint')).detail.keyColumns).toEqual([]);
  });

  it('INSERT and UPDATE: ON CONFLICT, rows from tables, a written WHERE', async () => {
    expect((await only('INSERT INTO t SELECT * FROM s ON CONFLICT DO NOTHING', 'insert')).detail).toMatchObject({ onConflict: true, fromTables: true });
    expect((await only('INSERT INTO t VALUES (1)', 'insert')).detail).toMatchObject({ onConflict: false, fromTables: false });
    expect((await only('UPDATE t SET a = 1 WHERE true', 'update')).detail).toMatchObject({ whereWritten: true, hasWhere: false, allRows: true });
    expect((await only('UPDATE t SET a = 1', 'update')).detail).toMatchObject({ whereWritten: false });
  });

  it('transaction commands in SQL words, with AND CHAIN', async () => {
    const commands = (await effects('BEGIN; COMMIT AND CHAIN; ABORT; END; PREPARE TRANSACTION $$x$$; COMMIT PREPARED $$x$$;'))
      .filter((e) => e.kind === 'transaction')
      .map((e) => [e.detail.transaction, e.detail.command, e.detail.chain]);
    expect(commands).toEqual([
      ['begin', 'BEGIN', false],
      ['commit', 'COMMIT', true],
      ['rollback', 'ROLLBACK', false],
      ['commit', 'COMMIT', false],
      ['prepare', 'PREPARE TRANSACTION', false],
      ['commit', 'COMMIT PREPARED', false],
    ]);
  });
});
