/**
 * trace never changes the target: refusals, a role without CREATEDB, timeouts that keep it from
 * blocking live traffic, and SQL that tries to commit.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { runTrace, traceSql } from '../../src/trace/index.js';
import { createTestDatabase, withClient, withDatabase, type TestDatabase } from '../support/db.js';
import { exec, fingerprint, SCHEMA, statementsOf } from './helpers.js';

let db: TestDatabase;
let before: string;
let limitedUrl: string;

beforeAll(async () => {
  db = await createTestDatabase('trace_safety');
  await exec(db.url, SCHEMA);
  const role = `tracer_${db.name.slice(-8)}`;
  await exec(
    db.url,
    `CREATE ROLE ${role} LOGIN PASSWORD 'tracer-secret' NOCREATEDB;
     GRANT ALL ON SCHEMA public TO ${role}; GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role};
     ALTER TABLE t OWNER TO ${role}; ALTER TABLE child OWNER TO ${role};`,
  );
  limitedUrl = withDatabase(db.url, db.name, { user: role, password: 'tracer-secret' });
  before = await fingerprint(db.url);
});

afterAll(async () => {
  expect(await fingerprint(db.url)).toBe(before);
  const role = `tracer_${db.name.slice(-8)}`;
  await db.drop();
  await withClient(withDatabase(db.url, 'postgres'), (c) => c.query(`DROP ROLE IF EXISTS ${role}`));
});

async function refusal(promise: Promise<unknown>): Promise<UsageError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

describe('statements that act on the whole server are refused before anything runs', () => {
  it.each([
    ['CREATE DATABASE other', 'CREATE DATABASE'],
    ['DROP DATABASE other', 'DROP DATABASE'],
    ["ALTER SYSTEM SET work_mem = '64MB'", 'ALTER SYSTEM'],
    ["CREATE TABLESPACE ts LOCATION '/tmp'", 'CREATE TABLESPACE'],
  ])('%s', async (sql, what) => {
    const error = await refusal(traceSql(`ALTER TABLE t ADD COLUMN before_refusal int;\n${sql};`, { url: db.url }));
    expect(error.message).toBe(`migration.sql:2:1: trace refuses to run ${what}: it acts on the whole server and cannot be rolled back`);
    expect(error.exitCode).toBe(2);
  });
});

describe('a role that cannot create databases', () => {
  it('gets one clear line for a statement that cannot run in a transaction', async () => {
    const error = await refusal(traceSql('CREATE INDEX CONCURRENTLY t_b_idx ON t (b);', { url: limitedUrl }));
    const role = new URL(limitedUrl).username;
    expect(error.message).toBe(
      `migration.sql:1:1: CREATE INDEX CONCURRENTLY cannot run inside a transaction, and role "${role}" cannot create a throwaway database to run it in (it needs CREATEDB); trace refuses to run it against database "${db.name}"`,
    );
    expect(error.message).not.toContain('tracer-secret');
  });

  it('still traces transactional statements, on the target, rolled back', async () => {
    const report = await traceSql('ALTER TABLE t ADD COLUMN by_limited int;', { url: limitedUrl });
    expect(report.ranOn).toBe('target');
    expect(report.ranOnReason).toBe(`role "${new URL(limitedUrl).username}" cannot create databases`);
    expect(statementsOf(report)[0]!.strongest).toEqual({ relation: 'public.t', mode: 'AccessExclusiveLock' });
    expect(report.database).not.toContain('tracer-secret');
  });
});

describe('the target is never committed to', () => {
  it('a COMMIT in the migration is not executed, so nothing before it is kept', async () => {
    const report = await traceSql('CREATE TABLE committed_by_migration (id int);\nCOMMIT;\nCREATE TABLE after_commit (id int);', {
      url: db.url,
      venue: 'target',
    });
    expect(statementsOf(report).map((s) => s.status)).toEqual(['ok', 'skipped', 'ok']);
    const left = await withClient(db.url, (c) =>
      c.query("SELECT count(*)::int AS n FROM pg_class WHERE relname IN ('committed_by_migration', 'after_commit')"),
    );
    expect(left.rows[0].n).toBe(0);
  });

  it('says so when a sequence advanced, since sequences are not rolled back', async () => {
    const report = await traceSql("SELECT nextval('s');\nSELECT nextval('s');", { url: db.url, venue: 'target' });
    expect(report.sideEffects).toEqual(['sequence public.s advanced from unused to 2 (sequences are not rolled back)']);
    const copied = await traceSql("SELECT nextval('s');", { url: db.url });
    expect(copied.ranOn).toBe('copy');
    expect(copied.sideEffects).toEqual([]);
  });

  it('one statement text cannot smuggle a second one in', async () => {
    const report = await runTrace(
      [{ path: 'x.sql', id: 'x.sql', statements: [{ index: 0, text: 'CREATE TABLE smuggled (id int); COMMIT', effects: [], line: 1, column: 1, endLine: 1, endColumn: 40 }] }],
      { url: db.url, venue: 'target' },
    );
    expect(statementsOf(report)[0]!.error).toBe('cannot insert multiple commands into a prepared statement');
  });

  it('a procedure that commits fails instead of committing', async () => {
    const report = await traceSql(
      `CREATE PROCEDURE commit_inside() LANGUAGE plpgsql AS $$ BEGIN CREATE TABLE proc_made (id int); COMMIT; END $$;\nCALL commit_inside();`,
      { url: db.url, venue: 'target' },
    );
    expect(statementsOf(report)[1]!.error).toBe('invalid transaction termination');
  });
});

describe('hard timeouts keep trace from blocking live traffic', () => {
  it('lock_timeout: a table held by another session fails fast instead of queueing', async () => {
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT count(*) FROM t'); // ACCESS SHARE, like a long report query
      const report = await traceSql('ALTER TABLE t ADD COLUMN waits int;', { url: db.url, lockTimeoutMs: 100 });
      // Someone else is connected, so the target cannot be copied: it runs in place.
      expect(report.ranOn).toBe('target');
      expect(report.ranOnReason).toBe('1 other session(s) are connected to it');
      expect(statementsOf(report)[0]!.error).toBe('canceling statement due to lock timeout');
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
  });

  it('with others connected, CONCURRENTLY runs on an empty database with the traced statements replayed', async () => {
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    try {
      const report = await traceSql(
        'CREATE TABLE replayed (id int);\nCREATE INDEX CONCURRENTLY replayed_idx ON replayed (id);\nCREATE INDEX CONCURRENTLY t_b_cidx ON t (b);',
        { url: db.url },
      );
      expect(report.ranOn).toBe('target');
      expect(report.throwaway).toEqual({ source: 'replay' });
      const [, made, missing] = statementsOf(report);
      expect(made).toMatchObject({ mode: 'throwaway', status: 'ok', strongest: { relation: 'public.replayed', mode: 'ShareUpdateExclusiveLock' } });
      expect(missing).toMatchObject({ mode: 'throwaway', status: 'error', error: 'relation "t" does not exist' });
      expect(missing!.note).toMatch(/^it ran on an empty throwaway database with only the traced migrations replayed/);
    } finally {
      await other.end();
    }
  });

  it('on the target, --statement-timeout bounds all statements together: their locks are held to the end', async () => {
    const report = await traceSql('ALTER TABLE t ADD COLUMN budget int;\nSELECT pg_sleep(5);\nALTER TABLE child ADD COLUMN late int;', {
      url: db.url,
      venue: 'target',
      statementTimeoutMs: 300,
    });
    const [first, sleep, late] = statementsOf(report);
    expect(first!.status).toBe('ok');
    expect(sleep!.error).toBe('canceling statement due to statement timeout');
    expect(late).toMatchObject({
      mode: 'skipped',
      status: 'error',
      error: 'not run: on the target, the statements together may hold their locks for 300 ms (--statement-timeout), and that time is spent',
    });
  });

  it('statement_timeout: a migration cannot lift it with its own SET', async () => {
    const report = await traceSql("SET statement_timeout = 0;\nSELECT pg_sleep(30);", { url: db.url, statementTimeoutMs: 200 });
    expect(statementsOf(report)[1]!.error).toBe('canceling statement due to statement timeout');
  });
});

describe('bad connections', () => {
  it('a wrong password is one line without the password', async () => {
    const url = withDatabase(db.url, db.name, { user: new URL(db.url).username, password: 'not-the-password' });
    const error = await refusal(traceSql('SELECT 1;', { url }));
    expect(error.message).toMatch(/^cannot connect to postgres:\/\/[^ ]+:\*\*\*@/);
    expect(error.message).not.toContain('not-the-password');
  });
});

describe('SQL PostgreSQL cannot parse', () => {
  it('is reported where it is, not silently left out', async () => {
    const report = await traceSql('ALTER TABLE t ADD COLUMN parsed int;\nSELEC 1;\nALTER TABLE t ADD COLUMN never int;', { url: db.url });
    const s = statementsOf(report);
    expect(s.map((x) => [x.line, x.status])).toEqual([
      [1, 'ok'],
      [2, 'error'],
    ]);
    expect(s[1]!.error).toBe('syntax error at or near "SELEC"');
    expect(report.summary.errors).toBe(1);
  });
});
