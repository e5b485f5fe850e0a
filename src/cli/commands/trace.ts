import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { parseDuration } from '../../config/duration.js';
import { UsageError } from '../../errors.js';
import { discoverMigrations, readMigrationFile } from '../../migrations/discover.js';
import type { MigrationFile } from '../../model.js';
import { renderTraceJson, renderTracePretty, traceMigrations } from '../../trace/index.js';
import type { CliContext } from '../context.js';

const FORMATS = ['pretty', 'json'] as const;
type Format = (typeof FORMATS)[number];

interface TraceFlags {
  format: Format;
  pgVersion?: string;
  lockTimeout?: string;
  statementTimeout?: string;
}

export function register(program: Command, ctx: () => CliContext): void {
  program
    .command('trace')
    .description('run migrations on a real PostgreSQL inside a rolled-back transaction and show what each statement locked, rewrote and scanned')
    .argument('[paths...]', 'migration files or directories (default: the migrations directory)')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('pretty'))
    .option('--pg-version <major>', 'PostgreSQL major for the static analysis (default: the server\'s)')
    .option('--lock-timeout <duration>', 'longest wait for a lock, per statement (default: config apply.lockTimeout, 2s)')
    .option('--statement-timeout <duration>', 'longest run of a statement; on the database itself, of all statements together, since their locks last until the rollback (default 30s)')
    .addHelpText(
      'after',
      `
The database is never changed: everything runs in one transaction that is rolled back.
Statements that cannot run in a transaction (CONCURRENTLY, VACUUM) run on a throwaway
database (a copy of the target when nobody else is connected to it), dropped afterwards;
without the CREATEDB privilege trace refuses them. The database must be in the state just
before the first traced migration.

Exit codes: 0 every statement ran and matched the static analysis, 1 a statement failed or
the server disagreed with check (trace-mismatch), 2 could not run (bad usage, database, refusal).

Examples:
  bgmigrate trace --database embedded                    trace the migrations directory
  bgmigrate trace migrations/0007_index.sql --database "$STAGING_URL" --format json`,
    )
    .action(async (paths: string[], opts: TraceFlags) => {
      const c = ctx();
      const config = c.config();
      const url = await c.requireDatabaseUrl('trace');
      const { files, history } = selectFiles(c, paths);
      if (files.length === 0) {
        c.out.note('bgmigrate: no migrations to trace');
        return;
      }
      const report = await traceMigrations(files, {
        url,
        history,
        pgVersion: parsePgVersion(opts.pgVersion) ?? config.pgVersion,
        lockTimeoutMs: opts.lockTimeout === undefined ? config.apply.lockTimeoutMs : parseDuration(opts.lockTimeout, '--lock-timeout'),
        statementTimeoutMs: opts.statementTimeout === undefined ? 30_000 : parseDuration(opts.statementTimeout, '--statement-timeout'),
        onProgress: (text) => c.out.progress(`tracing ${text}`),
      });
      c.out.progress();
      c.out.write(opts.format === 'json' ? renderTraceJson(report) : renderTracePretty(report, { paint: c.paint, verbose: c.options.verbose }));
      if (report.summary.errors > 0 || report.summary.mismatches > 0) c.exitCode = 1;
    });
}

/**
 * Directories in migration order, files in the order given; default the migrations directory.
 * A file inside the migrations directory gets the migrations before it as history: replayed
 * into the static model (never executed — the database should already have them).
 */
function selectFiles(c: CliContext, paths: string[]): { files: MigrationFile[]; history: MigrationFile[] } {
  if (paths.length === 0) return { files: c.migrations(), history: [] };
  const layout = c.config().layout;
  const migrationsDir = c.migrationsDir();
  const inside = (absolute: string) => absolute.startsWith(migrationsDir + path.sep);
  const files: MigrationFile[] = [];
  for (const given of paths) {
    const absolute = path.resolve(c.cwd, given);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(absolute);
    } catch {
      throw new UsageError(`${given}: no such file or directory`, { location: given });
    }
    if (stat.isDirectory()) files.push(...discoverMigrations({ dir: absolute, layout, cwd: c.cwd }));
    else files.push(readMigrationFile(absolute, inside(absolute) ? { baseDir: migrationsDir, cwd: c.cwd } : { cwd: c.cwd }));
  }
  const first = files.find((f) => inside(f.absolutePath));
  if (!first || !fs.existsSync(migrationsDir)) return { files, history: [] };
  const all = discoverMigrations({ dir: migrationsDir, layout, cwd: c.cwd });
  const named = new Set(files.map((f) => f.absolutePath));
  const at = all.findIndex((m) => m.absolutePath === first.absolutePath);
  return { files, history: at > 0 ? all.slice(0, at).filter((m) => !named.has(m.absolutePath)) : [] };
}

function parsePgVersion(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const major = Number(text);
  if (!Number.isInteger(major) || major < 10 || major > 19) {
    throw new UsageError(`--pg-version: expected a PostgreSQL major version such as 15, got "${text}"`);
  }
  return major;
}
