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
    'bgmigrate runs each migration in one transaction together with its ledger row. An inner COMMIT would ' +
    'commit the ledger row early and run the rest outside any transaction, so bgmigrate leaves the file\'s ' +
    'BEGIN/COMMIT out: the boundaries the author wrote do not hold, and a ROLLBACK undoes the whole migration.',
  help:
    'Remove BEGIN/COMMIT and let the runner provide the transaction; if the file needs several transactions, ' +
    'split it into several migrations or mark it `-- bgmigrate: no-transaction`.',
  check(ctx) {
    const s = ctx.statement;
    if (s.kind !== 'TransactionStmt' || s.inDoBlock || !ctx.file.runnerWrapsInTransaction) return;
    const word = WORDS[String(s.node.kind)];
    if (!word) return;
    const message = word.startsWith('ROLLBACK')
      ? `${word} in a migration bgmigrate runs in one transaction with its ledger row: it rolls back the migration, ledger row included, and the rest of the file runs outside any transaction`
      : `${word} in a migration bgmigrate runs in one transaction with its ledger row: the runner leaves the file's own BEGIN/COMMIT out (a COMMIT there would commit the ledger row early), so what the file meant to commit separately runs as one transaction`;
    return { message };
  },
});
