import { describe, expect, it } from 'vitest';
import { found, findings } from './core-helpers.js';

const R = 'set-lock-timeout';

describe(R, () => {
  it('flags a lock or statement timeout of 0 or of 10 seconds and more', async () => {
    expect(await found("SET lock_timeout = 0;\nSET LOCAL lock_timeout = '1h';\nSET statement_timeout TO '10s';", R)).toEqual([
      [R, 1, 1],
      [R, 2, 1],
      [R, 3, 1],
    ]);
    const [f] = await findings('SET lock_timeout = 0;', R);
    expect([f.severity, f.message]).toEqual([
      'warning',
      'lock_timeout = 0 removes the limit: bgmigrate apply keeps its own cap (apply.lockTimeout) instead; another runner would let live queries queue behind a blocked statement for that long',
    ]);
  });

  it('flags set_config() of them as it flags SET', async () => {
    expect(await found("SELECT set_config('lock_timeout', '0', false);\nSELECT set_config('statement_timeout', '1h', true);\nSELECT set_config('lock_timeout', '2s', true);", R)).toEqual([
      [R, 1, 1],
      [R, 2, 1],
    ]);
  });

  it('leaves short timeouts and other settings alone', async () => {
    expect(await found("SET lock_timeout = '2s';\nSET statement_timeout = 5000;\nSET search_path TO app;\nRESET lock_timeout;", R)).toEqual([]);
  });
});
