import { describe, expect, it } from 'vitest';
import { found, findings } from './core-helpers.js';

const R = 'rename-column';

describe(R, () => {
  it('flags RENAME COLUMN and RENAME without COLUMN', async () => {
    const fs = await findings('ALTER TABLE users RENAME COLUMN name TO full_name;\nALTER TABLE users RENAME email TO mail;', R);
    expect(fs.map((f) => [f.rule, f.line, f.column, f.object])).toEqual([
      [R, 1, 1, 'public.users.name'],
      [R, 2, 1, 'public.users.email'],
    ]);
    expect(fs[0].message).toContain('to full_name');
  });

  it('does not flag a column of a table created in the same file', async () => {
    expect(await found('CREATE TABLE t (a int);\nALTER TABLE t RENAME COLUMN a TO b;', R)).toEqual([]);
  });

  it('does not flag renaming an index or a constraint', async () => {
    expect(await found('ALTER INDEX i RENAME TO j;\nALTER TABLE t RENAME CONSTRAINT c TO d;', R)).toEqual([]);
  });
});
