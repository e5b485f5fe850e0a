import type { Command } from 'commander';
import type { CliContext } from '../context.js';

interface CommandModule {
  register(program: Command, ctx: () => CliContext): void;
}

/**
 * Every command, in the order `--help` lists them: how `--help` lists it (the same words the
 * command's own module registers) and how to load it. Loaded on demand: a run of one command
 * loads only that command's module, so that `check --staged` in a pre-commit hook never pays for
 * the database driver, Kysely or the runner, and `bgmigrate --help` loads none.
 */
export const COMMANDS = {
  check: {
    term: 'check [options] [paths...]',
    summary: 'lint migrations: refuse what would break the color still running or block live traffic',
    load: () => import('./check.js'),
  },
  apply: {
    term: 'apply [options]',
    summary: 'apply pending migrations of one phase, never blocking live traffic longer than the lock timeout',
    load: () => import('./apply.js'),
  },
  status: {
    term: 'status [options]',
    summary: 'applied and pending migrations, releases, deprecations, and which contract effects the ledger allows now',
    load: () => import('./status.js'),
  },
  release: { term: 'release', summary: 'record release switches in the ledger: ship, retire, rollback, color, list', load: () => import('./release.js') },
  ledger: {
    term: 'ledger',
    summary: 'the phase ledger: baseline an existing database, record a deprecation, show the history, verify checksums',
    load: () => import('./ledger.js'),
  },
  pool: { term: 'pool [options]', summary: 'the connection-pool budget: can both colors hold their pools at once?', load: () => import('./pool.js') },
  trace: {
    term: 'trace [options] [paths...]',
    summary: 'run migrations on a real PostgreSQL inside a rolled-back transaction and show what each statement locked, rewrote and scanned',
    load: () => import('./trace.js'),
  },
  usage: {
    term: 'usage [options] [objects...]',
    summary: 'usage evidence: which queries that ran since the deprecating release shipped still use deprecated objects',
    load: () => import('./usage.js'),
  },
  plan: {
    term: 'plan [options] <recipe> [objects...]',
    summary:
      'write the expand/contract series of migration files for a change (rename-column, rename-table, change-type, set-not-null, add-foreign-key, add-unique, drop-column)',
    load: () => import('./plan.js'),
  },
} satisfies Record<string, { term: string; summary: string; load: () => Promise<CommandModule> }>;

export type CommandName = keyof typeof COMMANDS;

const isCommand = (name: string | undefined): name is CommandName => name !== undefined && Object.hasOwn(COMMANDS, name);

/** Global options that take a value, so that their value is not mistaken for the command name. */
const OPTIONS_WITH_VALUE = new Set(['--database', '--config', '--dir']);

export async function registerCommands(program: Command, ctx: () => CliContext, argv: readonly string[]): Promise<void> {
  const name = commandName(argv);
  // `--version` alone needs no command at all.
  if (name === undefined && (argv.includes('--version') || argv.includes('-V'))) return;
  // `help check` is `check --help`.
  const wanted = name === 'help' ? argv[argv.indexOf('help') + 1] : name;
  if (isCommand(wanted)) {
    (await COMMANDS[wanted].load()).register(program, ctx);
    return;
  }
  // The overview (`--help`, no command, an unknown one): names and summaries, no module loaded.
  for (const [n, c] of Object.entries(COMMANDS)) program.command(n).description(c.summary);
  const listed = new Map(Object.entries(COMMANDS).map(([n, c]) => [n, c.term]));
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
