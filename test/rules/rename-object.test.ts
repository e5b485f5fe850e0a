import { describe, expect, it } from 'vitest';
import { found, findings } from './core-helpers.js';

const R = 'rename-object';

describe(R, () => {
  it('flags renames of views, types, enum values, schemas, routines, sequences and SET SCHEMA', async () => {
    const sql = [
      'ALTER VIEW v RENAME TO v2;',
      'ALTER MATERIALIZED VIEW mv RENAME TO mv2;',
      'ALTER TYPE mood RENAME TO feeling;',
      "ALTER TYPE mood RENAME VALUE 'ok' TO 'fine';",
      'ALTER SCHEMA app RENAME TO app2;',
      'ALTER FUNCTION f(int) RENAME TO g;',
      'ALTER SEQUENCE s RENAME TO s2;',
      'ALTER TABLE t SET SCHEMA archive;',
    ].join('\n');
    const fs = await findings(sql, R);
    expect(fs.map((f) => [f.rule, f.line, f.column])).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((l) => [R, l, 1]));
    expect(fs[3].message).toBe("renaming enum value public.mood.ok to 'fine' breaks the color still using the old name");
    expect(fs[7].message).toContain('moving public.t to archive.t');
  });

  it('does not flag ALTER TYPE … ADD VALUE or ALTER INDEX … RENAME', async () => {
    expect(await found("ALTER TYPE mood ADD VALUE 'meh';\nALTER INDEX i RENAME TO j;", R)).toEqual([]);
  });
});
