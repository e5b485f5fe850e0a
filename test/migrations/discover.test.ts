import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectLayout, discoverMigrations, readMigrationFile } from '../../src/migrations/discover.js';
import type { MigrationLayout } from '../../src/migrations/layout.js';
import { LAYOUTS, type Layout } from '../../src/migrations/layouts/index.js';
import { UsageError } from '../../src/errors.js';
import { ROOT, tempProject } from '../support/cli.js';

const ids = (dir: string, layout: Parameters<typeof discoverMigrations>[0]['layout'] = 'auto') =>
  discoverMigrations({ dir, layout }).map((m) => m.id);

/** A real script project's migrations (test/fixtures/<layout>, compiled and applied by kysely.test.ts and script-layouts.test.ts). */
const scripts = (layout: string) => () => path.join(ROOT, 'test', 'fixtures', layout, 'migrations');

/**
 * One directory per registered layout (a new layout fails to compile here until it has one):
 * what it holds, and the ids discovery must give, in order; `names`, for a layout with a
 * `historyName`, what its tool calls them.
 */
const FIXTURES: Record<Layout, { about: string; dir: () => string; ids: string[]; names?: (string | undefined)[] }> = {
  plain: {
    about: '*.sql by code point, ignoring other files and down files',
    dir: () => tempProject({ '10_b.sql': '', '02_a.sql': '', 'B.sql': '', 'notes.md': '', '03_x.down.sql': '' }),
    ids: ['02_a.sql', '10_b.sql', 'B.sql'],
  },
  'up-sql': {
    about: 'only *.up.sql, never the down files',
    dir: () => tempProject({ '2_b.up.sql': '', '2_b.down.sql': '', '1_a.up.sql': '', '1_a.down.sql': '' }),
    ids: ['1_a.up.sql', '2_b.up.sql'],
    names: ['1', '2'],
  },
  prisma: {
    about: '<dir>/migration.sql by directory name',
    dir: () => tempProject({ '20240102_b/migration.sql': '', '20240101_a/migration.sql': '', 'migration_lock.toml': '' }),
    ids: ['20240101_a/migration.sql', '20240102_b/migration.sql'],
    names: ['20240101_a', '20240102_b'],
  },
  diesel: {
    about: '<dir>/up.sql, down.sql ignored',
    dir: () => tempProject({ '2024-01-02_b/up.sql': '', '2024-01-02_b/down.sql': '', '2024-01-01_a/up.sql': '' }),
    ids: ['2024-01-01_a/up.sql', '2024-01-02_b/up.sql'],
    names: ['20240101', '20240102'],
  },
  flyway: {
    about: 'numeric version order, repeatables after, undo files ignored',
    dir: () =>
      tempProject({
        'V1.10__ten.sql': '',
        'V1.9__nine.sql': '',
        'V2__two.sql': '',
        'V1_2__one_two.sql': '',
        'R__views.sql': '',
        'R__a_functions.sql': '',
        'U2__undo.sql': '',
      }),
    ids: ['V1_2__one_two.sql', 'V1.9__nine.sql', 'V1.10__ten.sql', 'V2__two.sql', 'R__a_functions.sql', 'R__views.sql'],
    names: ['V1_2__one_two.sql', 'V1.9__nine.sql', 'V1.10__ten.sql', 'V2__two.sql', 'R__a_functions.sql', 'R__views.sql'],
  },
  drizzle: {
    about: "the journal's order, not the names'",
    dir: () =>
      tempProject({
        '0001_zebra.sql': 'SELECT 1;\n',
        '0000_apple.sql': 'SELECT 2;\n',
        'meta/_journal.json': JSON.stringify({ entries: [{ idx: 0, tag: '0001_zebra' }, { idx: 1, tag: '0000_apple' }] }),
      }),
    ids: ['0001_zebra.sql', '0000_apple.sql'],
  },
  kysely: {
    about: 'scripts importing kysely, by file name',
    dir: scripts('kysely'),
    ids: ['001_create_users.ts', '002_full_name.ts', '003_drop_name.ts', '004_reads.ts'],
  },
  'node-pg-migrate': {
    about: 'scripts using a MigrationBuilder, by file name',
    dir: scripts('node-pg-migrate'),
    ids: ['1700000000000_users.js', '1700000000001_email.ts', '1700000000002_drop_name.ts'],
  },
  knex: {
    about: 'scripts importing knex, by file name',
    dir: scripts('knex'),
    ids: ['20240101000000_users.js', '20240102000000_email.ts', '20240103000000_drop_name.ts'],
  },
  typeorm: {
    about: 'scripts implementing MigrationInterface, by file name',
    dir: scripts('typeorm'),
    ids: ['1700000000000-Users.ts', '1700000000001-DropName.ts'],
  },
};

