import { describe, expect, it } from 'vitest';
import { found, findings } from './core-helpers.js';

const R = 'drop-schema';

describe(R, () => {
  it('flags DROP SCHEMA', async () => {
    const [f] = await findings('DROP SCHEMA reporting CASCADE;', R);
    expect([f.rule, f.line, f.column, f.object]).toEqual([R, 1, 1, 'reporting']);
    expect(f.message).toContain('reporting with CASCADE');
  });

  it('does not flag a schema created in the same file', async () => {
    expect(await found('CREATE SCHEMA scratch;\nDROP SCHEMA scratch;', R)).toEqual([]);
  });

  it('does not flag CREATE SCHEMA', async () => {
    expect(await found('CREATE SCHEMA IF NOT EXISTS reporting;', R)).toEqual([]);
  });
});
