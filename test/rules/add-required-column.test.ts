import { describe, expect, it } from 'vitest';
import { found, findings } from './core-helpers.js';

const R = 'add-required-column';

describe(R, () => {
  it('flags ADD COLUMN … NOT NULL without a default on an existing table', async () => {
    const [f] = await findings('SELECT 1;\nALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;', R);
    expect([f.rule, f.line, f.column, f.object, f.severity]).toEqual([R, 2, 1, 'public.users.tenant_id', 'error']);
    expect(f.ledger).toBeUndefined();
  });

  it('is an error even when a ledger allows everything', async () => {
    const ledger = { judge: () => ({ allowed: true, reason: 'ok' }) };
    expect((await findings('ALTER TABLE users ADD COLUMN t int NOT NULL;', R, { ledger }))[0].severity).toBe('error');
  });

  it.each([
    ['a constant default', 'ALTER TABLE users ADD COLUMN t int NOT NULL DEFAULT 0;'],
    ['nullable', 'ALTER TABLE users ADD COLUMN t int;'],
    ['an identity column', 'ALTER TABLE users ADD COLUMN t bigint GENERATED ALWAYS AS IDENTITY NOT NULL;'],
    ['a serial', 'ALTER TABLE users ADD COLUMN t bigserial;'],
  ])('does not flag %s', async (_n, sql) => {
    expect(await found(sql, R)).toEqual([]);
  });

  it('does not flag ADD COLUMN IF NOT EXISTS of a column an earlier migration added', async () => {
    const previous = ['ALTER TABLE users ADD COLUMN t int NOT NULL DEFAULT 0;'];
    expect(await found('ALTER TABLE users ADD COLUMN IF NOT EXISTS t int NOT NULL;', R, { previous })).toEqual([]);
    expect(await found('ALTER TABLE users ADD COLUMN t int NOT NULL;', R, { previous })).toEqual([[R, 1, 1]]);
  });

  it('does not flag a table created in the same file', async () => {
    expect(await found('CREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN x int NOT NULL;', R)).toEqual([]);
  });
});
