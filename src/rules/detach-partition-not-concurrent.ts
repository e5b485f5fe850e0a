import { defineRule, type RuleHit } from './support/rule.js';

/** `DETACH PARTITION` without CONCURRENTLY where the target server supports it. */
export default defineRule({
  id: 'detach-partition-not-concurrent',
  category: 'lock',
  defaultLevel: 'error',
  summary: '`ALTER TABLE … DETACH PARTITION` without `CONCURRENTLY`, on PostgreSQL 14 and later',
  why:
    'A plain DETACH PARTITION takes an AccessExclusiveLock on the parent and on the partition: every query ' +
    'through the partitioned table waits, and so does everything queued behind the DETACH while it waits ' +
    'for long transactions.',
  help:
    'Use `ALTER TABLE … DETACH PARTITION … CONCURRENTLY` in a migration of its own (it cannot run in a ' +
    'transaction, nor with a default partition); if it is interrupted, finish it with `DETACH PARTITION … FINALIZE`.',
  versionNotes:
    'DETACH PARTITION CONCURRENTLY exists since PostgreSQL 14; below 14 there is no online alternative and ' +
    'the rule does not fire.',
  effectKinds: ['detach-partition'],
  check(ctx) {
    if (ctx.pgVersion < 14) return;
    const hits: RuleHit[] = [];
    for (const e of ctx.effects) {
      if (e.kind !== 'detach-partition' || e.detail.concurrently || e.detail.newInFile || !e.table) continue;
      hits.push({
        object: e.object,
        lock: 'AccessExclusiveLock',
        message: `DETACH PARTITION ${e.object} without CONCURRENTLY takes an AccessExclusiveLock on the partitioned table ${e.table} and the partition: every read and write through ${e.table} waits`,
      });
    }
    return hits;
  },
});
