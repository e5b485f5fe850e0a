/**
 * What every command needs from the command line, resolved once: global options, the config,
 * the database, and where and how to print. Commands receive a `() => CliContext` and call it
 * inside their action, after commander has parsed the global options.
 *
 * Commands report "the answer is no" by setting `ctx.exitCode = 1` (or throwing RefusalError)
 * and "could not work" by throwing UsageError; src/cli/run.ts prints the one-line message.
 */
import path from 'node:path';
import { configName, loadConfig, type Config } from '../config/config.js';
import { UsageError } from '../errors.js';
import { discoverMigrations } from '../migrations/discover.js';
import type { MigrationFile } from '../model.js';
import { GATE_RULE_IDS, RULE_IDS } from '../rules/ids.js';
import { resolveDatabaseUrl } from '../db/url.js';
import { paint, type Paint } from '../report/paint.js';

export interface GlobalOptions {
  database?: string;
  config?: string;
  dir?: string;
  color: boolean;
  quiet: boolean;
  verbose: boolean;
}

/** A place to print to: stdout for results, stderr for diagnostics and progress. */
export interface Output {
  /** Print a line of the command's result on stdout. */
  line(text?: string): void;
  /** Print raw text on stdout (JSON, SARIF). */
  write(text: string): void;
  /** Print a diagnostic line on stderr (suppressed by --quiet unless it is a warning). */
  note(text: string): void;
  /** Print a warning line on stderr (shown even with --quiet). */
  warn(text: string): void;
  /** Show a transient progress line on a terminal; no-op elsewhere. Call with no text to clear. */
  progress(text?: string): void;
}

export interface CliContext {
  cwd: string;
  options: GlobalOptions;
  /** Colors for stdout (identity functions when colors are off). */
  paint: Paint;
  out: Output;
  /** The loaded config (read on first call). Throws UsageError for bad config. */
  config(): Config;
  /** The migrations directory: --dir, else config, else ./migrations. */
  migrationsDir(): string;
  /** Every migration in the migrations directory, in migration order. */
  migrations(): MigrationFile[];
  /**
   * The database URL from --database, BGMIGRATE_DATABASE_URL or DATABASE_URL; `embedded` starts
   * (or reuses) the embedded server. Undefined when none was given.
   */
  databaseUrl(): Promise<string | undefined>;
  /** Like databaseUrl(), but a missing database is a UsageError naming the command. */
  requireDatabaseUrl(command: string): Promise<string>;
  /** Run on exit (e.g. stopping an embedded server this process started). */
  onExit(cleanup: () => Promise<void> | void): void;
  /** Exit code the process ends with when no error was thrown. */
  exitCode: number;
  /** Runs the `onExit` cleanups; main.ts calls it once, on every path. */
  dispose(): Promise<void>;
}

export function createContext(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): CliContext {
  const cwd = process.cwd();
  const colorOn = options.color && wantsColor(process.stdout, env);
  const errColorOn = options.color && wantsColor(process.stderr, env);
  const errPaint = paint(errColorOn);
  let config: Config | undefined;
  let migrations: MigrationFile[] | undefined;
  let database: Promise<string | undefined> | undefined;
  const cleanups: (() => Promise<void> | void)[] = [];
  let lastPlainProgress = Date.now(); // the first plain line after 10 s of work, not at once
  let progressShown = false;

  const clearProgress = (): void => {
    if (progressShown) {
      process.stderr.write('\r\x1b[2K');
      progressShown = false;
    }
  };

  const ctx: CliContext = {
    cwd,
    options,
    paint: paint(colorOn),
    exitCode: 0,
    out: {
      line(text = '') {
        clearProgress();
        process.stdout.write(text + '\n');
      },
      write(text) {
        clearProgress();
        process.stdout.write(text);
      },
      note(text) {
        if (options.quiet) return;
        clearProgress();
        process.stderr.write(text + '\n');
      },
      warn(text) {
        clearProgress();
        process.stderr.write(errPaint.yellow('warning: ') + text + '\n');
      },
      progress(text) {
        if (options.quiet) return;
        if (!process.stderr.isTTY) {
          // CI logs: no line rewriting, but a plain line at least every 10 s, so a long step is
          // visibly alive (and a stuck one visibly stuck).
          if (text === undefined) return;
          const now = Date.now();
          if (now - lastPlainProgress < 10_000) return;
          lastPlainProgress = now;
          process.stderr.write(`${text}\n`);
          return;
        }
        if (text === undefined) return clearProgress();
        const width = process.stderr.columns || 100;
        process.stderr.write('\r\x1b[2K' + errPaint.dim(text.slice(0, width - 1)));
        progressShown = true;
      },
    },
    config() {
      config ??= loadConfig({ cwd, configPath: options.config, knownRules: RULE_IDS, gateRules: GATE_RULE_IDS });
      return config;
    },
    migrationsDir() {
      return options.dir ? path.resolve(cwd, options.dir) : ctx.config().migrationsDir;
    },
    migrations() {
      try {
        migrations ??= discoverMigrations({
          dir: ctx.migrationsDir(),
          layout: ctx.config().layout,
          cwd,
        });
      } catch (error) {
        // Say where the directory came from: a typo in the config is the usual cause.
        if (error instanceof UsageError && /^migrations directory not found/.test(error.message) && !options.dir) {
          const source = ctx.config().source;
          throw new UsageError(
            `${error.message} (${source ? `migrationsDir in ${configName(source, cwd)}` : `the default; ${configName(undefined, cwd)}`}; or pass --dir)`,
            { cause: error },
          );
        }
        throw error;
      }
      return migrations;
    },
    databaseUrl() {
      database ??= (async () => {
        const url = resolveDatabaseUrl(options.database, env);
        if (url !== 'embedded') return url;
        const { startEmbedded } = await import('../db/embedded.js');
        ctx.out.progress('starting the embedded PostgreSQL server (.bgmigrate/pg)…');
        const server = await startEmbedded({
          dir: path.join(cwd, '.bgmigrate', 'pg'),
          waitMs: ctx.config().apply.lockWaitMs,
          onWait: (pid) => ctx.out.note(`waiting for bgmigrate pid ${pid}, which is using the embedded PostgreSQL server (.bgmigrate/pg)`),
        });
        ctx.out.progress();
        return server.url;
      })();
      return database;
    },
    async requireDatabaseUrl(command) {
      const url = await ctx.databaseUrl();
      if (!url) {
        throw new UsageError(
          `${command} needs a database: pass --database <url> (or "embedded"), or set BGMIGRATE_DATABASE_URL or DATABASE_URL`,
        );
      }
      return url;
    },
    onExit(cleanup) {
      cleanups.push(cleanup);
    },
    async dispose() {
      clearProgress();
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    },
  };
  return ctx;
}

/** Colors only on a terminal; NO_COLOR (any value) turns them off, FORCE_COLOR turns them on. */
export function wantsColor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}
