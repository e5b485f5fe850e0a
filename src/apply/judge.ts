/**
 * Judging a migration before it runs: what stops the run (refusals) and what the ledger makes
 * wait (waits), by effect, never by line. The contract verdict itself is src/contract-verdict.ts's.
 */
import type pg from 'pg';
import { isAmbiguous } from '../analyze/names.js';
import type { Config } from '../config/config.js';
import { contractVerdict } from '../contract-verdict.js';
import type { FileReport, LedgerGate } from '../model.js';
import { addDatabaseDependents } from './cascade.js';
import type { RunPhase } from './plan.js';
import { runnableStatements } from './statements.js';

/**
 * Why a migration may not run now, as `file:line:column: reason` lines. `refusals` stop the run
 * (exit 1): lint errors, contract effects in the expand phase, names that cannot be matched to a
 * deprecation. `waits` are the ledger's refusals of contract effects: they clear when the ledger
 * changes (a deprecation recorded, a release shipped or retired, the rollback window passing).
 */
export interface Judgement {
  refusals: string[];
  waits: string[];
}

/**
 * Why `report` may not run in `phase` (both lists empty when it may): lint errors in either phase;
 * any contract effect in expand; any contract effect the ledger refuses in contract (unless a
 * `bgmigrate-ignore` comment took responsibility for it, which the ledger records).
 */
export function judge(report: FileReport, phase: RunPhase, gate: LedgerGate): Judgement {
  const reasons: string[] = [];
  const waits: string[] = [];
  const where = (line: number, column: number) => `${report.path}:${line}:${column}`;
  if (phase === 'all') {
    // No traffic: no release can be broken or blocked. Only what the runner itself cannot run stops it.
    for (const finding of report.findings) {
      if (finding.severity === 'error' && NO_TRAFFIC_REFUSALS.has(finding.rule)) reasons.push(`${where(finding.line, finding.column)}: ${finding.rule}: ${finding.message}`);
    }
    return { refusals: reasons, waits };
  }
  for (const finding of report.findings) {
    // Contract findings carry the verdict of the gate the file was linted with; the effects
    // below are judged by the gate passed in, which is the current one. A script's read is
    // settled by compiling it against the database right before it runs (see applyMigrations).
    if (finding.severity !== 'error' || finding.ledger || finding.readAtApply) continue;
    reasons.push(`${where(finding.line, finding.column)}: ${finding.rule}: ${finding.message}`);
  }
  for (const statement of runnableStatements(report)) {
    for (const effect of statement.effects) {
      if (effect.class !== 'contract') continue;
      if (phase === 'expand') {
        reasons.push(
          `${where(statement.line, statement.column)}: ${effect.kind} ${effect.object} is a contract effect; the expand phase applies additive changes only`,
        );
        continue;
      }
      // A suppression vouches for the one effect its finding named (set by the linter on the
      // effect itself), never for whatever else shares its line.
      if (effect.suppressed !== undefined) continue;
      const verdict = contractVerdict(effect, gate);
      if (!verdict.allowed) {
        // A name the analyser could not pin to a schema never becomes allowed by waiting.
        // Nor does one a live query still uses (usage evidence): that needs the query fixed.
        (isAmbiguous(effect.object) || verdict.byUsage ? reasons : waits).push(`${where(statement.line, statement.column)}: ${effect.kind}: ${verdict.reason}`);
      }
      // Recorded with the migration: the releases that shipped before this one get sealed.
      else if (verdict.allowedBy !== undefined) effect.allowedBy = verdict.allowedBy;
    }
  }
  return { refusals: reasons, waits };
}

/**
 * Judges `report` right before it runs, against the database as it is now. In contract, every
 * dependent the database records for a `DROP … CASCADE` is judged too (src/apply/cascade.ts),
 * and what the ledger allows is still refused while a live query uses it (usage evidence,
 * src/usage/evidence.ts). Returns the judgement, the usage refusals `--ignore-usage` overrode
 * (recorded with the migration) and the usage warnings.
 */
export async function judgeNow(
  work: pg.Client,
  report: FileReport,
  phase: RunPhase,
  gate: LedgerGate,
  usage: { config: Config; ignore?: Record<string, string> },
): Promise<{ judgement: Judgement; overridden: Map<string, string>; warnings: string[] }> {
  if (phase !== 'contract') return { judgement: judge(report, phase, gate), overridden: new Map(), warnings: [] };
  await addDatabaseDependents(work, report);
  const { usageGate, usageReader, connectUsageServers } = await import('../usage/evidence.js');
  const others = await connectUsageServers(usage.config.usage.servers);
  const checked = await usageGate(gate, await usageReader(work, { schema: usage.config.ledger.schema, servers: others.servers }), runnableStatements(report).flatMap((s) => s.effects), {
    schema: usage.config.ledger.schema,
    require: usage.config.usage.require,
    ignore: new Map(Object.entries(usage.ignore ?? {})),
  }).finally(() => others.close());
  return { judgement: judge(report, phase, checked.gate), overridden: checked.overridden, warnings: checked.warnings };
}

/**
 * What stops the run and what waits: with `--require-all` a wait is a refusal too (exit 1, and
 * nothing after it runs), else the waits leave the migration for a later run (exit 0).
 */
export function outcome(judgement: Judgement, requireAll: boolean | undefined): Judgement {
  return requireAll ? { refusals: [...judgement.refusals, ...judgement.waits], waits: [] } : judgement;
}

/** Findings that stop even an apply with no traffic: the runner could not run the file correctly. */
const NO_TRAFFIC_REFUSALS = new Set(['parse-error', 'transaction-control']);

/** One line for a refusal: the first reason, and how many more there are. */
export function refusalMessage(reasons: string[]): string {
  const more = reasons.length > 1 ? ` (and ${reasons.length - 1} more; --dry-run lists them all)` : '';
  return `${reasons[0]}${more}`;
}
