import { defineRule, type RuleHit } from './support/rule.js';

/** `CREATE INDEX CONCURRENTLY` without a name. */
export default defineRule({
  id: 'unnamed-concurrent-index',
  category: 'forbidden',
  defaultLevel: 'error',
  summary: '`CREATE INDEX CONCURRENTLY` without an index name',
  why:
    'An interrupted concurrent build leaves an INVALID index behind under a name PostgreSQL generated. Without a name in ' +
    'the statement, a re-run cannot tell that index from others and builds a second one (`…_idx1`), while the INVALID one ' +
    'stays and slows every write to the table.',
  help: 'Name the index: `CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_user_id_idx ON orders (user_id)`; bgmigrate then drops an INVALID leftover of that name before building again.',
  effectKinds: ['create-index'],
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const e of ctx.effects) {
      if (e.kind !== 'create-index' || !e.detail.concurrently || !e.object.includes('(')) continue;
      hits.push({ object: e.table, message: `CREATE INDEX CONCURRENTLY on ${e.table} has no name: if it is interrupted, a re-run cannot find the INVALID index it left and builds a second one` });
    }
    return hits;
  },
});
