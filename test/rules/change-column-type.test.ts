import { describe, expect, it } from 'vitest';
import { found, findings } from './core-helpers.js';

const R = 'change-column-type';
const USERS = ['CREATE TABLE users (id int, name varchar(40), bio text, price numeric(10,2), ip cidr, code char(5));'];

describe(R, () => {
  it.each([
    ['varchar(40) → varchar(80)', 'name TYPE varchar(80)'],
    ['varchar(40) → varchar(40)', 'name TYPE varchar(40)'],
    ['varchar(40) → text', 'name TYPE text'],
    ['text → varchar', 'bio TYPE varchar'],
    ['numeric(10,2) → numeric(12,2)', 'price TYPE numeric(12,2)'],
    ['numeric(10,2) → numeric', 'price TYPE numeric'],
    ['cidr → inet', 'ip TYPE inet'],
  ])('does not flag the metadata-only change %s', async (_name, change) => {
    expect(await found(`ALTER TABLE users ALTER COLUMN ${change};`, R, { previous: USERS })).toEqual([]);
  });

  it.each([
    ['varchar(40) → varchar(20)', 'name TYPE varchar(20)', 'varchar(40) to varchar(20)'],
    ['text → varchar(20)', 'bio TYPE varchar(20)', 'text to varchar(20)'],
    ['int → bigint', 'id TYPE bigint', 'int4 to int8'],
    ['numeric scale change', 'price TYPE numeric(12,3)', 'numeric(10,2) to numeric(12,3)'],
    ['char(5) → char(10)', 'code TYPE char(10)', 'char(5) to char(10)'],
  ])('flags the rewriting change %s', async (_name, change, types) => {
    const fs = await findings(`ALTER TABLE users ALTER COLUMN ${change};`, R, { previous: USERS });
    expect(fs.map((f) => [f.rule, f.line, f.column])).toEqual([[R, 1, 1]]);
    expect(fs[0].message).toContain(types);
    expect(fs[0].lock).toBe('AccessExclusiveLock');
  });

  it('says when a view reads the column, following renames of the table and column', async () => {
    const previous = [...USERS, 'CREATE VIEW everything AS SELECT * FROM users;', 'ALTER TABLE users RENAME TO accounts;', 'ALTER TABLE accounts RENAME COLUMN id TO account_id;'];
    const [f] = await findings('ALTER TABLE accounts ALTER COLUMN account_id TYPE bigint;', R, { previous });
    expect(f.message).toContain('; PostgreSQL refuses it while public.everything reads the column');
    const dropped = [...previous, 'DROP VIEW everything;'];
    expect((await findings('ALTER TABLE accounts ALTER COLUMN account_id TYPE bigint;', R, { previous: dropped }))[0].message).not.toContain('refuses');
  });

  it('assumes a rewrite when the old type is unknown', async () => {
    const [f] = await findings('ALTER TABLE accounts ALTER COLUMN name TYPE text;', R);
    expect(f.message).toContain('from an unknown type to text');
  });

  it('treats USING col::newtype as no USING (PostgreSQL plans it to the same conversion), any other USING as a rewrite', async () => {
    expect(await found('ALTER TABLE users ALTER COLUMN name TYPE varchar(80) USING name::varchar(80);', R, { previous: USERS })).toEqual([]);
    expect(await found("ALTER TABLE users ALTER COLUMN name TYPE varchar(80) USING trim(name);", R, { previous: USERS })).toEqual([[R, 1, 1]]);
  });

  it('judges against the type set earlier in the same file', async () => {
    const sql = 'ALTER TABLE users ALTER COLUMN name TYPE varchar(100);\nALTER TABLE users ALTER COLUMN name TYPE text;';
    expect(await found(sql, R, { previous: USERS })).toEqual([]);
  });

  it('does not flag a column of a table created in the same file', async () => {
    expect(await found('CREATE TABLE t (a int);\nALTER TABLE t ALTER COLUMN a TYPE bigint;', R)).toEqual([]);
  });
});
