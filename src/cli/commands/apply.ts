import { Command, Option } from 'commander';
import {
  ApplyRefusal,
  applyMigrations,
  type AppliedMigration,
  type ApplyEvent,
  type ApplyResult,
  type PlanEntry,
} from '../../apply/index.js';
import { formatMs } from '../../apply/applier-lock.js';
import { describeBlocker } from '../../apply/blocker.js';
import { parseDuration, parseTimeout } from '../../config/duration.js';
import { UsageError } from '../../errors.js';
import { normaliseObjectName } from '../../object-name.js';
import type { RunPhase } from '../../apply/plan.js';
import type { CliContext } from '../context.js';
import { SUMMARIES } from './summaries.js';

const FORMATS = ['pretty', 'json'] as const;

interface ApplyFlags {
  phase: RunPhase;
  release?: string;
  dryRun?: boolean;
  lockTimeout?: string;
  statementTimeout?: string;
  maxRetries?: string;
  skipPoolCheck?: boolean;
  allowOutOfOrder?: boolean;
  requireAll?: boolean;
  ignoreUsage?: string[];
  reason?: string;
  batchSize?: string;
  batchDelay?: string;
  /** Commander's negatable `--no-traffic`: false when given. */
  traffic?: boolean;
  format: (typeof FORMATS)[number];
}

export function register(program: Command, ctx: () => CliContext): void {
  program
    .command('apply')
    .description(SUMMARIES.apply.summary)
    .addOption(
      new Option('--phase <phase>', 'which migrations to apply (all: every pending one, for a database that serves no traffic)')
        .choices(['expand', 'contract', 'all'])
        .makeOptionMandatory(),
    )
    .option('--no-traffic', 'with --phase all on a database where a release has shipped: nothing reads it any more (recorded)')
    .option('--release <name>', 'the release being deployed (recorded with each migration and its deprecations)')
    .option('--dry-run', 'print the plan and the verdicts; change nothing')
    .option('--lock-timeout <duration>', 'longest wait for any lock, e.g. 500ms, 2s (default: config, else 2s)')
    .option('--statement-timeout <duration>', 'longest run of one statement; 0 = none (default: config, else 0)')
    .option('--max-retries <n>', 'retries after a lock timeout, with backoff (default: config, else 10)')
    .option('--skip-pool-check', 'expand: do not check the connection-pool budget first')
    .option('--allow-out-of-order', 'apply a new migration that sorts before one already applied (refused otherwise)')
    .option('--require-all', 'contract: exit 1 when the ledger makes some migration wait (default: list them, exit 0)')
    .option('--ignore-usage <object>', 'contract: apply even though usage evidence shows a live query using <object> (repeatable; needs --reason; recorded)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--reason <why>', 'with --ignore-usage: why the query does not matter (recorded in the ledger)')
    .option('--batch-size <rows>', 'backfills: rows per batch (default: the directive\'s batch=, else 1000)')
    .option('--batch-delay <duration>', 'backfills: pause between batches, e.g. 100ms (default 0)')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('pretty'))
    .addHelpText(
      'after',
      `
Expand applies the pending expand migrations in order and leaves pending contract migrations for
the contract phase. Contract applies the pending contract migrations the ledger allows, in order,
and stops at the first the ledger does not allow yet: that one and the ones after it wait, with
the reason listed (during the rollback window this is the normal outcome).

Exit codes: 0 applied, nothing to do, or contract migrations waiting for the ledger; 1 refused
(lint error, checksum drift, lock timeout after the last retry, a failing statement, or with
--require-all a migration left waiting); 2 could not run (usage, config, database unreachable,
another apply holds the ledger lock).

Examples:
  bgmigrate apply --phase expand --release v43      before green starts
  bgmigrate apply --phase contract --release v43    after the old release is retired
  bgmigrate apply --phase expand --dry-run          what would run, and the verdicts`,
    )
    .action(async (flags: ApplyFlags) => {
      const c = ctx();
      const config = c.config();
      if (flags.ignoreUsage?.length && !flags.reason?.trim()) throw new UsageError('apply --ignore-usage: give --reason "why the query does not matter" (the ledger records it)');
      if (flags.reason !== undefined && !flags.ignoreUsage?.length) throw new UsageError('apply: --reason goes with --ignore-usage');
      if (flags.ignoreUsage?.length && flags.phase !== 'contract') throw new UsageError('apply: --ignore-usage is for --phase contract');
      const url = await c.requireDatabaseUrl('apply');
      const progress = new ProgressLine(c);
      // Ctrl-C and SIGTERM (a deploy system stopping us): cancel the statement on the server, roll
      // back the migration in progress, say what was kept, exit 130 / 143.
      const abort = new AbortController();
      const onSignal = (signal: 'SIGINT' | 'SIGTERM') => () => abort.abort(signal);
      const handlers = { SIGINT: onSignal('SIGINT'), SIGTERM: onSignal('SIGTERM') };
      process.once('SIGINT', handlers.SIGINT);
      process.once('SIGTERM', handlers.SIGTERM);
      let result: ApplyResult;
      try {
        result = await applyMigrations({
          signal: abort.signal,
          database: url,
          config,
          files: c.migrations(),
          phase: flags.phase,
          release: flags.release,
          dryRun: flags.dryRun,
          lockTimeoutMs: flags.lockTimeout === undefined ? undefined : parseTimeout(flags.lockTimeout, '--lock-timeout'),
          statementTimeoutMs:
            flags.statementTimeout === undefined ? undefined : parseTimeout(flags.statementTimeout, '--statement-timeout'),
          maxRetries: flags.maxRetries === undefined ? undefined : count(flags.maxRetries, '--max-retries'),
          skipPoolCheck: flags.skipPoolCheck,
          allowOutOfOrder: flags.allowOutOfOrder,
          requireAll: flags.requireAll,
          ...(flags.batchSize !== undefined ? { batchSize: positive(flags.batchSize, '--batch-size') } : {}),
          ...(flags.batchDelay !== undefined ? { batchDelayMs: parseDuration(flags.batchDelay, '--batch-delay') } : {}),
          ignoreUsage: Object.fromEntries((flags.ignoreUsage ?? []).map((object) => [normaliseObjectName(object), flags.reason!.trim()])),
          noTraffic: flags.traffic === false,
          onProgress: (event) => progress.on(event),
        });
      } catch (error) {
        progress.stop();
        // What ran before the refusal stays applied: say so before the one-line reason.
        if (error instanceof ApplyRefusal) for (const done of error.applied) c.out.line(appliedLine(c, done));
        throw error;
      } finally {
        progress.stop();
        process.off('SIGINT', handlers.SIGINT);
        process.off('SIGTERM', handlers.SIGTERM);
      }
      if (flags.format === 'json') {
        c.out.write(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        printResult(c, result);
      }
      if (result.plan.some((e) => e.verdict === 'refused')) c.exitCode = 1;
    });
}

