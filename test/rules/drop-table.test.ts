import { describe, expect, it } from 'vitest';
import { found, findings } from './core-helpers.js';

const R = 'drop-table';

describe(R, () => {
  it('flags DROP TABLE of an existing table, names the table and the lock, refuses without a ledger', async () => {
    const [f] = await findings('SELECT 1;\n  DROP TABLE users;', R);
    expect([f.rule, f.line, f.column, f.endLine, f.endColumn]).toEqual([R, 2, 3, 2, 19]);
    expect(f).toMatchObject({ severity: 'error', object: 'public.users', lock: 'AccessExclusiveLock', ledger: { allowed: false } });
    expect(f.message).toBe('dropping table public.users takes an AccessExclusiveLock on public.users and breaks the color still using it');
    expect(f.ledger!.reason).toMatch(/ledger was not consulted/);
    expect(f.help).toMatch(/deprecate/i);
  });

  it('flags every table of a multi-table DROP, schema-qualified', async () => {
    const fs = await findings('DROP TABLE IF EXISTS a, app.b CASCADE;', R);
    expect(fs.map((f) => [f.rule, f.line, f.column, f.object])).toEqual([
      [R, 1, 1, 'public.a'],
      [R, 1, 1, 'app.b'],
    ]);
  });

  it('does not flag a table created earlier in the same file', async () => {
    expect(await found('CREATE TABLE tmp (id int);\nDROP TABLE tmp;', R)).toEqual([]);
  });

  it('flags a table created by an earlier migration', async () => {
    expect(await found('DROP TABLE tmp;', R, { previous: ['CREATE TABLE tmp (id int);'] })).toEqual([[R, 1, 1]]);
  });

  it('is info with the verdict when the ledger allows it', async () => {
    const ledger = { judge: () => ({ allowed: true, reason: 'deprecated in v41, v40 retired' }) };
    const [f] = await findings('DROP TABLE users;', R, { ledger });
    expect(f).toMatchObject({ severity: 'info', ledger: { allowed: true, reason: 'deprecated in v41, v40 retired' } });
  });

  it('passes the effect to the ledger', async () => {
    const seen: string[] = [];
    const ledger = { judge: (e: { kind: string; object: string }) => (seen.push(`${e.kind} ${e.object}`), { allowed: false, reason: 'no' }) };
    await findings('DROP TABLE users;', R, { ledger });
    expect(seen).toEqual(['drop-table public.users']);
  });

  it('keeps its level whatever the options say: the ledger decides', async () => {
    expect((await findings('DROP TABLE users;', R, { rules: { [R]: 'warning' } }))[0].severity).toBe('error');
    expect(await found('DROP TABLE users;', R, { rules: { [R]: 'off' } })).toEqual([[R, 1, 1]]);
  });

  it('flags DROP TABLE inside a DO block at the statement inside', async () => {
    expect(await found('DO $$\nBEGIN\n  IF true THEN\n    DROP TABLE users;\n  END IF;\nEND $$;', R)).toEqual([[R, 4, 5]]);
  });
});
