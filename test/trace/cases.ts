/**
 * Representative statements for every rule of docs/rules/ and the common DDL operations (their
 * locks measured on PostgreSQL 18.4), run by rules-vs-server.test.ts through
 * `trace` to check that the static lock and rewrite prediction equals what the server does.
 *
 * Every case runs on a fresh copy of the database built from {@link BASE_SCHEMA}, and the static
 * analysis replays BASE_SCHEMA first, so both sides know the same objects.
 */

/**
 * Appendix A's fixture, smaller: `t` with a primary key and five secondary indexes, a view on
 * it, children with and without a foreign key, a partitioned table and a standalone partition,
 * a materialized view, a table without a primary key, a domain in use, enums, a trigger.
 */
export const BASE_SCHEMA = `
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE color AS ENUM ('red', 'green');
CREATE DOMAIN posint AS int;
CREATE DOMAIN pos2 AS int CHECK (VALUE > 0);
CREATE SCHEMA other;
CREATE TYPE other.thing AS (x int);
CREATE SEQUENCE s;
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION trg_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;

CREATE TABLE t (
  id int PRIMARY KEY,
  a int,
  b int,
  sm smallint CONSTRAINT t_sm_nn CHECK (sm IS NOT NULL),
  v varchar(10),
  txt text,
  n numeric(10,2),
  ts timestamp,
  tstz timestamptz,
  ch char(5),
  ci text,
  j json,
  m mood,
  ip cidr,
  d int DEFAULT 1,
  nn int NOT NULL DEFAULT 0,
  CONSTRAINT t_b_pos_old CHECK (b > 0)
);
CREATE INDEX t_a_idx ON t (a);
CREATE INDEX t_v_idx ON t (v);
CREATE INDEX t_txt_idx ON t (txt);
CREATE INDEX t_ts_idx ON t (ts);
CREATE INDEX t_ci_idx ON t (ci);
INSERT INTO t
SELECT g, g, g, g % 100, 'v' || g, 'text ' || g, g / 3.0, '2025-01-01'::timestamp + g * interval '1 minute',
       now(), 'c' || (g % 1000), 'ci' || g, '{"k": 1}', 'ok', '10.0.0.0/8', 1, 0
  FROM generate_series(1, 1000) g;
ALTER TABLE t ADD CONSTRAINT t_b_nv CHECK (b > -1) NOT VALID;
CREATE VIEW v_t AS SELECT a FROM t;
CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION trg_fn();

CREATE TABLE parent (id bigint PRIMARY KEY);
CREATE TABLE child (id int PRIMARY KEY, t_id int, k int NOT NULL DEFAULT 0);
INSERT INTO child SELECT g, g, g FROM generate_series(1, 200) g;
CREATE TABLE child2 (id int PRIMARY KEY, t_id int);
INSERT INTO child2 SELECT g, g FROM generate_series(1, 200) g;
ALTER TABLE child2 ADD CONSTRAINT child2_t_fk FOREIGN KEY (t_id) REFERENCES t (id) NOT VALID;

CREATE TABLE pt (id int, k date NOT NULL) PARTITION BY RANGE (k);
CREATE TABLE pt_2024 PARTITION OF pt FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE pt_2025 PARTITION OF pt FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO pt SELECT g, '2024-01-01'::date + (g % 700) FROM generate_series(1, 400) g;
CREATE TABLE pt_2026 (id int, k date NOT NULL);
INSERT INTO pt_2026 SELECT g, '2026-02-01' FROM generate_series(1, 100) g;

CREATE TABLE pd (id int, k int NOT NULL) PARTITION BY RANGE (k);
CREATE TABLE pd_low PARTITION OF pd FOR VALUES FROM (0) TO (100);
CREATE TABLE pd_default PARTITION OF pd DEFAULT;
INSERT INTO pd SELECT g, g FROM generate_series(1, 300) g;
CREATE TABLE pd_high (id int, k int NOT NULL);

CREATE MATERIALIZED VIEW mv AS SELECT a FROM t;
CREATE UNIQUE INDEX mv_a ON mv (a);

CREATE TABLE nopk (id int, note text);
INSERT INTO nopk SELECT g, 'n' FROM generate_series(1, 200) g;
CREATE UNIQUE INDEX nopk_id_uidx ON nopk (id);
CREATE TABLE nopk2 (id int NOT NULL, note text);
INSERT INTO nopk2 SELECT g, 'n' FROM generate_series(1, 200) g;

CREATE TABLE dt (id int PRIMARY KEY, p posint);
INSERT INTO dt SELECT g, g FROM generate_series(1, 100) g;

CREATE UNLOGGED TABLE ul (id int PRIMARY KEY);
INSERT INTO ul SELECT g FROM generate_series(1, 100) g;

CREATE TABLE "Mixed" (id int PRIMARY KEY, "Val" int);
INSERT INTO "Mixed" SELECT g, g FROM generate_series(1, 50) g;
`;

export interface TraceCase {
  /** Appendix A's case name where there is one. */
  id: string;
  /** The migration traced (one or more statements). */
  sql: string;
  /** Rule ids of docs/rules/ this case is a positive (or, with `negative`, negative) example of. */
  rules?: string[];
  negative?: boolean;
  /** Only on servers of at least this major. */
  minMajor?: number;
  /** Indexes (0-based) of statements that PostgreSQL rejects on this data, on purpose. */
  fails?: number[];
  /** Mismatch lines that appear only sometimes, for a documented reason; ignored. */
  tolerate?: { lines: string[]; why: string };
}

