import { describe, expect, it } from 'vitest';
import { lintSql } from '../../src/lint.js';

type Row = [kind: string, object: string, cls: string, lock: string | null, rewrites: boolean, scans: boolean];

async function effects(sql: string, options: { pgVersion?: number; previous?: string[] } = {}): Promise<Row[]> {
  const report = await lintSql(sql, options);
  return report.statements.flatMap((s) => s.effects.map((e): Row => [e.kind, e.object, e.class, e.lock, e.rewrites, e.scans]));
}

describe('effects: objects, classes, locks (PostgreSQL 18.4 measurements)', () => {
  it.each<[string, Row[]]>([
    ['ALTER TABLE users ADD COLUMN email text', [['add-column', 'public.users.email', 'additive', 'AccessExclusiveLock', false, false]]],
    ["ALTER TABLE users ADD COLUMN n int NOT NULL DEFAULT 0", [['add-column', 'public.users.n', 'additive', 'AccessExclusiveLock', false, false]]],
    ['ALTER TABLE users ADD COLUMN x uuid DEFAULT gen_random_uuid()', [['add-column', 'public.users.x', 'additive', 'AccessExclusiveLock', true, true]]],
    ['ALTER TABLE users ADD COLUMN x timestamptz DEFAULT now()', [['add-column', 'public.users.x', 'additive', 'AccessExclusiveLock', false, false]]],
    ['ALTER TABLE users ADD COLUMN x int CHECK (x > 0)', [['add-column', 'public.users.x', 'additive', 'AccessExclusiveLock', false, true]]],
    ['ALTER TABLE users DROP COLUMN name', [['drop-column', 'public.users.name', 'contract', 'AccessExclusiveLock', false, false]]],
    ['ALTER TABLE users RENAME COLUMN a TO b', [['rename-column', 'public.users.a', 'contract', 'AccessExclusiveLock', false, false]]],
    ['ALTER TABLE users ALTER COLUMN a SET NOT NULL', [['set-not-null', 'public.users.a', 'contract', 'AccessExclusiveLock', false, true]]],
    ['ALTER TABLE users ALTER COLUMN a DROP NOT NULL', [['drop-not-null', 'public.users.a', 'additive', 'AccessExclusiveLock', false, false]]],
    ['ALTER TABLE users ALTER COLUMN a SET DEFAULT 1', [['set-default', 'public.users.a', 'additive', 'AccessExclusiveLock', false, false]]],
    ['ALTER TABLE users ALTER COLUMN a DROP DEFAULT', [['drop-default', 'public.users.a', 'contract', 'AccessExclusiveLock', false, false]]],
    ['CREATE INDEX i ON users (a)', [['create-index', 'public.i', 'additive', 'ShareLock', false, true]]],
    ['CREATE INDEX CONCURRENTLY i ON users (a)', [['create-index', 'public.i', 'additive', 'ShareUpdateExclusiveLock', false, true]]],
    // An index the model does not know may be unique: its drop is also a contract effect.
    ['DROP INDEX i', [['drop-index', 'public.i', 'neutral', 'AccessExclusiveLock', false, false], ['drop-unique-index', 'public.i', 'contract', null, false, false]]],
    ['DROP INDEX CONCURRENTLY i', [['drop-index', 'public.i', 'neutral', 'ShareUpdateExclusiveLock', false, false], ['drop-unique-index', 'public.i', 'contract', null, false, false]]],
    ['REINDEX TABLE users', [['reindex', 'public.users', 'neutral', 'ShareLock', false, true]]],
    ['ALTER TABLE users ADD CONSTRAINT c CHECK (a > 0)', [['add-constraint', 'public.users.c', 'additive', 'AccessExclusiveLock', false, true]]],
    ['ALTER TABLE users ADD CONSTRAINT c CHECK (a > 0) NOT VALID', [['add-constraint', 'public.users.c', 'additive', 'AccessExclusiveLock', false, false]]],
    ['ALTER TABLE users VALIDATE CONSTRAINT c', [['validate-constraint', 'public.users.c', 'additive', 'ShareUpdateExclusiveLock', false, true]]],
    [
      'ALTER TABLE child ADD CONSTRAINT fk FOREIGN KEY (p) REFERENCES parent (id)',
      [
        ['add-constraint', 'public.child.fk', 'additive', 'ShareRowExclusiveLock', false, true],
        ['add-constraint', 'public.child.fk', 'additive', 'ShareRowExclusiveLock', false, false],
      ],
    ],
    ['ALTER TABLE users ADD CONSTRAINT u UNIQUE USING INDEX i', [['add-constraint', 'public.users.u', 'additive', 'AccessExclusiveLock', false, false]]],
    ['ALTER TABLE users ADD CONSTRAINT u UNIQUE (a)', [['add-constraint', 'public.users.u', 'additive', 'AccessExclusiveLock', false, true]]],
    ['CREATE TRIGGER t BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION f()', [['create-trigger', 'public.users.t', 'additive', 'ShareRowExclusiveLock', false, false]]],
    ['DROP TRIGGER t ON users', [['drop-trigger', 'public.users.t', 'neutral', 'AccessExclusiveLock', false, false]]],
    ['TRUNCATE users', [['truncate-table', 'public.users', 'contract', 'AccessExclusiveLock', true, false]]],
    ['VACUUM FULL users', [['vacuum', 'public.users', 'neutral', 'AccessExclusiveLock', true, true]]],
    ['CLUSTER users USING i', [['cluster', 'public.users', 'neutral', 'AccessExclusiveLock', true, true]]],
    ['REFRESH MATERIALIZED VIEW mv', [['refresh-matview', 'public.mv', 'neutral', 'AccessExclusiveLock', true, true]]],
    ['REFRESH MATERIALIZED VIEW CONCURRENTLY mv', [['refresh-matview', 'public.mv', 'neutral', 'ExclusiveLock', false, true]]],
    ['ALTER TABLE users SET (fillfactor = 70)', [['set-storage-params', 'public.users', 'neutral', 'ShareUpdateExclusiveLock', false, false]]],
    ['ALTER TABLE users SET UNLOGGED', [['set-persistence', 'public.users', 'neutral', 'AccessExclusiveLock', true, true]]],
    ['ALTER TABLE users ALTER COLUMN a SET STATISTICS 500', [['alter-column', 'public.users.a', 'neutral', 'ShareUpdateExclusiveLock', false, false]]],
    ["COMMENT ON TABLE users IS 'x'", [['comment', 'public.users', 'neutral', 'ShareUpdateExclusiveLock', false, false]]],
    ["ALTER TYPE mood ADD VALUE 'meh'", [['add-enum-value', 'public.mood', 'additive', null, false, false]]],
    ["ALTER TYPE mood RENAME VALUE 'a' TO 'b'", [['rename-enum-value', 'public.mood.a', 'contract', null, false, false]]],
    ['UPDATE users SET a = 1', [['update', 'public.users', 'neutral', 'RowExclusiveLock', false, true]]],
    ['DELETE FROM users WHERE id = 1', [['delete', 'public.users', 'neutral', 'RowExclusiveLock', false, false]]],
    [
      'ALTER TABLE p DETACH PARTITION c',
      [
        ['detach-partition', 'public.c', 'neutral', 'AccessExclusiveLock', false, false],
        ['related-lock', 'public.c', 'neutral', 'AccessExclusiveLock', false, false],
      ],
    ],
    ['LOCK TABLE users IN SHARE MODE', [['lock-table', 'public.users', 'neutral', 'ShareLock', false, false]]],
    ['CALL app.migrate()', [['dynamic-sql', 'app.migrate', 'neutral', null, false, false]]],
    ['ALTER TABLE users ALTER COLUMN a SET COMPRESSION pglz', [['alter-column', 'public.users.a', 'neutral', 'AccessExclusiveLock', false, false]]],
    ['SELECT * INTO archive FROM users', [['create-table', 'public.archive', 'additive', 'AccessExclusiveLock', false, false]]],
    ['CREATE PUBLICATION pub FOR ALL TABLES', [['neutral-ddl', 'CreatePublicationStmt', 'neutral', null, false, false]]],
  ])('%s', async (sql, expected) => {
    expect(await effects(sql)).toEqual(expected);
  });

  describe('locks on related tables (measured: PostgreSQL 16 and 18 via trace)', () => {
    const partitioned = ['CREATE TABLE pt (k int, d date) PARTITION BY RANGE (d);', "CREATE TABLE pt_2024 PARTITION OF pt FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');", 'CREATE TABLE pt_2025 (k int, d date);', "ALTER TABLE pt ATTACH PARTITION pt_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');"];
    const related = async (sql: string, previous: string[]) =>
      (await effects(sql, { previous })).filter((r) => r[0] === 'related-lock').map((r) => [r[1], r[3], r[4], r[5]]);

    it('ALTER TABLE and CREATE INDEX on a partitioned table lock every known partition; ONLY does not', async () => {
      expect(await related('ALTER TABLE pt ADD COLUMN x int', partitioned)).toEqual([
        ['public.pt_2024', 'AccessExclusiveLock', false, false],
        ['public.pt_2025', 'AccessExclusiveLock', false, false],
      ]);
      expect(await related('CREATE INDEX pt_k ON pt (k)', partitioned)).toEqual([
        ['public.pt_2024', 'ShareLock', false, true],
        ['public.pt_2025', 'ShareLock', false, true],
      ]);
      expect(await related('CREATE INDEX pt_k ON ONLY pt (k)', partitioned)).toEqual([]);
      expect(await related('ALTER TABLE ONLY pt ADD CONSTRAINT c CHECK (k > 0)', partitioned)).toEqual([]);
      expect(await related('ALTER TABLE pt ADD COLUMN x int', [...partitioned, 'ALTER TABLE pt DETACH PARTITION pt_2025;'])).toEqual([
        ['public.pt_2024', 'AccessExclusiveLock', false, false],
      ]);
    });

    const keyed = ['CREATE TABLE t (id int PRIMARY KEY, ts timestamp, ci text);', 'CREATE TABLE child (id int, t_id int, CONSTRAINT child_t_fk FOREIGN KEY (t_id) REFERENCES t (id));', 'CREATE TABLE other (t_id int REFERENCES t);'];

    it('DROP CONSTRAINT of a known foreign key locks the referenced table', async () => {
      expect(await related('ALTER TABLE child DROP CONSTRAINT child_t_fk', keyed)).toEqual([['public.t', 'AccessExclusiveLock', false, false]]);
      expect(await related('ALTER TABLE other DROP CONSTRAINT other_t_id_fkey', keyed)).toEqual([['public.t', 'AccessExclusiveLock', false, false]]);
      expect(await related('ALTER TABLE child DROP CONSTRAINT something_else', keyed)).toEqual([]);
    });

    it('a type change of a referenced column locks the referencing tables', async () => {
      expect(await related('ALTER TABLE t ALTER COLUMN id TYPE bigint', keyed)).toEqual([
        ['public.child', 'AccessExclusiveLock', false, false],
        ['public.other', 'AccessExclusiveLock', false, false],
      ]);
      expect(await related('ALTER TABLE t ALTER COLUMN ci TYPE varchar(3)', keyed)).toEqual([]);
    });

    it('timestamp → timestamptz rebuilds only indexes under a UTC session (PostgreSQL ≥ 12); a collation change likewise', async () => {
      const rewrite = async (sql: string, pgVersion = 15) => (await effects(sql, { previous: keyed, pgVersion })).find((r) => r[0] === 'change-column-type')!.slice(2, 6);
      expect(await rewrite('ALTER TABLE t ALTER COLUMN ts TYPE timestamptz')).toEqual(['contract', 'AccessExclusiveLock', true, true]);
      expect(await rewrite("SET TimeZone = 'UTC';\nALTER TABLE t ALTER COLUMN ts TYPE timestamptz")).toEqual(['contract', 'AccessExclusiveLock', false, true]);
      expect(await rewrite("SET TimeZone = 'UTC';\nALTER TABLE t ALTER COLUMN ts TYPE timestamptz", 11)).toEqual(['contract', 'AccessExclusiveLock', true, true]);
      expect(await rewrite("SET TimeZone = 'Europe/Paris';\nALTER TABLE t ALTER COLUMN ts TYPE timestamptz")).toEqual(['contract', 'AccessExclusiveLock', true, true]);
      expect(await rewrite('ALTER TABLE t ALTER COLUMN ci TYPE text COLLATE "POSIX"')).toEqual(['contract', 'AccessExclusiveLock', false, true]);
    });

    it('TRUNCATE … CASCADE truncates the referencing tables', async () => {
      const rows = (await effects('TRUNCATE t CASCADE', { previous: keyed })).map((r) => [r[0], r[1], r[3], r[4]]);
      expect(rows).toEqual([
        ['truncate-table', 'public.t', 'AccessExclusiveLock', true],
        ['truncate-table', 'public.child', 'AccessExclusiveLock', true],
        ['truncate-table', 'public.other', 'AccessExclusiveLock', true],
      ]);
    });

    it('foreign-key columns: DROP TABLE, DROP COLUMN and a type change lock the referenced table', async () => {
      expect(await related('DROP TABLE child', keyed)).toEqual([['public.t', 'AccessExclusiveLock', false, false]]);
      expect(await related('ALTER TABLE child DROP COLUMN t_id', keyed)).toEqual([['public.t', 'AccessExclusiveLock', false, false]]);
      expect(await related('ALTER TABLE child DROP COLUMN id', keyed)).toEqual([]);
      expect(await related('ALTER TABLE child ALTER COLUMN t_id TYPE bigint', keyed)).toEqual([['public.t', 'AccessExclusiveLock', false, false]]);
    });

    it('DROP TABLE … CASCADE locks the referencing tables', async () => {
      expect(await related('DROP TABLE t CASCADE', keyed)).toEqual([
        ['public.child', 'AccessExclusiveLock', false, false],
        ['public.other', 'AccessExclusiveLock', false, false],
      ]);
    });

    it('DROP FUNCTION … CASCADE drops the triggers that call it', async () => {
      const previous = [...keyed, 'CREATE FUNCTION trg_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;', 'CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION trg_fn();'];
      const rows = (await effects('DROP FUNCTION trg_fn() CASCADE', { previous })).map((r) => [r[0], r[1], r[3]]);
      expect(rows).toEqual([
        ['drop-routine', 'public.trg_fn', null],
        ['drop-trigger', 'public.t.trg', 'AccessExclusiveLock'],
      ]);
      expect((await effects('DROP FUNCTION trg_fn()', { previous })).map((r) => r[0])).toEqual(['drop-routine']);
    });

    it('ALTER INDEX … SET (storage parameters) takes no table lock', async () => {
      const previous = [...keyed, 'CREATE INDEX t_ci ON t (ci);'];
      expect((await effects('ALTER INDEX t_ci SET (fillfactor = 50)', { previous }))[0]).toEqual(['alter-index', 'public.t_ci', 'neutral', null, false, false]);
    });

    const domain = ['CREATE DOMAIN posint AS int;', 'CREATE DOMAIN pos2 AS int CHECK (VALUE > 0);', 'CREATE TABLE dt (v posint);'];

    it('ADD COLUMN of a domain with a CHECK rewrites; ALTER DOMAIN ADD CHECK scans the tables using it', async () => {
      expect((await effects('ALTER TABLE t ADD COLUMN x pos2', { previous: domain }))[0].slice(3, 6)).toEqual(['AccessExclusiveLock', true, true]);
      expect((await effects('ALTER TABLE t ADD COLUMN x posint', { previous: domain }))[0].slice(3, 6)).toEqual(['AccessExclusiveLock', false, false]);
      expect(await related('ALTER DOMAIN posint ADD CONSTRAINT p CHECK (VALUE > 0)', domain)).toEqual([['public.dt', 'ShareLock', false, true]]);
      expect(await related('ALTER DOMAIN posint ADD CONSTRAINT p CHECK (VALUE > 0) NOT VALID', domain)).toEqual([]);
      expect(await related('ALTER DOMAIN posint SET NOT NULL', domain)).toEqual([['public.dt', 'ShareLock', false, true]]);
      const after = [...domain, 'ALTER DOMAIN posint ADD CONSTRAINT p CHECK (VALUE > 0) NOT VALID;'];
      expect((await effects('ALTER TABLE t ADD COLUMN x posint', { previous: after }))[0].slice(3, 6)).toEqual(['AccessExclusiveLock', true, true]);
    });
  });

  it('classifies the referenced table of a new FK column', async () => {
    const report = await lintSql('ALTER TABLE orders ADD COLUMN user_id bigint REFERENCES users (id)');
    expect(report.statements[0].effects.map((e) => [e.kind, e.table, e.lock])).toEqual([
      ['add-column', 'public.orders', 'AccessExclusiveLock'],
      ['add-constraint', 'public.users', 'ShareRowExclusiveLock'],
    ]);
  });

  it('fails closed on a statement it cannot classify: an unknown effect, AccessExclusiveLock when a table is named', async () => {
    expect(await effects('ALTER TABLE users SET WITHOUT OIDS')).toEqual([['unknown', 'public.users', 'neutral', 'AccessExclusiveLock', false, false]]);
    expect(await effects('CREATE ACCESS METHOD heap2 TYPE TABLE HANDLER heap_tableam_handler')).toEqual([['unknown', 'CreateAmStmt', 'neutral', null, false, false]]);
    const report = await lintSql('ALTER TABLE users SET WITHOUT OIDS');
    expect(report.statements[0].effects[0]).toMatchObject({ table: 'public.users', detail: { nodeKind: 'AlterTableStmt AT_DropOids' } });
  });

  it('classifies ALTER CONSTRAINT with its name', async () => {
    expect(await effects('ALTER TABLE t ALTER CONSTRAINT c DEFERRABLE')).toEqual([['alter-constraint', 'public.t.c', 'neutral', 'AccessExclusiveLock', false, false]]);
  });

  it('marks statements that cannot run in a transaction', async () => {
    const report = await lintSql(
      "CREATE INDEX CONCURRENTLY i ON t (a);\nVACUUM t;\nALTER TYPE mood ADD VALUE 'x';\nALTER TABLE p DETACH PARTITION c CONCURRENTLY;\nREINDEX INDEX CONCURRENTLY i;\nALTER SYSTEM SET work_mem = '1MB';\nSELECT 1;",
      { pgVersion: 11 },
    );
    expect(report.statements.map((s) => s.cannotRunInTransaction)).toEqual([true, true, true, true, true, true, false]);
    const pg15 = await lintSql("ALTER TYPE mood ADD VALUE 'x';", { pgVersion: 15 });
    expect(pg15.statements[0].cannotRunInTransaction).toBe(false);
  });

  it('resolves names: explicit schema, quoted identifiers, search_path set earlier, RESET', async () => {
    const rows = await effects(
      'ALTER TABLE "App"."Users" DROP COLUMN "Name";\nSET search_path = app;\nDROP TABLE t;\nRESET search_path;\nDROP TABLE t;\nSET search_path TO "ARCHIVE";\nDROP TABLE t;',
    );
    expect(rows.filter((r) => r[0] !== 'set').map((r) => r[1])).toEqual(['App.Users.Name', 'app.t', 'public.t', 'ARCHIVE.t']);
  });

  it('an unqualified name several searched schemas could hold is ambiguous until the model knows where it is', async () => {
    const rows = await effects('SET search_path = app, public;\nDROP TABLE t;\nCREATE TABLE u (a int);\nDROP TABLE u;\nCREATE TABLE public.v (a int);\nDROP TABLE v;');
    expect(rows.filter((r) => r[0] !== 'set').map((r) => r[1])).toEqual(['?.t', 'app.u', 'app.u', 'public.v', 'public.v']);
  });

  it('follows the server session: savepoints, SET LOCAL, set_config, DISCARD ALL', async () => {
    const object = async (sql: string) => (await effects(sql)).filter((r) => r[0] === 'drop-table').map((r) => r[1]);
    // ROLLBACK TO SAVEPOINT restores what was in force at the savepoint.
    expect(await object('BEGIN;\nSAVEPOINT s;\nSET search_path TO archive;\nROLLBACK TO SAVEPOINT s;\nDROP TABLE t;\nCOMMIT;')).toEqual(['public.t']);
    expect(await object('BEGIN;\nSAVEPOINT s;\nSET search_path TO archive;\nRELEASE SAVEPOINT s;\nDROP TABLE t;\nCOMMIT;')).toEqual(['archive.t']);
    // A plain SELECT set_config runs once: certain. With WHERE (or FROM, or a computed value) it is not.
    expect(await object("SELECT set_config('search_path', 'archive', false);\nDROP TABLE t;")).toEqual(['archive.t']);
    expect(await object("SELECT set_config('search_path', 'archive', false) WHERE false;\nDROP TABLE t;")).toEqual(['?.t']);
    expect(await object("SELECT set_config('search_path', x, false) FROM cfg;\nDROP TABLE t;")).toEqual(['?.t']);
    expect(await object("SELECT set_config(k, 'archive', false) FROM cfg;\nDROP TABLE t;")).toEqual(['?.t']);
    expect(await object("UPDATE cfg SET v = set_config('search_path', 'archive', false);\nDROP TABLE t;")).toEqual(['?.t']);
    // set_config(…, true) is SET LOCAL: it ends with the transaction. The runner leaves a wrapped
    // file's written COMMIT out, so there it lasts to the end of the file.
    expect(await object("-- bgmigrate: no-transaction\nBEGIN;\nSELECT set_config('search_path', 'archive', true);\nCOMMIT;\nDROP TABLE t;")).toEqual(['public.t']);
    expect(await object("BEGIN;\nSELECT set_config('search_path', 'archive', true);\nCOMMIT;\nDROP TABLE t;")).toEqual(['archive.t']);
    // set_config reads an identifier list: unquoted parts are lower-cased, quoted kept.
    expect(await object("SELECT set_config('search_path', 'Archive, \"Old\"', false);\nDROP TABLE t;")).toEqual(['?.t']);
    expect(await object("SELECT set_config('search_path', '\"Old\"', false);\nDROP TABLE t;")).toEqual(['Old.t']);
    // RESET ALL and DISCARD ALL go back to the default.
    expect(await object('SET search_path TO archive;\nRESET ALL;\nDROP TABLE t;')).toEqual(['public.t']);
    // A SET inside a DO block may or may not run.
    expect(await object("DO $$ BEGIN IF now() > '2020-01-01' THEN SET search_path TO archive; END IF; END $$;\nDROP TABLE t;")).toEqual(['?.t']);
  });

  it('SET LOCAL outside a transaction block changes nothing (no-transaction migration)', async () => {
    const rows = await effects('-- bgmigrate: no-transaction\nSET LOCAL search_path TO archive;\nDROP TABLE t;\nBEGIN;\nSET LOCAL search_path TO archive;\nDROP TABLE u;\nCOMMIT;\nDROP TABLE v;');
    expect(rows.filter((r) => r[0] === 'drop-table').map((r) => r[1])).toEqual(['public.t', 'archive.u', 'public.v']);
    // In a wrapped migration the runner's transaction is open: SET LOCAL lasts to the file's end.
    const wrapped = await effects('SET LOCAL search_path TO archive;\nDROP TABLE t;');
    expect(wrapped.filter((r) => r[0] === 'drop-table').map((r) => r[1])).toEqual(['archive.t']);
  });

  it('resolves unqualified names to the search_path schema that has the table', async () => {
    const rows = await effects('SET search_path TO app, public;\nDROP TABLE users;', { previous: ['CREATE TABLE public.users (id int);'] });
    expect(rows[1][1]).toBe('public.users');
  });

  it('gives the DO block children their own effects', async () => {
    const rows = await effects('DO $$ BEGIN ALTER TABLE users DROP COLUMN a; END $$;');
    expect(rows).toEqual([
      ['do-block', 'DO', 'neutral', null, false, false],
      ['drop-column', 'public.users.a', 'contract', 'AccessExclusiveLock', false, false],
    ]);
  });

  it('stable defaults rewrite before PostgreSQL 11 and not after', async () => {
    expect((await effects("ALTER TABLE t ADD COLUMN x int DEFAULT 0", { pgVersion: 10 }))[0][4]).toBe(true);
    expect((await effects("ALTER TABLE t ADD COLUMN x int DEFAULT 0", { pgVersion: 11 }))[0][4]).toBe(false);
  });
});
