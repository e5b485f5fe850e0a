/**
 * What a migration layout is: the one interface every layout in src/migrations/layouts/
 * implements, and the directory view they all work on. src/migrations/discover.ts drives them;
 * src/migrations/layouts/index.ts registers them.
 *
 * A layout answers four questions about a migrations directory:
 * - discover: does the directory look like mine (`detect`), and which files are my migrations (`find`);
 * - order: in which order does my tool run them (`order`);
 * - read: are the bytes SQL, or a script whose SQL comes from running its `up` (`compile`);
 * - identity: the id of a migration is the path `find` returned (relative to the directory, with
 *   `/`); `historyName` is what the layout's own tool records it as in its history table.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { Recorder } from './compile/recording.js';

/** A migrations directory's entries, read once for all layouts. */
export interface DirectoryView {
  readonly path: string;
  /** File names. */
  readonly files: readonly string[];
  /** Subdirectory names, in code-point order. */
  readonly dirs: readonly string[];
  /** Whether a path below the directory exists. */
  has(relative: string): boolean;
  /** A file's text, read once; undefined when it cannot be read. */
  text(name: string): string | undefined;
}

export interface MigrationLayout<Name extends string = string> {
  /** The `layout` config value. */
  readonly name: Name;
  /** What discovery looked for, said when it finds nothing (`looked for *.up.sql files`). */
  readonly lookedFor: string;
  /**
   * discover: whether `dir` holds this layout's migrations. Auto-detection asks the layouts in
   * ascending `precedence` and takes the first that matches: the more specific evidence first.
   */
  readonly detect: { readonly precedence: number; matches(dir: DirectoryView): boolean };
  /**
   * discover: this layout's migrations in `dir`, as paths relative to it with `/` (each is the
   * migration's id). Throws UsageError where the tool itself would refuse the directory.
   */
  find(dir: DirectoryView): string[];
  /** order: what `find` returned, in the order the tool runs it. */
  order(found: readonly string[], dir: DirectoryView): string[];
  /**
   * read: absent, a file's bytes are its SQL (src/migrations/discover.ts `readMigrationFile`).
   * Present, the file is a script and its SQL is what this recorder captures while its `up`
   * runs (src/migrations/compile/index.ts).
   */
  readonly compile?: Recorder;
  /**
   * identity: the name the layout's tool keeps for a migration (by id) in its history table,
   * which `ledger baseline --from <tool>` matches rows by (src/ledger/baseline.ts).
   */
  historyName?(id: string): string | undefined;
}

/** A layout with `order` by name (code point) unless it says otherwise. */
export function defineLayout<const Spec extends Omit<MigrationLayout, 'order'> & Partial<Pick<MigrationLayout, 'order'>>>(
  spec: Spec,
): Spec & Pick<MigrationLayout<Spec['name']>, 'order'> {
  return { order: (found: readonly string[]) => [...found].sort(byCodePoint), ...spec };
}

/** Names are compared by code point, so the order does not depend on the machine's locale. */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `<dir>/<file>` paths ordered by directory name (`a/…` before `a-b/…`, as the directories sort). */
export function byDirectoryName(found: readonly string[]): string[] {
  return [...found].sort((a, b) => byCodePoint(a.split('/')[0], b.split('/')[0]));
}

/** The subdirectories holding `file`, as `<dir>/<file>` paths. */
export function inSubdirectories(dir: DirectoryView, file: string): string[] {
  return dir.dirs.filter((d) => dir.has(path.join(d, file))).map((d) => `${d}/${file}`);
}

/** Migration scripts: TypeScript or JavaScript, not declaration files. */
const SCRIPT_FILE = /^(?!.*\.d\.[cm]?ts$).+\.(?:[cm]?ts|[cm]?js)$/;

export const SCRIPTS_LOOKED_FOR = 'looked for *.ts / *.js migration scripts';

/** The migration scripts of a directory (every script layout's `find`). */
export function scriptFiles(dir: DirectoryView): string[] {
  return dir.files.filter((f) => SCRIPT_FILE.test(f));
}

/**
 * What the script layouts detect themselves by: the text of the first script by name, in a
 * directory with scripts and no `.sql` file.
 */
export function firstScript(dir: DirectoryView): string | undefined {
  if (dir.files.some((f) => f.endsWith('.sql'))) return undefined;
  const first = scriptFiles(dir).sort(byCodePoint)[0];
  return first === undefined ? undefined : dir.text(first);
}

/**
 * Reads a directory's entries. Detection looks at regular files only; discovery counts a
 * symbolic link as what it points at, and a dangling link to a `.sql` file is an error, never
 * skipped.
 */
export function viewDirectory(dir: string, options: { followLinks: boolean }): DirectoryView {
  const entries = readDirectory(dir);
  const texts = new Map<string, string | undefined>();
  return {
    path: dir,
    files: entries.filter((e) => e.isFile() || (options.followLinks && e.isSymbolicLink() && linkTarget(dir, e.name) === 'file')).map((e) => e.name),
    dirs: entries.filter((e) => e.isDirectory()).map((e) => e.name).sort(byCodePoint),
    has: (relative) => fs.existsSync(path.join(dir, relative)),
    text(name) {
      if (!texts.has(name)) {
        try {
          texts.set(name, fs.readFileSync(path.join(dir, name), 'utf8'));
        } catch {
          texts.set(name, undefined);
        }
      }
      return texts.get(name);
    },
  };
}

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

/** A path's stat, or null when there is nothing there (or it cannot be reached). */
export function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}
