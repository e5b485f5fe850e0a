import { Command, Option } from 'commander';
import {
  formatInstant,
  listReleases,
  retireExpired,
  retireRelease,
  rollbackRelease,
  shipRelease,
  type ReleaseInfo,
} from '../../ledger/index.js';
import type { CliContext } from '../context.js';
import { RefusalError, UsageError } from '../../errors.js';
import { withDatabase } from '../database.js';
import { SUMMARIES } from './summaries.js';

const FORMATS = ['pretty', 'json'] as const;
type Format = (typeof FORMATS)[number];

function ledgerOptions(c: CliContext): { schema: string; rollbackWindowMs: number } {
  const { schema, rollbackWindowMs } = c.config().ledger;
  return { schema, rollbackWindowMs };
}

export function register(program: Command, ctx: () => CliContext): void {
  const release = program
    .command('release')
    .description(SUMMARIES.release.summary)
    .addHelpText(
      'after',
      `
A release is an application version. "ship" makes it live and the previous live release a
standby (a rollback target until it is retired or the rollback window passes).

Exit codes: 0 done, 1 the transition is not allowed (e.g. retiring a live release), 2 could not run.

Examples:
  bgmigrate release ship v43 --color green
  bgmigrate release retire v42
  bgmigrate release rollback
  bgmigrate release color --next
  bgmigrate release list --format json`,
    );

  release
    .command('ship <release>')
    .description('R becomes live; the release live until now becomes standby')
    .addOption(new Option('--color <color>', 'the color R serves as (default: the other one)').choices(['blue', 'green']))
    .option('--register', 'ship a release no apply recorded as deployed (refused otherwise: usually a typo)')
    .action(async (name: string, flags: { color?: string; register?: boolean }) => {
      const c = ctx();
      const options = ledgerOptions(c);
      await withDatabase(c, 'release ship', async (client) => {
        const shipped = await shipRelease(client, name, { ...options, color: flags.color, register: flags.register === true });
        // Usage evidence starts here: what runs from now on ran while R (or a later release) served.
        // (Without pg_stat_statements there is no evidence: apply --phase contract says so.)
        const { takeSnapshot, snapshotServers, connectUsageServers } = await import('../../usage/evidence.js');
        const snapshot = await takeSnapshot(client, { schema: options.schema, release: shipped.release, reason: 'ship' });
        if (snapshot) c.out.note(`usage snapshot for ${shipped.release}: ${snapshot.entries} statement${snapshot.entries === 1 ? '' : 's'} recorded`);
        if (c.config().usage.servers.length > 0) {
          const others = await connectUsageServers(c.config().usage.servers);
          try {
            const counts = await snapshotServers(client, others.servers, { schema: options.schema, release: shipped.release, reason: 'ship' });
            for (const [server, n] of counts) c.out.note(`usage snapshot for ${shipped.release} on ${server}: ${n} statement${n === 1 ? '' : 's'} recorded`);
          } finally {
            await others.close();
          }
        }
        const color = shipped.color ? ` (${shipped.color})` : '';
        if (!shipped.previous) {
          c.out.line(`${c.paint.green(shipped.release)} is live${color}`);
          return;
        }
        const previous = (await listReleases(client, options)).find((r) => r.release === shipped.previous);
        const until = previous?.rollbackTargetUntil ? formatInstant(previous.rollbackTargetUntil, 'up') : undefined;
        c.out.line(
          `${c.paint.green(shipped.release)} is live${color}; ${shipped.previous} is standby, a rollback target` +
            (until ? ` until ${until} or until "bgmigrate release retire ${shipped.previous}"` : ''),
        );
      });
    });

  release
    .command('retire [release]')
    .description('R can never receive traffic again (a standby; or, with --reason, a deployed or rolled-back release)')
    .option('--reason <why>', 'why it will never serve traffic (required for a deployed or rolled-back release; recorded)')
    .option('--expired', 'retire every standby whose rollback window has passed')
    .addHelpText(
      'after',
      `
A release that is not retired and did not ship after R blocks contract migrations on what R
deprecated: a standby within the rollback window, a deployed release that never shipped (it may
be a hotfix built from older code), a rolled-back release. Retiring it is a decision; for a
deployed or rolled-back release the ledger records who made it and why.

Examples:
  bgmigrate release retire v42
  bgmigrate release retire v41-hotfix --reason "superseded by v43, never to be deployed"
  bgmigrate release retire --expired`,
    )
    .action(async (name: string | undefined, flags: { reason?: string; expired?: boolean }) => {
      const c = ctx();
      if (flags.expired && name !== undefined) throw new UsageError('release retire: give a release or --expired, not both');
      if (!flags.expired && name === undefined) throw new UsageError('release retire: missing the release to retire (or --expired)');
      await withDatabase(c, 'release retire', async (client) => {
        if (flags.expired) {
          const retired = await retireExpired(client, ledgerOptions(c));
          c.out.line(retired.length === 0 ? 'no standby release is past the rollback window' : `retired (rollback window passed): ${retired.join(', ')}`);
          return;
        }
        await retireRelease(client, name!, { ...ledgerOptions(c), reason: flags.reason });
        c.out.line(`${name} is retired`);
      });
    });

  release
    .command('rollback')
    .description('the latest standby becomes live again; the live release becomes rolled-back')
    .action(async () => {
      const c = ctx();
      await withDatabase(c, 'release rollback', async (client) => {
        const result = await rollbackRelease(client, ledgerOptions(c));
        const color = result.color ? ` (${result.color})` : '';
        c.out.line(`rolled back: ${c.paint.green(result.live)} is live again${color}; ${result.rolledBack} is rolled-back`);
      });
    });

  release
    .command('color')
    .description('print the color the live release serves (blue or green); with --next, the color the next release takes')
    .option('--next', 'the color the next "release ship" takes: the other one, blue when nothing is live')
    .addHelpText(
      'after',
      `
For deploy scripts: one word on stdout. Without --next and with no live release: exit 1.

Examples:
  ./deploy/start.sh "$RELEASE" "$(bgmigrate release color --next)"
  ./deploy/switch-traffic.sh "$(bgmigrate release color)"`,
    )
    .action(async (flags: { next?: boolean }) => {
      const c = ctx();
      await withDatabase(c, 'release color', async (client) => {
        const live = (await listReleases(client, ledgerOptions(c))).find((r) => r.state === 'live');
        if (live && !live.color) {
          throw new RefusalError(`release ${live.release} is live, but the ledger does not know its color (it was shipped without one); give the next "release ship" a --color`);
        }
        if (flags.next) {
          c.out.line(live?.color === 'blue' ? 'green' : 'blue');
          return;
        }
        if (!live) throw new RefusalError('no release is live');
        c.out.line(live.color!);
      });
    });

  release
    .command('list')
    .description('every release with its state, oldest first')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('pretty'))
    .action(async (flags: { format: Format }) => {
      const c = ctx();
      await withDatabase(c, 'release list', async (client) => {
        const releases = await listReleases(client, ledgerOptions(c));
        if (flags.format === 'json') {
          c.out.write(`${JSON.stringify({ releases: releases.map(releaseJson) }, null, 2)}\n`);
          return;
        }
        if (releases.length === 0) {
          c.out.line(c.paint.dim('no releases recorded'));
          return;
        }
        printReleases(c, releases);
      });
    });
}

