import { describe, expect, it } from 'vitest';
import { found, findings } from './core-helpers.js';

const R = 'drop-default';

describe(R, () => {
  it('flags DROP DEFAULT', async () => {
    const [f] = await findings('ALTER TABLE orders ALTER COLUMN status DROP DEFAULT;', R);
    expect([f.rule, f.line, f.column, f.object]).toEqual([R, 1, 1, 'public.orders.status']);
  });

  it('does not flag DROP DEFAULT followed by SET DEFAULT on the same column (Prisma enum swap)', async () => {
    const sql = 'ALTER TABLE orders ALTER COLUMN status DROP DEFAULT;\nALTER TABLE orders ALTER COLUMN status SET DEFAULT 1;';
    expect(await found(sql, R)).toEqual([]);
  });

  it('does not flag SET DEFAULT', async () => {
    expect(await found("ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'new';", R)).toEqual([]);
  });
});
