import { LOCK_ORDER } from '../model.js';
import { defineRule, lockName, type RuleHit } from './rule.js';
import { sameTransaction } from './transactions.js';

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
    const held = new Map<string, string>();
    for (const i of sameTransaction(ctx.file, ctx.statement).before) {
      for (const e of ctx.file.statements[i].effects) {
        if (!e.table || !e.lock || e.detail.newInFile) continue;
        if (LOCK_ORDER.indexOf(e.lock) < LOCK_ORDER.indexOf('ShareLock')) continue;
        if (!held.has(e.table) || LOCK_ORDER.indexOf(e.lock) > LOCK_ORDER.indexOf(held.get(e.table) as never)) held.set(e.table, e.lock);
      }
    }
    const hits: RuleHit[] = [];
    for (const e of slow) {
      const others = [...held].filter(([table]) => table !== e.table);
      if (others.length === 0) continue;
      const [table, lock] = others[0];
      const what = e.kind === 'sleep' ? `${e.object}()` : `${e.kind.toUpperCase()} of every row of ${e.table}`;
      hits.push({ object: table, message: `${what} runs while the ${lockName(lock as never)} on ${table} taken earlier in the same transaction is held: the running release waits for all of it` });
    }
    return hits;
  },
});
