/**
 * The plan of an apply run: which migrations run, in which phase, in what order, and the
 * refusals that stop a run before anything is judged or applied (checksum drift, a migration
 * out of order, a pending expand migration before a contract one, `--phase all` where a release
 * has shipped, deprecations without a release).
 */
import { DriftError, UsageError } from '../errors.js';
import { PlanRefusal } from './errors.js';
import type { LedgerMigration, PartialMigration } from '../ledger/index.js';
import type { FileReport, MigrationFile, Phase } from '../model.js';

/** What an apply run covers: one phase, or (no traffic) all of them. */
export type RunPhase = Phase | 'all';

/** What happens to one migration in this run. */
export type PlanAction =
  /** Already applied: nothing to do. */
  | 'applied'
  /** Pending, of this phase: runs now. */
  | 'apply'
  /** A no-transaction migration a previous run left part-way: continues after its last done statement. */
  | 'resume'
  /** Pending, of the other phase: left for `apply --phase <other>`. */
  | 'skip';

export interface PlanEntry {
  id: string;
  path: string;
  phase: Phase;
  action: PlanAction;
  /** For `resume`: statements already done (0-based indexes). */
  doneStatements?: number[];
  /**
   * For `apply`/`resume`, after re-linting: `ok`; `refused` (exit 1); `waiting`, a contract
   * migration the ledger does not allow yet (exit 0 unless --require-all); `not-reached`, after
   * a refused or waiting migration.
   */
  verdict?: 'ok' | 'refused' | 'waiting' | 'not-reached';
  /** Why a migration is refused: `file:line:column: reason`, one per problem. */
  reasons?: string[];
}

/**
 * An applied migration whose file changed or disappeared stops apply; so does a no-transaction
 * migration that was partly run from other contents of its file (resuming could skip or
 * repeat statements).
 */
export function refuseDrift(files: MigrationFile[], applied: LedgerMigration[], partial: PartialMigration[]): void {
  const byId = new Map(files.map((f) => [f.id, f]));
  const short = (checksum: string) => `${checksum.slice(0, 12)}…`;
  for (const record of applied) {
    const file = byId.get(record.id);
    if (!file) {
      throw new DriftError(
        `${record.id}: applied migration is missing from the migrations directory; restore it (bgmigrate ledger verify lists every difference)`,
      );
    }
    if (file.checksum !== record.checksum) {
      throw new DriftError(
        `${file.path}: changed since it was applied (checksum ${short(record.checksum)} in the ledger, ${short(file.checksum)} on disk); restore the file, or review with bgmigrate ledger verify`,
      );
    }
  }
  for (const record of partial) {
    const file = byId.get(record.id);
    if (file && file.checksum !== record.checksum) {
      throw new DriftError(
        `${file.path}: ${record.doneStatements.length} of its statements already ran from other contents of the file (checksum ${short(record.checksum)}, now ${short(file.checksum)}); restore that version to resume it, or finish it by hand`,
      );
    }
  }
}

export function makePlan(
  files: MigrationFile[],
  reports: FileReport[],
  applied: LedgerMigration[],
  partial: PartialMigration[],
  phase: RunPhase,
  allowOutOfOrder = false,
): PlanEntry[] {
  const appliedIds = new Set(applied.map((a) => a.id));
  const partialById = new Map(partial.map((p) => [p.id, p]));
  const plan: PlanEntry[] = files.map((file, i) => {
    const report = reports[i];
    const entry: PlanEntry = { id: file.id, path: file.path, phase: report.phase, action: 'applied' };
    if (appliedIds.has(file.id)) return entry;
    const started = partialById.get(file.id);
    if (phase !== 'all' && report.phase !== phase) entry.action = 'skip';
    else if (started) {
      entry.action = 'resume';
      entry.doneStatements = [...started.doneStatements].sort((a, b) => a - b);
    } else entry.action = 'apply';
    if (started && entry.action === 'skip') entry.doneStatements = [...started.doneStatements];
    return entry;
  });
  // A new migration that sorts before an applied one of its phase was written against a schema
  // that never existed in this database (someone merged an older branch): refused unless asked.
  if (!allowOutOfOrder) {
    let lastApplied = -1;
    plan.forEach((e, i) => {
      if (e.action === 'applied' && (phase === 'all' || e.phase === phase)) lastApplied = i;
    });
    const early = plan.find((e, i) => e.action === 'apply' && i < lastApplied);
    if (early) {
      throw new PlanRefusal(
        `${early.path}: new migration sorts before ${plan[lastApplied].path}, which is already applied; rename it to sort last, or run apply with --allow-out-of-order if it does not depend on the migrations before it`,
      );
    }
  }
  if (phase === 'contract') {
    // A contract migration was written against the schema its earlier expand migrations make.
    const firstExpand = plan.find((e) => e.action === 'skip');
    const laterContract = firstExpand && plan.slice(plan.indexOf(firstExpand)).some((e) => e.action !== 'skip' && e.action !== 'applied');
    if (firstExpand && laterContract) {
      throw new PlanRefusal(
        `${firstExpand.path}: pending expand migration comes before pending contract migrations; run bgmigrate apply --phase expand first`,
      );
    }
  }
  return plan;
}

/**
 * `--phase all` runs contract migrations without the ledger's consent: only for a database no
 * release serves. A shipped release means someone may be reading it, unless the operator says
 * nothing does any more (`--no-traffic`, recorded in the ledger).
 */
export function refusePhaseAllWhereShipped(shipped: readonly string[], noTraffic: boolean | undefined): void {
  if (shipped.length > 0 && !noTraffic) {
    throw new PlanRefusal(
      `apply --phase all runs contract migrations without the ledger's consent, and release${shipped.length === 1 ? '' : 's'} ${shipped.join(', ')} shipped on this database; use --phase expand / contract, or --no-traffic if nothing reads this database any more (recorded in the ledger)`,
    );
  }
}

export function refuseMissingRelease(plan: PlanEntry[], reports: FileReport[], release: string | null): void {
  if (release !== null) return;
  for (const entry of plan) {
    if (entry.action !== 'apply' && entry.action !== 'resume') continue;
    const report = reports.find((r) => r.id === entry.id);
    if (report && report.directives.deprecates.length > 0) {
      throw new UsageError(
        `${entry.path}: declares deprecations (${report.directives.deprecates.join(', ')}), which are recorded at a release: pass --release <name>`,
      );
    }
  }
}
