/**
 * `check` as a library call: choose the files, lint them in migration order, and summarise.
 * The CLI adds the database (ledger gate, server version) and prints the report.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config/config.js';
import { UsageError } from './errors.js';
import { lintMigrations } from './lint.js';
import { discoverMigrations, displayPath, readMigrationFile } from './migrations/discover.js';
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
  pgVersion: number;
  /** Without one, contract effects are errors that say the ledger was not consulted. */
  ledger?: LedgerGate;
}

export interface CheckTargets {
  /** The files to report on, in lint order. */
  files: MigrationFile[];
  /** Earlier migrations replayed into the schema model but not reported. */
  history: MigrationFile[];
}

/**
 * Lints migrations and returns the report `check` prints (its JSON form: src/report/json.ts).
 *
 * @example
 * const { report } = await check({ cwd, config, migrationsDir: config.migrationsDir, paths: [], pgVersion: 15 });
 * if (report.summary.errors > 0) process.exitCode = 1;
 */
export async function check(options: CheckOptions): Promise<{ report: CheckReport; targets: CheckTargets }> {
  const targets = options.staged ? stagedTargets(options) : selectMigrations(options);
  const files = await lintMigrations(targets.files, {
    pgVersion: options.pgVersion,
    rules: options.config.rules,
    ledger: options.ledger,
    history: targets.history,
  });
  return { report: summarise(files), targets };
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
      files.push(readMigrationFile(absolute, { baseDir: options.migrationsDir, cwd }));
    } else {
      files.push(readMigrationFile(absolute, { cwd }));
    }
  }
  // History: every migration of the directory that precedes the first named file inside it.
  const firstInside = files.find((f) => inMigrationsDir(f.absolutePath));
  let history: MigrationFile[] = [];
  if (firstInside && fs.existsSync(options.migrationsDir)) {
    directoryMigrations = safeDiscover(options);
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
function stagedTargets(options: CheckOptions): CheckTargets {
  const git = (args: string[]): Buffer => {
    try {
      return execFileSync('git', args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
    } catch (error) {
      const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim().split('\n')[0];
      throw new UsageError(`--staged needs a git repository: git ${args[0]} failed${stderr ? `: ${stderr}` : ''}`);
    }
  };
  const top = git(['rev-parse', '--show-toplevel']).toString('utf8').trim();
  const staged = git(['diff', '--cached', '--name-only', '-z', '--diff-filter=ACMR'])
    .toString('utf8')
    .split('\0')
    .filter(Boolean)
    .map((rel) => path.resolve(top, rel));
  const stagedSet = new Set(staged.map((p) => realpathOr(p)));

  const dirs = options.paths.length === 0 ? [options.migrationsDir] : options.paths.map((p) => path.resolve(options.cwd, p));
  const files: MigrationFile[] = [];
  let history: MigrationFile[] = [];
  for (const dir of dirs) {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      throw new UsageError(`--staged takes migrations directories; ${displayPath(dir, options.cwd)} is not one`);
    }
    const all = discoverMigrations({ dir, layout: options.config.layout, cwd: options.cwd });
    const firstStaged = all.findIndex((m) => stagedSet.has(realpathOr(m.absolutePath)));
    if (firstStaged === -1) continue;
    if (files.length === 0) history = all.slice(0, firstStaged).filter((m) => !stagedSet.has(realpathOr(m.absolutePath)));
    for (const m of all) {
      const real = realpathOr(m.absolutePath);
      if (!stagedSet.has(real)) continue;
      const rel = path.relative(realpathOr(top), real).split(path.sep).join('/');
      const bytes = git(['show', `:${rel}`]);
      files.push(readMigrationFile(m.absolutePath, { baseDir: dir, cwd: options.cwd, bytes }));
    }
  }
  return { files, history };
}

function realpathOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

