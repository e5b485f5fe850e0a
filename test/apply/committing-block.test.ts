/**
 * A DO block that commits per batch is not re-run blindly (issue 9, class 3): interrupted, some
 * batches are committed; apply refuses to resume it (exit 1, naming the block and when it started)
 * unless the migration is declared idempotent, and check says so before it ships.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { ApplyRefusal, applyMigrations } from '../../src/apply/index.js';
import * as ledger from '../../src/ledger/index.js';
import { lintSql } from '../../src/lint.js';
import { Clients, freshDatabase, migrationsDir, testConfig } from './helpers.js';

let clients: Clients;
let admin: pg.Client;

const BLOCK = `DO $$
DECLARE b int;
BEGIN
  FOR b IN 0..3 LOOP
    UPDATE amounts SET v = v * 10 WHERE id % 4 = b;
    COMMIT;
  END LOOP;
END $$;
`;

beforeAll(async () => {
  clients = new Clients(await freshDatabase('committing_block'));
  admin = await clients.client('test-admin');
  await admin.query('CREATE TABLE amounts (id int PRIMARY KEY, v int NOT NULL)');
  await admin.query('INSERT INTO amounts SELECT g, 1 FROM generate_series(1, 8) g');
});
afterAll(async () => {
  await clients.closeAll();
});

describe('a DO block that commits as it goes', () => {
  it('check flags it unless the migration is declared idempotent; the file runs without a transaction', async () => {
    const report = await lintSql(BLOCK, { pgVersion: 16 });
    expect(report.findings.filter((f) => f.rule === 'commit-in-block').map((f) => [f.line, f.severity])).toEqual([[1, 'error']]);
    expect(report.directives.noTransaction).toBe(true);
    expect((await lintSql(`-- bgmigrate: idempotent\n${BLOCK}`, { pgVersion: 16 })).findings.filter((f) => f.rule === 'commit-in-block')).toEqual([]);
  });

  it('interrupted, it is not run again from the start; declared idempotent, it is', async () => {
    const config = testConfig({ lockTimeout: '1s', maxRetries: 0 });
    await ledger.ensureLedger(admin, config.ledger);
    // Not declared idempotent (only vouched for by a suppression): an earlier run started the
    // block (and committed two batches) then died.
    const plain = migrationsDir({ '001_backfill.sql': `-- bgmigrate-ignore commit-in-block: reviewed, runs in a maintenance window\n${BLOCK}` });
    const [file] = plain.files();
    await ledger.recordStatementStart(admin, { migrationId: file.id, checksum: file.checksum, statementIndex: 0 }, config.ledger);
    await admin.query('UPDATE amounts SET v = v * 10 WHERE id % 4 IN (0, 1)');
    const error = await applyMigrations({ database: clients.url, config, files: plain.files(), phase: 'expand' }).catch((e) => e);
    expect(error).toBeInstanceOf(ApplyRefusal);
    expect((error as Error).message).toMatch(
      /^001_backfill\.sql:2:1: this DO block commits as it goes, and an earlier run started it at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ and did not finish: some of its batches are committed/,
    );
    // Nothing ran twice: the two batches the dead run committed are multiplied once.
    expect((await admin.query('SELECT v, count(*)::int AS n FROM amounts GROUP BY v ORDER BY v')).rows).toEqual([
      { v: 1, n: 4 },
      { v: 10, n: 4 },
    ]);
    // Declared idempotent (each batch skips rows already done), an interrupted block is run again.
    const safe = migrationsDir({ '001_backfill.sql': `-- bgmigrate: idempotent\n${BLOCK.replace('WHERE id % 4 = b', 'WHERE id % 4 = b AND v < 10')}` });
    const [again] = safe.files();
    await ledger.recordStatementStart(admin, { migrationId: again.id, checksum: again.checksum, statementIndex: 0 }, config.ledger);
    await applyMigrations({ database: clients.url, config, files: safe.files(), phase: 'expand' });
    expect((await admin.query('SELECT v, count(*)::int AS n FROM amounts GROUP BY v ORDER BY v')).rows).toEqual([{ v: 10, n: 8 }]);
    expect((await ledger.appliedMigrations(admin, config.ledger)).map((a) => a.id)).toEqual(['001_backfill.sql']);
  });
});
