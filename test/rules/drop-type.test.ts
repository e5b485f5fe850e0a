import { describe, expect, it } from 'vitest';
import { found, findings } from './core-helpers.js';

const R = 'drop-type';

describe(R, () => {
  it('flags DROP TYPE and DROP DOMAIN', async () => {
    const fs = await findings('DROP TYPE mood;\nDROP DOMAIN posint;', R);
    expect(fs.map((f) => [f.rule, f.line, f.column, f.object])).toEqual([
      [R, 1, 1, 'public.mood'],
      [R, 2, 1, 'public.posint'],
    ]);
    expect(fs[1].message).toContain('domain public.posint');
  });

  it('in the enum swap, reports the rename and not the drop of the renamed type', async () => {
    const sql = [
      `CREATE TYPE "Status_new" AS ENUM ('A', 'B');`,
      `ALTER TABLE "Run" ALTER COLUMN "status" TYPE "Status_new" USING ("status"::text::"Status_new");`,
      `ALTER TYPE "Status" RENAME TO "Status_old";`,
      `ALTER TYPE "Status_new" RENAME TO "Status";`,
      `DROP TYPE "Status_old";`,
    ].join('\n');
    expect(await found(sql, R)).toEqual([]);
    expect(await found(sql, 'rename-object')).toEqual([['rename-object', 3, 1]]);
  });

  it('does not flag a type created in the same file', async () => {
    expect(await found("CREATE TYPE t AS ENUM ('a');\nDROP TYPE t;", R)).toEqual([]);
  });
});
