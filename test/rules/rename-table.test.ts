import { describe, expect, it } from 'vitest';
import { found, findings } from './core-helpers.js';

const R = 'rename-table';

describe(R, () => {
  it('flags ALTER TABLE … RENAME TO', async () => {
    const [f] = await findings('\n\nALTER TABLE users RENAME TO accounts;', R);
    expect([f.rule, f.line, f.column]).toEqual([R, 3, 1]);
    expect(f.message).toBe('renaming table public.users to public.accounts takes an AccessExclusiveLock on public.users and breaks the color still using the old name');
  });

  it('does not flag the rename when a view keeps the old name in the same transaction', async () => {
    const sql = 'ALTER TABLE users RENAME TO accounts;\nCREATE VIEW users AS SELECT * FROM accounts;';
    expect(await found(sql, R)).toEqual([]);
    expect(await found('ALTER TABLE users RENAME TO accounts;\nCREATE VIEW people AS SELECT * FROM accounts;', R)).toEqual([[R, 1, 1]]);
  });

  it('does not flag renaming a table created in the same file', async () => {
    expect(await found('CREATE TABLE t (id int);\nALTER TABLE t RENAME TO t2;', R)).toEqual([]);
  });

  it('follows the rename in the schema model: the new name is known', async () => {
    const sql = 'ALTER TABLE t RENAME TO t2;\nALTER TABLE t2 ALTER COLUMN name TYPE varchar(80);';
    expect(await found(sql, 'change-column-type', { previous: ['CREATE TABLE t (name varchar(40));'] })).toEqual([]);
  });
});
