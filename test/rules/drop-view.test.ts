import { describe, expect, it } from 'vitest';
import { found, findings } from './core-helpers.js';

const R = 'drop-view';

describe(R, () => {
  it('flags DROP VIEW and DROP MATERIALIZED VIEW', async () => {
    const fs = await findings('DROP VIEW active_users;\nDROP MATERIALIZED VIEW daily_totals;', R);
    expect(fs.map((f) => [f.rule, f.line, f.column])).toEqual([
      [R, 1, 1],
      [R, 2, 1],
    ]);
    expect(fs[1].message).toContain('materialized view public.daily_totals');
  });

  it('does not flag DROP VIEW followed by CREATE VIEW of the same name in the same transaction', async () => {
    expect(await found('DROP VIEW active_users;\nCREATE VIEW active_users AS SELECT 1 AS id;', R)).toEqual([]);
  });

  it('flags the drop when the file does not run in one transaction', async () => {
    const sql = '-- bgmigrate: no-transaction\nDROP VIEW active_users;\nCREATE VIEW active_users AS SELECT 1 AS id;';
    expect(await found(sql, R)).toEqual([[R, 2, 1]]);
  });

  it('does not flag CREATE OR REPLACE VIEW', async () => {
    expect(await found('CREATE OR REPLACE VIEW v AS SELECT 1;', R)).toEqual([]);
  });
});

describe(`${R} through CASCADE`, () => {
  it('DROP TABLE … CASCADE also drops the views known to read the table', async () => {
    const previous = ['CREATE TABLE t (id int);', 'CREATE MATERIALIZED VIEW mv AS SELECT id FROM t;', 'CREATE VIEW other AS SELECT 1 AS x;'];
    const fs = await findings('DROP TABLE t CASCADE;', R, { previous });
    expect(fs.map((f) => [f.rule, f.line, f.column, f.object])).toEqual([[R, 1, 1, 'public.mv']]);
    expect(fs[0].message).toBe('CASCADE from public.t also drops materialized view public.mv takes an AccessExclusiveLock on public.mv and breaks the color still reading it');
    expect(await found('DROP TABLE t;', R, { previous })).toEqual([]);
  });
});
