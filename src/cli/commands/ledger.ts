import { Command, Option } from 'commander';
import fs from 'node:fs';
import type pg from 'pg';
import { relationExists } from '../../db/sql.js';
import { RefusalError, UsageError } from '../../errors.js';
import { BASELINE_TOOLS, baselineFromTool, baselineUpTo, type BaselineResult, type BaselineTool } from '../../ledger/baseline.js';
import { withdrawDeprecation } from '../../ledger/record.js';
import { normaliseObjectName } from '../../object-name.js';
import type { MigrationFile } from '../../model.js';
import { lintMigrations } from '../../lint.js';
import { targetVersion } from '../../config/target-version.js';
import { serverVersion } from '../../db/connect.js';
import { catalogObjects, objectsCreatedBy, resolveDeprecation } from '../../ledger/objects.js';
import { deprecateObject, describeDrift, formatInstant, showLedger, verifyLedger } from '../../ledger/index.js';
import type { CliContext } from '../context.js';
import { withDatabase } from '../database.js';
import { printReleases, releaseJson } from './release.js';
import { SUMMARIES } from './summaries.js';

const FORMATS = ['pretty', 'json'] as const;
type Format = (typeof FORMATS)[number];

export function register(program: Command, ctx: () => CliContext): void {
  const ledger = program
    .command('ledger')
    .description(SUMMARIES.ledger.summary)
    .addHelpText(
      'after',
      `
Exit codes: 0 done, 1 "verify" found applied migrations whose file changed or is missing, or
"baseline" found a failed entry or an entry without a file; 2 could not run.

Examples:
  bgmigrate ledger baseline --from prisma --dry-run
  bgmigrate ledger deprecate public.users.name --release v43
  bgmigrate ledger show --format json
  bgmigrate ledger verify`,
    );

  ledger
    .command('deprecate <object>')
    .description('from release R on, the application no longer depends on <object> (table, column, view, routine, type)')
    .requiredOption('--release <release>', 'the release that stopped using it')
    .option('--register', 'record it even though the ledger does not know the release yet (refused otherwise: usually a typo)')
    .option('--withdraw', 'take back a deprecation recorded by mistake (needs --reason; the history keeps both)')
    .option('--reason <why>', 'with --withdraw: why the deprecation was wrong (recorded)')
    .addHelpText(
      'after',
      `
Examples:
  bgmigrate ledger deprecate public.users.name --release v43
  bgmigrate ledger deprecate public.users.name --release v43 --withdraw --reason "v43 still reads it in the nightly export"`,
    )
    .action(async (object: string, flags: { release: string; register?: boolean; withdraw?: boolean; reason?: string }) => {
      const c = ctx();
      if (flags.reason !== undefined && !flags.withdraw) throw new UsageError('ledger deprecate: --reason goes with --withdraw');
      if (flags.withdraw) {
        if (!flags.reason?.trim()) throw new UsageError('ledger deprecate --withdraw: give --reason "why the deprecation was wrong" (the ledger records it)');
        if (flags.register) throw new UsageError('ledger deprecate: --withdraw and --register do not go together');
        await withDatabase(c, 'ledger deprecate --withdraw', async (client) => {
          const name = normaliseObjectName(object);
          const count = await withdrawDeprecation(client, name, flags.release, { schema: c.config().ledger.schema, reason: flags.reason! });
          c.out.line(`withdrawn: ${name} is no longer deprecated from release ${flags.release}${count > 1 ? ` (${count} records)` : ''}`);
        });
        return;
      }
      await withDatabase(c, 'ledger deprecate', async (client) => {
        // The name must be one the database or the migrations know (exit 2 with the closest one);
        // a bare table.column resolves through the search path and is stored qualified.
        const files = fs.existsSync(c.migrationsDir()) ? c.migrations() : [];
        const pgVersion = targetVersion({ server: await serverVersion(client), config: c.config().pgVersion });
        const reports = files.length > 0 ? await lintMigrations(files, { pgVersion }) : [];
        const known = new Set([...(await catalogObjects(client)), ...objectsCreatedBy(reports)]);
        const resolved = resolveDeprecation(object, known, '');
        const schema = c.config().ledger.schema;
        if (!(await releaseExists(client, schema, flags.release)) && !flags.register) {
          throw new RefusalError(
            `release ${flags.release} is not in the ledger (no apply --release ${flags.release} or release ship recorded it); check the name, or pass --register to record it now`,
          );
        }
        const added = await deprecateObject(client, resolved, flags.release, { schema: c.config().ledger.schema, normalized: true });
        if (added) c.out.line(`recorded: ${added.object} is deprecated from release ${added.release}`);
        else c.out.line(`already recorded: ${object} is deprecated from release ${flags.release}`);
      });
    });

  ledger
    .command('baseline')
    .description("record migrations another tool already applied, so that an existing database can adopt apply")
    .addOption(new Option('--from <tool>', "read that tool's history table").choices([...BASELINE_TOOLS]))
    .option('--up-to <migration>', 'record every migration up to and including this one (a database without a history table)')
    .option('--table <schema.table>', "the tool's history table, when it is not where the tool keeps it by default")
    .option('--dry-run', 'show what would be recorded; write nothing')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('pretty'))
    .addHelpText(
      'after',
      `
Each migration file the other tool applied is recorded as applied (source "baseline"), with the
file's checksum today and, where the tool keeps it, when it was applied. A failed, dirty or
rolled-back entry, or an applied entry with no file, refuses the baseline (exit 1) and records
nothing. Running it again records only what is new.

Default tables: prisma _prisma_migrations, drizzle drizzle.__drizzle_migrations, kysely
kysely_migration, node-pg-migrate pgmigrations, knex knex_migrations, typeorm migrations,
flyway flyway_schema_history, golang-migrate and dbmate schema_migrations, diesel
__diesel_schema_migrations (unqualified names are looked up on the search path).

Examples:
  bgmigrate ledger baseline --from prisma --dry-run
  bgmigrate ledger baseline --from flyway --table app.flyway_schema_history
  bgmigrate ledger baseline --up-to 0042_add_orders.sql`,
    )
    .action(async (flags: { from?: BaselineTool; upTo?: string; table?: string; dryRun?: boolean; format: Format }) => {
      const c = ctx();
      if ((flags.from === undefined) === (flags.upTo === undefined)) {
        throw new UsageError('ledger baseline: give --from <tool> (another runner\'s history table) or --up-to <migration>, one of them');
      }
      if (flags.table !== undefined && flags.from === undefined) throw new UsageError('ledger baseline: --table goes with --from');
      const files = c.migrations();
      await withDatabase(c, 'ledger baseline', async (client) => {
        const pgVersion = targetVersion({ server: await serverVersion(client), config: c.config().pgVersion });
        const reports = files.length > 0 ? await lintMigrations(files, { pgVersion }) : [];
        const options = {
          schema: c.config().ledger.schema,
          files,
          phases: new Map(reports.map((r, i) => [files[i].id, r.phase])),
          dryRun: flags.dryRun === true,
        };
        const result = flags.from
          ? await baselineFromTool(client, flags.from, { ...options, table: flags.table })
          : await baselineUpTo(client, flags.upTo!, options);
        if (flags.format === 'json') {
          c.out.write(`${JSON.stringify(result, null, 2)}\n`);
          return;
        }
        printBaseline(c, result, files);
      });
    });

  ledger
    .command('show')
    .description('applied migrations, releases and every state change, deprecations')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('pretty'))
    .action(async (flags: { format: Format }) => {
      const c = ctx();
      const { schema, rollbackWindowMs } = c.config().ledger;
      await withDatabase(c, 'ledger show', async (client) => {
        const contents = await showLedger(client, { schema, rollbackWindowMs });
        if (flags.format === 'json') {
          c.out.write(
            `${JSON.stringify({ ...contents, releases: contents.releases.map(releaseJson) }, null, 2)}\n`,
          );
          return;
        }
        const { out, paint } = c;
        if (contents.version === 0) {
          out.line(paint.dim(`no ledger yet (schema "${schema}" is created by the first apply, ship or deprecate)`));
          return;
        }
        out.line(paint.bold(`ledger: schema "${schema}", version ${contents.version}`));
        out.line(paint.bold('applied migrations'));
        if (contents.migrations.length === 0) out.line(paint.dim('  none'));
        for (const m of contents.migrations) {
          out.line(
            `  ${formatInstant(m.appliedAt)}  ${m.id}  ${m.phase}${m.release ? ` ${m.release}` : ''}  ` +
              (m.source === 'baseline' ? `baseline from ${m.baselineFrom ?? '?'}` : `by ${m.appliedBy} in ${m.durationMs} ms`) +
              (m.suppressions.length ? `  (${m.suppressions.length} suppressed finding${m.suppressions.length === 1 ? '' : 's'})` : ''),
          );
        }
        out.line(paint.bold('releases'));
        if (contents.releases.length === 0) out.line(paint.dim('  none'));
        else printReleases(c, contents.releases);
        out.line(paint.bold('release history'));
        if (contents.events.length === 0) out.line(paint.dim('  none'));
        for (const e of contents.events) {
          out.line(`  ${formatInstant(e.at)}  ${e.release} ${e.state}${e.color ? ` (${e.color})` : ''}  by ${e.by}`);
        }
        out.line(paint.bold('deprecations'));
        if (contents.deprecations.length === 0) out.line(paint.dim('  none'));
        for (const d of contents.deprecations) {
          const via = d.source === 'directive' ? `directive in ${d.migrationId ?? '?'}` : 'ledger deprecate';
          const withdrawn = d.withdrawn ? `; ${paint.yellow('withdrawn')} ${formatInstant(d.withdrawn.at)} by ${d.withdrawn.by}: ${d.withdrawn.reason}` : '';
          out.line(`  ${d.object}  from ${d.release}  (${via}, ${formatInstant(d.at)}${withdrawn})`);
        }
      });
    });

  ledger
    .command('verify')
    .description('compare the checksums of applied migrations with their files; exit 1 on any difference')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('pretty'))
    .action(async (flags: { format: Format }) => {
      const c = ctx();
      const files = c.migrations();
      await withDatabase(c, 'ledger verify', async (client) => {
        const result = await verifyLedger(client, files, { schema: c.config().ledger.schema });
        if (result.drift.length > 0) c.exitCode = 1;
        if (flags.format === 'json') {
          c.out.write(`${JSON.stringify(result, null, 2)}\n`);
          return;
        }
        if (result.drift.length === 0) {
          c.out.line(
            result.checked === 1
              ? 'ok: 1 applied migration matches its file'
              : `ok: ${result.checked} applied migrations match their files`,
          );
          return;
        }
        for (const drift of result.drift) c.out.line(`${c.paint.red('drift')} ${describeDrift(drift)}`);
        c.out.line(
          `${result.drift.length} of ${result.checked} applied migrations differ from their files: restore them ` +
            '(an applied migration must not change; put new changes in a new migration)',
        );
      });
    });
}

