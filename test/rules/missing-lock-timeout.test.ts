import { describe, expect, it } from 'vitest';
import { findings as findingsOf } from './core-helpers.js';

const RULE = 'missing-lock-timeout';
const ON = { [RULE]: 'warning' as const };

/** Every finding of this rule (the shared helper of test/rules/core-helpers.ts), with the rule switched on. */
const findings = (sql: string, rules: Record<string, 'warning' | 'error' | 'off'> = ON) => findingsOf(sql, RULE, { rules });
async function positions(sql: string) {
  return (await findings(sql)).map((f) => [f.line, f.column]);
}

describe(RULE, () => {
  it('is off by default', async () => {
    expect(await findings('ALTER TABLE orders ADD COLUMN note text;', {})).toEqual([]);
  });

  it('flags DDL taking a strong lock on an existing table with no lock_timeout set before it', async () => {
    const sql = [
      'CREATE INDEX orders_user_idx ON orders (user_id);',
      "SET lock_timeout = '2s';",
      'ALTER TABLE orders ADD COLUMN note text;',
    ].join('\n');
    const found = await findings(sql);
    expect(found.map((f) => [f.line, f.column, f.lock])).toEqual([[1, 1, 'ShareLock']]);
    expect(found[0]).toMatchObject({ severity: 'warning', object: 'public.orders' });
    expect(found[0]!.message).toContain('lock_timeout');
  });

  it('treats lock_timeout = 0 as not set', async () => {
    expect(await positions("SET lock_timeout = 0;\nALTER TABLE orders ADD COLUMN note text;")).toEqual([[2, 1]]);
  });

  it('accepts SET LOCAL lock_timeout', async () => {
    expect(await positions("SET LOCAL lock_timeout = '1s';\nALTER TABLE orders ADD COLUMN note text;")).toEqual([]);
  });

  it('does not flag weak locks or tables created in the same file', async () => {
    const sql = [
      'CREATE INDEX CONCURRENTLY orders_user_idx ON orders (user_id);',
      "COMMENT ON TABLE orders IS 'x';",
      'CREATE TABLE notes (id bigint);',
      'ALTER TABLE notes ADD COLUMN body text;',
    ].join('\n');
    expect(await positions(sql)).toEqual([]);
  });
});
