import { describe, expect, it } from 'vitest';
import { detectLayout, discoverMigrations, readMigrationFile } from '../../src/migrations/discover.js';
import { UsageError } from '../../src/errors.js';
import { tempProject } from '../support/cli.js';
import path from 'node:path';
import crypto from 'node:crypto';

const ids = (dir: string, layout: Parameters<typeof discoverMigrations>[0]['layout'] = 'auto') =>
  discoverMigrations({ dir, layout }).map((m) => m.id);

describe('migration layouts', () => {
  it('plain: *.sql by code point, ignoring other files and down files', () => {
    const dir = tempProject({ '10_b.sql': '', '02_a.sql': '', 'B.sql': '', 'notes.md': '', '03_x.down.sql': '' });
    expect(detectLayout(dir)).toBe('plain');
    expect(ids(dir)).toEqual(['02_a.sql', '10_b.sql', 'B.sql']);
  });

  it('up-sql: only *.up.sql, never the down files', () => {
    const dir = tempProject({ '2_b.up.sql': '', '2_b.down.sql': '', '1_a.up.sql': '', '1_a.down.sql': '' });
    expect(detectLayout(dir)).toBe('up-sql');
    expect(ids(dir)).toEqual(['1_a.up.sql', '2_b.up.sql']);
  });

  it('prisma: <dir>/migration.sql by directory name', () => {
    const dir = tempProject({
      '20240102_b/migration.sql': '',
      '20240101_a/migration.sql': '',
      'migration_lock.toml': '',
    });
    expect(detectLayout(dir)).toBe('prisma');
    expect(ids(dir)).toEqual(['20240101_a/migration.sql', '20240102_b/migration.sql']);
  });

  it('diesel: <dir>/up.sql, down.sql ignored', () => {
    const dir = tempProject({ '2024-01-02_b/up.sql': '', '2024-01-02_b/down.sql': '', '2024-01-01_a/up.sql': '' });
    expect(detectLayout(dir)).toBe('diesel');
    expect(ids(dir)).toEqual(['2024-01-01_a/up.sql', '2024-01-02_b/up.sql']);
  });

  it('flyway: numeric version order, repeatables after, undo files ignored', () => {
    const dir = tempProject({
      'V1.10__ten.sql': '',
      'V1.9__nine.sql': '',
      'V2__two.sql': '',
      'V1_2__one_two.sql': '',
      'R__views.sql': '',
      'R__a_functions.sql': '',
      'U2__undo.sql': '',
    });
    expect(detectLayout(dir)).toBe('flyway');
    expect(ids(dir)).toEqual(['V1_2__one_two.sql', 'V1.9__nine.sql', 'V1.10__ten.sql', 'V2__two.sql', 'R__a_functions.sql', 'R__views.sql']);
  });

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
