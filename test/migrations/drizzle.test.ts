/**
 * The `drizzle` layout: drizzle-kit's journal decides the order; `--> statement-breakpoint`
 * markers are SQL comments; the newer folder layout is ordered by folder name.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { discoverMigrations } from '../../src/migrations/discover.js';
import { UsageError } from '../../src/errors.js';
import { runCli, tempProject } from '../support/cli.js';
import { createTestDatabase, withClient } from '../support/db.js';

const journal = (...tags: string[]) => JSON.stringify({ version: '7', dialect: 'postgresql', entries: tags.map((tag, idx) => ({ idx, version: '7', when: 1700000000000 + idx, tag, breakpoints: true })) });

describe('drizzle layout', () => {
  it('orders by the journal, not by name, and lints across statement breakpoints', () => {
    const cwd = tempProject({
      'drizzle/0001_zebra.sql': 'CREATE TABLE "users" ("id" bigint PRIMARY KEY, "name" text);\n--> statement-breakpoint\nCREATE INDEX "users_name_idx" ON "users" ("name");\n',
      'drizzle/0000_apple.sql': 'ALTER TABLE "users" DROP COLUMN "name";\n',
      'drizzle/meta/_journal.json': journal('0001_zebra', '0000_apple'),
    });
    const files = discoverMigrations({ dir: `${cwd}/drizzle`, layout: 'auto', cwd });
    expect(files.map((f) => f.id)).toEqual(['0001_zebra.sql', '0000_apple.sql']);
    const run = runCli(['check', '--dir', 'drizzle', '--format', 'json'], { cwd });
    const out = JSON.parse(run.stdout) as { files: { path: string; findings: { rule: string; line: number }[] }[] };
    // The index is on a table created in the same file: fine. The drop is a contract effect.
    expect(out.files.map((f) => [f.path, f.findings.map((x) => [x.rule, x.line])])).toEqual([
      ['drizzle/0001_zebra.sql', []],
      ['drizzle/0000_apple.sql', [['drop-column', 1]]],
    ]);
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it('a journal entry without its file, or a file the journal does not list, is exit 2', () => {
    const missing = tempProject({ 'drizzle/0000_a.sql': 'SELECT 1;\n', 'drizzle/meta/_journal.json': journal('0000_a', '0001_b') });
    expect(() => discoverMigrations({ dir: `${missing}/drizzle`, layout: 'auto', cwd: missing })).toThrow(UsageError);
    expect(runCli(['check', '--dir', 'drizzle'], { cwd: missing }).stderr).toBe(`bgmigrate: ${missing}/drizzle/meta/_journal.json lists 0001_b.sql, which is not in ${missing}/drizzle\n`);
    const extra = tempProject({ 'drizzle/0000_a.sql': 'SELECT 1;\n', 'drizzle/0001_b.sql': 'SELECT 1;\n', 'drizzle/meta/_journal.json': journal('0000_a') });
    expect(runCli(['check', '--dir', 'drizzle'], { cwd: extra }).stderr).toBe(`bgmigrate: 0001_b.sql is in ${extra}/drizzle but not in meta/_journal.json: add it with drizzle-kit, or remove it\n`);
  });

  it('without a journal, <timestamp>_<name>/migration.sql folders by name', () => {
    const cwd = tempProject({
      'drizzle/20250102000000_b/migration.sql': 'SELECT 2;\n',
      'drizzle/20250101000000_a/migration.sql': 'SELECT 1;\n',
    });
    expect(discoverMigrations({ dir: `${cwd}/drizzle`, layout: 'drizzle', cwd }).map((f) => f.id)).toEqual(['20250101000000_a/migration.sql', '20250102000000_b/migration.sql']);
  });
});

describe('drizzle layout: apply', () => {
  it('applies in the journal order and records each file', async () => {
    const db = await createTestDatabase('drizzle_apply');
    const cwd = tempProject({
      'drizzle/0000_users.sql': 'CREATE TABLE "users" ("id" bigint PRIMARY KEY, "name" text);\n--> statement-breakpoint\nCREATE TABLE "notes" ("id" bigint PRIMARY KEY);\n',
      'drizzle/0001_email.sql': 'ALTER TABLE "users" ADD COLUMN "email" text;\n',
      'drizzle/meta/_journal.json': journal('0000_users', '0001_email'),
    });
    try {
      const run = runCli(['apply', '--phase', 'expand', '--dir', 'drizzle'], { cwd, env: { BGMIGRATE_DATABASE_URL: db.url } });
      expect(run.code).toBe(0);
      const state = await withClient(db.url, async (c) => ({
        ledger: (await c.query('SELECT id FROM bgmigrate.migrations ORDER BY seq')).rows.map((r) => r.id),
        tables: (await c.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`)).rows.map((r) => r.table_name),
      }));
      expect(state).toEqual({ ledger: ['0000_users.sql', '0001_email.sql'], tables: ['notes', 'users'] });
    } finally {
      await db.drop();
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });
});
