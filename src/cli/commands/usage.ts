import { Command, Option } from 'commander';
import { UsageError } from '../../errors.js';
import { ensureLedger, listDeprecations } from '../../ledger/index.js';
import { normaliseObjectName } from '../../object-name.js';
import type { CliContext } from '../context.js';
import { withDatabase } from '../database.js';

const FORMATS = ['pretty', 'json'] as const;

export function register(program: Command, ctx: () => CliContext): void {
  program
    .command('usage [objects...]')
    .description('usage evidence: which queries that ran since the deprecating release shipped still use deprecated objects')
    .option('--snapshot', 'record a snapshot of pg_stat_statements now (after fixing a stray job, for example)')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('pretty'))
    .addHelpText(
      'after',
      `
Reads pg_stat_statements on the database (it must be in shared_preload_libraries and created with
CREATE EXTENSION pg_stat_statements). "release ship" records a snapshot; the queries whose calls
grew since the latest snapshot taken at or after the deprecating release shipped are the live
ones, and each is parsed and resolved against the schema. apply --phase contract refuses an
effect on an object a live query uses.

Exit codes: 0 no live use, 1 a deprecated object is still used, 2 could not run.

Examples:
  bgmigrate usage                          every deprecation in force
  bgmigrate usage public.users.name
  bgmigrate usage --snapshot`,
    )
    .action(async (objects: string[], flags: { snapshot?: boolean; format: (typeof FORMATS)[number] }) => {
      const c = ctx();
      const schema = c.config().ledger.schema;
      await withDatabase(c, 'usage', async (client) => {
        const { takeSnapshot, statementsAvailable, usageReader, describeUse, queryExcerpt } = await import('../../usage/evidence.js');
        if (flags.snapshot) {
          if (objects.length > 0) throw new UsageError('usage --snapshot takes no objects');
          const available = await statementsAvailable(client);
          if (!available.ok) throw new UsageError(available.why);
          await ensureLedger(client, { schema });
          const taken = await takeSnapshot(client, { schema, reason: 'manual' });
          c.out.line(`usage snapshot recorded: ${taken!.entries} statement${taken!.entries === 1 ? '' : 's'}`);
          return;
        }
        const deprecations = (await listDeprecations(client, { schema })).filter((d) => !d.withdrawn);
        const wanted = objects.map((o) => normaliseObjectName(o));
        const pairs = wanted.length
          ? wanted.flatMap((object) => {
              const at = deprecations.filter((d) => d.object === object);
              if (at.length === 0) throw new UsageError(`${object} is not deprecated in the ledger: usage evidence is read for deprecated objects`);
              return at.map((d) => ({ object, release: d.release }));
            })
          : [...new Map(deprecations.map((d) => [`${d.object}@${d.release}`, { object: d.object, release: d.release }])).values()];
        const reader = await usageReader(client, { schema });
        const results = [];
        for (const { object, release } of pairs) results.push(await reader.evidence(object, release));
        if (results.some((r) => r.uses.some((u) => u.kind === 'direct'))) c.exitCode = 1;
        if (flags.format === 'json') {
          c.out.write(`${JSON.stringify({ objects: results }, null, 2)}\n`);
          return;
        }
        if (results.length === 0) {
          c.out.line('no deprecation in force: nothing to check');
          return;
        }
        const { paint } = c;
        for (const r of results) {
          const direct = r.uses.filter((u) => u.kind === 'direct');
          const head = direct.length ? paint.red('used') : r.status === 'complete' ? paint.green('unused') : paint.yellow(r.status === 'none' ? 'no evidence' : 'incomplete');
          c.out.line(`${r.object} (deprecated at ${r.release}): ${head}${r.snapshot ? `, since the snapshot of ${r.snapshot.takenAt.toISOString()}` : ''}`);
          for (const use of r.uses) c.out.line(`  ${describeUse(r.object, use)}`);
          if (r.status !== 'complete' && r.why) c.out.line(`  ${paint.yellow(r.status === 'none' ? 'no evidence' : 'incomplete')}: ${r.why}`);
          for (const q of r.unverifiable) c.out.line(`  unverifiable (could not be parsed): ${queryExcerpt(q.text)}`);
        }
      });
    });
}