/** Whether the ledger (if it exists yet) knows `release`. */
async function releaseExists(client: pg.ClientBase, schema: string, release: string): Promise<boolean> {
  if (!(await relationExists(client, `"${schema}".releases`))) return false;
  return (await client.query(`SELECT 1 FROM "${schema}".releases WHERE release = $1`, [release])).rows.length > 0;
}

/** What `ledger baseline` recorded (or would record), one line each, then the gaps. */
function printBaseline(c: CliContext, result: BaselineResult, files: readonly MigrationFile[]): void {
  const { out, paint } = c;
  const source = result.from === 'up-to' ? 'up to the given migration' : `from ${result.from} (${result.table})`;
  const pathOf = (id: string) => files.find((f) => f.id === id)?.path ?? id;
  for (const row of result.recorded) {
    const when = row.appliedAt ? `applied ${formatInstant(row.appliedAt)}` : 'applied at an unknown time';
    out.line(`${result.dryRun ? 'would record' : paint.green('recorded')}  ${pathOf(row.id)}  ${row.phase}  ${when}`);
  }
  for (const id of result.alreadyRecorded) out.line(`${paint.dim('already   ')}  ${pathOf(id)}`);
  for (const id of result.gaps) {
    out.note(`warning: ${pathOf(id)} sorts before baselined migrations but was not applied: apply will refuse it as out of order until it is applied with --allow-out-of-order or removed`);
  }
  const n = result.recorded.length;
  const what = `${n} migration${n === 1 ? '' : 's'}`;
  out.line(
    result.dryRun
      ? `baseline ${source}: dry run, ${what} would be recorded, nothing changed`
      : `baseline ${source}: ${what} recorded${result.alreadyRecorded.length ? `, ${result.alreadyRecorded.length} already in the ledger` : ''}`,
  );
}
