import { lintSql } from '../../src/lint.js';
import { describe, expect, it } from 'vitest';
import { positions as positionsOf, type LintCase } from './core-helpers.js';

const RULE = 'drop-index-not-concurrent';

const positions = (sql: string, options: LintCase = {}) => positionsOf(sql, RULE, options);

describe(RULE, () => {
  it('flags DROP INDEX without CONCURRENTLY', async () => {
    expect(await positions('SET lock_timeout = \'2s\';\nDROP INDEX IF EXISTS orders_user_idx;')).toEqual([[2, 1]]);
  });

  it('names the index and the AccessExclusiveLock', async () => {
    const report = await lintSql('DROP INDEX public.orders_user_idx;', { pgVersion: 15 });
    const [finding] = report.findings.filter((f) => f.rule === RULE);
    expect(finding).toMatchObject({ severity: 'error', object: 'public.orders_user_idx', lock: 'AccessExclusiveLock' });
    expect(finding!.message).toContain('public.orders_user_idx');
    expect(finding!.message).toContain('AccessExclusiveLock');
    expect(finding!.help).toContain('DROP INDEX CONCURRENTLY');
  });

  it('names the table when an earlier migration created the index', async () => {
    const report = await lintSql('DROP INDEX users_email_idx;', {
      pgVersion: 15,
      previous: ['CREATE TABLE users (id bigint, email text);\nCREATE INDEX users_email_idx ON users (email);'],
    });
    const [finding] = report.findings.filter((f) => f.rule === RULE);
    expect(finding!.message).toContain('public.users');
  });

  it('flags each index of a multi-index DROP once', async () => {
    expect(await positions('DROP INDEX a_idx, b_idx;')).toEqual([
      [1, 1],
      [1, 1],
    ]);
  });

  it('does not flag DROP INDEX CONCURRENTLY', async () => {
    expect(await positions('DROP INDEX CONCURRENTLY IF EXISTS orders_user_idx;')).toEqual([]);
  });

  it('does not flag dropping an index of a table created in the same file', async () => {
    const sql = [
      'CREATE TABLE jobs (id bigint, state text);',
      'CREATE INDEX jobs_state_idx ON jobs (state);',
      'DROP INDEX jobs_state_idx;',
    ].join('\n');
    expect(await positions(sql)).toEqual([]);
  });
});
