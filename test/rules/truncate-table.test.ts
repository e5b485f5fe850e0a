import { describe, expect, it } from 'vitest';
import { found, findings } from './core-helpers.js';

const R = 'truncate-table';

describe(R, () => {
  it('flags TRUNCATE, one finding per table', async () => {
    const fs = await findings('TRUNCATE a, b CASCADE;', R);
    expect(fs.map((f) => [f.rule, f.line, f.column, f.object])).toEqual([
      [R, 1, 1, 'public.a'],
      [R, 1, 1, 'public.b'],
    ]);
    expect(fs[0].message).toBe('truncating public.a with CASCADE takes an AccessExclusiveLock on public.a and removes data the color still reading it expects');
  });

  it('follows CASCADE to tables with a known foreign key, transitively', async () => {
    const previous = ['CREATE TABLE a (id int PRIMARY KEY);', 'CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a);', 'CREATE TABLE c (b_id int, CONSTRAINT c_b FOREIGN KEY (b_id) REFERENCES b (id));'];
    const fs = await findings('TRUNCATE a CASCADE;', R, { previous });
    expect(fs.map((f) => [f.rule, f.line, f.column, f.object])).toEqual([
      [R, 1, 1, 'public.a'],
      [R, 1, 1, 'public.b'],
      [R, 1, 1, 'public.c'],
    ]);
    expect(fs[1].message).toBe('TRUNCATE … CASCADE from public.a also truncates public.b takes an AccessExclusiveLock on public.b and removes data the color still reading it expects');
    expect((await findings('TRUNCATE a;', R, { previous })).map((f) => f.object)).toEqual(['public.a']);
  });

  it('does not flag DELETE', async () => {
    expect(await found('DELETE FROM a WHERE id < 10;', R)).toEqual([]);
  });
});
