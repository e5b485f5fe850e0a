import { describe, expect, it } from 'vitest';
import { lintSql } from '../../src/lint.js';

// The rule catalogue's "Classified, and not flagged" list: each statement runs on an existing table (created by an
// earlier migration) in a migration of its own, and no rule may report it.
const PREVIOUS = [
  [
    'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total numeric, note text, state text DEFAULT \'new\', nn text NOT NULL);',
    'CREATE TABLE users (id bigint PRIMARY KEY);',
    'CREATE INDEX orders_user_idx ON orders (user_id);',
    'CREATE UNIQUE INDEX CONCURRENTLY orders_total_uidx ON orders (total);',
    'ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total > 0) NOT VALID;',
    "CREATE TYPE mood AS ENUM ('ok');",
    'CREATE FUNCTION orders_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;',
    'CREATE TRIGGER orders_sync_old BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION orders_sync();',
  ].join('\n'),
];

const CLASSIFIED: [string, string][] = [
  ['CREATE TABLE', 'CREATE TABLE payments (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, order_id bigint REFERENCES orders (id), amount numeric CHECK (amount > 0), ref text UNIQUE);'],
  ['ADD COLUMN nullable', 'ALTER TABLE orders ADD COLUMN coupon text;'],
  ['ADD COLUMN constant default', "ALTER TABLE orders ADD COLUMN channel text NOT NULL DEFAULT 'web';"],
  ['ADD COLUMN STABLE default', 'ALTER TABLE orders ADD COLUMN seen_at timestamptz DEFAULT now();'],
  ['CREATE INDEX CONCURRENTLY', 'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_state_idx ON orders (state);'],
  ['DROP INDEX CONCURRENTLY', 'DROP INDEX CONCURRENTLY IF EXISTS orders_user_idx;'],
  ['REINDEX CONCURRENTLY', 'REINDEX INDEX CONCURRENTLY orders_user_idx;'],
  ['ADD CONSTRAINT … NOT VALID', 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;'],
  ['VALIDATE CONSTRAINT', 'ALTER TABLE orders VALIDATE CONSTRAINT total_positive;'],
  ['ADD CONSTRAINT … UNIQUE USING INDEX', 'ALTER TABLE orders ADD CONSTRAINT orders_total_key UNIQUE USING INDEX orders_total_uidx;'],
  ['DROP NOT NULL', 'ALTER TABLE orders ALTER COLUMN nn DROP NOT NULL;'],
  ['SET DEFAULT', "ALTER TABLE orders ALTER COLUMN note SET DEFAULT '';"],
  ['CREATE OR REPLACE FUNCTION', 'CREATE OR REPLACE FUNCTION orders_total(o orders) RETURNS numeric LANGUAGE sql AS $$ SELECT o.total $$;'],
  ['CREATE TRIGGER', 'CREATE TRIGGER orders_sync BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION orders_sync();'],
  ['DROP TRIGGER', 'DROP TRIGGER orders_sync_old ON orders;'],
  ['CREATE OR REPLACE VIEW', 'CREATE OR REPLACE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100;'],
  ['CREATE TYPE', "CREATE TYPE channel AS ENUM ('web', 'app');"],
  ['ALTER TYPE … ADD VALUE', "ALTER TYPE mood ADD VALUE 'meh' AFTER 'ok';"],
  ['CREATE SCHEMA', 'CREATE SCHEMA IF NOT EXISTS reporting;'],
  ['CREATE EXTENSION', 'CREATE EXTENSION IF NOT EXISTS pgcrypto;'],
  ['CREATE SEQUENCE', 'CREATE SEQUENCE order_numbers;'],
  ['COMMENT ON', "COMMENT ON TABLE orders IS 'customer orders';"],
  ['GRANT', 'GRANT SELECT ON orders TO reporting;'],
  ['ALTER INDEX … RENAME', 'ALTER INDEX orders_user_idx RENAME TO orders_user_id_idx;'],
  ['SET (storage parameters)', 'ALTER TABLE orders SET (fillfactor = 90, autovacuum_vacuum_scale_factor = 0.01);'],
  ['INSERT', "INSERT INTO orders (id, total, nn) VALUES (1, 10, 'x');"],
  ['UPDATE with WHERE', 'UPDATE orders SET note = NULL WHERE id BETWEEN 1 AND 1000;'],
  ['DELETE with WHERE', 'DELETE FROM orders WHERE id < 100;'],
  ['SET / RESET', "SET lock_timeout = '2s';\nRESET lock_timeout;"],
  ['SET STATISTICS', 'ALTER TABLE orders ALTER COLUMN user_id SET STATISTICS 500;'],
];

describe('catalogue: "Classified, and not flagged"', () => {
  it.each(CLASSIFIED)('%s: no finding', async (_name, sql) => {
    const report = await lintSql(sql, { pgVersion: 15, previous: PREVIOUS });
    expect(report.findings.map((f) => `${f.rule}: ${f.message}`)).toEqual([]);
  });
});
