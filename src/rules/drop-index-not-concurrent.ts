import { defineRule, type RuleHit } from './support/rule.js';

/** `DROP INDEX` without CONCURRENTLY: an AccessExclusiveLock on the index's table. */
export default defineRule({
  id: 'drop-index-not-concurrent',
  category: 'lock',
  defaultLevel: 'error',
  summary: '`DROP INDEX` without `CONCURRENTLY`',
  why:
    'DROP INDEX takes an AccessExclusiveLock on the table the index belongs to: every read and write of ' +
    'that table waits, and while DROP INDEX itself waits behind a long transaction, everything queued ' +
    'behind it waits too.',
  help:
    'Use `DROP INDEX CONCURRENTLY IF EXISTS`, one index per statement, in a migration of its own (it cannot ' +
    'run in a transaction); an index that backs a constraint goes with `DROP CONSTRAINT` instead.',
  versionNotes: 'DROP INDEX CONCURRENTLY exists since PostgreSQL 9.2. Indexes of a table created earlier in the same migration are not flagged.',
  effectKinds: ['drop-index'],
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const e of ctx.effects) {
      if (e.kind !== 'drop-index' || e.detail.concurrently || e.detail.newInFile) continue;
      // The analyser names the index itself as the table when it does not know the index.
      const table = e.table && e.table !== e.object ? e.table : undefined;
      hits.push({
        object: e.object,
        lock: 'AccessExclusiveLock',
        message: `DROP INDEX ${e.object} without CONCURRENTLY takes an AccessExclusiveLock on ${table ? `table ${table}` : "the index's table"}: its reads and writes block until the migration commits`,
      });
    }
    return hits;
  },
});