function positive(value: string, flag: string): number {
  const n = count(value, flag);
  if (n === 0) throw new UsageError(`${flag}: must be at least 1`);
  return n;
}

function count(value: string, flag: string): number {
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`${flag}: expected a whole number, got "${value}"`);
  return Number(value);
}

function printResult(c: CliContext, result: ApplyResult): void {
  const { paint, out } = c;
  const title = `apply --phase ${result.phase}${result.release ? ` --release ${result.release}` : ''}`;
  // Always said, in one line: a skipped budget check must not look like a passed one.
  if (result.poolCheck) out.note(result.poolCheck.message);
  for (const warning of result.usageWarnings) out.note(`warning: ${warning}`);
  if (result.dryRun) {
    out.line(`${title}: dry run, nothing changed`);
    for (const entry of result.plan) out.line(planLine(c, entry));
    const refused = result.plan.filter((e) => e.verdict === 'refused').length;
    const waiting = result.plan.filter((e) => e.verdict === 'waiting' || e.verdict === 'not-reached').length;
    const toRun = result.plan.filter((e) => e.verdict === 'ok').length;
    out.line(`${toRun} to apply${refused ? `, ${paint.red(`${refused} refused`)}` : ''}${waiting ? `, ${paint.yellow(`${waiting} waiting`)}` : ''}`);
    return;
  }
  for (const index of result.rebuiltIndexes) out.line(`rebuilt ${index}: a failed concurrent build had left it INVALID`);
  for (const done of result.applied) out.line(appliedLine(c, done));
  const otherPhase = result.plan.filter((e) => e.action === 'skip');
  for (const entry of otherPhase) out.line(`${paint.dim('pending')} ${entry.path} (${entry.phase}: apply --phase ${entry.phase})`);
  for (const entry of result.plan) {
    if (entry.verdict === 'waiting') {
      out.line(`${paint.yellow('waiting')} ${entry.path}: the ledger does not allow it yet`);
      for (const reason of entry.reasons ?? []) out.line(`    ${reason}`);
    } else if (entry.verdict === 'not-reached') {
      out.line(`${paint.yellow('waiting')} ${entry.path} (comes after a waiting migration)`);
    }
  }
  const n = result.applied.length;
  const waits = result.plan.filter((e) => e.verdict === 'waiting' || e.verdict === 'not-reached').length;
  const applied = n === 0 ? 'nothing applied' : `${n} migration${n === 1 ? '' : 's'} applied`;
  if (waits > 0) out.line(`${title}: ${applied}, ${waits} waiting for the ledger (run it again once it allows them)`);
  else out.line(n === 0 ? `${title}: nothing to apply` : `${title}: ${applied}`);
}

