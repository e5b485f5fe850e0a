import { LOCK_ORDER } from '../model.js';
import { defineRule, lockName, type RuleHit } from './support/rule.js';
import { earliestPerKeyInTransaction, type EffectKey } from './support/transactions.js';

/** Strong locks (ShareLock or stronger) on existing tables, indexed by table. */
const strongLockTable: EffectKey = (e) =>
  e.table !== undefined && e.lock !== null && !e.detail.newInFile && LOCK_ORDER.indexOf(e.lock) >= LOCK_ORDER.indexOf('ShareLock') ? e.table : undefined;

/**
 * A statement that can run for long while a lock that blocks writes, taken earlier in the same
 * transaction, is still held: `pg_sleep`, or an UPDATE/DELETE over a whole existing table.
 * (DML on the locked table itself is `unbatched-dml`.)
 */
export default defineRule({
  id: 'long-statement-under-lock',
  category: 'lock',
  defaultLevel: 'error',
  summary: '`pg_sleep()` or a whole-table UPDATE/DELETE after a statement that took a ShareLock or stronger in the same transaction',
  why: 'Locks are held until the transaction ends. The lock timeout bounds only the wait to get a lock, not how long it is held: everything after the locking statement runs while the running release queues behind it.',
  help: 'Put the slow work in its own migration (or batches, one transaction each), outside the transaction that holds the lock.',
  effectKinds: ['sleep', 'update', 'delete'],
  check(ctx) {
    const slow = ctx.effects.filter((e) => e.kind === 'sleep' || ((e.kind === 'update' || e.kind === 'delete') && e.scans && e.table && !e.detail.newInFile));
    if (slow.length === 0) return;
    const hits: RuleHit[] = [];
    for (const e of slow) {
      // The first strong lock taken earlier in the transaction on a table other than this one.
      const other = earliestPerKeyInTransaction(ctx.file, ctx.statement, strongLockTable).find((x) => x.key !== e.table);
      if (!other) continue;
      const table = other.key;
      const lock = other.effect.lock!;
      const what = e.kind === 'sleep' ? `${e.object}()` : `${e.kind.toUpperCase()} of every row of ${e.table}`;
      hits.push({ object: table, message: `${what} runs while the ${lockName(lock as never)} on ${table} taken earlier in the same transaction is held: the running release waits for all of it` });
    }
    return hits;
  },
});
