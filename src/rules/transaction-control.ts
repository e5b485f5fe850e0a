import { defineRule } from './support/rule.js';

/** The transaction commands that end (or, for the PREPARED ones, act outside) the runner's transaction. */
const ENDS: ReadonlySet<string> = new Set(['COMMIT', 'ROLLBACK', 'PREPARE TRANSACTION', 'COMMIT PREPARED', 'ROLLBACK PREPARED']);

/**
 * A transaction end in the middle of a file the runner wraps in its own transaction. A `BEGIN`
 * first and a `COMMIT` last that wrap the whole file are fine: the runner leaves them out and
 * its transaction is the same one.
 */
export default defineRule({
  id: 'transaction-control',
  category: 'forbidden',
  defaultLevel: 'error',
  summary: '`COMMIT` / `ROLLBACK` / `ABORT` before the end of a migration the runner wraps in its own transaction',
  why:
    'bgmigrate runs each migration in one transaction together with its ledger row. A COMMIT in the middle ' +
    'would commit part of the migration and its ledger row early; a ROLLBACK would undo what came before and ' +
    'leave the rest running outside any transaction. Either leaves a half-applied migration that re-applying ' +
    'cannot repair, so `apply` refuses such a file before running any of it.',
  help:
    'Remove the inner COMMIT/ROLLBACK and let the runner provide the transaction; if the file needs several ' +
    'transactions, split it into several migrations or mark it `-- bgmigrate: no-transaction`.',
  check(ctx) {
    const s = ctx.statement;
    if (s.kind !== 'TransactionStmt' || s.inDoBlock || !ctx.file.runnerWrapsInTransaction) return;
    const detail = ctx.effects.find((e) => e.kind === 'transaction')?.detail;
    const word = detail?.command;
    if (!word || !ENDS.has(word)) return;
    const topLevel = ctx.file.statements.filter((x) => !x.inDoBlock);
    const last = topLevel[topLevel.length - 1] === s || (topLevel.length > 0 && topLevel[topLevel.length - 1].index === s.index);
    if (word === 'COMMIT' && last && !detail.chain) return;
    const message =
      word === 'COMMIT'
        ? `COMMIT before the end of a migration bgmigrate runs in one transaction with its ledger row: the statements after it would not be part of that transaction`
        : `${word} in a migration bgmigrate runs in one transaction with its ledger row: it would end that transaction part-way, leaving the migration half-applied`;
    return { message };
  },
});
