/**
 * What a migration layout is: the one interface every layout in src/migrations/layouts/
 * implements, and the directory view they all work on. src/migrations/discover.ts drives them;
 * src/migrations/layouts/index.ts registers them.
 *
 * A layout answers four questions about a migrations directory, and one about adding to it:
 * - discover: does the directory look like mine (`detect`), and which files are my migrations (`find`);
 * - order: in which order does my tool run them (`order`);
 * - read: are the bytes SQL, or a script whose SQL comes from running its `up` (`compile`);
 * - identity: the id of a migration is the path `find` returned (relative to the directory, with
 *   `/`); `historyName` is what the layout's own tool records it as in its history table.
 * And, for `bgmigrate plan`, how a new migration is written (`write`): its name after the
 * existing ones, in the tool's own scheme, and its text in the layout's own format.
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
  /** write: how `bgmigrate plan` adds migrations to a directory of this layout (src/cli/commands/plan.ts). */
  readonly write: MigrationWriter;
}

export interface MigrationWriter {
  /** The paths (relative to the directory) of new migrations named `slugs`, after the `existing` entries. */
  names(existing: readonly string[], slugs: readonly string[]): string[];
  /** A planned SQL migration in the layout's own format (src/migrations/emit.ts); absent, the SQL as it is. */
  text?(sql: string, name: string): Promise<string>;
  /** After the files are written: what else the tool keeps up to date (drizzle's journal); returns the file it changed. */
  added?(dir: string, names: readonly string[]): string | undefined;
}

/**
 * Names numbered after the last migration with extension `ext`: the same number width (4 digits
 * for the first), or, for 14-digit timestamps, the time now, a second apart.
 */
export function sequenceNames(existing: readonly string[], slugs: readonly string[], ext: string): string[] {
  const numbers = existing.filter((f) => f.endsWith(ext)).map((f) => /^(\d+)/.exec(f)?.[1]).filter((n): n is string => n !== undefined);
  const width = numbers.length ? Math.max(...numbers.map((n) => n.length)) : 4;
  if (width >= 14) {
    const now = new Date();
    return slugs.map((slug, i) => `${new Date(now.getTime() + i * 1000).toISOString().replace(/\D/g, '').slice(0, 14)}_${slug}${ext}`);
  }
  const last = numbers.length ? Math.max(...numbers.map(Number)) : 0;
  return slugs.map((slug, i) => `${String(last + 1 + i).padStart(width, '0')}_${slug}${ext}`);
}

/**
 * Directories named by the time (`YYYYMMDDhhmmss`, UTC), a second apart, after the newest
 * existing one (whether its stamp is written with dashes or not); `named` builds each path.
 */
export function timestampedNames(existing: readonly string[], slugs: readonly string[], named: (stamp: string, slug: string) => string): string[] {
  const stamps = existing
    .map((d) => /^(\d{4})-?(\d{2})-?(\d{2})-?(\d{6})/.exec(d))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => m.slice(1).join(''));
  const newest = stamps.sort().at(-1);
  let next = Math.max(
    Date.now(),
    newest ? Date.UTC(+newest.slice(0, 4), +newest.slice(4, 6) - 1, +newest.slice(6, 8), +newest.slice(8, 10), +newest.slice(10, 12), +newest.slice(12, 14)) + 1000 : 0,
  );
  return slugs.map((slug) => {
    const stamp = new Date(next).toISOString().replace(/\D/g, '').slice(0, 14);
    next += 1000;
    return named(stamp, slug);
  });
}

/** Script layouts numbered like SQL files: `<n>_<slug>.ts` after the last script. */
export function scriptNames(existing: readonly string[], slugs: readonly string[]): string[] {
  return sequenceNames(existing.map((f) => f.replace(/\.[cm]?[jt]s$/, '.sql')), slugs, '.sql').map((f) => f.replace(/\.sql$/, '.ts'));
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
 * skipped. `from` is a view of the same directory already made: its entries, existence checks
 * and texts are reused (detection and discovery look at one directory in one run).
 */
export function viewDirectory(dir: string, options: { followLinks: boolean; from?: DirectoryView }): DirectoryView {
  const shared = options.from ? readings.get(options.from) : undefined;
  const { entries, exists, texts } = shared ?? { entries: readDirectory(dir), exists: new Map<string, boolean>(), texts: new Map<string, string | undefined>() };
  const view: DirectoryView = {
    path: dir,
    files: entries.filter((e) => e.isFile() || (options.followLinks && e.isSymbolicLink() && linkTarget(dir, e.name) === 'file')).map((e) => e.name),
    dirs: entries.filter((e) => e.isDirectory()).map((e) => e.name).sort(byCodePoint),
    has(relative) {
      let found = exists.get(relative);
      if (found === undefined) exists.set(relative, (found = fs.existsSync(path.join(dir, relative))));
      return found;
    },
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
  readings.set(view, { entries, exists, texts });
  return view;
}

/** What a view read from disk, for another view of the same directory (`viewDirectory`'s `from`). */
const readings = new WeakMap<DirectoryView, { entries: fs.Dirent[]; exists: Map<string, boolean>; texts: Map<string, string | undefined> }>();

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
