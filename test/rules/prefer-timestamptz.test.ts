import { describe, expect, it } from 'vitest';
import { findings as findingsOf, type LintCase } from './core-helpers.js';

const RULE = 'prefer-timestamptz';

/** Every finding of this rule (the shared helper of test/rules/core-helpers.ts). */
const findings = (sql: string, options: LintCase = {}) => findingsOf(sql, RULE, options);

describe(RULE, () => {
  it('flags timestamp without time zone in new tables and new columns', async () => {
    const sql = [
      'CREATE TABLE a (id bigint, created_at timestamp NOT NULL, updated_at TIMESTAMP(3));',
      'ALTER TABLE b ADD COLUMN seen_at timestamp without time zone;',
      'CREATE TABLE c (history timestamp[]);',
    ].join('\n');
    const found = await findings(sql);
    expect(found.map((f) => [f.line, f.column, f.object])).toEqual([
      [1, 28, 'public.a.created_at'],
      [1, 59, 'public.a.updated_at'],
      [2, 26, 'public.b.seen_at'],
      [3, 17, 'public.c.history'],
    ]);
    expect(found[0]!.severity).toBe('warning');
    expect(found[0]!.message).toContain('public.a.created_at');
  });

  it('points at the column inside a multi-line statement, quoted names and non-ASCII text included', async () => {
    const sql = [
      "-- café ☕",
      'CREATE TABLE "Événement" (',
      '  "id" TEXT NOT NULL,',
      '  "créé" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,',
      '  note text',
      ');',
    ].join('\n');
    const found = await findings(sql);
    expect(found.map((f) => [f.line, f.column, f.endLine, f.endColumn, f.object])).toEqual([[4, 3, 4, 9, 'public.Événement.créé']]);
  });

  it('points at the column inside a DO block', async () => {
    const sql = ['DO $$', 'BEGIN', '  CREATE TABLE log (id bigint,', '    at timestamp);', 'END $$;'].join('\n');
    expect((await findings(sql)).map((f) => [f.line, f.column])).toEqual([[4, 5]]);
  });

  it('does not flag timestamptz, date or time', async () => {
    const sql = [
      'CREATE TABLE a (a timestamptz, b timestamp with time zone, c date, d time, e TIMESTAMPTZ(3));',
      'ALTER TABLE b ADD COLUMN e timestamptz DEFAULT now();',
    ].join('\n');
    expect(await findings(sql)).toEqual([]);
  });
});
