/**
 * `check` as a library call: choose the files, lint them in migration order, and summarise.
 * The CLI adds the database (ledger gate, server version) and prints the report.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config/config.js';
import { targetVersion } from './config/target-version.js';
import { UsageError } from './errors.js';
import { discoverMigrations, displayPath, readMigrationFile } from './migrations/discover.js';
import type { CacheStats } from './cache/lint-cache.js';
import { CacheStore } from './cache/store.js';
import type { CheckReport, FileReport, LedgerGate, MigrationFile } from './model.js';

export interface CheckOptions {
  cwd: string;
  config: Config;
  /** The migrations directory (absolute). */
  migrationsDir: string;
  /** Files or directories; empty means the migrations directory. */
  paths: readonly string[];
  /** Only migration files staged in git, linted as staged (not as in the working tree). */
  staged?: boolean;
  /** Only migrations added or changed since this git ref (`--changed-since`). */
  changedSince?: string;
  /** Without a ledger: contract effects are warnings that need the ledger (see LintOptions). */
  deferContract?: boolean;
  /**
   * The target PostgreSQL major; without it, the server's (with `database`), else the config's
   * `pgVersion`, else 15 (src/config/target-version.ts).
   */
  pgVersion?: number;
  /**
   * A PostgreSQL URL: the phase ledger there judges contract effects (read-only; an applied
   * migration whose file changed is a DriftError), the usage evidence refuses what live queries
   * still use, and every `deprecates` directive must name an object the database or the
   * migrations know (UsageError otherwise).
   */
  database?: string;
  /** A ledger gate of the caller's own; without it (and without `database`), contract effects are errors that say the ledger was not consulted. */
  ledger?: LedgerGate;
  /**
   * The analysis cache's directory (src/cache/lint-cache.ts; the CLI's default is
   * `node_modules/.cache/bgmigrate`). Used only without a ledger and for SQL migrations.
   */
  cacheDir?: string;
  /**
   * With `cacheDir`: whether the reports' `statements` are read (default true). The command line
   * prints findings only and says false: statements are then neither cached nor available.
   */
  cacheStatements?: boolean;
}

export interface CheckTargets {
  /** The files to report on, in lint order. */
  files: MigrationFile[];
  /** Earlier migrations replayed into the schema model but not reported. */
  history: MigrationFile[];
  /**
   * Every migration in order, when the reported ones are a selection (`--staged`,
   * `--changed-since`): the others are replayed where they fall, not only before the first.
   */
  sequence?: MigrationFile[];
}

export interface CheckResult {
  report: CheckReport;
  targets: CheckTargets;
  /** What the analysis cache answered (only when `cacheDir` was given and used). */
  cache?: CacheStats;
  /** Warnings about the usage evidence (with `database`): missing, incomplete, … */
  warnings: string[];
}

/**
 * Lints migrations and returns the report `check` prints (its JSON form: src/report/json.ts).
 *
 * @example
 * const { report } = await check({ cwd, config, migrationsDir: config.migrationsDir, paths: [] });
 * if (report.summary.errors > 0) process.exitCode = 1;
 * // Judged by the phase ledger, as `check --database` does:
 * await check({ cwd, config, migrationsDir: config.migrationsDir, paths: [], database: process.env.DATABASE_URL });
 */
