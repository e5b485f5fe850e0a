import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { SUMMARIES, type CommandName } from './summaries.js';

interface CommandModule {
  register(program: Command, ctx: () => CliContext): void;
}

/**
 * How to load each command (./summaries.ts lists them). Loaded on demand: a run of one command
 * loads only that command's module, so that `check --staged` in a pre-commit hook never pays for
 * the database driver, Kysely or the runner, and `bgmigrate --help` loads none.
 */
const COMMANDS: Record<CommandName, () => Promise<CommandModule>> = {
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

const isCommand = (name: string | undefined): name is CommandName => name !== undefined && Object.hasOwn(SUMMARIES, name);

/** Global options that take a value, so that their value is not mistaken for the command name. */
const OPTIONS_WITH_VALUE = new Set(['--database', '--config', '--dir']);

export async function registerCommands(program: Command, ctx: () => CliContext, argv: readonly string[]): Promise<void> {
  const name = commandName(argv);
  // `--version` alone needs no command at all.
  if (name === undefined && (argv.includes('--version') || argv.includes('-V'))) return;
  // `help check` is `check --help`.
  const wanted = name === 'help' ? argv[argv.indexOf('help') + 1] : name;
  if (isCommand(wanted)) {
    (await COMMANDS[wanted]()).register(program, ctx);
    return;
  }
  // The overview (`--help`, no command, an unknown one): names and summaries, no other module loaded.
  for (const [n, c] of Object.entries(SUMMARIES)) program.command(n).description(c.summary);
  const listed = new Map<string, string>(Object.entries(SUMMARIES).map(([n, c]) => [n, c.term]));
  program.configureHelp({ ...program.configureHelp(), subcommandTerm: (cmd) => listed.get(cmd.name()) ?? `${cmd.name()} [command]` });
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
