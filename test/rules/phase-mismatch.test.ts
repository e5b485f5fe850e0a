import { describe, expect, it } from 'vitest';
import { lintSql } from '../../src/lint.js';
import { found, findings } from './core-helpers.js';

const R = 'phase-mismatch';

describe(R, () => {
  it('flags a contract effect in a migration declared phase=expand, at the statement', async () => {
    const sql = '-- bgmigrate: phase=expand\nALTER TABLE users ADD COLUMN full_name text;\nALTER TABLE users DROP COLUMN name;';
    const [f] = await findings(sql, R);
    expect([f.rule, f.line, f.column, f.severity, f.object]).toEqual([R, 3, 1, 'error', 'public.users.name']);
    expect(f.message).toBe('this migration is declared phase=expand but drop column public.users.name is a contract effect');
  });

  it('does not flag phase=contract or an undeclared phase; infers the phase', async () => {
    expect(await found('-- bgmigrate: phase=contract\nALTER TABLE users DROP COLUMN name;', R)).toEqual([]);
    expect((await lintSql('ALTER TABLE users DROP COLUMN name;')).phase).toBe('contract');
    expect((await lintSql('ALTER TABLE users ADD COLUMN x int;')).phase).toBe('expand');
    expect((await lintSql('-- bgmigrate: phase=contract\nALTER TABLE users ADD COLUMN x int;')).phase).toBe('contract');
  });

  it('does not flag an expand migration with only additive effects', async () => {
    expect(await found('-- bgmigrate: phase=expand\nCREATE INDEX CONCURRENTLY i ON t (a);', R)).toEqual([]);
  });
});
