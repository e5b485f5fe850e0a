import { describe, expect, it } from 'vitest';
import { findings as findingsOf, positions as positionsOf, type LintCase } from './core-helpers.js';

const RULE = 'unique-without-index';

const findings = (sql: string, options: LintCase = {}) => findingsOf(sql, RULE, options);
const positions = (sql: string, options: LintCase = {}) => positionsOf(sql, RULE, options);

describe(RULE, () => {
  it('flags ADD CONSTRAINT … UNIQUE on an existing table', async () => {
    const [finding] = await findings('SELECT 1;\nALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);');
    expect(finding).toMatchObject({
      line: 2,
      column: 1,
      severity: 'error',
      lock: 'AccessExclusiveLock',
      object: 'public.users.users_email_key',
    });
    expect(finding!.message).toContain('public.users');
    expect(finding!.help).toContain('USING INDEX');
  });

  it('flags ADD PRIMARY KEY and ADD … EXCLUDE', async () => {
    const sql = [
      'ALTER TABLE users ADD PRIMARY KEY (id);',
      'ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);',
    ].join('\n');
    const found = await findings(sql);
    expect(found.map((f) => [f.line, f.column])).toEqual([
      [1, 1],
      [2, 1],
    ]);
    expect(found[1]!.help).toContain('no online path');
  });

  it('flags inline UNIQUE and PRIMARY KEY in ADD COLUMN', async () => {
    expect(
      await positions('ALTER TABLE users ADD COLUMN handle text UNIQUE;\nALTER TABLE logs ADD COLUMN id bigint PRIMARY KEY;'),
    ).toEqual([
      [1, 1],
      [2, 1],
    ]);
  });

  it('does not flag ADD CONSTRAINT … USING INDEX', async () => {
    const sql = [
      'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_uidx;',
      'ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX users_id_uidx;',
    ].join('\n');
    expect(await positions(sql)).toEqual([]);
  });

  it('does not flag tables created in the same file', async () => {
    const sql = [
      'CREATE TABLE tags (id bigint, name text);',
      'ALTER TABLE tags ADD PRIMARY KEY (id);',
      'ALTER TABLE tags ADD CONSTRAINT tags_name_key UNIQUE (name);',
    ].join('\n');
    expect(await positions(sql)).toEqual([]);
  });
});
