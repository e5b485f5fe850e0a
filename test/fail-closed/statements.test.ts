// Issue classes 6, 7 and 7b: statements that break the running release (or hide code the
// analyser cannot see) are findings of the right class; harmless neighbours stay quiet.
import { describe, expect, it } from 'vitest';
import { lintSql } from '../../src/lint.js';

type Row = [rule: string, line: number, severity: string];

async function rows(sql: string, previous: string[] = []): Promise<Row[]> {
  const report = await lintSql(sql, { pgVersion: 16, previous });
  return report.findings.filter((f) => f.severity !== 'info').map((f) => [f.rule, f.line, f.severity]);
}

const USERS = 'CREATE TABLE users (id bigint PRIMARY KEY, email text UNIQUE, org_id bigint REFERENCES orgs (id) ON DELETE CASCADE, team_id bigint REFERENCES teams (id), CONSTRAINT email_lower CHECK (email = lower(email)));';

describe('class 6: statements that break the old release', () => {
  it.each<[string, Row[]]>([
    ['DROP OWNED BY app;', [['drop-owned', 1, 'error']]],
    ['DROP EXTENSION pgcrypto;', [['drop-extension', 1, 'error']]],
    ['DROP EXTENSION IF EXISTS citext CASCADE;', [['drop-extension', 1, 'error']]],
    ['ALTER TYPE address DROP ATTRIBUTE zip;', [['alter-type-attribute', 1, 'error']]],
    ['ALTER TYPE address ALTER ATTRIBUTE zip TYPE text;', [['alter-type-attribute', 1, 'error']]],
    ['ALTER TYPE address ADD ATTRIBUTE country text;', []],
    ['CREATE RULE no_delete AS ON DELETE TO users DO INSTEAD NOTHING;', [['create-rule', 1, 'error']]],
    ['ALTER TABLE users ENABLE ROW LEVEL SECURITY;', [['enable-row-security', 1, 'error']]],
    ['ALTER TABLE users FORCE ROW LEVEL SECURITY;', [['enable-row-security', 1, 'error']]],
    ["CREATE POLICY only_mine ON users AS RESTRICTIVE USING (id = current_setting('app.user')::bigint);", [['enable-row-security', 1, 'error']]],
    ['CREATE POLICY all_rows ON users USING (true);', [['enable-row-security', 1, 'error']]],
    ['DROP POLICY all_rows ON users;', [['enable-row-security', 1, 'error']]],
    ['ALTER TABLE users DISABLE ROW LEVEL SECURITY;', []],
    ['REVOKE SELECT ON users FROM app;', [['revoke-privilege', 1, 'error']]],
    ['REVOKE ALL ON ALL TABLES IN SCHEMA public FROM app;', [['revoke-privilege', 1, 'error']]],
    ['ALTER DEFAULT PRIVILEGES REVOKE SELECT ON TABLES FROM app;', [['revoke-privilege', 1, 'error']]],
    ['REVOKE readers FROM app;', [['revoke-privilege', 1, 'error']]],
    ['GRANT SELECT ON users TO app;', []],
    ['ALTER ROLE app NOLOGIN;', [['change-role', 1, 'error']]],
    ["ALTER ROLE app PASSWORD 'x';", [['change-role', 1, 'error']]],
    ['ALTER ROLE app SET search_path = archive;', [['change-role', 1, 'error']]],
    ['DROP ROLE app;', [['change-role', 1, 'error']]],
    ['ALTER ROLE app LOGIN;', []],
    ['ALTER DATABASE appdb CONNECTION LIMIT 0;', [['change-database', 1, 'error']]],
    ['ALTER DATABASE appdb SET search_path = archive;', [['change-database', 1, 'error']]],
    ['DROP DATABASE appdb;', [['change-database', 1, 'error']]],
    ["SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'app';", [['terminate-backend', 1, 'error']]],
    ['SELECT pg_cancel_backend(42);', [['terminate-backend', 1, 'error']]],
    ['ALTER TABLE users ALTER COLUMN email SET DEFAULT NULL;', [['drop-default', 1, 'error']]],
    ['ALTER TABLE users ALTER COLUMN id DROP IDENTITY;', [['drop-default', 1, 'error']]],
    ['ALTER DOMAIN email_address SET NOT NULL;', [['tighten-domain', 1, 'error']]],
    ["ALTER DOMAIN email_address ADD CONSTRAINT has_at CHECK (VALUE LIKE '%@%') NOT VALID;", [['tighten-domain', 1, 'error']]],
    ['ALTER DOMAIN email_address DROP DEFAULT;', [['tighten-domain', 1, 'error']]],
    ['ALTER DOMAIN email_address DROP NOT NULL;', []],
    ['DELETE FROM users WHERE true;', [['delete-all-rows', 1, 'error'], ['unbatched-dml', 1, 'error']]],
    ['DELETE FROM users WHERE 1 = 1;', [['delete-all-rows', 1, 'error'], ['unbatched-dml', 1, 'error']]],
    ["DELETE FROM users WHERE created_at < now() - interval '1 year';", []],
    ['MERGE INTO users u USING staging s ON u.id = s.id WHEN MATCHED THEN DELETE;', [['delete-all-rows', 1, 'error'], ['unbatched-dml', 1, 'error']]],
    ['WITH gone AS (DELETE FROM users RETURNING id) SELECT count(*) FROM gone;', [['delete-all-rows', 1, 'error'], ['unbatched-dml', 1, 'error']]],
    ['PREPARE wipe AS DELETE FROM users;\nEXECUTE wipe;', [['delete-all-rows', 2, 'error'], ['unbatched-dml', 2, 'error']]],
    ['EXECUTE never_prepared;', [['dynamic-sql', 1, 'error']]],
    ['LOCK TABLE users IN ACCESS EXCLUSIVE MODE;', [['lock-table', 1, 'error']]],
    ['LOCK TABLE users IN ROW EXCLUSIVE MODE;', []],
    ['ALTER TABLE users ADD COLUMN nick text;\nSELECT pg_sleep(30);', [['long-statement-under-lock', 2, 'error']]],
    ['ALTER TABLE users ADD COLUMN nick text;\nUPDATE orders SET total = 0;', [['long-statement-under-lock', 2, 'error'], ['unbatched-dml', 2, 'error']]],
    ['-- bgmigrate: no-transaction\nALTER TABLE users ADD COLUMN nick text;\nSELECT pg_sleep(1);', []],
    ['DROP INDEX CONCURRENTLY users_email_idx;', [['drop-unique-index', 1, 'error']]],
    ['DROP COLLATION german;', [['drop-object', 1, 'error']]],
    ['DROP TEXT SEARCH CONFIGURATION english_unaccent;', [['drop-object', 1, 'error']]],
    ['DROP CAST (text AS citext);', [['drop-object', 1, 'error']]],
    ['DROP STATISTICS users_stats;', []],
    ['ALTER COLLATION german RENAME TO deutsch;', [['rename-object', 1, 'error']]],
    ['ALTER ROLE app RENAME TO app_old;', [['change-role', 1, 'error']]],
    ['ALTER DATABASE appdb RENAME TO olddb;', [['change-database', 1, 'error']]],
    // The whole server's configuration, which the running release's sessions get at the next reload.
    ["-- bgmigrate: no-transaction\nALTER SYSTEM SET search_path = 'archive';", [['change-database', 2, 'error']]],
    // A SECURITY DEFINER routine made SECURITY INVOKER runs with the caller's privileges.
    ['ALTER FUNCTION normalise(text) SECURITY INVOKER;', [['revoke-privilege', 1, 'error']]],
    ['ALTER FUNCTION normalise(text) STABLE;', []],
  ])('%s', async (sql, expected) => {
    expect(await rows(sql)).toEqual(expected);
  });

  it('drop-constraint: keys and ON DELETE actions the old release relies on; plain foreign keys and checks only loosen', async () => {
    const drop = async (name: string) => rows(`ALTER TABLE users DROP CONSTRAINT ${name};`, [USERS]);
    expect(await drop('users_pkey')).toEqual([['drop-constraint', 1, 'error']]);
    expect(await drop('users_email_key')).toEqual([['drop-constraint', 1, 'error']]);
    expect(await drop('users_org_id_fkey')).toEqual([['drop-constraint', 1, 'error']]);
    expect(await drop('users_team_id_fkey')).toEqual([]);
    expect(await drop('email_lower')).toEqual([]);
    // Unknown to the migrations: it may be any of these.
    expect(await drop('something_else')).toEqual([['drop-constraint', 1, 'error']]);
    // Dropped and added again under its name in the same transaction (Prisma changing actions).
    expect(await rows('ALTER TABLE users DROP CONSTRAINT users_org_id_fkey;\nALTER TABLE users ADD CONSTRAINT users_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs (id) ON DELETE SET NULL NOT VALID;', [USERS])).toEqual([]);
  });

  it('drop-unique-index: only unique or unknown indexes', async () => {
    const idx = ['CREATE TABLE users (id int, email text);\nCREATE UNIQUE INDEX users_email_uq ON users (email);\nCREATE INDEX users_id_idx ON users (id);'];
    expect(await rows('DROP INDEX CONCURRENTLY users_email_uq;', idx)).toEqual([['drop-unique-index', 1, 'error']]);
    expect(await rows('DROP INDEX CONCURRENTLY users_id_idx;', idx)).toEqual([]);
    // Rebuilt under its name in the same transaction: a replacement.
    expect(await rows('DROP INDEX users_email_uq;\nCREATE UNIQUE INDEX users_email_uq ON users (lower(email));', idx).then((r) => r.map((x) => x[0]))).toEqual(['drop-index-not-concurrent', 'index-not-concurrent']);
  });

  it('objects created earlier in the same file are nobody else\'s', async () => {
    expect(await rows('CREATE TABLE notes (id int);\nALTER TABLE notes ENABLE ROW LEVEL SECURITY;\nCREATE POLICY p ON notes USING (true);\nDELETE FROM notes;\nREVOKE ALL ON notes FROM app;')).toEqual([]);
  });
});

