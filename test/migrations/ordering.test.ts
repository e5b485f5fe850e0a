/**
 * Ordering and identity (issue 9, class 7): duplicate Flyway versions and dangling symbolic links
 * are errors, dbmate files run only their up section, and a new migration that sorts before an
 * applied one of its phase is refused unless --allow-out-of-order.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverMigrations } from '../../src/migrations/discover.js';
import { UsageError } from '../../src/errors.js';
import { runCli, tempProject } from '../support/cli.js';
import { createTestDatabase, withClient, type TestDatabase } from '../support/db.js';

function dir(files: Record<string, string>): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'bgmigrate-order-'));
  for (const [name, sql] of Object.entries(files)) fs.writeFileSync(path.join(d, name), sql);
  return d;
}

function error(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('discovery', () => {
  it.each([
    ['V1__a.sql', 'V01__b.sql', '1'],
    ['V1__a.sql', 'V1.0__b.sql', '1'],
    ['V2_1__a.sql', 'V2.1__b.sql', '2.1'],
  ])('Flyway versions %s and %s are the same: an error', (a, b, version) => {
    const d = dir({ [a]: 'SELECT 1;', [b]: 'SELECT 2;' });
    const e = error(() => discoverMigrations({ dir: d, layout: 'flyway' }));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe(`${[a, b].sort()[0] === a ? a : b} and ${[a, b].sort()[0] === a ? b : a} have the same Flyway version ${version}: give one of them another version`);
  });

  it('a dangling symbolic link is an error, not skipped; a live one is a migration', () => {
    const d = dir({ '001_a.sql': 'SELECT 1;', 'shared.sql': 'SELECT 2;' });
    fs.symlinkSync(path.join(d, 'shared.sql'), path.join(d, '002_link.sql'));
    expect(discoverMigrations({ dir: d, layout: 'plain' }).map((f) => f.id)).toEqual(['001_a.sql', '002_link.sql', 'shared.sql']);
    fs.symlinkSync(path.join(d, 'gone.sql'), path.join(d, '003_dangling.sql'));
    const e = error(() => discoverMigrations({ dir: d, layout: 'plain' }));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe(`${path.join(d, '003_dangling.sql')}: a symbolic link to ${path.join(d, 'gone.sql')}, which does not exist`);
  });

  it('a dbmate file runs its up section only', () => {
    const d = dir({ '001_users.sql': '-- migrate:up\nCREATE TABLE users (id int);\n\n-- migrate:down\nDROP TABLE users;\n' });
    const [file] = discoverMigrations({ dir: d, layout: 'plain' });
    expect(file.bytes.toString('utf8')).toBe('-- migrate:up\nCREATE TABLE users (id int);\n\n');
  });
});

describe('out-of-order migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('out_of_order');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('a new migration sorting before an applied one is refused, unless --allow-out-of-order', async () => {
    const project = tempProject({ 'migrations/001_a.sql': 'CREATE TABLE a (id int);\n', 'migrations/003_c.sql': 'CREATE TABLE c (id int);\n' });
    const apply = (...extra: string[]) => runCli(['--database', db.url, 'apply', '--phase', 'expand', '--skip-pool-check', ...extra], { cwd: project });
    expect(apply().code).toBe(0);
    fs.writeFileSync(path.join(project, 'migrations', '002_b.sql'), 'CREATE TABLE b (id int);\n');
    const refused = apply();
    expect(refused.code).toBe(1);
    expect(refused.stderr.split('\n')[0]).toBe(
      'bgmigrate: migrations/002_b.sql: new migration sorts before migrations/003_c.sql, which is already applied; rename it to sort last, or run apply with --allow-out-of-order if it does not depend on the migrations before it',
    );
    expect(await withClient(db.url, async (c) => (await c.query("SELECT to_regclass('public.b') IS NULL AS absent")).rows[0].absent)).toBe(true);
    expect(apply('--allow-out-of-order').code).toBe(0);
    expect(await withClient(db.url, async (c) => (await c.query("SELECT to_regclass('public.b') IS NULL AS absent")).rows[0].absent)).toBe(false);
  });
});
