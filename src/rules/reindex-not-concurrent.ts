import { defineRule, type RuleHit } from './support/rule.js';

/** `REINDEX` without CONCURRENTLY: ShareLock on the table and AccessExclusiveLock on each index. */
export default defineRule({
  id: 'reindex-not-concurrent',
  category: 'lock',
  defaultLevel: 'error',
  summary: '`REINDEX` without `CONCURRENTLY`',
  why:
    'REINDEX holds a ShareLock on the table (writes block) and an AccessExclusiveLock on every index it ' +
    'rebuilds; because the planner locks every index of a table it plans a query for, plain reads block ' +
    'too, for the whole rebuild.',
  help:
    'Use `REINDEX … CONCURRENTLY` (PostgreSQL 12+) in a migration of its own; before 12, build a replacement ' +
    'with `CREATE INDEX CONCURRENTLY`, then `DROP INDEX CONCURRENTLY` the old one and rename the new one.',
  versionNotes:
    'REINDEX CONCURRENTLY exists since PostgreSQL 12; a failed one leaves an invalid `*_ccnew` index to drop. ' +
    'Below 12 the rule still fires and the message gives the manual concurrent rebuild.',
  effectKinds: ['reindex'],
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const e of ctx.effects) {
      if (e.kind !== 'reindex' || e.detail.concurrently || e.detail.newInFile) continue;
      const scope = (e.detail.subtype ?? 'index').toUpperCase();
      const onTable = scope === 'INDEX' || scope === 'TABLE';
      const target = onTable ? ` ${e.object}` : ['SCHEMA', 'DATABASE', 'SYSTEM'].includes(e.object.replace('REINDEX_OBJECT_', '')) ? '' : ` ${e.object}`;
      const table = onTable && e.table && e.table !== e.object ? `table ${e.table}` : scope === 'TABLE' ? `table ${e.object}` : 'each table';
      const recipe =
        scope === 'SYSTEM'
          ? 'PostgreSQL cannot reindex system catalogs concurrently: run it in a maintenance window, outside migrations'
          : ctx.pgVersion >= 12
          ? `use REINDEX ${scope} CONCURRENTLY`
          : `PostgreSQL ${ctx.pgVersion} has no REINDEX CONCURRENTLY: build a replacement with CREATE INDEX CONCURRENTLY and DROP INDEX CONCURRENTLY the old index`;
      hits.push({
        object: e.object,
        lock: 'AccessExclusiveLock',
        message: `REINDEX ${scope}${target} without CONCURRENTLY holds a ShareLock on ${table} and an AccessExclusiveLock on each index it rebuilds: reads and writes block for the whole rebuild; ${recipe}`,
      });
    }
    return hits;
  },
});
