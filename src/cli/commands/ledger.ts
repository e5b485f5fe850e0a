import { Command, Option } from 'commander';
import fs from 'node:fs';
import type pg from 'pg';
import { RefusalError } from '../../errors.js';
import { lintMigrations } from '../../lint.js';
import { targetVersion } from '../../config/target-version.js';
import { serverVersion } from '../../db/connect.js';
import { catalogObjects, objectsCreatedBy, resolveDeprecation } from '../../ledger/objects.js';
import { deprecateObject, describeDrift, formatInstant, showLedger, verifyLedger } from '../../ledger/index.js';
import type { CliContext } from '../context.js';
import { withDatabase } from '../database.js';
import { printReleases, releaseJson } from './release.js';

const FORMATS = ['pretty', 'json'] as const;
type Format = (typeof FORMATS)[number];

export function register(program: Command, ctx: () => CliContext): void {
  const ledger = program
    .command('ledger')
    .description('the phase ledger: record a deprecation, show the history, verify checksums')
    .addHelpText(
      'after',
      `
Exit codes: 0 done, 1 "verify" found applied migrations whose file changed or is missing, 2 could not run.

Examples:
  bgmigrate ledger deprecate public.users.name --release v43
  bgmigrate ledger show --format json
  bgmigrate ledger verify`,
    );

  ledger
    .command('deprecate <object>')
    .description('from release R on, the application no longer depends on <object> (table, column, view, routine, type)')
    .requiredOption('--release <release>', 'the release that stopped using it')
    .option('--register', 'record it even though the ledger does not know the release yet (refused otherwise: usually a typo)')
    .action(async (object: string, flags: { release: string; register?: boolean }) => {
      const c = ctx();
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
            `  ${formatInstant(m.appliedAt)}  ${m.id}  ${m.phase}${m.release ? ` ${m.release}` : ''}  by ${m.appliedBy} in ${m.durationMs} ms` +
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
          out.line(`  ${d.object}  from ${d.release}  (${via}, ${formatInstant(d.at)})`);
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
  const table = (await client.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [`"${schema}".releases`])).rows[0].present;
  if (!table) return false;
  return (await client.query(`SELECT 1 FROM "${schema}".releases WHERE release = $1`, [release])).rows.length > 0;
}
