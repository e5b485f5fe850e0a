/**
 * Which statements of a migration share a transaction, as PostgreSQL will run them: the
 * runner's own transaction around the file (unless no-transaction), explicit BEGIN … COMMIT
 * blocks, and DO blocks (always one transaction). Rules that care about "the same
 * transaction" (VALIDATE after ADD … NOT VALID, DML after DDL) ask here.
 */
import type { FileFacts, StatementFacts } from './rule.js';

type Node = Record<string, unknown>;

const OPENS = new Set(['TRANS_STMT_BEGIN', 'TRANS_STMT_START']);
const CLOSES = new Set(['TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK', 'TRANS_STMT_PREPARE']);

const units = new WeakMap<FileFacts, number[]>();

/** The transaction kind of a `TransactionStmt` (`TRANS_STMT_COMMIT`, …), else undefined. */
export function transactionKind(s: Pick<StatementFacts, 'kind' | 'node'>): string | undefined {
  return s.kind === 'TransactionStmt' ? String((s.node as Node).kind ?? '') : undefined;
}

/**
 * A transaction number for every statement of the file (aligned with `file.statements`):
 * equal numbers run in the same transaction.
 */
export function transactionUnits(file: FileFacts): number[] {
  const cached = units.get(file);
  if (cached) return cached;
  const out: number[] = [];
  let unit = 0;
  // BEGIN inside the runner's transaction is a no-op; COMMIT ends it and the rest autocommits.
  let inTx = file.runnerWrapsInTransaction;
  let lastTopLevel = 0;
  for (const s of file.statements) {
    if (s.inDoBlock) {
      out.push(lastTopLevel);
      continue;
    }
    const kind = transactionKind(s);
    if (kind !== undefined && OPENS.has(kind)) {
      if (!inTx) unit++;
      inTx = true;
      out.push(unit);
    } else if (kind !== undefined && CLOSES.has(kind)) {
      out.push(unit);
      inTx = false;
      unit++;
    } else if (inTx) {
      out.push(unit);
    } else {
      out.push(++unit);
      unit++;
    }
    lastTopLevel = out[out.length - 1]!;
  }
  units.set(file, out);
  return out;
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
