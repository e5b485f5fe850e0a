import { describe, expect, it } from 'vitest';
import { findings as findingsOf, positions as positionsOf, type LintCase } from './core-helpers.js';

const RULE = 'table-rewrite';

const findings = (sql: string, options: LintCase = {}) => findingsOf(sql, RULE, options);
const positions = (sql: string, options: LintCase = {}) => positionsOf(sql, RULE, options);

describe(RULE, () => {
  it('flags ADD COLUMN with a volatile default', async () => {
    const sql = [
      'ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();',
      'ALTER TABLE orders ADD COLUMN r float8 DEFAULT random();',
      'ALTER TABLE orders ADD COLUMN seen timestamptz NOT NULL DEFAULT clock_timestamp();',
      "ALTER TABLE orders ADD COLUMN n bigint DEFAULT nextval('orders_n_seq');",
    ].join('\n');
    const found = await findings(sql);
    expect(found.map((f) => [f.line, f.column])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
    ]);
    expect(found[0]).toMatchObject({ severity: 'error', lock: 'AccessExclusiveLock', object: 'public.orders.token' });
    expect(found[0]!.message).toContain('gen_random_uuid()');
    expect(found[0]!.message).toContain('public.orders');
  });

  it('flags serial, identity and STORED generated columns', async () => {
    const sql = [
      'ALTER TABLE orders ADD COLUMN seq bigserial;',
      'ALTER TABLE orders ADD COLUMN num bigint GENERATED ALWAYS AS IDENTITY;',
      'ALTER TABLE orders ADD COLUMN total2 numeric GENERATED ALWAYS AS (total * 2) STORED;',
    ].join('\n');
    expect(await positions(sql)).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
  });

  it('does not flag a constant or STABLE default on PostgreSQL 11 and later', async () => {
    const sql = [
      "ALTER TABLE orders ADD COLUMN state text NOT NULL DEFAULT 'new';",
      'ALTER TABLE orders ADD COLUMN created timestamptz DEFAULT now();',
      'ALTER TABLE orders ADD COLUMN created2 timestamptz DEFAULT CURRENT_TIMESTAMP;',
      'ALTER TABLE orders ADD COLUMN flag boolean DEFAULT false;',
      "ALTER TABLE orders ADD COLUMN meta jsonb DEFAULT '{}'::jsonb;",
      "ALTER TABLE orders ADD COLUMN utc timestamp DEFAULT timezone('utc', now());",
      "ALTER TABLE orders ADD COLUMN day timestamptz DEFAULT date_trunc('day', now());",
      'ALTER TABLE orders ADD COLUMN note text;',
    ].join('\n');
    expect(await positions(sql, { pgVersion: 11 })).toEqual([]);
  });

  it('flags a default calling a function it cannot prove non-volatile, naming it', async () => {
    const found = await findings('ALTER TABLE orders ADD COLUMN code text DEFAULT app.next_code();');
    expect(found.map((f) => [f.line, f.column])).toEqual([[1, 1]]);
    expect(found[0]!.message).toContain('app.next_code()');
  });

  it('flags any non-null default on PostgreSQL 10', async () => {
    const sql = ["ALTER TABLE orders ADD COLUMN state text NOT NULL DEFAULT 'new';", 'ALTER TABLE orders ADD COLUMN note text DEFAULT NULL;'].join('\n');
    expect(await positions(sql, { pgVersion: 10 })).toEqual([[1, 1]]);
  });

  it('does not flag a VIRTUAL generated column on PostgreSQL 18, and flags it before 18 (stored only)', async () => {
    const sql = 'ALTER TABLE orders ADD COLUMN total2 numeric GENERATED ALWAYS AS (total * 2);';
    expect(await positions(sql, { pgVersion: 18 })).toEqual([]);
    expect(await positions(sql, { pgVersion: 17 })).toEqual([[1, 1]]);
  });

  it('flags SET LOGGED / UNLOGGED, SET ACCESS METHOD, SET TABLESPACE, VACUUM FULL and CLUSTER', async () => {
    const sql = [
      'ALTER TABLE orders SET UNLOGGED;',
      'ALTER TABLE orders SET LOGGED;',
      'ALTER TABLE orders SET ACCESS METHOD heap;',
      'ALTER TABLE orders SET TABLESPACE fast;',
      'VACUUM FULL orders;',
      'CLUSTER orders USING orders_pkey;',
    ].join('\n');
    const found = await findings(sql);
    expect(found.map((f) => [f.line, f.column])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
      [5, 1],
      [6, 1],
    ]);
    expect(found[4]!.help).toContain('pg_repack');
    expect(await positions('ALTER INDEX orders_pkey SET TABLESPACE fast;')).toEqual([[1, 1]]);
  });

  it('does not flag plain VACUUM, SET (storage parameters) or rewrites of a table created in the same file', async () => {
    const sql = [
      'VACUUM orders;',
      'ALTER TABLE orders SET (fillfactor = 70);',
      'CREATE TABLE staging (id bigint);',
      'ALTER TABLE staging ADD COLUMN token uuid DEFAULT gen_random_uuid();',
      'ALTER TABLE staging SET LOGGED;',
    ].join('\n');
    expect(await positions(sql)).toEqual([]);
  });

  it('reports one finding for an ALTER TABLE adding several rewriting columns (one rewrite)', async () => {
    const sql =
      'ALTER TABLE orders\n  ADD COLUMN a numeric GENERATED ALWAYS AS (total * 2) STORED,\n  ADD COLUMN b uuid DEFAULT gen_random_uuid();';
    const found = await findings(sql);
    expect(found.map((f) => [f.line, f.column, f.object])).toEqual([[1, 1, 'public.orders']]);
    expect(found[0]!.message).toContain('ADD COLUMN a, b');
  });

  it('does not flag ADD COLUMN IF NOT EXISTS of a column an earlier migration added', async () => {
    const sql = 'ALTER TABLE orders ADD COLUMN IF NOT EXISTS token uuid DEFAULT gen_random_uuid();';
    expect(await positions(sql, { previous: ['CREATE TABLE orders (id bigint, token uuid);'] })).toEqual([]);
    expect(await positions(sql, { previous: ['CREATE TABLE orders (id bigint);'] })).toEqual([[1, 1]]);
  });

  it('flags a column of a domain with a CHECK', async () => {
    expect(
      await positions('ALTER TABLE orders ADD COLUMN qty posint;', {
        previous: ['CREATE DOMAIN posint AS integer CHECK (VALUE > 0);'],
      }),
    ).toEqual([[1, 1]]);
    expect(
      await positions('ALTER TABLE orders ADD COLUMN qty plainint;', {
        previous: ['CREATE DOMAIN plainint AS integer;'],
      }),
    ).toEqual([]);
  });
});