describe('class 7: code the analyser cannot see fails closed', () => {
  it('a call of a routine the migrations did not create is an error', async () => {
    expect(await rows('SELECT archive_old_users();')).toEqual([['dynamic-sql', 1, 'error']]);
    expect(await rows('CALL rebuild_stats();')).toEqual([['dynamic-sql', 1, 'error']]);
    expect(await rows('UPDATE users SET email = normalise(email) WHERE id < 100;')).toEqual([['dynamic-sql', 1, 'error']]);
    // Built-in functions are known.
    expect(await rows("SELECT now(), lower('X'), count(*) FROM users;")).toEqual([]);
    // Expressions the migration evaluates per row run their routines too.
    expect(await rows('ALTER TABLE users ALTER COLUMN email TYPE citext USING to_citext(email);').then((r) => r.filter((x) => x[0] === 'dynamic-sql'))).toEqual([['dynamic-sql', 1, 'error']]);
    expect(await rows('CREATE INDEX CONCURRENTLY users_norm_idx ON users (normalise(email));')).toEqual([['dynamic-sql', 1, 'error']]);
    expect(await rows('ALTER TABLE users ADD CONSTRAINT valid_email CHECK (is_email(email)) NOT VALID;')).toEqual([]);
    // COPY … PROGRAM runs a shell command on the server.
    expect(await rows("COPY users FROM PROGRAM 'curl https://example.com/users.csv';")).toEqual([['dynamic-sql', 1, 'error']]);
  });

  it('a call of a routine created by the migrations is analysed like a DO block', async () => {
    const fn = "CREATE FUNCTION purge() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DROP TABLE users; END $$;";
    expect(await rows('SELECT purge();', [fn])).toEqual([['drop-table', 1, 'error']]);
    const sqlFn = "CREATE FUNCTION tidy() RETURNS void LANGUAGE sql AS 'DELETE FROM sessions WHERE expires_at < now()';";
    expect(await rows('SELECT tidy();', [sqlFn])).toEqual([]);
    const index = "CREATE FUNCTION add_index() RETURNS void LANGUAGE sql AS 'CREATE INDEX users_email_idx ON users (email)';";
    expect(await rows('SELECT add_index();', [index])).toEqual([['index-not-concurrent', 1, 'error']]);
    const dyn = "CREATE FUNCTION run(q text) RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE q; END $$;";
    expect(await rows("SELECT run('DROP TABLE users');", [dyn])).toEqual([['dynamic-sql', 1, 'error']]);
  });

  it('DML fires the triggers the migrations created: their bodies are analysed, unknown ones fail closed', async () => {
    const setup = [
      'CREATE MATERIALIZED VIEW totals AS SELECT 1 AS n;',
      'CREATE FUNCTION refresh_totals() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN REFRESH MATERIALIZED VIEW totals; RETURN NEW; END $$;',
      'CREATE TABLE orders (id int);\nCREATE TRIGGER t AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION refresh_totals();',
    ];
    expect(await rows('INSERT INTO orders VALUES (1);', setup)).toEqual([['refresh-matview-not-concurrent', 1, 'error']]);
    const unknownBody = ['CREATE TABLE orders (id int);\nCREATE TRIGGER t AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION audit.log_change();'];
    expect(await rows('INSERT INTO orders VALUES (1);', unknownBody)).toEqual([['dynamic-sql', 1, 'error']]);
  });

  it('a volatile built-in that reaches beyond the statement fails closed; harmless ones stay quiet', async () => {
    // Unlinking a large object, a session-wide advisory lock, replication slots, configuration reloads.
    for (const sql of ['SELECT lo_unlink(16400);', 'SELECT pg_catalog.lo_unlink(16400);', 'SELECT pg_advisory_lock(42);', "SELECT pg_drop_replication_slot('cdc');", 'SELECT pg_reload_conf();']) {
      expect(await rows(sql), sql).toEqual([['unknown-effect', 1, 'error']]);
    }
    const report = await lintSql('SELECT lo_unlink(16400);', { pgVersion: 16 });
    expect(report.findings[0].message).toBe('bgmigrate cannot classify a call of the built-in lo_unlink(): what it does to the running release is unknown');
    // Built-ins that run the SQL text they are given are code the analyser cannot see.
    expect(await rows("SELECT query_to_xml('DELETE FROM users RETURNING id', true, false, '');")).toEqual([['dynamic-sql', 1, 'error']]);
    // Values, notifications, transaction-scoped locks, statistics.
    expect(await rows("SELECT gen_random_uuid(), random(), clock_timestamp(), pg_notify('c', 'x'), pg_advisory_xact_lock(42), pg_stat_reset();")).toEqual([]);
  });

  it('a statement the analyser cannot classify is an error', async () => {
    expect(await rows('CREATE ACCESS METHOD heap2 TYPE TABLE HANDLER heap_tableam_handler;').then((r) => r.map((x) => x[0]))).toEqual(['unknown-effect']);
  });
});

