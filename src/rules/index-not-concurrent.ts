import { defineRule, type RuleHit } from './support/rule.js';

/** `CREATE [UNIQUE] INDEX` without CONCURRENTLY on a table that already holds data and traffic. */
export default defineRule({
  id: 'index-not-concurrent',
  category: 'lock',
  defaultLevel: 'error',
  summary: '`CREATE [UNIQUE] INDEX` without `CONCURRENTLY` on an existing table',
  why:
    'A plain CREATE INDEX holds a ShareLock on the table for the whole build: reads continue, but every ' +
    'INSERT, UPDATE and DELETE from the live application waits until the index is built, which on a ' +
    'large table takes minutes. On a partitioned table the ShareLock is taken on the parent and every partition.',
  help:
    'Use `CREATE INDEX CONCURRENTLY IF NOT EXISTS` in a migration of its own (it cannot run in a transaction); ' +
    'on a partitioned table create the index `ON ONLY` the parent, build it concurrently on each partition, ' +
    'then `ALTER INDEX … ATTACH PARTITION`.',
  versionNotes:
    'CONCURRENTLY exists on every supported version; PostgreSQL 14.0–14.3 could corrupt indexes built ' +
    'concurrently (fixed in 14.4). An index on a table created earlier in the same migration is not flagged, ' +
    'nor is `CREATE INDEX … ON ONLY parent` (it builds nothing).',
  effectKinds: ['create-index'],
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const e of ctx.effects) {
      if (e.kind !== 'create-index' || e.detail.concurrently || e.detail.only || e.detail.newInFile || !e.table) continue;
      // IF NOT EXISTS of an index the model already knows does nothing.
      if (e.detail.ifNotExists && ctx.schema.indexTable(e.object)) continue;
      const what = e.detail.unique ? 'CREATE UNIQUE INDEX' : 'CREATE INDEX';
      const index = e.object.includes('(') ? '' : ` ${e.object}`;
      hits.push({
        object: e.table,
        lock: 'ShareLock',
        message: e.detail.partitioned
          ? `${what}${index} on existing partitioned table ${e.table} without CONCURRENTLY holds a ShareLock on the parent and every partition, blocking writes for the whole build`
          : `${what}${index} on existing table ${e.table} without CONCURRENTLY holds a ShareLock that blocks writes for the whole build`,
      });
    }
    return hits;
  },
});