export async function check(options: CheckOptions): Promise<CheckResult> {
  if (options.staged && options.changedSince !== undefined) throw new UsageError('check: --staged and --changed-since do not go together');
  const targets = options.staged
    ? await stagedTargets(options)
    : options.changedSince !== undefined
      ? changedSinceTargets({ ...options, changedSince: options.changedSince })
      : selectMigrations(options);
  if (options.database === undefined) {
    const pgVersion = targetVersion({ flag: options.pgVersion, config: options.config.pgVersion });
    return { ...(await lintTargets(targets, { ...options, pgVersion })), targets, warnings: [] };
  }

  // Drift is judged against the migrations directory, when there is one to compare with.
  const migrations = fs.existsSync(options.migrationsDir) ? safeDiscover(options) : [];
  const { readLedgerForCheck, readUsageGate } = await import('./check-ledger.js');
  const reading = await readLedgerForCheck(options.database, options.config, migrations);
  const pgVersion = targetVersion({ flag: options.pgVersion, server: reading.serverMajor, config: options.config.pgVersion });
  let { report } = await lintTargets(targets, { ...options, pgVersion, ledger: reading.gate });
  const warnings: string[] = [];
  // What the ledger allows is checked against the usage evidence too (src/usage/evidence.ts):
  // when anything is allowed, its contract findings are judged again with a gate that also
  // refuses what live queries still use (no second lint: src/lint.ts, judgeAgain).
  if (report.files.some((f) => f.findings.some((x) => x.ledger?.allowed))) {
    const effects = report.files.flatMap((f) => f.statements.flatMap((st) => st.effects));
    const usage = await readUsageGate(options.database, options.config, reading.gate, effects);
    warnings.push(...usage.warnings);
    const { judgeAgain } = await import('./lint.js');
    judgeAgain(report.files, usage.gate);
    report = summarise(report.files);
  }
  // Every deprecation must name an object the database or the migrations know.
  const sources = new Map(targets.files.map((f) => [f.path, f.bytes.toString('utf8')]));
  const { resolveReportDeprecations } = await import('./ledger/objects.js');
  resolveReportDeprecations(report.files, reading.catalog, report.files, sources);
  return { report, targets, warnings };
}

/** Lints the chosen migrations, through the analysis cache when it is asked for and can serve. */
async function lintTargets(
  targets: CheckTargets,
  options: CheckOptions & { pgVersion: number },
): Promise<{ report: CheckReport; cache?: CacheStats }> {
  const lintOptions = { pgVersion: options.pgVersion, rules: options.config.rules, ledger: options.ledger, deferContract: options.deferContract };
  const sequence = targets.sequence ?? [...targets.history, ...targets.files];
  if (options.cacheDir !== undefined && !options.ledger && !sequence.some((f) => f.script)) {
    const { lintWithCache } = await import('./cache/lint-cache.js');
    const context = JSON.stringify({ config: options.config, cwd: options.cwd });
    const { reports, stats } = await lintWithCache(sequence, new Set(targets.files), { ...lintOptions, context, withStatements: options.cacheStatements ?? true }, new CacheStore(options.cacheDir));
    return { report: summarise(reports), cache: stats };
  }
  const { lintMigrations } = await import('./lint.js');
  const files = targets.sequence
    ? await lintMigrations(targets.sequence, { ...lintOptions, only: new Set(targets.files) })
    : await lintMigrations(targets.files, { ...lintOptions, history: targets.history });
  return { report: summarise(files) };
}

/** Builds the report's summary from linted files. */
export function summarise(files: FileReport[]): CheckReport {
  let errors = 0;
  let warnings = 0;
  for (const file of files) {
    for (const finding of file.findings) {
      if (finding.severity === 'error') errors++;
      else if (finding.severity === 'warning') warnings++;
    }
  }
  return { version: 1, files, summary: { files: files.length, errors, warnings } };
}

/**
 * Directories are linted in migration order; files named one by one in the order given. A named
 * file inside the migrations directory also gets the migrations before it replayed as history,
 * so that its schema model knows, for example, the column types those migrations created.
 */
export function selectMigrations(options: Pick<CheckOptions, 'cwd' | 'config' | 'migrationsDir' | 'paths'>): CheckTargets {
  const { cwd, config } = options;
  if (options.paths.length === 0) {
    // A new project's directory may hold no migration yet: nothing to check is a pass.
    return { files: discoverMigrations({ dir: options.migrationsDir, layout: config.layout, cwd, allowEmpty: true }), history: [] };
  }
  const files: MigrationFile[] = [];
  let directoryMigrations: MigrationFile[] | undefined;
  const inMigrationsDir = (absolute: string) => absolute.startsWith(options.migrationsDir + path.sep);
  for (const given of options.paths) {
    const absolute = path.resolve(cwd, given);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(absolute);
    } catch {
      throw new UsageError(`${given}: no such file or directory`, { location: given });
    }
    if (stat.isDirectory()) {
      files.push(...discoverMigrations({ dir: absolute, layout: config.layout, cwd }));
    } else if (inMigrationsDir(absolute)) {
      // As the directory's layout reads it (a Kysely script is compiled, not parsed as SQL).
      directoryMigrations ??= safeDiscover(options);
      files.push(directoryMigrations.find((m) => m.absolutePath === absolute) ?? readMigrationFile(absolute, { baseDir: options.migrationsDir, cwd }));
    } else {
      files.push(readMigrationFile(absolute, { cwd }));
    }
  }
  // History: every migration of the directory that precedes the first named file inside it.
  const firstInside = files.find((f) => inMigrationsDir(f.absolutePath));
  let history: MigrationFile[] = [];
  if (firstInside && fs.existsSync(options.migrationsDir)) {
    directoryMigrations ??= safeDiscover(options);
    const index = directoryMigrations.findIndex((m) => m.absolutePath === firstInside.absolutePath);
    const named = new Set(files.map((f) => f.absolutePath));
    if (index > 0) history = directoryMigrations.slice(0, index).filter((m) => !named.has(m.absolutePath));
  }
  return { files, history };
}

