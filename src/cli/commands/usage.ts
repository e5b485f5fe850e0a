import { Command, Option } from 'commander';
import { UsageError } from '../../errors.js';
import { ensureLedger, listDeprecations } from '../../ledger/index.js';
import { normaliseObjectName } from '../../object-name.js';
import type { CliContext } from '../context.js';
import { withDatabase } from '../database.js';
import { SUMMARIES } from './summaries.js';

const FORMATS = ['pretty', 'json'] as const;

export function register(program: Command, ctx: () => CliContext): void {
  program
    .command('usage [objects...]')
    .description(SUMMARIES.usage.summary)
    .option('--snapshot', 'record a snapshot of pg_stat_statements now (after fixing a stray job, for example)')
    .option('--shadow <url|embedded>', 'also prepare every live query on a shadow database built from all the migrations, pending contract ones included')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('pretty'))
    .addHelpText(
      'after',
      `
Reads pg_stat_statements on the database (it must be in shared_preload_libraries and created with
CREATE EXTENSION pg_stat_statements). "release ship" records a snapshot; the queries whose calls
grew since the latest snapshot taken at or after the deprecating release shipped are the live
ones, and each is parsed and resolved against the schema. apply --phase contract refuses an
effect on an object a live query uses.

With --shadow, a throwaway database gets the schema as it will be after every migration (pending
contract ones included) and each live query is prepared there: one that fails is breaking use.

Exit codes: 0 no live use, 1 a deprecated object is still used (or, with --shadow, a live query
breaks on the new schema), 2 could not run.

Examples:
  bgmigrate usage                          every deprecation in force
  bgmigrate usage public.users.name
  bgmigrate usage --snapshot
  bgmigrate usage --shadow embedded        replay: which live queries fail on the new schema`,
    )
    .action(async (objects: string[], flags: { snapshot?: boolean; shadow?: string; format: (typeof FORMATS)[number] }) => {
      const c = ctx();
      const schema = c.config().ledger.schema;
      await withDatabase(c, 'usage', async (client) => {
        const { takeSnapshot, statementsAvailable, usageReader, describeUse, queryExcerpt, connectUsageServers, snapshotServers } = await import('../../usage/evidence.js');
        const others = await connectUsageServers(c.config().usage.servers);
        try {
        if (flags.snapshot) {
          if (objects.length > 0) throw new UsageError('usage --snapshot takes no objects');
          const available = await statementsAvailable(client);
          if (!available.ok) throw new UsageError(available.why);
          await ensureLedger(client, { schema });
          const taken = await takeSnapshot(client, { schema, reason: 'manual' });
          c.out.line(`usage snapshot recorded: ${taken!.entries} statement${taken!.entries === 1 ? '' : 's'}`);
          for (const [server, n] of await snapshotServers(client, others.servers, { schema, reason: 'manual' })) {
            c.out.line(`usage snapshot recorded on ${server}: ${n} statement${n === 1 ? '' : 's'}`);
          }
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
        const reader = await usageReader(client, { schema, servers: others.servers });
        const results = [];
        for (const { object, release } of pairs) results.push(await reader.evidence(object, release));
        if (results.some((r) => r.uses.some((u) => u.kind === 'direct'))) c.exitCode = 1;
        let shadow: import('../../usage/shadow.js').ShadowResult | undefined;
        if (flags.shadow) {
          const { replayOnShadow } = await import('../../usage/shadow.js');
          const { serverVersion } = await import('../../db/connect.js');
          const queries = new Map<string, import('../../usage/evidence.js').LiveQuery>();
          for (const release of new Set(pairs.map((p) => p.release))) for (const q of await reader.liveSince(release)) queries.set(q.queryid, q);
          c.out.progress('building the shadow database from the migrations…');
          shadow = await replayOnShadow(flags.shadow, c.migrations(), [...queries.values()], await serverVersion(client));
          c.out.progress();
          if (shadow.breaking.length > 0) c.exitCode = 1;
        }
        if (flags.format === 'json') {
          c.out.write(`${JSON.stringify({ objects: results, ...(shadow ? { shadow } : {}) }, null, 2)}\n`);
          return;
        }
        if (shadow) {
          c.out.line(`shadow: every migration replayed in ${shadow.buildMs} ms; ${shadow.breaking.length} live quer${shadow.breaking.length === 1 ? 'y breaks' : 'ies break'} on the new schema`);
          for (const b of shadow.breaking) {
            c.out.line(`  ${c.paint.red('breaking')} (SQLSTATE ${b.sqlstate}: ${b.message}), ran ${b.query.calls} time${b.query.calls === 1 ? '' : 's'} since the snapshot as role ${b.query.role}: ${queryExcerpt(b.query.text)}`);
          }
          for (const q of shadow.undetermined) c.out.line(`  unverifiable (its parameters' types cannot be inferred without values): ${queryExcerpt(q.text)}`);
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
        } finally {
          await others.close();
        }
      });
    });
}
