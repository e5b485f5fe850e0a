// Issue class 1: a later drop is harmless only when an earlier statement of the same file really
// created the object. IF NOT EXISTS / OR REPLACE on an object the migrations never created (or
// created in an earlier file) may have found one already in use.
import { describe, expect, it } from 'vitest';
import { lintSql } from '../../src/lint.js';

async function errors(sql: string, previous: string[] = []): Promise<[string, number, string][]> {
  const report = await lintSql(sql, { pgVersion: 16, previous });
  return report.findings.filter((f) => f.severity === 'error').map((f) => [f.rule, f.line, f.object ?? '']);
}

describe('no-op creates do not make an object new', () => {
  it('CREATE SCHEMA IF NOT EXISTS of an existing schema', async () => {
    expect(await errors('CREATE SCHEMA IF NOT EXISTS public;\nDROP SCHEMA public CASCADE;')).toEqual([['drop-schema', 2, 'public']]);
    expect(await errors('CREATE SCHEMA scratch;\nDROP SCHEMA scratch;')).toEqual([]);
  });

  it('ADD COLUMN IF NOT EXISTS on a table whose columns are not all known', async () => {
    expect(await errors('ALTER TABLE users ADD COLUMN IF NOT EXISTS nick text;\nALTER TABLE users DROP COLUMN nick;')).toEqual([['drop-column', 2, 'public.users.nick']]);
    expect(await errors('ALTER TABLE users ADD COLUMN IF NOT EXISTS nick text;\nALTER TABLE users RENAME COLUMN nick TO handle;')).toEqual([['rename-column', 2, 'public.users.nick']]);
    expect(await errors('ALTER TABLE users ADD COLUMN IF NOT EXISTS n int;\nALTER TABLE users ALTER COLUMN n TYPE bigint;').then((e) => e.map((x) => x[0]))).toContain('change-column-type');
    // The column exists from an earlier migration: IF NOT EXISTS does nothing.
    expect(await errors('ALTER TABLE t ADD COLUMN IF NOT EXISTS b int;\nALTER TABLE t DROP COLUMN b;', ['CREATE TABLE t (a int, b int);'])).toEqual([['drop-column', 2, 'public.t.b']]);
    // A table created by the migrations, column really added here: dropping it again is harmless.
    expect(await errors('ALTER TABLE t ADD COLUMN IF NOT EXISTS b int;\nALTER TABLE t DROP COLUMN b;', ['CREATE TABLE t (a int);'])).toEqual([]);
  });

  it('CREATE SEQUENCE IF NOT EXISTS, CREATE OR REPLACE FUNCTION / VIEW', async () => {
    expect(await errors('CREATE SEQUENCE IF NOT EXISTS order_seq;\nDROP SEQUENCE order_seq;')).toEqual([['drop-sequence', 2, 'public.order_seq']]);
    expect(await errors("CREATE OR REPLACE FUNCTION norm(t text) RETURNS text LANGUAGE sql AS 'select lower(t)';\nDROP FUNCTION norm(text);")).toEqual([['drop-routine', 2, 'public.norm']]);
    expect(await errors('CREATE OR REPLACE VIEW active_users AS SELECT 1 AS x;\nDROP VIEW active_users;')).toEqual([['drop-view', 2, 'public.active_users']]);
    expect(await errors('CREATE VIEW v AS SELECT 1 AS x;\nDROP VIEW v;')).toEqual([]);
    // An earlier migration created it: OR REPLACE in this file makes nothing new.
    expect(await errors('CREATE OR REPLACE VIEW v AS SELECT 2 AS x;\nDROP VIEW v;', ['CREATE VIEW v AS SELECT 1 AS x;'])).toEqual([['drop-view', 2, 'public.v']]);
  });

  it('CREATE TABLE IF NOT EXISTS and CREATE TABLE AS IF NOT EXISTS', async () => {
    expect(await errors('CREATE TABLE IF NOT EXISTS users (id int);\nDROP TABLE users;')).toEqual([['drop-table', 2, 'public.users']]);
    expect(await errors('CREATE TABLE IF NOT EXISTS users AS SELECT 1 AS id;\nDROP TABLE users;')).toEqual([['drop-table', 2, 'public.users']]);
    expect(await errors('CREATE TABLE users (id int);\nDROP TABLE users;')).toEqual([]);
  });

  it('temporary tables live in pg_temp, never in public', async () => {
    expect(await errors('CREATE TEMP TABLE users (a int);\nDROP TABLE public.users;')).toEqual([['drop-table', 2, 'public.users']]);
    // Unqualified names find the temporary table first, as PostgreSQL does.
    expect(await errors('CREATE TEMP TABLE users (a int);\nDROP TABLE users;')).toEqual([]);
  });
});
