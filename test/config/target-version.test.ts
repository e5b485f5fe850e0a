import { describe, expect, it } from 'vitest';
import { DEFAULT_PG_VERSION, targetVersion } from '../../src/config/target-version.js';

describe('the target PostgreSQL version, one rule for every command', () => {
  it('--pg-version, else the connected server, else config pgVersion, else 15', () => {
    expect(targetVersion({ flag: 12, server: 18, config: 16 })).toBe(12);
    expect(targetVersion({ server: 18, config: 16 })).toBe(18);
    expect(targetVersion({ config: 16 })).toBe(16);
    expect(targetVersion({})).toBe(DEFAULT_PG_VERSION);
    expect(DEFAULT_PG_VERSION).toBe(15);
  });
});
