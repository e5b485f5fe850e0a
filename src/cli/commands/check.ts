import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { defaultCacheDir } from '../../cache/store.js';
import { check } from '../../check.js';
import type { CliContext } from '../context.js';
import { parsePgVersion } from '../options.js';
import { SUMMARIES } from './summaries.js';

const FORMATS = ['pretty', 'json', 'sarif', 'github'] as const;
type Format = (typeof FORMATS)[number];

interface CheckFlags {
  format: Format;
  pgVersion?: string;
  staged?: boolean;
  changedSince?: string;
  offline?: boolean;
  deferContract?: boolean;
  /** false with --no-cache. */
  cache: boolean;
  cacheLocation?: string;
}

export function register(program: Command, ctx: () => CliContext): void {
  program
    .command('check')
    .description(SUMMARIES.check.summary)
    .argument('[paths...]', 'migration files or directories (default: the migrations directory)')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('pretty'))
    .option('--pg-version <major>', 'target PostgreSQL major (default: the connected server, else config, else 15)')
    .option('--staged', 'only migration files staged in git, as staged (for pre-commit hooks)')
    .option('--changed-since <git-ref>', 'only migrations added or changed since the ref (the rest are replayed as history)')
    .option('--offline', 'do not read the ledger even when a database is configured')
    .option('--defer-contract', 'without a ledger (a fork\'s pull request): contract effects are warnings that need the ledger, not errors')
    .option('--cache-location <dir>', 'where the analysis cache lives (default: node_modules/.cache/bgmigrate of the project)')
    .option('--no-cache', 'neither read nor write the analysis cache')
    .addHelpText(
      'after',
      `
Exit codes: 0 no errors, 1 lint errors or ledger refusals, 2 could not run (bad usage, config, file, database).

Examples:
  bgmigrate check                                  lint the migrations directory offline
  bgmigrate check --database "$LEDGER_URL"         contract effects judged by the phase ledger
  bgmigrate check --staged                         pre-commit: only the staged migrations
  bgmigrate check --changed-since origin/main      a pull request: only its migrations
  bgmigrate check --offline --defer-contract       a fork's pull request (no ledger access)
  bgmigrate check --format sarif > bgmigrate.sarif GitHub code scanning

Without a ledger, findings are cached by content in node_modules/.cache/bgmigrate (the project's),
else ~/.cache/bgmigrate: an unchanged history is not parsed again. --no-cache bypasses it.`,
    )
    .action(async (paths: string[], opts: CheckFlags) => {
      const c = ctx();
      const config = c.config();
      // A missing directory is exit 2, with where its name came from (config or default).
      if (paths.length === 0 && !opts.staged && opts.changedSince === undefined && !fs.existsSync(c.migrationsDir())) c.migrations();
      const { report, targets, cache, warnings } = await check({
        cwd: c.cwd,
        config,
        migrationsDir: c.migrationsDir(),
        paths,
        staged: opts.staged,
        changedSince: opts.changedSince,
        deferContract: opts.deferContract,
        pgVersion: parsePgVersion(opts.pgVersion),
        database: opts.offline ? undefined : await c.databaseUrl(),
        cacheDir: opts.cache ? path.resolve(c.cwd, opts.cacheLocation ?? defaultCacheDir(c.cwd)) : undefined,
        cacheStatements: false,
      });
      for (const warning of warnings) c.out.note(`warning: ${warning}`);
      if (cache && c.options.verbose) {
        c.out.note(
          `cache: ${cache.hits} report(s) cached, ${cache.linted} linted, ${cache.replayed} replayed` +
            `${cache.resumed ? ' on a cached model' : ''}${cache.linted > 0 ? (cache.written ? ', written' : ', not written') : ''}`,
        );
      }

      if (opts.staged && report.files.length === 0 && opts.format === 'pretty') {
        c.out.note('bgmigrate: no staged migrations');
        return;
      }
      if (opts.changedSince !== undefined && report.files.length === 0 && opts.format === 'pretty') {
        c.out.line(`no migration added or changed since ${opts.changedSince}: nothing to check`);
        return;
      }
      if (!opts.staged && opts.changedSince === undefined && paths.length === 0 && report.files.length === 0 && opts.format === 'pretty') {
        c.out.line(`no migrations in ${path.relative(c.cwd, c.migrationsDir()) || '.'} yet: nothing to check`);
        return;
      }
      // Each renderer is loaded only when chosen (SARIF's loads every rule for its metadata).
      switch (opts.format) {
        case 'json':
          c.out.write((await import('../../report/json.js')).renderJson(report));
          break;
        case 'sarif':
          c.out.write((await import('../../report/sarif.js')).renderSarif(report));
          break;
        case 'github':
          c.out.write((await import('../../report/github.js')).renderGithub(report));
          break;
        default: {
          const sources = new Map(targets.files.map((f) => [f.path, f.bytes.toString('utf8')]));
          c.out.write((await import('../../report/pretty.js')).renderPretty(report, { paint: c.paint, sources, showInfo: c.options.verbose }));
        }
      }
      if (report.summary.errors > 0) c.exitCode = 1;
    });
}
