// Issue class 4: CASCADE and dependents are judged, not swept along. Each object a CASCADE
// removes (that the schema model knows) is a contract effect of its own, which the ledger judges
// by its own deprecation.
import { describe, expect, it } from 'vitest';
import { lintSql } from '../../src/lint.js';
import type { Effect, LedgerGate } from '../../src/model.js';

const SCHEMA = [
  `CREATE TABLE users (id int, name text);
CREATE FUNCTION norm(t text) RETURNS text IMMUTABLE LANGUAGE sql AS 'select lower(t)';
CREATE VIEW all_users AS SELECT norm(name) AS n FROM users;
ALTER TABLE users ADD COLUMN name_norm text GENERATED ALWAYS AS (norm(name)) STORED;
CREATE SEQUENCE user_no;
ALTER TABLE users ADD COLUMN no int NOT NULL DEFAULT nextval('user_no');
CREATE VIEW named_users AS SELECT id, name FROM users;
CREATE SCHEMA archive;
CREATE TABLE archive.users (id int);
CREATE VIEW public.everyone AS SELECT id FROM archive.users;`,
];

/** A ledger that allows exactly the named objects (as if deprecated and retired). */
const allowing = (...objects: string[]): LedgerGate => ({
  judge: (e: Effect) => (objects.includes(e.object) ? { allowed: true, reason: 'deprecated' } : { allowed: false, reason: `${e.object} is not deprecated` }),
});

async function contract(sql: string, ledger: LedgerGate): Promise<[string, string, string][]> {
  const report = await lintSql(sql, { pgVersion: 16, previous: SCHEMA, ledger });
  return report.findings.filter((f) => f.ledger).map((f) => [f.rule, f.object ?? '', f.severity]);
}

describe('CASCADE is judged object by object', () => {
  it('DROP COLUMN … CASCADE: the views reading the column need their own deprecation', async () => {
    expect(await contract('ALTER TABLE users DROP COLUMN name CASCADE;', allowing('public.users.name'))).toEqual([
      ['drop-column', 'public.users.name', 'info'],
      ['drop-view', 'public.all_users', 'error'],
      ['drop-view', 'public.named_users', 'error'],
    ]);
  });

  it('DROP FUNCTION … CASCADE: views calling it and generated columns computed by it', async () => {
    expect(await contract('DROP FUNCTION norm(text) CASCADE;', allowing('public.norm'))).toEqual([
      ['drop-column', 'public.users.name_norm', 'error'],
      ['drop-routine', 'public.norm', 'info'],
      ['drop-view', 'public.all_users', 'error'],
    ]);
    expect(await contract('DROP FUNCTION norm(text) CASCADE;', allowing('public.norm', 'public.all_users', 'public.users.name_norm'))).toEqual([
      ['drop-column', 'public.users.name_norm', 'info'],
      ['drop-routine', 'public.norm', 'info'],
      ['drop-view', 'public.all_users', 'info'],
    ]);
  });

  it("DROP SEQUENCE … CASCADE: a NOT NULL column's default goes (old inserts then fail)", async () => {
    expect(await contract('DROP SEQUENCE user_no CASCADE;', allowing('public.user_no'))).toEqual([
      ['drop-default', 'public.users.no', 'error'],
      ['drop-sequence', 'public.user_no', 'info'],
    ]);
  });

  it('DROP SCHEMA … CASCADE: its objects, and views elsewhere that read them', async () => {
    expect(await contract('DROP SCHEMA archive CASCADE;', allowing('archive', 'archive.users'))).toEqual([
      ['drop-schema', 'archive', 'info'],
      ['drop-table', 'archive.users', 'info'],
      ['drop-view', 'public.everyone', 'error'],
    ]);
  });
});

describe('a name whose schema is unknown matches no deprecation', () => {
  const everything: LedgerGate = { judge: () => ({ allowed: true, reason: 'deprecated' }) };

  it.each([
    ["SELECT set_config('search_path', 'archive', false) WHERE false;\nDROP TABLE users;", '?.users'],
    ["SELECT set_config('search_path', current_setting('app.schema'), false);\nDROP TABLE users;", '?.users'],
    ['SET search_path TO archive, public;\nALTER TABLE accounts DROP COLUMN note;', '?.accounts.note'],
  ])('%s', async (sql, object) => {
    const report = await lintSql(sql, { pgVersion: 16, ledger: everything });
    const f = report.findings.find((x) => x.ledger)!;
    expect([f.object, f.severity, f.ledger!.allowed]).toEqual([object, 'error', false]);
    expect(f.ledger!.reason).toBe(
      `${f.rule === 'drop-table' ? 'drop-table' : 'drop-column'} of ${object.slice(2)} cannot be matched to a deprecation: its schema is unknown (the search path is unknown here, or several schemas are searched and none is known to hold it); qualify the name with its schema`,
    );
  });
});
