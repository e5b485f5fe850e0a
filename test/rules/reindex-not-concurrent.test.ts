import { describe, expect, it } from 'vitest';
import { findings as findingsOf, type LintCase } from './core-helpers.js';

const RULE = 'reindex-not-concurrent';

/** Every finding of this rule (the shared helper of test/rules/core-helpers.ts). */
const findings = (sql: string, options: LintCase = {}) => findingsOf(sql, RULE, options);

describe(RULE, () => {
  it('flags REINDEX INDEX and REINDEX TABLE without CONCURRENTLY', async () => {
    const found = await findings('REINDEX INDEX orders_user_idx;\nREINDEX TABLE orders;');
    expect(found.map((f) => [f.line, f.column, f.object])).toEqual([
      [1, 1, 'public.orders_user_idx'],
      [2, 1, 'public.orders'],
    ]);
    expect(found[1]!.lock).toBe('AccessExclusiveLock');
    expect(found[1]!.message).toContain('ShareLock');
  });

  it('recommends REINDEX CONCURRENTLY on PostgreSQL 12 and later', async () => {
    const [finding] = await findings('REINDEX TABLE orders;', { pgVersion: 12 });
    expect(finding!.message).toContain('use REINDEX TABLE CONCURRENTLY');
  });

  it('recommends a concurrent rebuild on PostgreSQL 11, which has no REINDEX CONCURRENTLY', async () => {
    const [finding] = await findings('REINDEX TABLE orders;', { pgVersion: 11 });
    expect(finding!.message).not.toContain('use REINDEX');
    expect(finding!.message).toContain('PostgreSQL 11 has no REINDEX CONCURRENTLY');
  });

  it('flags REINDEX SCHEMA', async () => {
    expect((await findings('REINDEX SCHEMA app;')).map((f) => [f.line, f.column, f.object])).toEqual([[1, 1, 'app']]);
  });

  it('does not flag REINDEX … CONCURRENTLY', async () => {
    expect(await findings('REINDEX TABLE CONCURRENTLY orders;')).toEqual([]);
    expect(await findings('REINDEX (CONCURRENTLY) INDEX orders_user_idx;')).toEqual([]);
  });

  it('does not flag reindexing a table created in the same file', async () => {
    expect(await findings('CREATE TABLE jobs (id bigint);\nREINDEX TABLE jobs;')).toEqual([]);
  });
});
