/**
 * Finding migration files on disk and putting them in migration order.
 *
 * Layouts (README, "Migration layouts"):
 * - `plain`: every `*.sql` file directly in the directory, sorted by name;
 * - `up-sql` (golang-migrate, dbmate, popx): `*.up.sql`, sorted by name; `*.down.sql` never runs forward;
 * - `prisma`: `<dir>/migration.sql`, sorted by directory name;
 * - `diesel`: `<dir>/up.sql`, sorted by directory name; `down.sql` ignored;
 * - `flyway`: `V<version>__<description>.sql` in numeric version order (1.10 after 1.9), then
 *   `R__<description>.sql` repeatables sorted by description; `U` undo files ignored.
 *
 * Names are compared by code point, so the order does not depend on the machine's locale.
 */
import { isUtf8 } from 'node:buffer';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Layout, ScriptLayout } from '../config/config.js';
import { UsageError } from '../errors.js';
import type { MigrationFile } from '../model.js';

/** Files larger than this are refused rather than fed to the parser. */
export const MAX_MIGRATION_BYTES = 64 * 1024 * 1024;

const FLYWAY_VERSIONED = /^V(\d+(?:[._]\d+)*)__.+\.sql$/;
const FLYWAY_REPEATABLE = /^R__(.+)\.sql$/;

/** Lists the migrations of a directory in migration order. */
export function discoverMigrations(options: { dir: string; layout: Layout | 'auto'; cwd?: string; allowEmpty?: boolean }): MigrationFile[] {
  const { dir } = options;
  const stat = statOrNull(dir);
  if (!stat) throw new UsageError(`migrations directory not found: ${displayPath(dir, options.cwd)}`);
  if (!stat.isDirectory()) throw new UsageError(`not a directory: ${displayPath(dir, options.cwd)}`);

  const layout = options.layout === 'auto' ? detectLayout(dir) : options.layout;
  const relativePaths = listLayout(dir, layout);
  if (relativePaths.length === 0) {
    if (options.allowEmpty) return [];
    throw new UsageError(
      `no migrations found in ${displayPath(dir, options.cwd)} (layout ${layout}: ${LAYOUT_HINT[layout]})`,
    );
  }
  const script = SCRIPT_LAYOUTS.includes(layout as ScriptLayout) ? { layout: layout as ScriptLayout, dir: path.resolve(dir) } : undefined;
  return relativePaths.map((rel) => {
    const file = readMigrationFile(path.join(dir, rel), { baseDir: dir, cwd: options.cwd });
    return script ? { ...file, script: { ...script } } : file;
  });
}

/** Layouts whose migrations are scripts: their SQL comes from running `up` (src/migrations/compile/). */
export const SCRIPT_LAYOUTS: readonly ScriptLayout[] = ['kysely', 'node-pg-migrate', 'knex', 'typeorm'];

/** Migration scripts: TypeScript or JavaScript, not declaration files. */
const SCRIPT_FILE = /^(?!.*\.d\.[cm]?ts$).+\.(?:[cm]?ts|[cm]?js)$/;

/** A directory's entries, or one clear line when it cannot be read (permissions). */
function readDirectory(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`${dir}: cannot read the migrations directory: ${code === 'EACCES' ? 'permission denied' : code ?? (error as Error).message}`, { location: dir });
  }
}

/** What a symbolic link in the migrations directory points at; a dangling one is an error. */
function linkTarget(dir: string, name: string): 'file' | 'other' {
  const target = statOrNull(path.join(dir, name));
  if (!target) {
    const to = (() => {
      try {
        return fs.readlinkSync(path.join(dir, name));
      } catch {
        return '?';
      }
    })();
    if (/\.sql$/.test(name)) throw new UsageError(`${path.join(dir, name)}: a symbolic link to ${to}, which does not exist`, { location: path.join(dir, name) });
    return 'other';
  }
  return target.isFile() ? 'file' : 'other';
}

