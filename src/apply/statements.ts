/**
 * What the runner executes: a migration's top-level statements. The linter also lists the
 * static SQL inside DO blocks as statements of their own (sharing the block's index); those
 * run as part of their block, so they are folded back into it here.
 */
import type { AnalyzedEffect } from '../lint.js';
import type { AnalyzedStatement, Effect, FileReport } from '../model.js';

/** One statement to send to the server, with everything the linter found in it. */
export interface RunnableStatement {
  /** 0-based index among the file's top-level statements; the ledger's progress key. */
  index: number;
  text: string;
  kind: string;
  line: number;
  column: number;
  effects: Effect[];
  cannotRunInTransaction: boolean;
  /** `CREATE INDEX CONCURRENTLY`: the index it builds, as the linter read it. */
  concurrentIndex?: AnalyzedStatement['concurrentIndex'];
}

/**
 * The file's statements to run. A file's own BEGIN/COMMIT are left out: the runner owns the
 * transaction (one per migration, shared with its ledger rows), and a COMMIT in the middle
 * would commit the migration without them.
 */
export function runnableStatements(report: FileReport): RunnableStatement[] {
  const byIndex = new Map<number, AnalyzedStatement[]>();
  for (const statement of report.statements) {
    const group = byIndex.get(statement.index);
    if (group) group.push(statement);
    else byIndex.set(statement.index, [statement]);
  }
  return [...byIndex.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, group]) => {
      // The block itself comes first; its inner statements follow it.
      const top = group[0];
      return {
        index,
        text: top.text,
        kind: top.kind,
        line: top.line,
        column: top.column,
        effects: group.flatMap((s) => s.effects),
        cannotRunInTransaction: group.some((s) => s.cannotRunInTransaction),
        ...(top.concurrentIndex ? { concurrentIndex: top.concurrentIndex } : {}),
      };
    })
    .filter((s) => !isTransactionBoundary(s));
}

/** BEGIN, START TRANSACTION, COMMIT, END (and COMMIT PREPARED), as the analyser classified them. */
function isTransactionBoundary(statement: RunnableStatement): boolean {
  return statement.effects.some((e) => e.kind === 'transaction' && (detailOf(e)?.transaction === 'begin' || detailOf(e)?.transaction === 'commit'));
}

/**
 * What the analyser found about an effect beyond the shared Effect shape. A FileReport's effects
 * are the analyser's own (src/lint.ts passes them on); one `apply` adds for a CASCADE dependent
 * (src/apply/cascade.ts) has none.
 */
export function detailOf(effect: Effect): AnalyzedEffect['detail'] | undefined {
  return (effect as Partial<AnalyzedEffect>).detail;
}

/**
 * Statements that may run inside an explicit transaction block even in a no-transaction
 * migration. DO blocks and CALLs may COMMIT themselves, which a transaction block forbids.
 */
export function canWrapInTransaction(statement: RunnableStatement): boolean {
  return !statement.cannotRunInTransaction && statement.kind !== 'DoStmt' && statement.kind !== 'CallStmt';
}

/** Tables whose locks a statement needs, for naming the blocker after a lock timeout. */
export function tablesOf(statements: RunnableStatement[]): string[] {
  const tables = new Set<string>();
  for (const statement of statements) {
    for (const effect of statement.effects) if (effect.table) tables.add(effect.table);
  }
  return [...tables];
}
