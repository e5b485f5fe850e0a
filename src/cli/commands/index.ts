import type { Command } from 'commander';
import type { CliContext } from '../context.js';

interface CommandModule {
  register(program: Command, ctx: () => CliContext): void;
}

/**
 * Every command, in the order `--help` lists them. Loaded on demand: a run of one command loads
 * only that command's module, so that `check --staged` in a pre-commit hook never pays for the
 * database driver, Kysely or the runner.
 */
const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  check: () => import('./check.js'),
  apply: () => import('./apply.js'),
  status: () => import('./status.js'),
  release: () => import('./release.js'),
  ledger: () => import('./ledger.js'),
  pool: () => import('./pool.js'),
  trace: () => import('./trace.js'),
  usage: () => import('./usage.js'),
  plan: () => import('./plan.js'),
};

/** Global options that take a value, so that their value is not mistaken for the command name. */
const OPTIONS_WITH_VALUE = new Set(['--database', '--config', '--dir']);

export async function registerCommands(program: Command, ctx: () => CliContext, argv: readonly string[]): Promise<void> {
  const name = commandName(argv);
  // `--version` alone needs no command at all.
  if (name === undefined && (argv.includes('--version') || argv.includes('-V'))) return;
  const names = name !== undefined && name in COMMANDS ? [name] : Object.keys(COMMANDS);
  const modules = await Promise.all(names.map((n) => COMMANDS[n]()));
  for (const module of modules) module.register(program, ctx);
}

/** The first argument that is neither an option nor an option's value. */
function commandName(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return argv[i + 1];
    if (OPTIONS_WITH_VALUE.has(arg)) {
      i++;
      continue;
    }
    if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}
