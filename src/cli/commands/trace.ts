import { Command, Option } from 'commander';
import { parseTimeout } from '../../config/duration.js';
import { connect } from '../../db/connect.js';
import { appliedMigrations } from '../../ledger/record.js';
import { selectMigrations } from '../../check.js';
import { renderTraceJson, renderTracePretty, traceMigrations } from '../../trace/index.js';
import type { CliContext } from '../context.js';
import { parsePgVersion } from '../options.js';
import { SUMMARIES } from './summaries.js';

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
    .description(SUMMARIES.trace.summary)
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
      // Files inside the migrations directory get the migrations before them as history: replayed
      // into the static model only (never executed: the database should already have them).
      let { files, history } = selectMigrations({ cwd: c.cwd, config: c.config(), migrationsDir: c.migrationsDir(), paths });
      if (paths.length === 0) {
        // The whole directory on a migrated database: the applied migrations are already there
        // (history for the model), only the pending ones are traced.
        const applied = await appliedIds(url, config.ledger.schema);
        if (applied.size > 0) {
          history = [...history, ...files.filter((f) => applied.has(f.id))];
          files = files.filter((f) => !applied.has(f.id));
        }
      }
      if (files.length === 0) {
        c.out.note('bgmigrate: no migrations to trace');
        return;
      }
      const report = await traceMigrations(files, {
        url,
        history,
        // Trace always connects: the server's version is the target unless --pg-version says otherwise.
        pgVersion: parsePgVersion(opts.pgVersion),
        lockTimeoutMs: opts.lockTimeout === undefined ? config.apply.lockTimeoutMs : parseTimeout(opts.lockTimeout, '--lock-timeout'),
        statementTimeoutMs: opts.statementTimeout === undefined ? 30_000 : parseTimeout(opts.statementTimeout, '--statement-timeout'),
        onProgress: (text) => c.out.progress(`tracing ${text}`),
      });
      c.out.progress();
      c.out.write(opts.format === 'json' ? renderTraceJson(report) : renderTracePretty(report, { paint: c.paint, verbose: c.options.verbose }));
      if (report.summary.errors > 0 || report.summary.mismatches > 0) c.exitCode = 1;
    });
}


/** Ids of the migrations the database's ledger records as applied (none without a ledger). */
async function appliedIds(url: string, schema: string): Promise<Set<string>> {
  const client = await connect(url, { applicationName: 'bgmigrate trace' });
  try {
    return new Set((await appliedMigrations(client, { schema })).map((m) => m.id));
  } finally {
    await client.end().catch(() => undefined);
  }
}
