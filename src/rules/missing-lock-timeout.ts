import { LOCK_ORDER } from '../model.js';
import { defineRule } from './support/rule.js';

/** Whether a `lock_timeout` value as written leaves waiting unbounded (`0`, `'0s'`, unset). */
function unbounded(value: string | undefined): boolean {
  if (value === undefined) return true;
  return /^\s*'?0+(\.0+)?\s*(ms|s|min|h|d)?'?\s*$/i.test(value) || value.trim().toLowerCase() === 'default';
}

/** DDL taking a write-blocking lock on an existing table with no lock_timeout set before it. */
export default defineRule({
  id: 'missing-lock-timeout',
  category: 'lock',
  defaultLevel: 'off',
  summary: 'DDL taking a ShareLock or stronger on an existing table with no `SET lock_timeout` before it',
  why:
    'A DDL statement that waits for its lock (behind a long transaction of the live application) blocks every ' +
    'later statement on that table, plain SELECTs included, for as long as it waits: the lock-queue outage. ' +
    '`lock_timeout` bounds that wait.',
  help:
    "Set `SET lock_timeout = '2s'` (or `SET LOCAL` inside the transaction) before the DDL and retry on timeout; " +
    "bgmigrate's runner does both, so this rule is off by default: turn it on for files applied by other tools.",
  check(ctx) {
    if (!unbounded(ctx.statement.session.lockTimeout)) return;
    const e = ctx.effects.find(
      (x) =>
        x.table !== undefined &&
        x.lock !== null &&
        LOCK_ORDER.indexOf(x.lock) >= LOCK_ORDER.indexOf('ShareLock') &&
        !x.detail.newInFile &&
        !['insert', 'update', 'delete', 'select', 'copy', 'create-table'].includes(x.kind),
    );
    if (!e) return;
    return {
      object: e.table,
      lock: e.lock!,
      message: `${e.lock} on existing table ${e.table} with no lock_timeout set before it: while it waits for the lock, every later query on ${e.table} queues behind it`,
    };
  },
});
