/**
 * The trace renderers on a fixed report: the exact table users read, and JSON that round-trips.
 */
import { describe, expect, it } from 'vitest';
import { renderTraceJson, renderTracePretty, type TraceReport, type TracedStatement } from '../../src/trace/index.js';

function statement(over: Partial<TracedStatement>): TracedStatement {
  return {
    index: 0,
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 30,
    text: '',
    kind: 'AlterTableStmt',
    mode: 'transaction',
    status: 'ok',
    durationMs: 0.42,
    lockHeldMs: 0.42,
    locks: [],
    strongest: null,
    rewritten: [],
    scanned: [],
    predicted: [],
    observed: [],
    mismatches: [],
    effects: [],
    ...over,
  };
}

const REPORT: TraceReport = {
  version: 1,
  database: 'postgres://app:***@db:5432/app',
  serverMajor: 18,
  pgVersion: 18,
  ranOn: 'target',
  ranOnReason: '2 other session(s) are connected to it',
  throwaway: null,
  sideEffects: ['sequence public.s advanced from 1 to 3 (sequences are not rolled back)'],
  files: [
    {
      path: 'migrations/007_orders.sql',
      id: '007_orders.sql',
      statements: [
        statement({
          text: 'ALTER TABLE orders ADD COLUMN note text',
          strongest: { relation: 'public.orders', mode: 'AccessExclusiveLock' },
          locks: [{ relation: 'public.orders', relkind: 'table', mode: 'AccessExclusiveLock', granted: true, new: true, created: false }],
        }),
        statement({
          index: 1,
          line: 2,
          text: 'ALTER TABLE orders ALTER COLUMN id TYPE bigint',
          durationMs: 1234.5,
          lockHeldMs: 1234.5,
          strongest: { relation: 'public.orders', mode: 'ShareLock' },
          rewritten: ['public.orders', 'public.orders_pkey'],
          scanned: [{ relation: 'public.orders', seqScans: 3, seqTuplesRead: 3000, indexScans: 0 }],
          observed: [{ table: 'public.orders', lock: 'AccessExclusiveLock', masked: true, rewritten: true }],
          mismatches: ['public.orders: predicted AccessExclusiveLock, observed AccessExclusiveLock + rewrite'],
        }),
        statement({ index: 2, line: 3, text: 'COMMIT', kind: 'TransactionStmt', mode: 'skipped', status: 'skipped', note: 'transaction control is not executed' }),
        statement({ index: 3, line: 4, text: 'SELECT nope()', kind: 'SelectStmt', status: 'error', error: 'function nope() does not exist', scanned: null }),
      ],
    },
  ],
  findings: [],
  summary: { files: 1, statements: 4, errors: 1, mismatches: 1 },
};

describe('renderTracePretty', () => {
  it('prints one row per statement, notes under it, and what was left unchanged', () => {
    expect(renderTracePretty(REPORT)).toBe(
      [
        'migrations/007_orders.sql',
        '  #  line  statement                                     ran    time    strongest new lock             rewrote           seq scans           check',
        '  1  1:1   ALTER TABLE orders ADD COLUMN note text       in tx  0.4ms   AccessExclusive orders         —                 —                   ✔',
        '  2  2:1   ALTER TABLE orders ALTER COLUMN id TYPE big…  in tx  1235ms  AccessExclusive orders (held)  orders + 1 index  orders (3000 rows)  ✖ mismatch',
        '      trace-mismatch: public.orders: predicted AccessExclusiveLock, observed AccessExclusiveLock + rewrite',
        '  3  3:1   COMMIT                                        skip           —                              —                 —                   skipped',
        '      transaction control is not executed',
        '  4  4:1   SELECT nope()                                 in tx  0.4ms   —                              —                 —                   failed',
        '      error: function nope() does not exist',
        '',
        '✖ 4 statements traced on PostgreSQL 18: 1 failed, 1 mismatch',
        'ran on postgres://app:***@db:5432/app in one transaction, rolled back: nothing changed (not copied: 2 other session(s) are connected to it)',
        'note: sequence public.s advanced from 1 to 3 (sequences are not rolled back)',
        '',
      ].join('\n'),
    );
  });

  it('--verbose lists every lock, marking ones held before and ones waited for', () => {
    const out = renderTracePretty(REPORT, { verbose: true });
    expect(out.split('\n')[3]).toBe('      locks: orders AccessExclusive');
    const waiting = structuredClone(REPORT);
    waiting.files[0]!.statements[0]!.locks = [
      { relation: 'public.orders', relkind: 'table', mode: 'AccessExclusiveLock', granted: false, new: true, created: false },
      { relation: 'other.items', relkind: 'table', mode: 'ShareLock', granted: true, new: false, created: false },
    ];
    expect(renderTracePretty(waiting, { verbose: true }).split('\n')[3]).toBe(
      '      locks: orders AccessExclusive (waiting), other.items Share (held)',
    );
  });
});

describe('renderTraceJson', () => {
  it('is the report itself, versioned', () => {
    expect(JSON.parse(renderTraceJson(REPORT))).toEqual(REPORT);
  });
});
