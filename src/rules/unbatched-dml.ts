import { LOCK_ORDER, type LockMode } from '../model.js';
import { defineRule, type RuleHit } from './support/rule.js';
import { earliestInTransaction, type EffectKey } from './support/transactions.js';

const DML = new Set(['insert', 'update', 'delete', 'select', 'copy', 'set', 'transaction', 'lock-table']);
const blocksWrites = (lock: LockMode | null) => lock !== null && LOCK_ORDER.indexOf(lock) >= LOCK_ORDER.indexOf('ShareLock');
/** Indexes DDL effects that block writes by their table. */
const ddlTable: EffectKey = (x) => (x.table !== undefined && !DML.has(x.kind) && blocksWrites(x.lock) ? x.table : undefined);

/** UPDATE / DELETE over a whole existing table, or inside the transaction of DDL on that table. */
export default defineRule({
  id: 'unbatched-dml',
  category: 'lock',
  defaultLevel: 'error',
  summary:
    '`UPDATE` / `DELETE` over an existing table with no `WHERE`, or in the same transaction as earlier DDL on that table',
  why:
    'One statement over the whole table holds a row lock on every row it touches until it commits, so the ' +
    "live application's writes to those rows wait, and it writes a burst of WAL that replicas must replay. " +
    'In the same transaction as DDL, the strong lock the DDL took (an AccessExclusiveLock for ALTER TABLE) is ' +
    'held for as long as the data change runs.',
  help:
    'Backfill in batches by key range (for example 1,000–10,000 rows per batch), one transaction each, in a ' +
    'migration or job of its own after the DDL has committed.',
  effectKinds: ['update', 'delete'],
  check(ctx) {
    const hits: RuleHit[] = [];
    // A backfill migration's statement is run in batches by the runner (see backfill-shape).
    if (ctx.file.directives.backfill) return hits;
    for (const e of ctx.effects) {
      // A body the running release runs later (a new trigger's) is not this migration's transaction.
      if ((e.kind !== 'update' && e.kind !== 'delete') || !e.table || e.detail.newInFile || e.detail.runsLater !== undefined) continue;
      const verb = e.kind === 'update' ? 'UPDATE' : 'DELETE';
      if (!e.detail.hasWhere) {
        hits.push({
          object: e.table,
          lock: 'RowExclusiveLock',
          message: `${verb} on existing table ${e.table} has no WHERE: it locks every row of the table until it commits, blocking the live application's writes to them`,
        });
        continue;
      }
      // DDL earlier in the same transaction: its lock is already held and stays held while this runs.
      const earlier = earliestInTransaction(ctx.file, ctx.statement, ddlTable, e.table);
      if (!earlier) continue;
      const ddl = { s: earlier.statement, d: earlier.effect };
      hits.push({
        object: e.table,
        lock: ddl.d!.lock ?? 'RowExclusiveLock',
        message: `${verb} on ${e.table} runs in the same transaction as DDL on it (line ${ddl.s.span.line}): the ${ddl.d!.lock} that DDL takes is held until the data change commits, blocking ${ddl.d!.lock === 'AccessExclusiveLock' ? 'reads and writes' : 'writes'} of ${e.table} throughout`,
      });
    }
    return hits;
  },
});
