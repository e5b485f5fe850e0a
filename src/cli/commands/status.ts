import { Command, Option } from 'commander';
import { migrationStatus, type StatusReport } from '../../apply/index.js';
import { describePoolCheck } from '../../pool/check.js';
import type { CliContext } from '../context.js';
import { SUMMARIES } from './summaries.js';

const FORMATS = ['pretty', 'json'] as const;

export function register(program: Command, ctx: () => CliContext): void {
  program
    .command('status')
    .description(SUMMARIES.status.summary)
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('pretty'))
    .addHelpText(
      'after',
      `
Reads only (never creates the ledger). Exit codes: 0 read, 2 could not run.

Examples:
  bgmigrate status --database "$DATABASE_URL"
  bgmigrate status --format json | jq '.migrations[] | select(.state == "pending")'`,
    )
    .action(async (flags: { format: (typeof FORMATS)[number] }) => {
      const c = ctx();
      const report = await migrationStatus({
        database: await c.requireDatabaseUrl('status'),
        config: c.config(),
        files: c.migrations(),
      });
      if (flags.format === 'json') c.out.write(`${JSON.stringify(report, null, 2)}\n`);
      else printStatus(c, report);
    });
}

function printStatus(c: CliContext, report: StatusReport): void {
  const { out, paint } = c;
  if (!report.ledger.exists) out.line(paint.dim(`no ledger yet (schema "${report.ledger.schema}" is created by the first apply)`));
  out.line(paint.bold('migrations'));
  const width = Math.max(0, ...report.migrations.map((m) => (m.path ?? m.id).length));
  for (const m of report.migrations) {
    const state = m.state === 'applied' ? paint.green('applied') : paint.yellow('pending');
    const name = (m.path ?? m.id).padEnd(width);
    const release = m.release ? ` ${m.release}` : '';
    const when = m.appliedAt ? ` ${m.appliedAt}` : '';
    const notes = [
      m.drift === 'changed' ? paint.red('file changed since applied') : '',
      m.drift === 'missing' ? paint.red('file missing') : '',
      m.doneStatements ? `${m.doneStatements} statements done, resumes on the next apply` : '',
      m.source === 'baseline' ? `baseline from ${m.baselineFrom ?? '?'}` : '',
    ].filter(Boolean);
    out.line(`  ${state}  ${name}  ${m.phase.padEnd(8)}${release}${when}${notes.length ? `  (${notes.join('; ')})` : ''}`);
  }
  out.line(paint.bold('colors'));
  for (const color of ['blue', 'green'] as const) {
    const held = report.colors[color];
    out.line(`  ${color.padEnd(5)}  ${held ? `${held.release} (${held.state})` : paint.dim('no release recorded')}`);
  }
  out.line(paint.bold('releases'));
  if (report.releases.length === 0) out.line(paint.dim('  none recorded'));
  for (const r of report.releases) {
    const facts = [
      r.shippedAt ? `shipped ${r.shippedAt}` : 'not shipped',
      r.retiredAt ? `retired ${r.retiredAt}` : '',
      r.rollbackTargetUntil ? `rollback target until ${r.rollbackTargetUntil}` : '',
    ].filter(Boolean);
    out.line(`  ${r.release}  ${r.state}${r.color ? ` (${r.color})` : ''}  ${facts.join(', ')}`);
  }
  out.line(paint.bold('deprecations'));
  if (report.deprecations.length === 0) out.line(paint.dim('  none recorded'));
  for (const d of report.deprecations) out.line(`  ${d.object}  from ${d.release}`);
  if (report.backfills.length > 0) {
    out.line(paint.bold('backfills'));
    for (const b of report.backfills) {
      const of = b.estimate && b.estimate > 0 ? ` of ~${Math.max(b.estimate, b.rowsDone)}` : '';
      out.line(
        `  ${b.state === 'finished' ? paint.green('finished') : paint.yellow('running ')}  ${b.migration}  ${b.rowsDone}${of} rows in ${b.batches} batches, ${b.keyColumn} up to ${b.lastKey ?? '—'}` +
          (b.state === 'finished' ? `, finished ${b.finishedAt}` : `, last batch ${b.updatedAt} (an interrupted one resumes on the next apply)`),
      );
    }
  }
  out.line(paint.bold('pool budget'));
  out.line(`  ${describePoolCheck(report.lastPoolCheck ?? undefined).replace(/^pool budget:? ?/, '')}`);
  if (report.contractEffects.length > 0) {
    out.line(paint.bold('contract effects of pending migrations'));
    for (const e of report.contractEffects) {
      const verdict = e.allowed ? paint.green('allowed') : paint.red('refused');
      out.line(`  ${e.path}:${e.line}:${e.column} ${e.effect} ${e.object}: ${verdict} — ${e.reason}`);
    }
  }
}
