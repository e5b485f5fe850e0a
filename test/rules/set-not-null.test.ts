import { describe, expect, it } from 'vitest';
import { found, findings } from './core-helpers.js';

const R = 'set-not-null';

describe(R, () => {
  it('flags SET NOT NULL and says it scans under an AccessExclusiveLock', async () => {
    const [f] = await findings('ALTER TABLE users ALTER COLUMN email SET NOT NULL;', R);
    expect([f.rule, f.line, f.column, f.object, f.lock]).toEqual([R, 1, 1, 'public.users.email', 'AccessExclusiveLock']);
    expect(f.message).toBe('SET NOT NULL on public.users.email scans public.users under an AccessExclusiveLock and makes inserts of the old color that omit it or write NULL fail');
  });

  const checked = [
    'ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;',
    'ALTER TABLE users VALIDATE CONSTRAINT email_nn;',
  ];
  const setNotNull = 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;';

  it('on PostgreSQL 15, a valid CHECK (c IS NOT NULL) removes the scan but it is still a contract finding', async () => {
    const [f] = await findings(setNotNull, R, { pgVersion: 15, previous: checked });
    expect([f.rule, f.line, f.column]).toEqual([R, 1, 1]);
    expect(f.message).toContain('no scan: a valid CHECK proves it');
  });

  it('on PostgreSQL 11, the same CHECK does not save the scan', async () => {
    const [f] = await findings(setNotNull, R, { pgVersion: 11, previous: checked });
    expect(f.message).toContain('scans public.users');
  });

  it('a NOT VALID check that was never validated does not save the scan', async () => {
    const [f] = await findings(setNotNull, R, { previous: [checked[0]] });
    expect(f.message).toContain('scans public.users');
  });

  it('on PostgreSQL 18, a validated NOT NULL … NOT VALID constraint proves it too', async () => {
    const pg18 = ['ALTER TABLE users ADD CONSTRAINT email_nn NOT NULL email NOT VALID;', 'ALTER TABLE users VALIDATE CONSTRAINT email_nn;'];
    const [f] = await findings(setNotNull, R, { pgVersion: 18, previous: pg18 });
    expect(f.message).toContain('no scan');
  });

  it('does not flag a column of a table created in the same file', async () => {
    expect(await found('CREATE TABLE t (a int);\nALTER TABLE t ALTER COLUMN a SET NOT NULL;', R)).toEqual([]);
  });

  it('still flags a column added earlier in the same file: the old color does not write it', async () => {
    expect(await found('ALTER TABLE users ADD COLUMN region text;\nALTER TABLE users ALTER COLUMN region SET NOT NULL;', R)).toEqual([[R, 2, 1]]);
  });

  it('does not flag DROP NOT NULL', async () => {
    expect(await found('ALTER TABLE users ALTER COLUMN email DROP NOT NULL;', R)).toEqual([]);
  });
});
