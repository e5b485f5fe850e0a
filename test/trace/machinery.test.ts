/**
 * The trace machinery on statements whose locks, rewrites and scans are known (measured on
 * PostgreSQL 18.4, see test/trace/cases.ts), in both venues: a copy of the target, and the
 * target itself in a rolled-back transaction.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, serverMajor, type TestDatabase } from '../support/db.js';
import { traceSql, type TraceReport } from '../../src/trace/index.js';
import { exec, fingerprint, lockOn, newLocks, SCHEMA, statementsOf } from './helpers.js';

describe.each([
  { venue: 'auto' as const, ranOn: 'copy' },
  { venue: 'target' as const, ranOn: 'target' },
])('trace on the $ranOn', ({ venue, ranOn }) => {
  let db: TestDatabase;
  let before: string;
  const trace = (sql: string): Promise<TraceReport> => traceSql(sql, { url: db.url, venue, previous: [SCHEMA] });
  const one = async (sql: string) => {
    const report = await trace(sql);
    expect(report.ranOn).toBe(ranOn);
    const [s] = statementsOf(report);
    expect(s!.error).toBeUndefined();
    return s!;
  };

  beforeAll(async () => {
    db = await createTestDatabase(`trace_${ranOn}`);
    await exec(db.url, SCHEMA);
    before = await fingerprint(db.url);
  });
  afterAll(async () => {
    // Whatever ran, the database is exactly as it was.
    expect(await fingerprint(db.url)).toBe(before);
    await db.drop();
  });

  it('ADD COLUMN: ACCESS EXCLUSIVE on the table, no rewrite, no scan', async () => {
    const s = await one('ALTER TABLE t ADD COLUMN x int');
    expect(s.mode).toBe('transaction');
    expect(newLocks(s)).toEqual(['public.t:AccessExclusiveLock']);
    expect(s.strongest).toEqual({ relation: 'public.t', mode: 'AccessExclusiveLock' });
    expect(s.rewritten).toEqual([]);
    expect(s.scanned).toEqual([]);
    expect(s.lockHeldMs).toBe(s.durationMs);
  });

  it('ALTER COLUMN TYPE int → bigint: rewrites the table and every index', async () => {
    const s = await one('ALTER TABLE t ALTER COLUMN b TYPE bigint');
    expect(lockOn(s, 'public.t')).toBe('AccessExclusiveLock');
    expect(s.rewritten).toEqual(['public.t', 'public.t_a_idx', 'public.t_pkey', 'public.t_v_idx']);
    expect(s.observed).toEqual([{ table: 'public.t', lock: 'AccessExclusiveLock', masked: false, rewritten: true }]);
  });

  it('ALTER COLUMN TYPE varchar(10) → text: no rewrite', async () => {
    const s = await one('ALTER TABLE t ALTER COLUMN v TYPE text');
    expect(s.strongest).toEqual({ relation: 'public.t', mode: 'AccessExclusiveLock' });
    expect(s.rewritten.filter((r) => r === 'public.t')).toEqual([]);
  });

  it('CREATE INDEX: SHARE on the table, a full scan, no rewrite', async () => {
    const s = await one('CREATE INDEX t_b_idx ON t (b)');
    expect(newLocks(s)).toEqual(['public.t:ShareLock', 'public.t_b_idx:AccessExclusiveLock']);
    expect(s.strongest).toEqual({ relation: 'public.t', mode: 'ShareLock' });
    expect(s.rewritten).toEqual([]);
    expect(s.scanned).toEqual([{ relation: 'public.t', seqScans: 1, seqTuplesRead: 500, indexScans: 0 }]);
  });

  it('VALIDATE CONSTRAINT: SHARE UPDATE EXCLUSIVE and a scan', async () => {
    const s = await one('ALTER TABLE t VALIDATE CONSTRAINT t_b_pos');
    expect(newLocks(s)).toEqual(['public.t:ShareUpdateExclusiveLock']);
    expect(s.scanned).toEqual([{ relation: 'public.t', seqScans: 1, seqTuplesRead: 500, indexScans: 0 }]);
  });

  it('ADD FOREIGN KEY: SHARE ROW EXCLUSIVE on both tables', async () => {
    const s = await one('ALTER TABLE child ADD CONSTRAINT child_t_fk FOREIGN KEY (t_id) REFERENCES t (id)');
    expect(lockOn(s, 'public.child')).toBe('ShareRowExclusiveLock');
    expect(lockOn(s, 'public.t')).toBe('ShareRowExclusiveLock');
    expect(s.rewritten).toEqual([]);
    expect(s.scanned!.find((x) => x.relation === 'public.child')?.seqTuplesRead).toBe(100);
  });

  it('SET NOT NULL: ACCESS EXCLUSIVE and a scan, no rewrite', async () => {
    const s = await one('ALTER TABLE t ALTER COLUMN a SET NOT NULL');
    expect(newLocks(s)).toEqual(['public.t:AccessExclusiveLock']);
    expect(s.scanned?.map((x) => x.relation)).toEqual(['public.t']);
  });

  it('ADD COLUMN with a volatile default rewrites; with a constant one does not', async () => {
    const volatile = await one('ALTER TABLE t ADD COLUMN r float8 DEFAULT random()');
    expect(volatile.rewritten).toContain('public.t');
    const constant = await one('ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0');
    expect(constant.rewritten).toEqual([]);
  });

  it('TRUNCATE swaps in new files (relfilenode changes)', async () => {
    const s = await one('TRUNCATE child');
    expect(s.strongest).toEqual({ relation: 'public.child', mode: 'AccessExclusiveLock' });
    expect(s.rewritten).toEqual(['public.child', 'public.child_pkey']);
  });

  it('CREATE INDEX CONCURRENTLY runs outside a transaction, sampled: SHARE UPDATE EXCLUSIVE', async () => {
    const s = await one('CREATE INDEX CONCURRENTLY t_txt_idx ON t (txt)');
    expect(s.mode).toBe('throwaway');
    expect(s.status).toBe('ok');
    expect(s.strongest).toEqual({ relation: 'public.t', mode: 'ShareUpdateExclusiveLock' });
    expect(lockOn(s, 'public.t')).toBe('ShareUpdateExclusiveLock');
    expect(s.scanned).toBeNull();
  });

  it('VACUUM FULL is sampled while it waits for ACCESS EXCLUSIVE and rewrites', async () => {
    const s = await one('VACUUM FULL t');
    expect(s.mode).toBe('throwaway');
    expect(lockOn(s, 'public.t')).toBe('AccessExclusiveLock');
    expect(s.rewritten).toContain('public.t');
  });

  it('DROP INDEX CONCURRENTLY: SHARE UPDATE EXCLUSIVE on the table', async () => {
    const s = await one('DROP INDEX CONCURRENTLY t_a_idx');
    expect(s.mode).toBe('throwaway');
    // Sampling is sure to see the first lock it asks for on the table (it is made to wait for
    // it); the index locks that follow last microseconds and are seen only sometimes.
    expect(lockOn(s, 'public.t')).toBe('ShareUpdateExclusiveLock');
    expect(s.observed).toEqual([{ table: 'public.t', lock: 'ShareUpdateExclusiveLock', masked: false, rewritten: false }]);
  });

  it('later statements see earlier ones; a failing statement is undone alone', async () => {
    const report = await trace(`
      CREATE TABLE fresh (id int);
      SELECT no_such_function();
      CREATE INDEX fresh_id ON fresh (id);
      CREATE INDEX CONCURRENTLY t_ab ON t (a, b);
      ALTER TABLE t ADD CONSTRAINT t_ab_key UNIQUE USING INDEX t_ab;`);
    const s = statementsOf(report);
    expect(s.map((x) => x.status)).toEqual(['ok', 'error', 'ok', 'ok', 'error']);
    expect(s[1]!.error).toBe('function no_such_function() does not exist');
    expect(s[2]!.strongest).toEqual({ relation: 'public.fresh', mode: 'ShareLock' }); // the table exists: statement 1 made it
    expect(s[2]!.rewritten).toEqual([]);
    expect(s[4]!.error).toBe('"t_ab" is not a unique index'); // so the concurrent index was there
    expect(report.summary).toEqual({ files: 1, statements: 5, errors: 2, mismatches: report.findings.length });
  });

  it('transaction control and COPY are never executed', async () => {
    const report = await trace(`CREATE TABLE kept_out (id int);\nCOMMIT;\nCOPY t TO '/tmp/bgmigrate-trace-copy-test';\nBEGIN;`);
    const s = statementsOf(report);
    expect(s.map((x) => x.mode)).toEqual(['transaction', 'skipped', 'skipped', 'skipped']);
    expect(s[1]!.note).toMatch(/^transaction control is not executed/);
    expect(s[2]!.note).toMatch(/^COPY is not executed/);
  });

  it('a lock already held by an earlier statement is masked, not a mismatch', async () => {
    const report = await trace('ALTER TABLE t ADD COLUMN m1 int;\nALTER TABLE t ADD COLUMN m2 int;');
    const [, second] = statementsOf(report);
    if (ranOn === 'copy') {
      // Each statement committed in the copy: the second takes its lock afresh.
      expect(newLocks(second!)).toEqual(['public.t:AccessExclusiveLock']);
      expect(second!.observed[0]!.masked).toBe(false);
    } else {
      expect(newLocks(second!)).toEqual([]);
      expect(second!.locks.map((l) => `${l.relation}:${l.mode}:${l.new}`)).toEqual(['public.t:AccessExclusiveLock:false']);
      expect(second!.observed).toEqual([{ table: 'public.t', lock: 'AccessExclusiveLock', masked: true, rewritten: false }]);
    }
    expect(second!.mismatches).toEqual([]);
  });

  it('reports the server major and leaves no scratch database behind', async () => {
    const report = await trace('CREATE INDEX CONCURRENTLY t_d_idx ON t (d);');
    expect(report.serverMajor).toBe(serverMajor());
    expect(report.pgVersion).toBe(serverMajor());
    expect(report.database).not.toContain(new URL(db.url).password || '\u0000');
    expect(report.throwaway).toEqual(ranOn === 'copy' ? null : { source: 'template' });
    const dbs = await fingerprint(db.url);
    expect(dbs).not.toContain('bgmigrate_trace_');
  });
});
