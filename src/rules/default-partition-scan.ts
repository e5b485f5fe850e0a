import { defineRule, type RuleHit } from './support/rule.js';

/** A new partition (CREATE TABLE … PARTITION OF, ATTACH PARTITION) of a table that has a DEFAULT partition. */
export default defineRule({
  id: 'default-partition-scan',
  category: 'lock',
  defaultLevel: 'error',
  summary: '`CREATE TABLE … PARTITION OF` or `ATTACH PARTITION` on a partitioned table that has an existing `DEFAULT` partition',
  why:
    'PostgreSQL checks that no row already in the DEFAULT partition belongs in the new one: it scans the whole ' +
    'default partition under an AccessExclusiveLock. Every query of the running release that reads or writes ' +
    'the default partition (any query through the parent that does not prune it) waits for the scan, and ' +
    'everything else queues behind those.',
  help:
    'Keep the DEFAULT partition empty, or add to it a CHECK constraint that excludes the new bounds (`ADD CONSTRAINT … ' +
    'CHECK (NOT (key >= … AND key < …)) NOT VALID`, then VALIDATE it in its own transaction): PostgreSQL then skips ' +
    'the scan. Once that CHECK is in place, suppress this finding with `-- bgmigrate-ignore default-partition-scan: <reason>`.',
  effectKinds: ['related-lock'],
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const e of ctx.effects) {
      if (e.kind !== 'related-lock' || e.detail.subtype !== 'default-partition' || e.detail.certainlyNew || !e.table) continue;
      hits.push({
        object: e.table,
        lock: 'AccessExclusiveLock',
        message: `a new partition of ${e.object} makes PostgreSQL scan its DEFAULT partition ${e.table} under an AccessExclusiveLock: queries of the running release on ${e.table} wait for the whole scan`,
      });
    }
    return hits;
  },
});
