/**
 * Keeps the linter honest: every case of cases.ts (the rules' positive and negative examples and
 * Appendix A's operations) runs through `trace` on a real server (in place, rolled back; each
 * case starts from the same fixture), and the lock mode and rewrite
 * that `check` predicts for each table must equal what PostgreSQL does (see compare.ts for
 * exactly what is compared).
 *
 * A difference is a bug in the static model. Ones already reported and not yet fixed are listed
 * in KNOWN_MISMATCHES, asserted to still differ (so a fix makes the test fail until the entry is
 * removed). Set TRACE_MISMATCHES_MD=<file> to write every difference found as a Markdown table.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { traceSql } from '../../src/trace/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { BASE_SCHEMA, CASES, UNPREDICTABLE, type TraceCase } from './cases.js';
import { exec, statementsOf } from './helpers.js';
import { KNOWN_MISMATCHES } from './known-mismatches.js';

const major = inject('bgmigratePgMajor');
let base: TestDatabase;
const found: { id: string; sql: string; mismatches: string[] }[] = [];

beforeAll(async () => {
  base = await createTestDatabase('trace_rules');
  await exec(base.url, BASE_SCHEMA);
});

afterAll(async () => {
  await base?.drop();
  const file = process.env.TRACE_MISMATCHES_MD;
  if (file && found.length > 0) {
    const rows = found.map(
      (f) => `| ${f.id} | \`${f.sql.replace(/\s+/g, ' ').replace(/\|/g, '\\|')}\` | ${f.mismatches.join('<br>')} |`,
    );
    fs.writeFileSync(file, `## PostgreSQL ${major}\n\n| case | SQL | table: predicted (check), observed (server) |\n|---|---|---|\n${rows.join('\n')}\n`);
  }
});

async function run(c: TraceCase): Promise<string[]> {
  // On the fixture itself, rolled back (fast); CONCURRENTLY and VACUUM run on a copy of it.
  const report = await traceSql(c.sql, { url: base.url, previous: [BASE_SCHEMA], venue: 'target' });
  expect(report.ranOn).toBe('target');
  const statements = statementsOf(report);
  const failed = statements.flatMap((s, i) => (s.status === 'error' ? [i] : []));
  expect(failed, statements.map((s) => s.error ?? '').join(' | ')).toEqual(c.fails ?? []);
  const mismatches = statements
    .flatMap((s) => s.mismatches.map((m) => (statements.length > 1 ? `#${s.index + 1} ${m}` : m)))
    .filter((m) => !c.tolerate?.lines.includes(m));
  if (mismatches.length > 0) found.push({ id: c.id, sql: c.sql, mismatches });
  return mismatches;
}

describe(`static lock and rewrite prediction equals PostgreSQL ${major}`, () => {
  for (const c of CASES) {
    if (c.minMajor && major < c.minMajor) continue;
    const label = `${c.id}${c.rules ? ` (${c.negative ? 'not ' : ''}${c.rules.join(', ')})` : ''}`;
    const known = KNOWN_MISMATCHES[c.id]?.[major] ?? KNOWN_MISMATCHES[c.id]?.all;
    if (UNPREDICTABLE[c.id]) {
      it(`${label}: differs by design — ${UNPREDICTABLE[c.id]}`, async () => {
        expect((await run(c)).length).toBeGreaterThan(0);
      });
    } else if (known) {
      it(`${label}: pinned difference (known-mismatches.ts says why)`, async () => {
        expect(await run(c)).toEqual(known);
      });
    } else {
      it(label, async () => {
        expect(await run(c)).toEqual([]);
      });
    }
  }
});