/** VACUUM truncates empty pages at the end of a table under a conditional (never waiting) ACCESS EXCLUSIVE lock. */
const VACUUM_TRUNCATION = {
  lines: ['public.t: predicted ShareUpdateExclusiveLock, observed AccessExclusiveLock'],
  why: 'VACUUM may end by truncating empty trailing pages under a brief ACCESS EXCLUSIVE lock it takes only if it need not wait; whether it does depends on the dead rows earlier cases left behind',
};

export const CASES: TraceCase[] = [
  // ---- drops (contract rules)
  { id: 'drop_table', sql: 'DROP TABLE child;', rules: ['drop-table'] },
  { id: 'drop_column', sql: 'ALTER TABLE t DROP COLUMN txt;', rules: ['drop-column'] },
  { id: 'drop_schema_cascade', sql: 'DROP SCHEMA other CASCADE;', rules: ['drop-schema'] },
  { id: 'drop_view', sql: 'DROP VIEW v_t;', rules: ['drop-view'] },
  { id: 'drop_matview', sql: 'DROP MATERIALIZED VIEW mv;', rules: ['drop-view'] },
  { id: 'drop_function', sql: 'DROP FUNCTION f();', rules: ['drop-routine'] },
  { id: 'drop_type', sql: 'DROP TYPE color;', rules: ['drop-type'] },
  { id: 'drop_domain', sql: 'DROP DOMAIN pos2;', rules: ['drop-type'] },
  { id: 'drop_sequence', sql: 'DROP SEQUENCE s;', rules: ['drop-sequence'] },
  { id: 'drop_check_constraint', sql: 'ALTER TABLE t DROP CONSTRAINT t_b_pos_old;' },
  { id: 'drop_fk_constraint', sql: 'ALTER TABLE child2 DROP CONSTRAINT child2_t_fk;' },
  { id: 'drop_default', sql: 'ALTER TABLE t ALTER COLUMN d DROP DEFAULT;', rules: ['drop-default'] },
  { id: 'drop_not_null', sql: 'ALTER TABLE t ALTER COLUMN nn DROP NOT NULL;' },
  { id: 'drop_index', sql: 'DROP INDEX t_a_idx;', rules: ['drop-index-not-concurrent'] },
  { id: 'drop_index_concurrently', sql: 'DROP INDEX CONCURRENTLY t_a_idx;', rules: ['drop-index-not-concurrent'], negative: true },
  { id: 'drop_trigger', sql: 'DROP TRIGGER trg ON t;' },

  // ---- renames
  { id: 'rename_table', sql: 'ALTER TABLE t RENAME TO t2;', rules: ['rename-table'] },
  { id: 'rename_column', sql: 'ALTER TABLE t RENAME COLUMN b TO b2;', rules: ['rename-column'] },
  { id: 'rename_index', sql: 'ALTER INDEX t_a_idx RENAME TO t_a_idx2;' },
  { id: 'rename_constraint', sql: 'ALTER TABLE t RENAME CONSTRAINT t_b_pos_old TO t_b_positive;' },
  { id: 'rename_type', sql: 'ALTER TYPE color RENAME TO colour;', rules: ['rename-object'] },
  { id: 'rename_enum_value', sql: "ALTER TYPE mood RENAME VALUE 'ok' TO 'fine';", rules: ['rename-object'] },
  { id: 'set_schema', sql: 'ALTER TABLE child SET SCHEMA other;', rules: ['rename-object'] },
  { id: 'rename_schema', sql: 'ALTER SCHEMA other RENAME TO other2;', rules: ['rename-object'] },
  { id: 'rename_view', sql: 'ALTER VIEW v_t RENAME TO v_t2;', rules: ['rename-object'] },
  { id: 'rename_sequence', sql: 'ALTER SEQUENCE s RENAME TO s2;', rules: ['rename-object'] },
  { id: 'rename_function', sql: 'ALTER FUNCTION f() RENAME TO f2;', rules: ['rename-object'] },

  // ---- column type changes
  { id: 'type_int_to_bigint', sql: 'ALTER TABLE t ALTER COLUMN b TYPE bigint;', rules: ['change-column-type'] },
  { id: 'type_smallint_to_int', sql: 'ALTER TABLE t ALTER COLUMN sm TYPE int;', rules: ['change-column-type'] },
  { id: 'type_pk_int_to_bigint_referenced', sql: 'ALTER TABLE t ALTER COLUMN id TYPE bigint;', rules: ['change-column-type'] },
  { id: 'type_varchar_widen', sql: 'ALTER TABLE t ALTER COLUMN v TYPE varchar(20);', rules: ['change-column-type'], negative: true },
  { id: 'type_varchar_to_text', sql: 'ALTER TABLE t ALTER COLUMN v TYPE text;', rules: ['change-column-type'], negative: true },
  { id: 'type_varchar_shrink', sql: 'ALTER TABLE t ALTER COLUMN v TYPE varchar(8);', rules: ['change-column-type'] },
  { id: 'type_text_to_varchar_n', sql: 'ALTER TABLE t ALTER COLUMN txt TYPE varchar(20);', rules: ['change-column-type'] },
  { id: 'type_text_to_varchar_unbounded', sql: 'ALTER TABLE t ALTER COLUMN txt TYPE varchar;', rules: ['change-column-type'], negative: true },
  { id: 'type_numeric_precision_up', sql: 'ALTER TABLE t ALTER COLUMN n TYPE numeric(12,2);', rules: ['change-column-type'], negative: true },
  { id: 'type_numeric_scale_change', sql: 'ALTER TABLE t ALTER COLUMN n TYPE numeric(12,3);', rules: ['change-column-type'] },
  { id: 'type_numeric_unconstrained', sql: 'ALTER TABLE t ALTER COLUMN n TYPE numeric;', rules: ['change-column-type'], negative: true },
  { id: 'type_timestamp_to_tz_utc', sql: "SET TimeZone = 'UTC';\nALTER TABLE t ALTER COLUMN ts TYPE timestamptz;", rules: ['change-column-type'] },
  { id: 'type_timestamp_to_tz_nonutc', sql: "SET TimeZone = 'Europe/Oslo';\nALTER TABLE t ALTER COLUMN ts TYPE timestamptz;", rules: ['change-column-type'] },
  { id: 'type_char5_to_char10', sql: 'ALTER TABLE t ALTER COLUMN ch TYPE char(10);', rules: ['change-column-type'] },
  { id: 'type_char_to_text', sql: 'ALTER TABLE t ALTER COLUMN ch TYPE text;', rules: ['change-column-type'] },
  { id: 'type_collation_change', sql: 'ALTER TABLE t ALTER COLUMN ci TYPE text COLLATE "POSIX";', rules: ['change-column-type'] },
  { id: 'type_json_to_jsonb', sql: 'ALTER TABLE t ALTER COLUMN j TYPE jsonb;', rules: ['change-column-type'] },
  { id: 'type_int_to_text', sql: 'ALTER TABLE t ALTER COLUMN d TYPE text;', rules: ['change-column-type'] },
  { id: 'type_enum_to_text', sql: 'ALTER TABLE t ALTER COLUMN m TYPE text;', rules: ['change-column-type'] },
  { id: 'type_cidr_to_inet', sql: 'ALTER TABLE t ALTER COLUMN ip TYPE inet;', rules: ['change-column-type'], negative: true },
  { id: 'type_used_by_view', sql: 'ALTER TABLE t ALTER COLUMN a TYPE bigint;', rules: ['change-column-type'], fails: [0] },

  // ---- NULL-ability and defaults
  { id: 'set_not_null', sql: 'ALTER TABLE t ALTER COLUMN b SET NOT NULL;', rules: ['set-not-null'] },
  { id: 'set_not_null_with_valid_check', sql: 'ALTER TABLE t ALTER COLUMN sm SET NOT NULL;', rules: ['set-not-null'] },
  { id: 'set_default', sql: 'ALTER TABLE t ALTER COLUMN b SET DEFAULT 1;' },
  { id: 'add_not_null_constraint_not_valid_pg18', sql: 'ALTER TABLE t ADD CONSTRAINT b_nn2 NOT NULL b NOT VALID;', minMajor: 18 },
  {
    id: 'validate_not_null_constraint_pg18',
    sql: 'ALTER TABLE t ADD CONSTRAINT b_nn3 NOT NULL b NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT b_nn3;',
    minMajor: 18,
  },

  // ---- adding columns
  { id: 'add_column_nullable', sql: 'ALTER TABLE t ADD COLUMN x int;', rules: ['table-rewrite'], negative: true },
  { id: 'add_column_not_null_no_default', sql: 'ALTER TABLE t ADD COLUMN x int NOT NULL;', rules: ['add-required-column'], fails: [0] },
  { id: 'add_column_not_null_const_default', sql: 'ALTER TABLE t ADD COLUMN x int NOT NULL DEFAULT 0;', rules: ['table-rewrite'], negative: true },
  { id: 'add_column_default_now_stable', sql: 'ALTER TABLE t ADD COLUMN x timestamptz DEFAULT now();', rules: ['table-rewrite'], negative: true },
  { id: 'add_column_default_gen_random_uuid', sql: 'ALTER TABLE t ADD COLUMN x uuid DEFAULT gen_random_uuid();', rules: ['table-rewrite'] },
  { id: 'add_column_default_random', sql: 'ALTER TABLE t ADD COLUMN x float8 DEFAULT random();', rules: ['table-rewrite'] },
  { id: 'add_column_default_clock_timestamp', sql: 'ALTER TABLE t ADD COLUMN x timestamptz DEFAULT clock_timestamp();', rules: ['table-rewrite'] },
  { id: 'add_column_default_nextval', sql: "ALTER TABLE t ADD COLUMN x bigint DEFAULT nextval('s');", rules: ['table-rewrite'] },
  { id: 'add_column_serial', sql: 'ALTER TABLE t ADD COLUMN x serial;', rules: ['table-rewrite', 'prefer-identity'] },
  { id: 'add_column_identity', sql: 'ALTER TABLE t ADD COLUMN x bigint GENERATED ALWAYS AS IDENTITY;', rules: ['table-rewrite'] },
  { id: 'add_column_generated_stored', sql: 'ALTER TABLE t ADD COLUMN x int GENERATED ALWAYS AS (a * 2) STORED;', rules: ['table-rewrite'] },
  { id: 'add_column_generated_virtual_pg18', sql: 'ALTER TABLE t ADD COLUMN x int GENERATED ALWAYS AS (a * 2) VIRTUAL;', rules: ['table-rewrite'], negative: true, minMajor: 18 },
  { id: 'add_column_domain_with_check', sql: 'ALTER TABLE t ADD COLUMN x pos2;', rules: ['table-rewrite'] },
  { id: 'add_column_references', sql: 'ALTER TABLE t ADD COLUMN x bigint REFERENCES parent (id);', rules: ['constraint-not-valid'], negative: true },
  { id: 'add_column_unique', sql: 'ALTER TABLE t ADD COLUMN x text UNIQUE;', rules: ['unique-without-index'] },
  { id: 'add_column_check', sql: 'ALTER TABLE t ADD COLUMN x int CHECK (x > 0);', rules: ['constraint-not-valid'] },
  { id: 'add_column_partitioned', sql: 'ALTER TABLE pt ADD COLUMN x int;' },
  { id: 'add_column_partitioned_default', sql: 'ALTER TABLE pt ADD COLUMN x int NOT NULL DEFAULT 0;' },
  { id: 'existing_col_add_identity', sql: 'ALTER TABLE child ALTER COLUMN k DROP DEFAULT;\nALTER TABLE child ALTER COLUMN k ADD GENERATED BY DEFAULT AS IDENTITY;' },

  // ---- indexes
  { id: 'create_index', sql: 'CREATE INDEX t_b_idx ON t (b);', rules: ['index-not-concurrent'] },
  { id: 'create_unique_index', sql: 'CREATE UNIQUE INDEX t_b_uidx ON t (b);', rules: ['index-not-concurrent'] },
  { id: 'create_index_concurrently', sql: 'CREATE INDEX CONCURRENTLY t_b_idx ON t (b);', rules: ['index-not-concurrent'], negative: true },
  { id: 'create_index_concurrently_if_not_exists', sql: 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_b_uidx ON t (b);', rules: ['index-not-concurrent'], negative: true },
  { id: 'create_index_partitioned', sql: 'CREATE INDEX pt_k_idx ON pt (k);', rules: ['index-not-concurrent'] },
  { id: 'create_index_only_partitioned', sql: 'CREATE INDEX pt_k_idx ON ONLY pt (k);' },
  { id: 'create_index_new_table', sql: 'CREATE TABLE fresh (id bigint PRIMARY KEY, x int);\nCREATE INDEX fresh_x_idx ON fresh (x);', rules: ['index-not-concurrent'], negative: true },
  { id: 'reindex_index', sql: 'REINDEX INDEX t_a_idx;', rules: ['reindex-not-concurrent'] },
  { id: 'reindex_table', sql: 'REINDEX TABLE t;', rules: ['reindex-not-concurrent'] },
  { id: 'reindex_index_concurrently', sql: 'REINDEX INDEX CONCURRENTLY t_a_idx;', rules: ['reindex-not-concurrent'], negative: true },
  { id: 'concurrently_in_transaction', sql: 'BEGIN;\nCREATE INDEX CONCURRENTLY t_b_idx ON t (b);\nCOMMIT;', rules: ['concurrently-in-transaction', 'transaction-control'] },

  // ---- constraints
  { id: 'add_fk', sql: 'ALTER TABLE child ADD CONSTRAINT child_t_fk FOREIGN KEY (t_id) REFERENCES t (id);', rules: ['constraint-not-valid'] },
  { id: 'add_fk_not_valid', sql: 'ALTER TABLE child ADD CONSTRAINT child_t_fk FOREIGN KEY (t_id) REFERENCES t (id) NOT VALID;', rules: ['constraint-not-valid'], negative: true },
  { id: 'validate_fk', sql: 'ALTER TABLE child2 VALIDATE CONSTRAINT child2_t_fk;', rules: ['constraint-not-valid'], negative: true },
  { id: 'add_check', sql: 'ALTER TABLE t ADD CONSTRAINT b_pos CHECK (b > 0);', rules: ['constraint-not-valid'] },
  { id: 'add_check_not_valid', sql: 'ALTER TABLE t ADD CONSTRAINT b_pos CHECK (b > 0) NOT VALID;', rules: ['constraint-not-valid'], negative: true },
  { id: 'validate_check', sql: 'ALTER TABLE t VALIDATE CONSTRAINT t_b_nv;', rules: ['constraint-not-valid'], negative: true },
  {
    id: 'validate_in_same_transaction',
    sql: 'ALTER TABLE t ADD CONSTRAINT b_pos CHECK (b > 0) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT b_pos;',
    rules: ['constraint-not-valid'],
  },
  { id: 'add_unique_constraint', sql: 'ALTER TABLE t ADD CONSTRAINT t_b_key UNIQUE (b);', rules: ['unique-without-index'] },
  { id: 'add_unique_using_index', sql: 'ALTER TABLE nopk ADD CONSTRAINT nopk_id_key UNIQUE USING INDEX nopk_id_uidx;', rules: ['unique-without-index'], negative: true },
  { id: 'add_primary_key', sql: 'ALTER TABLE nopk2 ADD PRIMARY KEY (id);', rules: ['unique-without-index'] },
  { id: 'add_primary_key_using_index_nullable', sql: 'ALTER TABLE nopk ADD CONSTRAINT nopk_pkey PRIMARY KEY USING INDEX nopk_id_uidx;', rules: ['unique-without-index'], negative: true },
  { id: 'add_exclusion_constraint', sql: 'ALTER TABLE t ADD CONSTRAINT t_b_excl EXCLUDE USING btree (b WITH =);', rules: ['unique-without-index'] },
  { id: 'alter_domain_add_check', sql: 'ALTER DOMAIN posint ADD CONSTRAINT posint_pos CHECK (VALUE > 0);' },
  { id: 'alter_domain_add_check_not_valid', sql: 'ALTER DOMAIN posint ADD CONSTRAINT posint_pos CHECK (VALUE > 0) NOT VALID;' },
  {
    id: 'alter_domain_validate',
    rules: ['validate-domain-constraint'],
    sql: 'ALTER DOMAIN posint ADD CONSTRAINT posint_pos CHECK (VALUE > -1) NOT VALID;\nCOMMIT;\nALTER DOMAIN posint VALIDATE CONSTRAINT posint_pos;',
  },

  // ---- heavy maintenance and table settings
  { id: 'truncate', sql: 'TRUNCATE child;', rules: ['truncate-table'] },
  { id: 'truncate_cascade', sql: 'TRUNCATE t CASCADE;', rules: ['truncate-table'] },
  { id: 'vacuum_full', sql: 'VACUUM FULL t;', rules: ['table-rewrite'] },
  { id: 'vacuum_plain', sql: 'VACUUM t;', tolerate: VACUUM_TRUNCATION },
  { id: 'cluster', sql: 'CLUSTER t USING t_pkey;', rules: ['table-rewrite'] },
  { id: 'refresh_matview', sql: 'REFRESH MATERIALIZED VIEW mv;', rules: ['refresh-matview-not-concurrent'] },
  { id: 'refresh_matview_concurrently', sql: 'REFRESH MATERIALIZED VIEW CONCURRENTLY mv;', rules: ['refresh-matview-not-concurrent'], negative: true },
  { id: 'set_unlogged', sql: 'ALTER TABLE nopk2 SET UNLOGGED;', rules: ['table-rewrite'] },
  { id: 'set_logged', sql: 'ALTER TABLE ul SET LOGGED;', rules: ['table-rewrite'] },
  { id: 'set_access_method', sql: 'ALTER TABLE t SET ACCESS METHOD heap;', rules: ['table-rewrite'] },
  { id: 'set_tablespace_same', sql: 'ALTER TABLE t SET TABLESPACE pg_default;', rules: ['table-rewrite'] },
  { id: 'set_storage_param_fillfactor', sql: 'ALTER TABLE t SET (fillfactor = 70);' },
  { id: 'set_autovacuum_param', sql: 'ALTER TABLE t SET (autovacuum_vacuum_scale_factor = 0.01);' },
  { id: 'set_statistics', sql: 'ALTER TABLE t ALTER COLUMN a SET STATISTICS 500;' },
  { id: 'set_column_compression', sql: 'ALTER TABLE t ALTER COLUMN txt SET COMPRESSION pglz;' },
  { id: 'set_storage_external', sql: 'ALTER TABLE t ALTER COLUMN txt SET STORAGE EXTERNAL;' },
  { id: 'replica_identity_full', sql: 'ALTER TABLE t REPLICA IDENTITY FULL;' },
  { id: 'enable_rls', sql: 'ALTER TABLE t ENABLE ROW LEVEL SECURITY;' },
  { id: 'create_policy', sql: 'CREATE POLICY p1 ON t USING (true);' },
  { id: 'comment_on_table', sql: "COMMENT ON TABLE t IS 'x';" },
  { id: 'grant_select', sql: 'GRANT SELECT ON t TO PUBLIC;' },
  { id: 'create_statistics', sql: 'CREATE STATISTICS t_ab_stats ON a, b FROM t;' },
  { id: 'analyze', sql: 'ANALYZE t;' },
  { id: 'lock_table_default', sql: 'LOCK TABLE t;' },
  { id: 'alter_sequence', sql: 'ALTER SEQUENCE s RESTART WITH 100;' },

  // ---- triggers, views, functions
  { id: 'create_trigger', sql: 'CREATE TRIGGER trg2 BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION trg_fn();' },
  { id: 'disable_trigger', sql: 'ALTER TABLE t DISABLE TRIGGER trg;' },
  { id: 'create_or_replace_view', sql: 'CREATE OR REPLACE VIEW v_t AS SELECT a FROM t;' },
  { id: 'create_function', sql: 'CREATE OR REPLACE FUNCTION g() RETURNS int LANGUAGE sql AS $$ SELECT 2 $$;' },

  // ---- enums
  { id: 'enum_add_value', sql: "ALTER TYPE mood ADD VALUE 'meh';" },
  { id: 'enum_add_value_before', sql: "ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok';" },

  // ---- partitions
  { id: 'attach_partition', sql: "ALTER TABLE pt ATTACH PARTITION pt_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');" },
  { id: 'detach_partition', sql: 'ALTER TABLE pt DETACH PARTITION pt_2025;', rules: ['detach-partition-not-concurrent'] },
  { id: 'detach_partition_concurrently', sql: 'ALTER TABLE pt DETACH PARTITION pt_2025 CONCURRENTLY;', rules: ['detach-partition-not-concurrent'], negative: true },

  // ---- data changes
  { id: 'update_backfill_all', sql: 'UPDATE t SET b = b + 1;', rules: ['unbatched-dml'] },
  { id: 'update_where', sql: 'UPDATE t SET b = b + 1 WHERE id <= 100;', rules: ['unbatched-dml'], negative: true },
  { id: 'delete_rows', sql: 'DELETE FROM child WHERE id <= 100;', rules: ['unbatched-dml'], negative: true },
  { id: 'delete_all', sql: 'DELETE FROM child;', rules: ['unbatched-dml'] },
  { id: 'insert', sql: "INSERT INTO nopk (id, note) VALUES (1000, 'x');" },
  { id: 'ddl_then_dml', sql: 'ALTER TABLE t ADD COLUMN x int;\nUPDATE t SET x = 1 WHERE id <= 10;', rules: ['unbatched-dml'] },

  // ---- new objects (classified, not flagged), hygiene rules
  {
    id: 'create_table_with_fk',
    sql: 'CREATE TABLE newt (id bigint PRIMARY KEY, t_id int REFERENCES t (id));',
    rules: ['prefer-bigint'],
    negative: true,
  },
  {
    id: 'create_table_hygiene',
    sql: 'CREATE TABLE hyg (id serial PRIMARY KEY, at timestamp, name varchar(40), code char(3));',
    rules: ['prefer-bigint', 'prefer-identity', 'prefer-timestamptz', 'prefer-text', 'ban-char'],
  },
  { id: 'create_schema_sequence_type', sql: "CREATE SCHEMA app;\nCREATE SEQUENCE app.seq;\nCREATE TYPE app.state AS ENUM ('a', 'b');" },
  { id: 'set_lock_timeout', sql: "SET lock_timeout = '2s';\nALTER TABLE t ADD COLUMN x int;", rules: ['missing-lock-timeout'], negative: true },
  { id: 'missing_lock_timeout', sql: 'ALTER TABLE t ADD COLUMN x int;', rules: ['missing-lock-timeout'] },
  { id: 'phase_mismatch', sql: '-- bgmigrate: phase=expand\nALTER TABLE t DROP COLUMN ci;', rules: ['phase-mismatch'] },

  // ---- DO blocks: static SQL inside is analysed; dynamic SQL is not
  { id: 'do_block_static', sql: 'DO $$ BEGIN ALTER TABLE t ADD COLUMN x int; END $$;' },
  { id: 'do_block_static_index', sql: 'DO $$ BEGIN CREATE INDEX t_b_idx ON t (b); END $$;', rules: ['index-not-concurrent'] },
  { id: 'do_block_dynamic', sql: "DO $$ BEGIN EXECUTE 'ALTER TABLE t ADD COLUMN ' || 'x int'; END $$;", rules: ['dynamic-sql'] },

  // ---- beyond Appendix A: cascades, names, no-ops, multi-command ALTERs, more lock levels
  { id: 'drop_table_referencing', sql: 'DROP TABLE child2;', rules: ['drop-table'] },
  { id: 'drop_table_cascade', sql: 'DROP TABLE t CASCADE;', rules: ['drop-table'] },
  { id: 'drop_type_cascade', sql: 'DROP TYPE mood CASCADE;', rules: ['drop-type'] },
  { id: 'drop_function_cascade', sql: 'DROP FUNCTION trg_fn() CASCADE;', rules: ['drop-routine'] },
  { id: 'drop_view_cascade', sql: 'DROP VIEW v_t CASCADE;', rules: ['drop-view'] },
  { id: 'drop_index_if_exists_missing', sql: 'DROP INDEX IF EXISTS no_such_idx;', rules: ['drop-index-not-concurrent'] },
  { id: 'drop_trigger_if_exists_missing', sql: 'DROP TRIGGER IF EXISTS no_such_trg ON t;' },
  { id: 'create_index_if_not_exists_existing', sql: 'CREATE INDEX IF NOT EXISTS t_a_idx ON t (a);', rules: ['index-not-concurrent'] },
  { id: 'create_partial_index', sql: 'CREATE INDEX t_b_part ON t (b) WHERE b > 100;', rules: ['index-not-concurrent'] },
  { id: 'create_index_expression', sql: 'CREATE INDEX t_lower_v ON t (lower(v));', rules: ['index-not-concurrent'] },
  { id: 'reindex_table_concurrently', sql: 'REINDEX TABLE CONCURRENTLY t;', rules: ['reindex-not-concurrent'], negative: true },
  { id: 'reindex_schema', sql: 'REINDEX SCHEMA public;', rules: ['reindex-not-concurrent'] },
  { id: 'alter_index_set_fillfactor', sql: 'ALTER INDEX t_a_idx SET (fillfactor = 50);' },
  { id: 'alter_index_set_statistics', sql: 'ALTER INDEX t_lower_v_missing ALTER COLUMN 1 SET STATISTICS 100;', fails: [0] },
  { id: 'alter_table_if_exists_missing', sql: 'ALTER TABLE IF EXISTS no_such_table ADD COLUMN x int;' },
  { id: 'qualified_name', sql: 'ALTER TABLE public.t ADD COLUMN x int;' },
  { id: 'quoted_name', sql: 'ALTER TABLE "Mixed" ADD COLUMN "Other" int;\nCREATE INDEX "Mixed_val_idx" ON "Mixed" ("Val");', rules: ['index-not-concurrent'] },
  { id: 'search_path_other_first', sql: "SET search_path TO other, public;\nALTER TABLE t ADD COLUMN x int;" },
  { id: 'search_path_create_then_index', sql: 'SET search_path TO other;\nCREATE TABLE fresh (id int);\nCREATE INDEX ON fresh (id);\nALTER TABLE public.t ADD COLUMN x int;' },
  { id: 'multi_command_add_columns', sql: 'ALTER TABLE t ADD COLUMN x int, ADD COLUMN y float8 DEFAULT random();', rules: ['table-rewrite'] },
  { id: 'multi_command_types', sql: 'ALTER TABLE t ALTER COLUMN v TYPE varchar(20), ALTER COLUMN sm TYPE int;', rules: ['change-column-type'] },
  { id: 'type_change_using', sql: 'ALTER TABLE t ALTER COLUMN nn TYPE bigint USING nn::bigint;', rules: ['change-column-type'] },
  { id: 'type_varchar_same', sql: 'ALTER TABLE t ALTER COLUMN v TYPE varchar(10);', rules: ['change-column-type'], negative: true },
  { id: 'validate_already_valid', sql: 'ALTER TABLE t VALIDATE CONSTRAINT t_b_pos_old;' },
  { id: 'add_unique_deferrable', sql: 'ALTER TABLE t ADD CONSTRAINT t_a_uniq UNIQUE (a) DEFERRABLE;', rules: ['unique-without-index'] },
  { id: 'alter_fk_deferrable', sql: 'ALTER TABLE child2 ALTER CONSTRAINT child2_t_fk DEFERRABLE;' },
  { id: 'add_identity_existing_pk', sql: 'ALTER TABLE t ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;' },
  { id: 'alter_domain_set_not_null', sql: 'ALTER DOMAIN posint SET NOT NULL;' },
  { id: 'alter_domain_drop_constraint', sql: 'ALTER DOMAIN pos2 DROP CONSTRAINT pos2_check;' },
  { id: 'enable_trigger', sql: 'ALTER TABLE t ENABLE TRIGGER trg;' },
  { id: 'cluster_on', sql: 'ALTER TABLE t CLUSTER ON t_a_idx;' },
  { id: 'set_without_cluster', sql: 'ALTER TABLE t SET WITHOUT CLUSTER;' },
  { id: 'column_set_n_distinct', sql: 'ALTER TABLE t ALTER COLUMN a SET (n_distinct = 100);' },
  { id: 'owner_to_current_user', sql: 'ALTER TABLE t OWNER TO CURRENT_USER;' },
  { id: 'force_rls', sql: 'ALTER TABLE t FORCE ROW LEVEL SECURITY;' },
  { id: 'drop_policy_if_exists', sql: 'DROP POLICY IF EXISTS p_missing ON t;' },
  { id: 'create_rule', sql: 'CREATE RULE r_nothing AS ON DELETE TO nopk DO INSTEAD NOTHING;' },
  { id: 'comment_on_column', sql: "COMMENT ON COLUMN t.a IS 'x';" },
  { id: 'grant_column', sql: 'GRANT UPDATE (a) ON t TO PUBLIC;' },
  { id: 'revoke_all', sql: 'REVOKE ALL ON t FROM PUBLIC;' },
  { id: 'alter_view_option', sql: 'ALTER VIEW v_t SET (security_barrier = true);' },
  { id: 'rename_matview', sql: 'ALTER MATERIALIZED VIEW mv RENAME TO mv2;', rules: ['rename-object'] },
  { id: 'refresh_matview_no_data', sql: 'REFRESH MATERIALIZED VIEW mv WITH NO DATA;', rules: ['refresh-matview-not-concurrent'] },
  { id: 'sequence_owned_by', sql: 'ALTER SEQUENCE s OWNED BY t.id;' },
  { id: 'truncate_restart_identity', sql: 'TRUNCATE child RESTART IDENTITY;', rules: ['truncate-table'] },
  { id: 'update_from_join', sql: 'UPDATE t SET b = t.b FROM child WHERE child.id = t.id AND t.id < 10;' },
  { id: 'delete_checked_by_fk', sql: 'DELETE FROM t WHERE id = 999;' },
  { id: 'insert_checked_by_fk', sql: 'INSERT INTO child2 VALUES (1000, 5);' },
  { id: 'lock_table_share', sql: 'LOCK TABLE t IN SHARE MODE;' },
  { id: 'lock_two_tables', sql: 'LOCK TABLE t, child IN ROW EXCLUSIVE MODE;' },
  { id: 'create_table_like', sql: 'CREATE TABLE t_copy (LIKE t INCLUDING ALL);' },
  { id: 'create_table_as', sql: 'CREATE TABLE t_snapshot AS SELECT id, a FROM t;' },
  { id: 'create_partition_of', sql: "CREATE TABLE pt_2026b PARTITION OF pt FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');" },
  // What both colors insert with, who owns a table, what its parent reads, its foreign-key triggers.
  { id: 'alter_sequence_restart', sql: 'ALTER SEQUENCE s RESTART;', rules: ['alter-sequence'] },
  { id: 'setval', sql: "SELECT setval('s', 10);", rules: ['alter-sequence'] },
  { id: 'alter_sequence_cache', sql: 'ALTER SEQUENCE s CACHE 5;', rules: ['alter-sequence'], negative: true },
  { id: 'change_owner', sql: 'ALTER TABLE nopk OWNER TO CURRENT_USER;', rules: ['revoke-privilege'] },
  { id: 'add_inherit', sql: 'CREATE TABLE nopk_base (id int, note text);\nALTER TABLE nopk INHERIT nopk_base;', rules: ['change-inheritance'] },
  { id: 'disable_trigger_all', sql: 'ALTER TABLE t DISABLE TRIGGER ALL;', rules: ['disable-trigger-all'] },
  // A table with a DEFAULT partition: a new partition's bounds are checked against its rows.
  { id: 'create_partition_with_default', sql: 'CREATE TABLE pd_mid PARTITION OF pd FOR VALUES FROM (1000) TO (2000);', rules: ['default-partition-scan'] },
  { id: 'detach_partition_with_default', sql: 'ALTER TABLE pd DETACH PARTITION pd_low;', rules: ['detach-partition-not-concurrent'] },
  { id: 'drop_partition', sql: 'DROP TABLE pt_2024;', rules: ['drop-table'] },
  { id: 'lock_partitioned', sql: 'LOCK TABLE pt IN ACCESS EXCLUSIVE MODE;', rules: ['lock-table'] },
  { id: 'lock_only_partitioned', sql: 'LOCK TABLE ONLY pt IN ACCESS EXCLUSIVE MODE;', rules: ['lock-table'] },
  { id: 'rename_column_partitioned', sql: 'ALTER TABLE pd RENAME COLUMN id TO pid;', rules: ['rename-column'] },
  { id: 'enable_rls_partitioned', sql: 'ALTER TABLE pd ENABLE ROW LEVEL SECURITY;', rules: ['enable-row-security'] },
  { id: 'truncate_partitioned', sql: 'TRUNCATE pd;', rules: ['truncate-table'] },
  { id: 'matview_set_option', sql: 'ALTER MATERIALIZED VIEW mv SET (fillfactor = 50);' },
  { id: 'matview_cluster_on', sql: 'ALTER MATERIALIZED VIEW mv CLUSTER ON mv_a;' },
  { id: 'create_table_inherits', sql: 'CREATE TABLE nopk_child (extra int) INHERITS (nopk);' },
  { id: 'drop_primary_key_cascade', sql: 'ALTER TABLE t DROP CONSTRAINT t_pkey CASCADE;', rules: ['drop-constraint'] },
  { id: 'attach_partition_with_default', sql: 'ALTER TABLE pd ATTACH PARTITION pd_high FOR VALUES FROM (5000) TO (6000);', rules: ['default-partition-scan'] },
  { id: 'vacuum_analyze', sql: 'VACUUM (ANALYZE) t;', tolerate: VACUUM_TRUNCATION },
  { id: 'analyze_all', sql: 'ANALYZE;' },
  { id: 'do_block_perform', sql: 'DO $$ BEGIN PERFORM 1; END $$;' },

  // ---- found by tracing the real-world corpus (kratos, trigger.dev)
  { id: 'type_change_fk_column', sql: 'ALTER TABLE child2 ALTER COLUMN t_id TYPE bigint;', rules: ['change-column-type'] },
  { id: 'drop_fk_column', sql: 'ALTER TABLE child2 DROP COLUMN t_id;', rules: ['drop-column'] },
  {
    id: 'type_change_fk_column_same_type',
    sql: 'ALTER TABLE child2 ALTER COLUMN t_id TYPE int, ALTER COLUMN t_id DROP NOT NULL;',
    rules: ['change-column-type'],
  },
  {
    id: 'drop_table_two_fks',
    sql: 'CREATE TABLE two_fk (id int PRIMARY KEY, t_id int, p_id bigint, FOREIGN KEY (t_id) REFERENCES t (id), FOREIGN KEY (p_id) REFERENCES parent (id));\nDROP TABLE two_fk;',
    rules: ['drop-table'],
  },
  { id: 'drop_fk_column_then_referenced_table', sql: 'ALTER TABLE child2 DROP COLUMN t_id;\nDROP TABLE t CASCADE;', rules: ['drop-column', 'drop-table'] },
  { id: 'do_block_conditional', sql: "DO $$ BEGIN IF false THEN ALTER TABLE t ADD COLUMN never int; END IF; END $$;" },
];

/**
 * Cases whose difference from the static analysis is expected by design, not a bug: the
 * analyser cannot know (dynamic SQL is opaque by definition and is reported as `dynamic-sql`).
 */
export const UNPREDICTABLE: Record<string, string> = {
  do_block_dynamic: 'EXECUTE of a computed string: the analyser reports dynamic-sql instead of a lock',
  set_access_method: 'heap to heap is a no-op; without the catalog a real change of access method cannot be told from it',
  set_tablespace_same: 'to the tablespace it is already in is a no-op; without the catalog a real move cannot be told from it',
  do_block_conditional: 'a branch that does not run: the analyser assumes every statement in a DO block runs',
  reindex_schema:
    'REINDEX SCHEMA takes SHARE on each table in its own transaction, one after another: sampling sees a varying subset (the static model predicts none: reported)',
};
