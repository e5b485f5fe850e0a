import { Command, Option } from 'commander';
import { UsageError } from '../../errors.js';
import { checkPoolBudget, requirePoolConfig } from '../../pool/check.js';
import type { PoolBudget } from '../../pool/budget.js';
import { renderBudget } from '../../pool/render.js';
import type { CliContext } from '../context.js';
import { withDatabase } from '../database.js';
import { SUMMARIES } from './summaries.js';

const FORMATS = ['pretty', 'json'] as const;

export function register(program: Command, ctx: () => CliContext): void {
  program
    .command('pool')
    .description(SUMMARIES.pool.summary)
    .option('--max-connections <n>', 'compute offline against this max_connections (no database)')
    .option('--reserved <n>', 'offline: slots the app cannot use (default 3, superuser_reserved_connections)')
    .option('--count-hidden-sessions', 'count sessions whose backend type pg_stat_activity hides as connections')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('pretty'))
    .addHelpText(
      'after',
      `
Exit codes: 0 the budget fits, 1 over budget (the largest pool size that fits is printed), 2 could not run.

Examples:
  bgmigrate pool --database "$DATABASE_URL"     read limits and open connections from the server
  bgmigrate pool --max-connections 100          offline, for CI checks of the config alone`,
    )
    .action(
      async (opts: { maxConnections?: string; reserved?: string; countHiddenSessions?: boolean; format: 'pretty' | 'json' }) => {
        const c = ctx();
        const pool = requirePoolConfig(c.config().pool, c.config().source);
        let budget: PoolBudget;
        if (opts.maxConnections !== undefined) {
          budget = await checkPoolBudget({
            pool,
            maxConnections: integer(opts.maxConnections, '--max-connections'),
            reserved: opts.reserved === undefined ? undefined : integer(opts.reserved, '--reserved'),
          });
        } else {
          if (opts.reserved !== undefined) throw new UsageError('--reserved needs --max-connections (offline mode); with a database the server says what is reserved');
          budget = await withDatabase(c, 'pool', (client) =>
            checkPoolBudget({ pool, client, hiddenSessions: opts.countHiddenSessions ? 'count' : undefined, configSource: c.config().source }),
          );
        }
        if (opts.format === 'json') c.out.write(`${JSON.stringify(budget, null, 2)}\n`);
        else c.out.write(renderBudget(budget, { color: c.paint.red('x') !== 'x' }));
        if (!budget.ok) c.exitCode = 1;
      },
    );
}

function integer(value: string, flag: string): number {
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`${flag}: expected a whole number, got "${value}"`);
  return Number(value);
}