describe('class 7b: locks and rewrites', () => {
  it('a default calling a routine of unknown volatility rewrites; a declared STABLE one does not', async () => {
    expect(await rows('ALTER TABLE users ADD COLUMN code text DEFAULT make_code();')).toEqual([['table-rewrite', 1, 'error']]);
    const stable = "CREATE FUNCTION make_code() RETURNS text STABLE LANGUAGE sql AS 'select ''x''';";
    expect(await rows('ALTER TABLE users ADD COLUMN code text DEFAULT make_code();', [stable])).toEqual([]);
    const vol = "CREATE FUNCTION make_code() RETURNS text LANGUAGE sql AS 'select md5(random()::text)';";
    expect(await rows('ALTER TABLE users ADD COLUMN code text DEFAULT make_code();', [vol])).toEqual([['table-rewrite', 1, 'error']]);
  });

  it('USING col is no USING: timestamp → timestamptz under UTC does not rewrite', async () => {
    const t = ['CREATE TABLE events (at timestamp);'];
    const report = await lintSql("SET timezone = 'UTC';\nALTER TABLE events ALTER COLUMN at TYPE timestamptz USING at;", { pgVersion: 16, previous: t });
    const e = report.statements[1].effects.find((x) => x.kind === 'change-column-type')!;
    expect([e.rewrites, e.scans]).toEqual([false, true]);
    const cast = await lintSql("SET timezone = 'UTC';\nALTER TABLE events ALTER COLUMN at TYPE timestamptz USING at::timestamptz;", { pgVersion: 16, previous: t });
    expect(cast.statements[1].effects.find((x) => x.kind === 'change-column-type')!.rewrites).toBe(false);
    const real = await lintSql("SET timezone = 'UTC';\nALTER TABLE events ALTER COLUMN at TYPE timestamptz USING at + interval '1 hour';", { pgVersion: 16, previous: t });
    expect(real.statements[1].effects.find((x) => x.kind === 'change-column-type')!.rewrites).toBe(true);
  });

  it('VACUUM (FULL false / off / 0) is a plain VACUUM', async () => {
    for (const v of ['false', 'off', '0']) expect(await rows(`VACUUM (FULL ${v}) users;`)).toEqual([]);
    expect(await rows('VACUUM (FULL) users;')).toEqual([['table-rewrite', 1, 'error']]);
  });

  it('REINDEX SYSTEM is not told to use CONCURRENTLY', async () => {
    const report = await lintSql('REINDEX SYSTEM appdb;', { pgVersion: 16 });
    expect(report.findings[0].message).toContain('PostgreSQL cannot reindex system catalogs concurrently');
    expect(report.findings[0].message).not.toContain('use REINDEX SYSTEM CONCURRENTLY');
  });
});