/** The JSON shape of a release (also used by `ledger show --format json`). */
export function releaseJson(r: ReleaseInfo): Record<string, unknown> {
  return {
    release: r.release,
    state: r.retiredByWindow ? 'retired' : r.state,
    recordedState: r.state,
    color: r.color,
    deployedAt: r.deployedAt?.toISOString() ?? null,
    shippedAt: r.shippedAt?.toISOString() ?? null,
    standbyAt: r.standbyAt?.toISOString() ?? null,
    retiredAt: r.retiredAt?.toISOString() ?? null,
    rolledBackAt: r.rolledBackAt?.toISOString() ?? null,
    rollbackTargetUntil: r.retiredByWindow ? null : (r.rollbackTargetUntil?.toISOString() ?? null),
    retiredByWindow: r.retiredByWindow,
  };
}

/** One line per release: name, state, color, and when it stops being a rollback target. */
export function printReleases(c: CliContext, releases: readonly ReleaseInfo[]): void {
  const { paint } = c;
  const width = Math.max(...releases.map((r) => r.release.length));
  for (const r of releases) {
    const label = r.retiredByWindow ? 'retired' : r.state;
    const padded = label.padEnd(11);
    const state = label === 'live' ? paint.green(padded) : label === 'standby' ? paint.yellow(padded) : padded;
    const facts = [
      r.color ?? '',
      r.shippedAt ? `shipped ${formatInstant(r.shippedAt)}` : 'never shipped',
      r.state === 'standby' && !r.retiredByWindow && r.rollbackTargetUntil
        ? `rollback target until ${formatInstant(r.rollbackTargetUntil, 'up')}`
        : '',
      r.retiredByWindow && r.retiredAt ? `rollback window ended ${formatInstant(r.retiredAt, 'up')}` : '',
      r.state === 'retired' && r.retiredAt ? `retired ${formatInstant(r.retiredAt)}` : '',
      r.state === 'rolled-back' && r.rolledBackAt ? `rolled back ${formatInstant(r.rolledBackAt)}` : '',
    ].filter(Boolean);
    c.out.line(`  ${r.release.padEnd(width)}  ${state}  ${facts.join(', ')}`.trimEnd());
  }
}
