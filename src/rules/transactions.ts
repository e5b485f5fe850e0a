/**
 * Which statements of a migration share a transaction, as the runner will run them: the
 * runner's own transaction around the file (unless no-transaction; its written BEGIN/COMMIT are
 * left out), explicit BEGIN … COMMIT blocks otherwise, and DO blocks (always one transaction). Rules that care about "the same
 * transaction" (VALIDATE after ADD … NOT VALID, DML after DDL) ask here.
 */
import type { FileFacts, StatementFacts } from './rule.js';

type Node = Record<string, unknown>;

/** The transaction kind of a `TransactionStmt` (`TRANS_STMT_COMMIT`, …), else undefined. */
export function transactionKind(s: Pick<StatementFacts, 'kind' | 'node'>): string | undefined {
  return s.kind === 'TransactionStmt' ? String((s.node as Node).kind ?? '') : undefined;
}

/**
 * A transaction number for every statement of the file (aligned with `file.statements`):
 * equal numbers run in the same transaction. Computed once by the linter (src/lint.ts) as the
 * runner will run the file: a wrapped file is one transaction whatever BEGIN/COMMIT it contains.
 */
export function transactionUnits(file: FileFacts): number[] {
  return file.statements.map((s) => s.transaction);
}

/** Position of a statement in `file.statements`, or -1. */
export function positionOf(file: FileFacts, statement: StatementFacts): number {
  const byIdentity = (file.statements as readonly StatementFacts[]).indexOf(statement);
  if (byIdentity >= 0) return byIdentity;
  return file.statements.findIndex(
    (s) =>
      s.index === statement.index &&
      s.kind === statement.kind &&
      s.span.line === statement.span.line &&
      s.span.column === statement.span.column,
  );
}

/** The other statements of the file that run in the same transaction as `statement`. */
export function sameTransaction(file: FileFacts, statement: StatementFacts): { before: number[]; after: number[] } {
  const all = transactionUnits(file);
  const at = positionOf(file, statement);
  if (at < 0) return { before: [], after: [] };
  const before: number[] = [];
  const after: number[] = [];
  all.forEach((u, i) => {
    if (i === at || u !== all[at]) return;
    (i < at ? before : after).push(i);
  });
  return { before, after };
}
