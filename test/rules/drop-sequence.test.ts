import { describe, expect, it } from 'vitest';
import { found, findings } from './core-helpers.js';

const R = 'drop-sequence';

describe(R, () => {
  it('flags DROP SEQUENCE', async () => {
    const [f] = await findings('DROP SEQUENCE IF EXISTS order_numbers;', R);
    expect([f.rule, f.line, f.column, f.object]).toEqual([R, 1, 1, 'public.order_numbers']);
    expect(f.message).toContain('nextval');
  });

  it('does not flag a sequence created in the same file', async () => {
    expect(await found('CREATE SEQUENCE s;\nDROP SEQUENCE s;', R)).toEqual([]);
  });
});