describe('sequences, ownership, inheritance and constraint triggers the running release depends on', () => {
  const HISTORY = [
    USERS.replace('id bigint PRIMARY KEY', 'id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY'),
    'CREATE SEQUENCE invoice_no; CREATE TABLE events (id bigint, at timestamptz); CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;',
  ];
  it.each<[string, Row[]]>([
    // Values both colors insert with: moved back they collide, capped they run out.
    ['ALTER SEQUENCE invoice_no RESTART;', [['alter-sequence', 1, 'error']]],
    ['ALTER SEQUENCE invoice_no RESTART WITH 1;', [['alter-sequence', 1, 'error']]],
    ['ALTER SEQUENCE invoice_no MAXVALUE 1000;', [['alter-sequence', 1, 'error']]],
    ['ALTER SEQUENCE invoice_no AS integer;', [['alter-sequence', 1, 'error']]],
    ['ALTER SEQUENCE invoice_no INCREMENT BY -1;', [['alter-sequence', 1, 'error']]],
    ['ALTER SEQUENCE invoice_no CYCLE;', [['alter-sequence', 1, 'error']]],
    ["SELECT setval('invoice_no', 1, false);", [['alter-sequence', 1, 'error']]],
    ["SELECT setval('users_id_seq', (SELECT max(id) FROM users));", [['alter-sequence', 1, 'error']]],
    ['ALTER TABLE users ALTER COLUMN id RESTART WITH 1;', [['alter-sequence', 1, 'error']]],
    ['ALTER TABLE users ALTER COLUMN id SET MAXVALUE 100;', [['alter-sequence', 1, 'error']]],
    ['ALTER TABLE users ALTER COLUMN id SET GENERATED ALWAYS;', [['alter-sequence', 1, 'error']]],
    ['ALTER TABLE events ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;', [['alter-sequence', 1, 'error']]],
    // Harmless neighbours: what nextval hands out does not change, or nothing uses it yet.
    ['ALTER SEQUENCE invoice_no CACHE 20;', []],
    ['ALTER SEQUENCE invoice_no OWNED BY events.id;', []],
    ["SELECT nextval('invoice_no');", []],
    ['ALTER TABLE users ALTER COLUMN id SET GENERATED BY DEFAULT;', []],
    ['ALTER TABLE events ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY;', []],
    ['CREATE SEQUENCE ticket_no;\nALTER SEQUENCE ticket_no RESTART WITH 100;\nSELECT setval(\'ticket_no\', 5);', []],
    ['ALTER TABLE events ADD COLUMN seq bigint;\nALTER TABLE events ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY;', []],
    // Ownership: the owner holds every privilege without a GRANT.
    ['ALTER TABLE users OWNER TO admin;', [['revoke-privilege', 1, 'error']]],
    ['ALTER SEQUENCE invoice_no OWNER TO admin;', [['revoke-privilege', 1, 'error']]],
    ['ALTER FUNCTION touch() OWNER TO admin;', [['revoke-privilege', 1, 'error']]],
    ['REASSIGN OWNED BY app TO admin;', [['revoke-privilege', 1, 'error']]],
    ['CREATE TABLE audit (id bigint);\nALTER TABLE audit OWNER TO admin;', []],
    // Inheritance: the parent's queries read (and change) its children's rows.
    ['ALTER TABLE events INHERIT users;', [['change-inheritance', 1, 'error']]],
    ['ALTER TABLE events NO INHERIT users;', [['change-inheritance', 1, 'error']]],
    ['CREATE TABLE events_2027 (id bigint, at timestamptz);\nALTER TABLE events_2027 INHERIT events;', []],
    // ALL includes the triggers that enforce foreign keys; user triggers are the file's business.
    ['ALTER TABLE users DISABLE TRIGGER ALL;', [['disable-trigger-all', 1, 'error']]],
    ['ALTER TABLE users DISABLE TRIGGER USER;', []],
  ])('%s', async (sql, expected) => {
    expect(await rows(sql, HISTORY)).toEqual(expected);
  });

  it('says what breaks, naming the object', async () => {
    const report = await lintSql("SELECT setval('invoice_no', 1);\nALTER TABLE users ALTER COLUMN id SET GENERATED ALWAYS;\nALTER TABLE events INHERIT users;", {
      pgVersion: 16,
      previous: HISTORY,
    });
    expect(report.findings.map((f) => f.message)).toEqual([
      'setval() on sequence public.invoice_no changes the values both colors insert with: moved back they collide with existing keys, capped they run out',
      'GENERATED ALWAYS on existing identity column public.users.id refuses the explicit values the color still running may insert',
      'public.events INHERIT public.users: its rows appear in what the color still running reads from public.users',
    ]);
  });
});