function appliedLine(c: CliContext, done: AppliedMigration): string {
  const retries = done.retries ? `, ${done.retries} ${done.retries === 1 ? 'retry' : 'retries'}` : '';
  if (done.backfill) {
    const b = done.backfill;
    return `${c.paint.green('applied')} ${done.path} (backfill: ${b.rowsDone} rows in ${b.batches} batch${b.batches === 1 ? '' : 'es'}, ${formatMs(done.durationMs)}${retries})`;
  }
  return `${c.paint.green('applied')} ${done.path} (${formatMs(done.durationMs)}${retries})`;
}

function planLine(c: CliContext, entry: PlanEntry): string {
  const { paint } = c;
  switch (entry.action) {
    case 'applied':
      return `  ${paint.dim('applied ')} ${entry.path}`;
    case 'skip':
      return `  ${paint.dim('later   ')} ${entry.path} (${entry.phase} phase)`;
    default: {
      const resume = entry.action === 'resume' ? ` (resumes after ${entry.doneStatements?.length ?? 0} done statements)` : '';
      if (entry.verdict === 'refused') {
        return [`  ${paint.red('refused ')} ${entry.path}${resume}`, ...(entry.reasons ?? []).map((r) => `      ${r}`)].join('\n');
      }
      if (entry.verdict === 'waiting') {
        return [`  ${paint.yellow('waiting ')} ${entry.path}${resume}`, ...(entry.reasons ?? []).map((r) => `      ${r}`)].join('\n');
      }
      if (entry.verdict === 'not-reached') return `  ${paint.dim('blocked ')} ${entry.path} (after a refused or waiting migration)`;
      return `  ${paint.green('apply   ')} ${entry.path}${resume}`;
    }
  }
}

/** The terminal's progress line (migration, statement, elapsed, retries) and retry notes. */
class ProgressLine {
  private last: Extract<ApplyEvent, { type: 'statement' }> | undefined;
  /** The running backfill's figures, while one runs. */
  private backfill: string | undefined;
  private migration = '';
  private startedAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly c: CliContext) {}

  on(event: ApplyEvent): void {
    const { out } = this.c;
    switch (event.type) {
      case 'lock-wait':
        out.note(
          `waiting for the ledger lock held by ${event.holder ? `pid ${event.holder.pid}` : 'another apply'} (up to ${formatMs(this.c.config().apply.lockWaitMs)})`,
        );
        break;
      case 'migration':
        this.migration = `[${event.position}/${event.total}] ${event.path}`;
        this.startedAt = Date.now();
        this.last = undefined;
        this.render();
        this.timer ??= setInterval(() => this.render(), 250);
        this.timer.unref();
        break;
      case 'statement':
        this.last = event;
        this.render();
        break;
      case 'retry': {
        const who = event.blockers.length ? `; blocked by ${event.blockers.map(describeBlocker).join(', ')}` : '';
        out.note(
          `${this.migration}: lock timeout, retry ${event.retry}/${event.maxRetries} in ${formatMs(event.delayMs)}${who}`,
        );
        break;
      }
      case 'backfill': {
        // Rows done of the estimate, rate and ETA; outside a terminal, out.progress prints a line every 10 s.
        const rate = event.elapsedMs > 0 ? (event.rowsDone / event.elapsedMs) * 1000 : 0;
        const total = event.estimate > 0 ? Math.max(event.estimate, event.rowsDone) : undefined;
        const eta = total && rate > 0 ? ` · ETA ${formatMs(((total - event.rowsDone) / rate) * 1000)}` : '';
        this.backfill = event.done ? undefined : `backfill ${event.rowsDone}${total ? ` of ~${total}` : ''} rows · ${Math.round(rate)} rows/s${eta}${event.pausedMs ? ` · paused ${formatMs(event.pausedMs)} for replica lag` : ''}`;
        this.render();
        break;
      }
      case 'invalid-index':
        out.note(`${this.migration}: dropping INVALID index ${event.index} left by a failed concurrent build; building it again`);
        break;
      default:
        break;
    }
  }

  private render(): void {
    if (this.backfill) {
      this.c.out.progress(`${this.migration} · ${this.backfill}`);
      return;
    }
    const s = this.last;
    const statement = s ? ` · statement ${s.index + 1}/${s.count} (line ${s.line})` : '';
    const retries = s?.retries ? ` · ${s.retries} retries` : '';
    this.c.out.progress(`${this.migration}${statement} · ${formatMs(Date.now() - this.startedAt)}${retries}`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.c.out.progress();
  }
}