const LAYOUT_HINT: Record<Layout, string> = {
  plain: 'looked for *.sql files',
  'up-sql': 'looked for *.up.sql files',
  prisma: 'looked for <dir>/migration.sql',
  diesel: 'looked for <dir>/up.sql',
  flyway: 'looked for V<version>__<name>.sql and R__<name>.sql',
  drizzle: 'looked for meta/_journal.json and the <tag>.sql files it lists, or <dir>/migration.sql',
  kysely: 'looked for *.ts / *.js migration scripts',
  'node-pg-migrate': 'looked for *.ts / *.js migration scripts',
  knex: 'looked for *.ts / *.js migration scripts',
  typeorm: 'looked for *.ts / *.js migration scripts',
};

/** Guesses the layout from what the directory holds; `plain` when nothing more specific fits. */
export function detectLayout(dir: string): Layout {
  const entries = readDirectory(dir);
  const files = entries.filter((e) => e.isFile()).map((e) => e.name);
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  if (files.some((f) => FLYWAY_VERSIONED.test(f))) return 'flyway';
  if (fs.existsSync(path.join(dir, 'meta', '_journal.json'))) return 'drizzle';
  if (!files.some((f) => f.endsWith('.sql'))) {
    const scripts = files.filter((f) => SCRIPT_FILE.test(f)).sort(byCodePoint);
    const detected = scripts.length > 0 ? detectScriptLayout(path.join(dir, scripts[0])) : undefined;
    if (detected) return detected;
  }
  if (dirs.some((d) => fs.existsSync(path.join(dir, d, 'migration.sql')))) return 'prisma';
  if (dirs.some((d) => fs.existsSync(path.join(dir, d, 'up.sql')))) return 'diesel';
  if (files.some((f) => f.endsWith('.up.sql'))) return 'up-sql';
  return 'plain';
}

function listLayout(dir: string, layout: Layout): string[] {
  const entries = readDirectory(dir);
  // A symbolic link counts as what it points at; one that points nowhere is an error, never skipped.
  const files = entries
    .filter((e) => e.isFile() || (e.isSymbolicLink() && linkTarget(dir, e.name) === 'file'))
    .map((e) => e.name);
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort(byCodePoint);
  switch (layout) {
    case 'plain':
      return files.filter((f) => f.endsWith('.sql') && !f.endsWith('.down.sql')).sort(byCodePoint);
    case 'up-sql':
      return files.filter((f) => f.endsWith('.up.sql')).sort(byCodePoint);
    case 'prisma':
      return dirs.filter((d) => fs.existsSync(path.join(dir, d, 'migration.sql'))).map((d) => `${d}/migration.sql`);
    case 'diesel':
      return dirs.filter((d) => fs.existsSync(path.join(dir, d, 'up.sql'))).map((d) => `${d}/up.sql`);
    case 'drizzle':
      return drizzleOrder(dir, files, dirs);
    case 'kysely':
    case 'node-pg-migrate':
    case 'knex':
    case 'typeorm':
      return files.filter((f) => SCRIPT_FILE.test(f)).sort(byCodePoint);
    case 'flyway': {
      const sorted = files
        .map((f) => ({ f, m: FLYWAY_VERSIONED.exec(f) }))
        .filter((x): x is { f: string; m: RegExpExecArray } => x.m !== null)
        .map(({ f, m }) => ({ f, version: parseFlywayVersion(m[1]) }))
        .sort((a, b) => compareVersions(a.version, b.version) || byCodePoint(a.f, b.f));
      // V1, V01 and V1.0 are the same version to Flyway: which one runs first would be a guess.
      for (let i = 1; i < sorted.length; i++) {
        if (compareVersions(sorted[i - 1].version, sorted[i].version) === 0) {
          throw new UsageError(`${sorted[i - 1].f} and ${sorted[i].f} have the same Flyway version ${sorted[i].version.join('.')}: give one of them another version`);
        }
      }
      const versioned = sorted.map((x) => x.f);
      const repeatable = files
        .filter((f) => FLYWAY_REPEATABLE.test(f))
        .sort((a, b) => byCodePoint(FLYWAY_REPEATABLE.exec(a)![1], FLYWAY_REPEATABLE.exec(b)![1]));
      return [...versioned, ...repeatable];
    }
  }
}

/**
 * drizzle-kit's order: the entries of `meta/_journal.json` (`<tag>.sql` each), or, in the newer
 * layout without a journal, `<timestamp>_<name>/migration.sql` folders by name.
 */