function safeDiscover(options: Pick<CheckOptions, 'cwd' | 'config' | 'migrationsDir'>): MigrationFile[] {
  try {
    return discoverMigrations({ dir: options.migrationsDir, layout: options.config.layout, cwd: options.cwd });
  } catch {
    return [];
  }
}

/**
 * The migrations staged in git, with their staged content (what the commit will hold), and the
 * migrations before the first of them as history.
 */
/** Runs git in `cwd`; a failure is one line naming what needed git. */
function gitRunner(cwd: string, needs: string): (args: string[], input?: string) => Buffer {
  return (args, input) => {
    try {
      return execFileSync('git', args, { cwd, input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
    } catch (error) {
      const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim().split('\n')[0];
      throw new UsageError(`${needs}: git ${args[0]} failed${stderr ? `: ${stderr}` : ''}`);
    }
  };
}

const nulList = (bytes: Buffer): string[] => bytes.toString('utf8').split('\0').filter(Boolean);

/**
 * `git status --porcelain=v1 -z`: per path (relative to the repository's top), its state in the
 * index against HEAD and in the working tree against the index ('?' both for untracked, '!' for ignored).
 */
function gitStatus(bytes: Buffer): { index: string; tree: string; path: string }[] {
  const fields = bytes.toString('utf8').split('\0');
  const out: { index: string; tree: string; path: string }[] = [];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (f.length < 4) continue;
    out.push({ index: f[0], tree: f[1], path: f.slice(3) });
    // A rename or copy is followed by the path it came from.
    if (f[0] === 'R' || f[0] === 'C') i++;
  }
  return out;
}

/** The migration directories a git-based selection looks at. */
function selectionDirs(options: CheckOptions, flag: string): string[] {
  const dirs = options.paths.length === 0 ? [options.migrationsDir] : options.paths.map((p) => path.resolve(options.cwd, p));
  for (const dir of dirs) {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      throw new UsageError(`${flag} takes migrations directories; ${displayPath(dir, options.cwd)} is not one`);
    }
  }
  return dirs;
}

/**
 * `--staged`: what the commit will hold. Each migrations directory is read as the git index has
 * it (checked out into a temporary directory), so a migration staged and then deleted or edited
 * in the working tree is linted as staged, and one deleted from the index is not replayed. The
 * staged migrations are reported; every other one is replayed where it falls in the order.
 */