describe('a PRIMARY KEY makes its columns NOT NULL', () => {
  const HISTORY = ['CREATE TABLE ev (id bigint, name text NOT NULL); CREATE UNIQUE INDEX ev_id_idx ON ev (id); CREATE UNIQUE INDEX ev_name_idx ON ev (name);'];
  it.each<[string, Row[]]>([
    // USING INDEX over a nullable column: the scan and the contract of SET NOT NULL.
    ['ALTER TABLE ev ADD PRIMARY KEY USING INDEX ev_id_idx;', [['set-not-null', 1, 'error']]],
    // An index the migrations did not create may cover nullable columns.
    ['ALTER TABLE ev ADD PRIMARY KEY USING INDEX legacy_idx;', [['set-not-null', 1, 'error']]],
    // The index follows its column's rename.
    ['ALTER TABLE ev RENAME COLUMN id TO ev_id;\nALTER TABLE ev ADD PRIMARY KEY USING INDEX ev_id_idx;', [['rename-column', 1, 'error'], ['set-not-null', 2, 'error']]],
    // Columns already NOT NULL, a UNIQUE constraint, a table of this file: nothing to tighten.
    ['ALTER TABLE ev ADD PRIMARY KEY USING INDEX ev_name_idx;', []],
    ['ALTER TABLE ev ADD CONSTRAINT ev_id_key UNIQUE USING INDEX ev_id_idx;', []],
    ['CREATE TABLE t (id bigint);\nCREATE UNIQUE INDEX t_id_idx ON t (id);\nALTER TABLE t ADD PRIMARY KEY USING INDEX t_id_idx;', []],
  ])('%s', async (sql, expected) => {
    expect(await rows(sql, HISTORY)).toEqual(expected);
  });

  it('says that the key sets NOT NULL', async () => {
    const report = await lintSql('ALTER TABLE ev ADD PRIMARY KEY USING INDEX ev_id_idx;', { pgVersion: 16, previous: HISTORY });
    expect(report.findings.map((f) => f.message)).toEqual([
      'the PRIMARY KEY sets NOT NULL on public.ev.id: it scans public.ev under an AccessExclusiveLock and makes inserts of the old color that omit it or write NULL fail',
    ]);
  });
});

