import { describe, expect, it } from 'vitest';
import { lintMigrations, lintSql, migrationFromString } from '../../src/lint.js';

const typeChange = async (sql: string, previous: string[]) => {
  const report = await lintSql(sql, { previous });
  return report.statements.flatMap((s) => s.effects.filter((e) => e.kind === 'change-column-type').map((e) => [e.class, e.rewrites]));
};

describe('schema model replay', () => {
  const users = ['CREATE TABLE users (id int PRIMARY KEY, name varchar(40))'];

  it('varchar(40) → varchar(80) is no rewrite; → varchar(20) is', async () => {
    expect(await typeChange('ALTER TABLE users ALTER COLUMN name TYPE varchar(80)', users)).toEqual([['additive', false]]);
    expect(await typeChange('ALTER TABLE users ALTER COLUMN name TYPE varchar(20)', users)).toEqual([['contract', true]]);
  });

  it('follows ADD COLUMN, RENAME COLUMN and earlier type changes across files', async () => {
    const previous = [...users, 'ALTER TABLE users ADD COLUMN bio varchar(10)', 'ALTER TABLE users RENAME COLUMN bio TO about', 'ALTER TABLE users ALTER COLUMN about TYPE varchar(100)'];
    expect(await typeChange('ALTER TABLE users ALTER COLUMN about TYPE varchar(200)', previous)).toEqual([['additive', false]]);
    expect(await typeChange('ALTER TABLE users ALTER COLUMN about TYPE varchar(50)', previous)).toEqual([['contract', true]]);
  });

  it('a table renamed earlier keeps its columns under the new name', async () => {
    const previous = [...users, 'ALTER TABLE users RENAME TO accounts'];
    expect(await typeChange('ALTER TABLE accounts ALTER COLUMN name TYPE text', previous)).toEqual([['additive', false]]);
  });

  it('an index on a table created earlier in the same file needs no CONCURRENTLY; in an earlier file it does', async () => {
    const same = await lintSql('CREATE TABLE t (a int);\nCREATE INDEX t_a ON t (a);');
    expect(same.findings.filter((f) => f.rule === 'index-not-concurrent')).toEqual([]);
    const earlier = await lintSql('CREATE INDEX t_a ON t (a);', { previous: ['CREATE TABLE t (a int);'] });
    expect(earlier.findings.filter((f) => f.rule === 'index-not-concurrent').map((f) => [f.line, f.column])).toEqual([[1, 1]]);
  });

  it('marks effects on objects created earlier in the same file as new', async () => {
    const report = await lintSql('CREATE TABLE t (a int);\nALTER TABLE t DROP COLUMN a;\nALTER TABLE u DROP COLUMN a;');
    const drops = report.statements.flatMap((s) => s.effects).filter((e) => e.kind === 'drop-column');
    expect(drops.map((e) => [e.object, e.class, (e as { detail?: { newInFile?: boolean } }).detail?.newInFile])).toEqual([
      ['public.t.a', 'neutral', true],
      ['public.u.a', 'contract', false],
    ]);
  });

  it('replays files in order in lintMigrations and history is not reported', async () => {
    const history = [migrationFromString('CREATE TABLE users (name varchar(40));', '001.sql')];
    const files = [
      migrationFromString('ALTER TABLE users ALTER COLUMN name TYPE varchar(80);', '002.sql'),
      migrationFromString('CREATE TABLE orders (id int);', '003.sql'),
      migrationFromString('CREATE INDEX orders_id ON orders (id);\nALTER TABLE users ALTER COLUMN name TYPE varchar(10);', '004.sql'),
    ];
    const reports = await lintMigrations(files, { pgVersion: 15, history });
    expect(reports.map((r) => r.path)).toEqual(['002.sql', '003.sql', '004.sql']);
    expect(reports.map((r) => r.findings.map((f) => [f.rule, f.line]))).toEqual([
      [],
      [],
      [
        ['index-not-concurrent', 1],
        ['change-column-type', 2],
      ],
    ]);
    expect(reports[2].findings[1].message).toContain('from varchar(80) to varchar(10)');
  });

  it('knows a valid CHECK (c IS NOT NULL) and forgets it when the constraint is dropped', async () => {
    const previous = [
      'CREATE TABLE users (email text)',
      'ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID',
      'ALTER TABLE users VALIDATE CONSTRAINT email_nn',
    ];
    const scans = async (prev: string[]) =>
      (await lintSql('ALTER TABLE users ALTER COLUMN email SET NOT NULL', { previous: prev })).statements[0].effects[0].scans;
    expect(await scans(previous)).toBe(false);
    expect(await scans([...previous, 'ALTER TABLE users DROP CONSTRAINT email_nn'])).toBe(true);
  });

  it('normalises types: integer = int4, character varying(40) = varchar(40), decimal = numeric', async () => {
    const previous = ['CREATE TABLE t (a integer, b character varying(40), c decimal(10,2))'];
    expect(await typeChange('ALTER TABLE t ALTER COLUMN a TYPE int4', previous)).toEqual([['additive', false]]);
    expect(await typeChange('ALTER TABLE t ALTER COLUMN b TYPE varchar(41)', previous)).toEqual([['additive', false]]);
    expect(await typeChange('ALTER TABLE t ALTER COLUMN c TYPE numeric(11,2)', previous)).toEqual([['additive', false]]);
  });
});
