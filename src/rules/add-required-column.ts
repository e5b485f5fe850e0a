import { defineRule, type RuleHit } from './support/rule.js';

/** `ADD COLUMN … NOT NULL` without a default on an existing table. */
export default defineRule({
  id: 'add-required-column',
  category: 'forbidden',
  defaultLevel: 'error',
  summary: '`ADD COLUMN … NOT NULL` with no default, on an existing table',
  why: 'It fails on any non-empty table; on an empty one, inserts of the old color (which does not know the column) fail.',
  help: 'Add the column nullable (or with a constant default), backfill in batches, then make it NOT NULL in a later release via `CHECK (c IS NOT NULL) NOT VALID` + VALIDATE.',
  versionNotes:
    'A constant default makes the column safe to add; from PostgreSQL 11 on it is also instant (before 11 it rewrites the table: see table-rewrite)',
  effectKinds: ['add-column'],
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const e of ctx.effects) {
      if (e.kind !== 'add-column' || e.detail.newInFile || e.detail.alreadyExists) continue;
      const c = e.detail.columnFacts;
      if (!c || !c.notNull || c.default !== undefined || c.serial || c.identity || c.generated) continue;
      hits.push({
        message: `adding NOT NULL column ${e.object} without a default fails on a non-empty ${e.table} and breaks inserts of the color that does not know it`,
        object: e.object,
        lock: e.lock ?? undefined,
      });
    }
    return hits;
  },
});
