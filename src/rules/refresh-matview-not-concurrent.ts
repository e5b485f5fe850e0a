import { defineRule, type RuleHit } from './support/rule.js';

/** `REFRESH MATERIALIZED VIEW` without CONCURRENTLY: readers of the view stall. */
export default defineRule({
  id: 'refresh-matview-not-concurrent',
  category: 'lock',
  defaultLevel: 'error',
  summary: '`REFRESH MATERIALIZED VIEW` without `CONCURRENTLY`',
  why:
    'A plain refresh rebuilds the view while holding an AccessExclusiveLock on it: every read of the view ' +
    'waits until the whole query behind it has run again.',
  help:
    'Use `REFRESH MATERIALIZED VIEW CONCURRENTLY`, which lets reads continue (it needs a unique index on the ' +
    'view, and the view must already be populated).',
  versionNotes:
    'CONCURRENTLY exists since PostgreSQL 9.4. The first refresh of a view created earlier in the same ' +
    'migration (for example `WITH NO DATA`) is not flagged: nothing reads it yet, and it cannot be concurrent.',
  effectKinds: ['refresh-matview'],
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const e of ctx.effects) {
      if (e.kind !== 'refresh-matview' || e.detail.concurrently || e.detail.newInFile) continue;
      hits.push({
        object: e.object,
        lock: 'AccessExclusiveLock',
        message: `REFRESH MATERIALIZED VIEW ${e.object} without CONCURRENTLY holds an AccessExclusiveLock on the view: every read of it waits for the whole refresh`,
      });
    }
    return hits;
  },
});