describe('a new partition of a table with a DEFAULT partition scans it', () => {
  const HISTORY = ["CREATE TABLE m (id bigint, at date) PARTITION BY RANGE (at);\nCREATE TABLE m_default PARTITION OF m DEFAULT;\nCREATE TABLE n (id bigint, at date) PARTITION BY RANGE (at);"];
  const BOUNDS = "FOR VALUES FROM ('2027-01-01') TO ('2028-01-01')";
  it.each<[string, Row[]]>([
    [`CREATE TABLE m_2027 PARTITION OF m ${BOUNDS};`, [['default-partition-scan', 1, 'error']]],
    [`CREATE TABLE m_2027 (id bigint, at date);\nALTER TABLE m ATTACH PARTITION m_2027 ${BOUNDS};`, [['default-partition-scan', 2, 'error']]],
    // The default partition follows its parent's rename.
    [`ALTER TABLE m RENAME TO events;\nCREATE TABLE m_2027 PARTITION OF events ${BOUNDS};`, [['rename-table', 1, 'error'], ['default-partition-scan', 2, 'error']]],
    // No default partition, or one created in this file (no release has rows in it yet).
    [`CREATE TABLE n_2027 PARTITION OF n ${BOUNDS};`, []],
    [`CREATE TABLE n_default PARTITION OF n DEFAULT;\nCREATE TABLE n_2027 PARTITION OF n ${BOUNDS};`, []],
    // Detached first: there is no default partition to scan (the DETACH is its own finding).
    [`ALTER TABLE m DETACH PARTITION m_default;\nCREATE TABLE m_2027 PARTITION OF m ${BOUNDS};`, [['detach-partition-not-concurrent', 1, 'error']]],
  ])('%s', async (sql, expected) => {
    expect(await rows(sql, HISTORY)).toEqual(expected);
  });
});