function drizzleOrder(dir: string, files: string[], dirs: string[]): string[] {
  const journalFile = path.join(dir, 'meta', '_journal.json');
  if (!fs.existsSync(journalFile)) return dirs.filter((d) => fs.existsSync(path.join(dir, d, 'migration.sql'))).map((d) => `${d}/migration.sql`);
  let entries: { idx?: number; tag?: unknown }[];
  try {
    entries = (JSON.parse(fs.readFileSync(journalFile, 'utf8')) as { entries?: { idx?: number; tag?: unknown }[] }).entries ?? [];
  } catch (error) {
    throw new UsageError(`${journalFile}: not valid JSON: ${(error as Error).message}`, { location: journalFile });
  }
  const listed = entries
    .slice()
    .sort((a, b) => (a.idx ?? 0) - (b.idx ?? 0))
    .map((e) => {
      if (typeof e.tag !== 'string') throw new UsageError(`${journalFile}: an entry has no "tag"`, { location: journalFile });
      return `${e.tag}.sql`;
    });
  for (const name of listed) {
    if (!files.includes(name)) throw new UsageError(`${journalFile} lists ${name}, which is not in ${dir}`, { location: journalFile });
  }
  // A .sql file the journal does not list would never run under drizzle: say so rather than guess its place.
  const unlisted = files.filter((f) => f.endsWith('.sql') && !listed.includes(f));
  if (unlisted.length > 0) throw new UsageError(`${unlisted[0]} is in ${dir} but not in meta/_journal.json: add it with drizzle-kit, or remove it`);
  return listed;
}

