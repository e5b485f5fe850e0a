import { defineRule } from './rule.js';

const WORDS: Record<string, string> = {
  TRANS_STMT_BEGIN: 'BEGIN',
  TRANS_STMT_START: 'START TRANSACTION',
  TRANS_STMT_COMMIT: 'COMMIT',
  TRANS_STMT_ROLLBACK: 'ROLLBACK',
  TRANS_STMT_PREPARE: 'PREPARE TRANSACTION',
  TRANS_STMT_COMMIT_PREPARED: 'COMMIT PREPARED',
  TRANS_STMT_ROLLBACK_PREPARED: 'ROLLBACK PREPARED',
};

/** Transaction control in a file the runner already runs inside its own transaction. */
export default defineRule({
  id: 'transaction-control',
  category: 'hygiene',
  defaultLevel: 'warning',
  summary: '`BEGIN` / `COMMIT` / `ROLLBACK` in a migration the runner wraps in its own transaction',
  why:
    'bgmigrate runs each migration in one transaction together with its ledger row. A BEGIN inside it does ' +
    'nothing but warn; a COMMIT commits the ledger row early and runs the rest of the file outside any ' +
    'transaction, so a failure after it leaves the migration half applied yet recorded.',
  help:
    'Remove BEGIN/COMMIT and let the runner provide the transaction; if the file needs several transactions, ' +
    'split it into several migrations or mark it `-- bgmigrate: no-transaction`.',
  check(ctx) {
    const s = ctx.statement;
    if (s.kind !== 'TransactionStmt' || s.inDoBlock || !ctx.file.runnerWrapsInTransaction) return;
    const word = WORDS[String(s.node.kind)];
    if (!word) return;
    const effect =
      word === 'BEGIN' || word === 'START TRANSACTION'
        ? 'it does nothing inside the transaction the runner already opened, and the COMMIT that ends it commits the ledger row early'
        : word.startsWith('ROLLBACK')
          ? 'it rolls back the transaction the runner opened, ledger row included, and the rest of the file runs outside any transaction'
          : 'it commits the transaction the runner opened, ledger row included, before the migration has finished';
    return { message: `${word} in a migration bgmigrate runs in its own transaction: ${effect}` };
  },
});