describe('validating a domain constraint locks the tables that use the domain', () => {
  const HISTORY = ["CREATE DOMAIN email AS text;\nCREATE TABLE accounts (id bigint, e email);\nALTER DOMAIN email ADD CONSTRAINT has_at CHECK (VALUE LIKE '%@%') NOT VALID;"];
  it.each<[string, Row[]]>([
    ['ALTER DOMAIN email VALIDATE CONSTRAINT has_at;', [['validate-domain-constraint', 1, 'error']]],
    // A domain this file created: no table of a running release uses it.
    ['CREATE DOMAIN code AS text;\nCREATE TABLE coupons (c code);\nALTER DOMAIN code ADD CONSTRAINT c CHECK (VALUE <> \'\') NOT VALID;\nALTER DOMAIN code VALIDATE CONSTRAINT c;', []],
  ])('%s', async (sql, expected) => {
    expect(await rows(sql, HISTORY)).toEqual(expected);
  });

  it('names the table and the lock', async () => {
    const report = await lintSql('ALTER DOMAIN email VALIDATE CONSTRAINT has_at;', { pgVersion: 16, previous: HISTORY });
    expect(report.findings.map((f) => f.message)).toEqual([
      'validating a constraint of domain public.email scans public.accounts under a ShareLock: writes of the running release to public.accounts wait for the whole scan',
    ]);
  });
});