describe('migration layouts', () => {
  it.each(LAYOUTS.map((layout): [Layout, string, MigrationLayout] => [layout.name, FIXTURES[layout.name].about, layout]))(
    '%s: detected, found, ordered and read (%s)',
    (name, _about, layout) => {
      const fixture = FIXTURES[name];
      const dir = fixture.dir();
      expect(detectLayout(dir)).toBe(name);
      const files = discoverMigrations({ dir, layout: 'auto' });
      expect(files.map((f) => f.id)).toEqual(fixture.ids);
      expect(discoverMigrations({ dir, layout: name })).toEqual(files);
      for (const file of files) {
        expect(file.checksum).toBe(crypto.createHash('sha256').update(fs.readFileSync(file.absolutePath)).digest('hex'));
        expect(file.script?.layout).toBe(layout.compile ? name : undefined);
      }
      expect(layout.historyName ? files.map((f) => layout.historyName!(f.id)) : undefined).toEqual(fixture.names);
    },
  );

  it('an explicit layout overrides detection', () => {
    const dir = tempProject({ '1_a.up.sql': '', '1_a.down.sql': '' });
    expect(ids(dir, 'plain')).toEqual(['1_a.up.sql']);
  });

  it('a missing directory and an empty one are usage errors that say what was looked for', () => {
    const dir = tempProject({ 'x.txt': '' });
    expect(() => discoverMigrations({ dir: path.join(dir, 'nope'), layout: 'auto', cwd: dir })).toThrowError(
      new UsageError('migrations directory not found: nope'),
    );
    expect(() => discoverMigrations({ dir, layout: 'prisma', cwd: dir })).toThrowError(/looked for <dir>\/migration\.sql/);
  });
});

describe('reading a migration file', () => {
  it('records id, path, checksum (SHA-256 of the bytes)', () => {
    const dir = tempProject({ 'm/001.sql': 'SELECT 1;\n' });
    const file = readMigrationFile(path.join(dir, 'm/001.sql'), { baseDir: path.join(dir, 'm'), cwd: dir });
    expect(file.id).toBe('001.sql');
    expect(file.path).toBe('m/001.sql');
    expect(file.checksum).toBe(crypto.createHash('sha256').update('SELECT 1;\n').digest('hex'));
  });

  it('refuses binary content and invalid UTF-8 at the exact position', () => {
    const dir = tempProject({
      'bin.sql': Buffer.from('SELECT 1;\nSELECT 2;\0'),
      'latin1.sql': Buffer.concat([Buffer.from('-- héllo\nSELECT \''), Buffer.from([0xff]), Buffer.from("';")]),
      'ok.sql': '-- héllo, ünïcode is fine\n',
    });
    expect(() => readMigrationFile(path.join(dir, 'bin.sql'), { cwd: dir })).toThrowError(
      'bin.sql:2:10: binary content (a NUL byte); a migration must be UTF-8 text',
    );
    expect(() => readMigrationFile(path.join(dir, 'latin1.sql'), { cwd: dir })).toThrowError(
      'latin1.sql:2:9: not valid UTF-8; save the migration as UTF-8',
    );
    expect(readMigrationFile(path.join(dir, 'ok.sql'), { cwd: dir }).id).toBe('ok.sql');
  });
});
