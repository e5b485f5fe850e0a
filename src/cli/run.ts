/**
 * The `bgmigrate` command (loaded by src/cli/main.ts): commander wiring only. Each command lives in ./commands and calls the
 * library; this file parses global options, runs the command, prints a failure as one line and
 * exits with the codes the README lists (0 ok, 1 the answer is no, 2 could not work, 130/143 interrupted).
 */
import v8 from 'node:v8';
// The WASM parser's background tier-up compiles stall process exit by up to 0.45 s; the
// baseline compiler alone parses just as fast for migration-sized input (docs/contributing.md, "Toolchain notes").
v8.setFlagsFromString('--liftoff-only');
// A CLI run is short: with the default budget TurboFan optimises (and deoptimises) lint code that
// has little left to do by then. Four times the budget (270,000) made the corpus check ~100 ms
// faster (best 637 -> 526 ms, median 674 -> 575, 12 runs each); long runs still get optimised.
v8.setFlagsFromString('--interrupt-budget=270000');

import { Command, CommanderError, Option } from 'commander';
import { isBgmigrateError } from '../errors.js';
import type { CliContext, GlobalOptions } from './context.js';
import { registerCommands } from './commands/index.js';
import { VERSION } from '../version.js';
import { redactUrl } from '../db/url.js';
import { editDistance } from '../text.js';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('bgmigrate');
  let context: CliContext | undefined;
  // Loaded only for a command that runs: help and the version need no config, files or colors.
  let createContext: typeof import('./context.js').createContext | undefined;
  const ctx = (): CliContext => {
    if (!createContext) throw new Error('the CLI context was not loaded');
    context ??= createContext(globalOptions(program));
    return context;
  };

  program
    .description('Safe PostgreSQL schema migrations for blue-green deployments.')
    .version(VERSION, '-V, --version')
    .option('--database <url>', 'PostgreSQL URL, or "embedded" (env: BGMIGRATE_DATABASE_URL, DATABASE_URL)')
    .option('--config <file>', 'config file (default: bgmigrate.config.json, .bgmigraterc.json, package.json "bgmigrate")')
    .option('--dir <dir>', 'migrations directory (default: config migrationsDir, else ./migrations)')
    .option('--no-color', 'no colors (also when NO_COLOR is set or output is not a terminal)')
    .addOption(new Option('-q, --quiet', 'print only results and warnings'))
    .option('-v, --verbose', 'more detail, and stack traces on failure')
    .showHelpAfterError('(run with --help for usage)')
    // Every command's --help also lists --database, --dir, --config, … (they go before or after it).
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({
      writeErr: (text) => process.stderr.write(withSuggestion(text, argv)),
      writeOut: (text) => process.stdout.write(text),
    });

  await registerCommands(program, ctx, argv);
  // Before any command's action (of any depth), never for help or the version.
  program.hook('preAction', async () => {
    ({ createContext } = await import('./context.js'));
  });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return context?.exitCode ?? 0;
  } catch (error) {
    return report(error, argv.includes('--verbose') || argv.includes('-v'));
  } finally {
    await context?.dispose().catch(() => undefined);
  }
}

function globalOptions(program: Command): GlobalOptions {
  const o = program.opts<{ database?: string; config?: string; dir?: string; color: boolean; quiet?: boolean; verbose?: boolean }>();
  return {
    database: o.database,
    config: o.config,
    dir: o.dir,
    color: o.color,
    quiet: Boolean(o.quiet),
    verbose: Boolean(o.verbose),
  };
}

/** Prints a failure as one line (a stack trace only with --verbose) and returns its exit code. */
function report(error: unknown, verbose: boolean): number {
  if (error instanceof CommanderError) {
    // Commander has printed its own message (or the help / version) already.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
      return 0;
    }
    return 2;
  }
  if (isBgmigrateError(error)) {
    process.stderr.write(`bgmigrate: ${error.message}\n`);
    if (verbose && error.cause) process.stderr.write(`${scrub(String((error.cause as Error).stack ?? error.cause))}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`bgmigrate: internal error: ${scrub(message.split('\n')[0])}${verbose ? '' : ' (run with --verbose for details)'}\n`);
  if (verbose && error instanceof Error && error.stack) process.stderr.write(`${scrub(error.stack)}\n`);
  return 2;
}

/**
 * Commander reports a missing required option before an unknown one, so `--phsae expand` only
 * says "--phase not specified": name the typo when an unknown `--option` is close to it.
 */
function withSuggestion(text: string, argv: string[]): string {
  const missing = /required option '(--[a-z-]+)/.exec(text)?.[1];
  if (!missing) return text;
  const typo = argv.find((a) => a.startsWith('--') && a !== missing && editDistance(a.split('=')[0], missing) <= 2);
  return typo ? text.replace(/\n?$/, ` (did you mean ${missing}? you wrote ${typo.split('=')[0]})\n`) : text;
}


/** Masks anything that looks like a connection URL's password. */
function scrub(text: string): string {
  return text.replace(/postgres(?:ql)?:\/\/[^\s'"]+/g, (url) => redactUrl(url));
}

// A reader that stops early (`bgmigrate ledger show | head`) closes the pipe: that is not a failure
// of bgmigrate, so it ends quietly instead of printing an EPIPE stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

const exitCode = await main(process.argv.slice(2));
// Exit once stdout has drained, so piped JSON is never cut short and no idle handle keeps us alive.
process.stdout.write('', () => process.exit(exitCode));
