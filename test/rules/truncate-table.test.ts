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

  it('does not flag DELETE', async () => {
    expect(await found('DELETE FROM a WHERE id < 10;', R)).toEqual([]);
  });
});
