/**
 * Finding migration files on disk and putting them in migration order: the driver of the
 * layouts (src/migrations/layouts/, one file each, README "Migration layouts"). It detects the
 * layout, asks it for its files and their order, and reads each file's bytes and checksum; a
 * script layout's files are marked for compiling (src/migrations/compile/).
 */
import { isUtf8 } from 'node:buffer';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { MigrationFile } from '../model.js';
import { statOrNull, viewDirectory, type DirectoryView } from './layout.js';
import { LAYOUTS, layoutNamed, type Layout, type ScriptLayout } from './layouts/index.js';

/** Files larger than this are refused rather than fed to the parser. */
export const MAX_MIGRATION_BYTES = 64 * 1024 * 1024;

/** Lists the migrations of a directory in migration order. */
export function discoverMigrations(options: { dir: string; layout: Layout | 'auto'; cwd?: string; allowEmpty?: boolean }): MigrationFile[] {
  const { dir } = options;
  const stat = statOrNull(dir);
  if (!stat) throw new UsageError(`migrations directory not found: ${displayPath(dir, options.cwd)}`);
  if (!stat.isDirectory()) throw new UsageError(`not a directory: ${displayPath(dir, options.cwd)}`);

  const seen = options.layout === 'auto' ? viewDirectory(dir, { followLinks: false }) : undefined;
  const layout = layoutNamed(options.layout === 'auto' ? detectIn(seen!) : options.layout);
  const view = viewDirectory(dir, { followLinks: true, from: seen });
  const relativePaths = layout.order(layout.find(view), view);
  if (relativePaths.length === 0) {
    if (options.allowEmpty) return [];
    throw new UsageError(`no migrations found in ${displayPath(dir, options.cwd)} (layout ${layout.name}: ${layout.lookedFor})`);
  }
  const script = layout.compile ? { layout: layout.name as ScriptLayout, dir: path.resolve(dir) } : undefined;
  return relativePaths.map((rel) => {
    const file = readMigrationFile(path.join(dir, rel), { baseDir: dir, cwd: options.cwd });
    return script ? { ...file, script: { ...script } } : file;
  });
}

/** Layouts in the order auto-detection asks them. */
const DETECTION_ORDER = [...LAYOUTS].sort((a, b) => a.detect.precedence - b.detect.precedence);

/** Guesses the layout from what the directory holds; `plain` when nothing more specific fits. */
export function detectLayout(dir: string): Layout {
  return detectIn(viewDirectory(dir, { followLinks: false }));
}

function detectIn(view: DirectoryView): Layout {
  return DETECTION_ORDER.find((layout) => layout.detect.matches(view))!.name;
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
