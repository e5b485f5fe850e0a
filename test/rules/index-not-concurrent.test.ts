import { lintSql } from '../../src/lint.js';
import { describe, expect, it } from 'vitest';
import { positions as positionsOf, type LintCase } from './core-helpers.js';

const RULE = 'index-not-concurrent';

const positions = (sql: string, options: LintCase = {}) => positionsOf(sql, RULE, options);

describe(RULE, () => {
  it('flags CREATE INDEX on a table the file did not create', async () => {
    expect(await positions('SELECT 1;\nCREATE INDEX orders_user_idx ON orders (user_id);\n')).toEqual([[2, 1]]);
  });

  it('flags CREATE UNIQUE INDEX and names the table and the lock', async () => {
    const report = await lintSql('CREATE UNIQUE INDEX orders_ref_key ON public.orders (ref);', { pgVersion: 15 });
    const [finding] = report.findings.filter((f) => f.rule === RULE);
    expect(finding).toMatchObject({
      rule: RULE,
      severity: 'error',
      line: 1,
      column: 1,
      object: 'public.orders',
      lock: 'ShareLock',
    });
    expect(finding!.message).toContain('public.orders');
    expect(finding!.message).toContain('ShareLock');
    expect(finding!.help).toContain('CONCURRENTLY');
  });

  it('flags a table created in an earlier migration', async () => {
    expect(
      await positions('CREATE INDEX users_email_idx ON users (email);', {
        previous: ['CREATE TABLE users (id bigint PRIMARY KEY, email text);'],
      }),
    ).toEqual([[1, 1]]);
  });

  it('does not flag CREATE INDEX CONCURRENTLY', async () => {
    expect(await positions('CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_idx ON orders (user_id);')).toEqual([]);
  });

  it('does not flag an index on a table created earlier in the same file', async () => {
    const sql = [
      'CREATE TABLE "Shop"."Order" (id bigint PRIMARY KEY, user_id bigint);',
      'CREATE INDEX order_user_idx ON "Shop"."Order" (user_id);',
      'CREATE INDEX order_user_idx2 ON "Shop"."Order" (user_id, id);',
    ].join('\n');
    expect(await positions(sql)).toEqual([]);
  });

  it('resolves quoting and schemas: a same-named table in another schema is still existing', async () => {
    const sql = ['CREATE TABLE app.orders (id bigint);', 'CREATE INDEX orders_id_idx ON public.orders (id);'].join('\n');
    expect(await positions(sql)).toEqual([[2, 1]]);
  });

  it('does not flag CREATE INDEX IF NOT EXISTS of an index an earlier migration created', async () => {
    const previous = ['CREATE TABLE users (id bigint, email text);\nCREATE INDEX users_email_idx ON users (email);'];
    expect(await positions('CREATE INDEX IF NOT EXISTS users_email_idx ON users (email);', { previous })).toEqual([]);
    expect(await positions('CREATE INDEX IF NOT EXISTS users_email2_idx ON users (email);', { previous })).toEqual([[1, 1]]);
  });

  it('names the partitions in the message for a partitioned table', async () => {
    const report = await lintSql('CREATE INDEX events_at_idx ON events (created_at);', {
      pgVersion: 15,
      previous: ['CREATE TABLE events (id bigint, created_at date) PARTITION BY RANGE (created_at);'],
    });
    const found = report.findings.filter((f) => f.rule === RULE);
    expect(found.map((f) => [f.line, f.column, f.object])).toEqual([[1, 1, 'public.events']]);
    expect(found[0]!.message).toContain('partitioned table public.events');
    expect(found[0]!.message).toContain('every partition');
  });

  it('does not flag CREATE INDEX ON ONLY a partitioned parent (the safe partition recipe)', async () => {
    expect(await positions('CREATE INDEX events_at_idx ON ONLY events (created_at);')).toEqual([]);
  });

  it('reports the statement start inside multi-line files', async () => {
    const sql = '-- add an index\n\n  CREATE INDEX\n    orders_total_idx ON orders (total);\n';
    expect(await positions(sql)).toEqual([[3, 3]]);
  });
});