describe('DROP CONSTRAINT … CASCADE of a key drops the foreign keys that reference it', () => {
  const HISTORY = [
    'CREATE TABLE users (id bigint PRIMARY KEY, email text UNIQUE);\nCREATE TABLE sessions (id bigint, user_id bigint REFERENCES users (id) ON DELETE CASCADE);\nCREATE TABLE notes (id bigint, user_id bigint REFERENCES users (id));\nCREATE TABLE mail (id bigint, email text REFERENCES users (email) ON DELETE CASCADE);',
  ];
  it('reports the key and each referencing foreign key with an action, naming the cascade', async () => {
    const report = await lintSql('ALTER TABLE users DROP CONSTRAINT users_email_key CASCADE;', { pgVersion: 16, previous: HISTORY });
    expect(report.findings.map((f) => [f.rule, f.object, f.message.endsWith('(removed by CASCADE from public.users.users_email_key)')])).toEqual([
      ['drop-constraint', 'public.users.users_email_key', false],
      ['drop-constraint', 'public.mail.mail_email_fkey', true],
    ]);
    // The primary key takes the foreign keys on id with it; the one without an action only loosens.
    expect(await rows('ALTER TABLE users DROP CONSTRAINT users_pkey CASCADE;', HISTORY)).toEqual([
      ['drop-constraint', 1, 'error'],
      ['drop-constraint', 1, 'error'],
    ]);
    expect(await rows('ALTER TABLE users DROP CONSTRAINT users_pkey;', HISTORY)).toEqual([['drop-constraint', 1, 'error']]);
  });
});

describe('bodies the running release runs from now on: new triggers, replaced routines', () => {
  const HISTORY = [
    "CREATE TABLE users (id bigint PRIMARY KEY, name text);\nCREATE TABLE posts (id bigint, user_id bigint);\nCREATE FUNCTION greeting() RETURNS text LANGUAGE sql AS 'SELECT ''hi''';\nCREATE FUNCTION lower_name() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.name := lower(NEW.name); RETURN NEW; END $$;",
  ];
  const evil = 'CREATE FUNCTION evil() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DROP TABLE users; RETURN NEW; END $$;';
  it.each<[string, Row[]]>([
    // A trigger on a table the old color writes runs its function on those writes.
    [`${evil}\nCREATE TRIGGER boom AFTER INSERT ON posts FOR EACH ROW EXECUTE FUNCTION evil();`, [['drop-table', 2, 'error']]],
    ['CREATE FUNCTION wipe() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM users; RETURN NEW; END $$;\nCREATE TRIGGER w AFTER INSERT ON posts FOR EACH ROW EXECUTE FUNCTION wipe();', [['delete-all-rows', 2, 'error']]],
    // A routine the old color may call, replaced: its calls run the new body.
    ["CREATE OR REPLACE FUNCTION greeting() RETURNS text LANGUAGE plpgsql AS $$ BEGIN ALTER TABLE users RENAME COLUMN name TO full_name; RETURN 'hi'; END $$;", [['rename-column', 1, 'error']]],
    // Harmless bodies, new tables, new routines nobody calls yet, unseen bodies: nothing.
    ['CREATE TRIGGER ln BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION lower_name();', []],
    ["CREATE OR REPLACE FUNCTION greeting() RETURNS text LANGUAGE sql AS 'SELECT ''hello''';", []],
    [`${evil}\nCREATE TABLE drafts (id bigint);\nCREATE TRIGGER boom AFTER INSERT ON drafts FOR EACH ROW EXECUTE FUNCTION evil();`, []],
    [evil, []],
    ['CREATE TRIGGER t AFTER INSERT ON posts FOR EACH ROW EXECUTE FUNCTION moddatetime(updated_at);', []],
  ])('%s', async (sql, expected) => {
    expect(await rows(sql, HISTORY)).toEqual(expected);
  });

  it('says who runs it, and claims no lock for the migration', async () => {
    const report = await lintSql(`${evil}\nCREATE TRIGGER boom AFTER INSERT ON posts FOR EACH ROW EXECUTE FUNCTION evil();`, { pgVersion: 16, previous: HISTORY });
    expect(report.findings.map((f) => [f.message, f.lock ?? null])).toEqual([
      ['dropping table public.users breaks the color still using it (trigger boom on public.posts runs public.evil() on each write of the color still running)', null],
    ]);
  });
});
