import { describe, expect, it } from 'vitest';
import { found, findings } from './core-helpers.js';

const R = 'drop-column';

describe(R, () => {
  it('flags DROP COLUMN with the column, table and lock in the message', async () => {
    const [f] = await findings('ALTER TABLE users DROP COLUMN name;', R);
    expect([f.rule, f.line, f.column]).toEqual([R, 1, 1]);
    expect(f.message).toBe('dropping column public.users.name takes an AccessExclusiveLock on public.users and breaks the color still reading it');
    expect(f.object).toBe('public.users.name');
  });

  it('keeps quoted identifiers as written', async () => {
    expect((await findings('ALTER TABLE "Users" DROP COLUMN "FullName";', R))[0].object).toBe('public.Users.FullName');
  });

  it('flags each dropped column of one ALTER TABLE', async () => {
    expect((await findings('ALTER TABLE t DROP COLUMN a, DROP COLUMN IF EXISTS b;', R)).map((f) => f.object)).toEqual(['public.t.a', 'public.t.b']);
  });

  it('does not flag a column of a table created in the same file', async () => {
    expect(await found('CREATE TABLE t (a int, b int);\nALTER TABLE t DROP COLUMN b;', R)).toEqual([]);
  });

  it('says when a known view reads the column (PostgreSQL refuses; CASCADE drops the view)', async () => {
    const previous = ['CREATE TABLE users (id int, name text);', 'CREATE VIEW names AS SELECT u.name FROM users u;'];
    const [plain] = await findings('ALTER TABLE users DROP COLUMN name;', R, { previous });
    expect(plain.message).toBe(
      'dropping column public.users.name takes an AccessExclusiveLock on public.users and breaks the color still reading it; PostgreSQL refuses it while public.names reads the column',
    );
    const [cascade] = await findings('ALTER TABLE users DROP COLUMN name CASCADE;', R, { previous });
    expect(cascade.message).toContain('; CASCADE also drops public.names, which reads it');
    const [other] = await findings('ALTER TABLE users DROP COLUMN id;', R, { previous });
    expect(other.message).not.toContain('names');
  });

  it('does not flag a column added earlier in the same file, on an existing table', async () => {
    expect(await found('ALTER TABLE users ADD COLUMN tmp int;\nALTER TABLE users DROP COLUMN tmp;\nALTER TABLE users DROP COLUMN name;', R)).toEqual([[R, 3, 1]]);
  });

  it('still flags a drop of a column of a table renamed earlier in the file (the rename is flagged too)', async () => {
    const sql = 'ALTER TABLE users RENAME TO people;\nALTER TABLE people DROP COLUMN name;';
    expect(await found(sql, R)).toEqual([[R, 2, 1]]);
    expect(await found(sql, 'rename-table')).toEqual([['rename-table', 1, 1]]);
  });

  it('does not flag ADD COLUMN', async () => {
    expect(await found('ALTER TABLE t ADD COLUMN c int;', R)).toEqual([]);
  });

  it('resolves unqualified names through an earlier SET search_path', async () => {
    expect((await findings("SET search_path TO app;\nALTER TABLE t DROP COLUMN a;", R))[0].object).toBe('app.t.a');
    // Two schemas searched and the model knows neither holds t: the name is ambiguous.
    expect((await findings("SET search_path TO app, public;\nALTER TABLE t DROP COLUMN a;", R))[0].object).toBe('?.t.a');
  });

  it('is suppressed by an ignore comment with a reason, and stays listed as info', async () => {
    const [f] = await findings('-- bgmigrate-ignore drop-column: deprecated in v41\nALTER TABLE users DROP COLUMN name;', R);
    expect(f).toMatchObject({ rule: R, line: 2, column: 1, severity: 'info', suppressed: 'deprecated in v41' });
  });
});

describe(`${R} through DROP TYPE … CASCADE`, () => {
  it('reports every column of the dropped type', async () => {
    const previous = ["CREATE TYPE mood AS ENUM ('ok');", 'CREATE TABLE t (id int, m mood, ms mood[]);'];
    const fs = await findings('DROP TYPE mood CASCADE;', R, { previous });
    expect(fs.map((f) => [f.rule, f.line, f.column, f.object])).toEqual([
      [R, 1, 1, 'public.t.m'],
      [R, 1, 1, 'public.t.ms'],
    ]);
    expect(fs[0].message).toBe('DROP … CASCADE of public.mood also drops column public.t.m takes an AccessExclusiveLock on public.t and breaks the color still reading it');
    expect(await found('DROP TYPE mood;', R, { previous })).toEqual([]);
  });
});