/** Which library a migration script is written with, from what it imports and calls. */
function detectScriptLayout(file: string): ScriptLayout | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  if (/from\s+['"]kysely['"]|require\(['"]kysely['"]\)|\bKysely</.test(text)) return 'kysely';
  if (/node-pg-migrate|MigrationBuilder|\bpgm\./.test(text)) return 'node-pg-migrate';
  if (/MigrationInterface|QueryRunner|from\s+['"]typeorm['"]/.test(text)) return 'typeorm';
  if (/from\s+['"]knex['"]|\bKnex\b|knex\.schema/.test(text)) return 'knex';
  return undefined;
}

/** The Flyway version of a `V<version>__<description>.sql` file name (`V1.10__x.sql` → [1n, 10n]). */
export function flywayVersionOf(fileName: string): bigint[] | undefined {
  const m = FLYWAY_VERSIONED.exec(fileName);
  return m ? parseFlywayVersion(m[1]) : undefined;
}

/** `1.10` or `1_10` → [1n, 10n]. */
export function parseFlywayVersion(text: string): bigint[] {
  return text.split(/[._]/).map(BigInt);
}

/** Orders versions part by part; missing parts count as 0 (so 1 = 1.0). */
export function compareVersions(a: readonly bigint[], b: readonly bigint[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0n;
    const y = b[i] ?? 0n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Reads one migration file. Refuses what cannot be SQL: a missing path, a directory, a file over
 * 64 MB, binary content (NUL bytes) or bytes that are not UTF-8.
 */
export function readMigrationFile(
  absolutePath: string,
  options: { baseDir?: string; cwd?: string; bytes?: Buffer } = {},
): MigrationFile {
  const shown = displayPath(absolutePath, options.cwd);
  const whole = options.bytes ?? readRegularFile(absolutePath, shown);
  checkText(whole, shown);
  const base = options.baseDir ?? path.dirname(absolutePath);
  return {
    id: relativeTo(base, absolutePath).split(path.sep).join('/'),
    path: shown,
    absolutePath,
    // dbmate keeps both directions in one file: only the up section is linted and run.
    bytes: upSection(whole),
    checksum: crypto.createHash('sha256').update(whole).digest('hex'),
  };
}

/**
 * The bytes of a regular file, in one open, fstat and read (the corpus has 1,722 of them).
 * O_NONBLOCK keeps a FIFO from blocking the open; it is refused as not a regular file.
 */
function readRegularFile(absolutePath: string, shown: string): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(absolutePath, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    const stat = statOrNull(absolutePath);
    if (!stat) throw new UsageError(`${shown}: no such file or directory`, { location: shown });
    if (!stat.isFile()) throw new UsageError(`${shown}: not a regular file`, { location: shown });
    throw cannotRead(shown, error);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new UsageError(`${shown}: not a regular file`, { location: shown });
    if (stat.size > MAX_MIGRATION_BYTES) {
      throw new UsageError(`${shown}: ${(stat.size / 1048576).toFixed(0)} MB is larger than the 64 MB a migration may be`, {
        location: shown,
      });
    }
    try {
      // The size is known: one read (readFileSync(fd) would fstat again).
      const bytes = Buffer.allocUnsafe(stat.size);
      let filled = 0;
      while (filled < bytes.length) {
        const n = fs.readSync(fd, bytes, filled, bytes.length - filled, null);
        if (n === 0) break;
        filled += n;
      }
      return filled === bytes.length ? bytes : bytes.subarray(0, filled);
    } catch (error) {
      throw cannotRead(shown, error);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * dbmate's `-- migrate:up` … `-- migrate:down` file: the bytes before the down marker (line
 * numbers are unchanged). Any other file: all of it.
 */
export function upSection(bytes: Buffer): Buffer {
  if (bytes.indexOf('migrate:down') === -1) return bytes;
  const text = bytes.toString('utf8');
  if (!/^--\s*migrate:up\b/m.test(text)) return bytes;
  const down = /^--\s*migrate:down\b/m.exec(text);
  return down ? Buffer.from(text.slice(0, down.index), 'utf8') : bytes;
}

function cannotRead(shown: string, error: unknown): UsageError {
  return new UsageError(`${shown}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
    location: shown,
  });
}

/** `path.relative` for the common case of a normalised path below `from`, without its cost. */
function relativeTo(from: string, to: string): string {
  if (path.sep === '/' && from.length > 1 && to.startsWith(from) && to[from.length] === '/' && isNormalAbsolute(from) && isNormalAbsolute(to)) {
    return to.slice(from.length + 1);
  }
  return path.relative(from, to);
}

/** Absolute, and no `//`, `/./`, `/../` or trailing `/` (what path.resolve returns). */
function isNormalAbsolute(p: string): boolean {
  return p.startsWith('/') && !/\/\.{0,2}(?:\/|$)/.test(p);
}

function checkText(bytes: Buffer, shown: string): void {
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    const { line, column } = positionOf(bytes, nul);
    throw new UsageError(`${shown}:${line}:${column}: binary content (a NUL byte); a migration must be UTF-8 text`, {
      location: `${shown}:${line}:${column}`,
    });
  }
  if (!isUtf8(bytes)) {
    const bad = firstInvalidUtf8(bytes);
    const { line, column } = positionOf(bytes, bad);
    throw new UsageError(`${shown}:${line}:${column}: not valid UTF-8; save the migration as UTF-8`, {
      location: `${shown}:${line}:${column}`,
    });
  }
}

/** Byte offset of the first byte that does not belong to a well-formed UTF-8 sequence. */
function firstInvalidUtf8(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    // Sequence length and the allowed range of the second byte (excluding overlongs and surrogates).
    const [length, lo, hi] =
      b >= 0xc2 && b <= 0xdf ? [2, 0x80, 0xbf]
      : b === 0xe0 ? [3, 0xa0, 0xbf]
      : b === 0xed ? [3, 0x80, 0x9f]
      : b >= 0xe1 && b <= 0xef ? [3, 0x80, 0xbf]
      : b === 0xf0 ? [4, 0x90, 0xbf]
      : b === 0xf4 ? [4, 0x80, 0x8f]
      : b >= 0xf1 && b <= 0xf3 ? [4, 0x80, 0xbf]
      : [0, 0, 0];
    if (length === 0 || i + length > bytes.length) return i;
    if (bytes[i + 1] < lo || bytes[i + 1] > hi) return i;
    for (let k = 2; k < length; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    i += length;
  }
  return bytes.length;
}

function positionOf(bytes: Buffer, offset: number): { line: number; column: number } {
  const before = bytes.subarray(0, offset);
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < before.length; i++) {
    if (before[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  const column = before.subarray(lineStart).toString('utf8').length + 1;
  return { line, column };
}

/** A path as the user should see it: relative to the working directory when it lies below it. */
export function displayPath(absolutePath: string, cwd = process.cwd()): string {
  const rel = relativeTo(cwd, absolutePath);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : absolutePath;
}

function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}