async function stagedTargets(options: CheckOptions): Promise<CheckTargets> {
  const git = gitRunner(options.cwd, '--staged needs a git repository');
  const top = realpathOr(git(['rev-parse', '--show-toplevel']).toString('utf8').trim());
  const files: MigrationFile[] = [];
  const sequence: MigrationFile[] = [];
  for (const dir of selectionDirs(options, '--staged')) {
    const relDir = path.relative(top, realpathOr(dir)).split(path.sep).join('/');
    const status = gitStatus(git(['--no-optional-locks', 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--ignored', '--', relDir === '' ? '.' : relDir]));
    const staged = new Set(status.filter((e) => 'ACMR'.includes(e.index)).map((e) => e.path));
    if (staged.size === 0) continue;
    const fromTree = (rel: string) => (relDir === '' ? rel : `${relDir}/${rel}`);
    const notInIndex = (e: { index: string }) => e.index === '?' || e.index === '!';
    if (status.every((e) => notInIndex(e) || e.tree === ' ')) {
      // The working tree holds what the index holds (what pre-commit hooks usually see: the
      // framework stashes unstaged edits): read it in place, leaving out untracked and ignored files.
      const untracked = new Set(status.filter(notInIndex).map((e) => e.path));
      const inPlace = discoverMigrations({ dir, layout: options.config.layout, cwd: options.cwd, allowEmpty: true }).filter((m) => !untracked.has(fromTree(m.id)));
      sequence.push(...inPlace);
      files.push(...inPlace.filter((m) => staged.has(fromTree(m.id))));
      continue;
    }
    const inIndex = nulList(git(['ls-files', '-z', '--cached', '--', relDir === '' ? '.' : relDir]));
    // Inside the repository (under .bgmigrate/, which ignores itself), so that a script migration's
    // imports resolve from the project's node_modules as they would from the working tree.
    const scratch = fs.mkdtempSync(path.join(bgmigrateDir(top), 'staged-'));
    try {
      git(['checkout-index', '-z', '--stdin', `--prefix=${scratch}${path.sep}`], inIndex.join('\0'));
      const indexed = discoverMigrations({ dir: path.join(scratch, relDir), layout: options.config.layout, cwd: options.cwd, allowEmpty: true });
      const fromDir: MigrationFile[] = [];
      for (const m of indexed) {
        // Named as in the working tree (where the user looks), read as staged.
        const absolutePath = path.join(dir, ...m.id.split('/'));
        const script = m.script ? { ...m.script, dir, loadFrom: m.absolutePath } : undefined;
        const file: MigrationFile = { ...m, absolutePath, path: displayPath(absolutePath, options.cwd), ...(script ? { script } : {}) };
        fromDir.push(file);
        if (staged.has(fromTree(m.id))) files.push(file);
      }
      sequence.push(...fromDir);
      // Script migrations are compiled while their staged copies exist.
      if (fromDir.some((f) => f.script)) {
        const { compileScripts } = await import('./migrations/compile/index.js');
        await compileScripts(fromDir);
      }
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }
  return { files, history: [], sequence };
}

/**
 * `--changed-since <ref>`: the migrations added or changed since `ref` (committed, staged, in the
 * working tree, or new and untracked) are reported; every other one is replayed where it falls
 * in the order, so the schema model is the one the changed migrations will meet.
 */
function changedSinceTargets(options: CheckOptions & { changedSince: string }): CheckTargets {
  const git = gitRunner(options.cwd, `--changed-since ${options.changedSince}`);
  const top = realpathOr(git(['rev-parse', '--show-toplevel']).toString('utf8').trim());
  try {
    git(['rev-parse', '--verify', '--quiet', `${options.changedSince}^{commit}`]);
  } catch {
    throw new UsageError(`--changed-since ${options.changedSince}: no such commit, branch or tag in this repository (in CI, fetch it first: git fetch origin <branch>)`);
  }
  const changed = new Set([
    ...nulList(git(['diff', '--name-only', '-z', '--diff-filter=ACMR', options.changedSince, '--'])),
    ...nulList(git(['ls-files', '-z', '--others', '--exclude-standard'])),
  ]);
  const files: MigrationFile[] = [];
  const sequence: MigrationFile[] = [];
  for (const dir of selectionDirs(options, '--changed-since')) {
    for (const m of discoverMigrations({ dir, layout: options.config.layout, cwd: options.cwd, allowEmpty: true })) {
      sequence.push(m);
      const rel = path.relative(top, realpathOr(m.absolutePath)).split(path.sep).join('/');
      if (changed.has(rel)) files.push(m);
    }
  }
  return { files, history: [], sequence };
}

function realpathOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}


/** `<top>/.bgmigrate`, created with a .gitignore that ignores everything in it. */
function bgmigrateDir(top: string): string {
  const dir = path.join(top, '.bgmigrate');
  fs.mkdirSync(dir, { recursive: true });
  const ignore = path.join(dir, '.gitignore');
  if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, '# bgmigrate: local state (the embedded server, scratch copies)\n*\n');
  return dir;
}
