import { newColumns } from './support/column-definitions.js';
import { defineRule, type RuleHit } from './support/rule.js';

const SMALL = new Set(['int2', 'int4']);

/** 32- and 16-bit generated keys run out; widening them later rewrites the table and its referrers. */
export default defineRule({
  id: 'prefer-bigint',
  category: 'hygiene',
  defaultLevel: 'warning',
  summary: '`integer` / `smallint` / `serial` primary-key or identity columns',
  why:
    'A 32-bit key runs out at 2^31 (2,147,483,647) rows ever inserted, a 16-bit one at 32,767; the fix then is ' +
    'an `int → bigint` type change, which rewrites the table, every index and every referencing table under ' +
    'an AccessExclusiveLock.',
  help: 'Use `bigint` (`bigint GENERATED ALWAYS AS IDENTITY`) for primary keys and identity columns from the start.',
  versionNotes: 'Composite primary keys are not flagged: their parts usually reference keys flagged where they are defined.',
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const c of newColumns(ctx)) {
      if (!SMALL.has(c.type.base) || c.type.array) continue;
      const identity = c.identity;
      if (!identity && !c.soloPrimaryKey) continue;
      hits.push({
        object: c.object,
        span: c.span,
        message: `${identity ? 'identity' : 'primary-key'} column ${c.object} is ${c.type.serial ? c.writtenType : c.type.base === 'int2' ? 'smallint' : 'integer'}: it runs out at ${c.type.base === 'int2' ? '32,767' : '2,147,483,647'}, and widening it later rewrites the table`,
      });
    }
    // ADD PRIMARY KEY (one column) on a known integer column.
    if (ctx.statement.kind === 'AlterTableStmt') {
      for (const e of ctx.effects) {
        if (e.kind !== 'add-constraint' || e.detail.constraintType !== 'primary-key' || e.detail.subtype || !e.table) continue;
        const keys = e.detail.keyColumns ?? [];
        if (keys.length !== 1) continue;
        const type = ctx.schema.columnType(e.table, keys[0]!);
        if (!type || !SMALL.has(type)) continue;
        hits.push({
          object: `${e.table}.${keys[0]}`,
          message: `primary-key column ${e.table}.${keys[0]} is ${type === 'int2' ? 'smallint' : 'integer'}: it runs out at ${type === 'int2' ? '32,767' : '2,147,483,647'}, and widening it later rewrites the table`,
        });
      }
    }
    // ALTER COLUMN … ADD GENERATED … AS IDENTITY on a known integer column.
    if (ctx.statement.kind === 'AlterTableStmt') {
      for (const e of ctx.effects) {
        if (e.kind !== 'add-identity' || e.detail.subtype !== 'AT_AddIdentity' || !e.table || !e.detail.column) continue;
        const type = ctx.schema.columnType(e.table, e.detail.column);
        if (!type || !SMALL.has(type)) continue;
        hits.push({
          object: e.object,
          message: `identity column ${e.object} is ${type === 'int2' ? 'smallint' : 'integer'}: it runs out at ${type === 'int2' ? '32,767' : '2,147,483,647'}, and widening it later rewrites the table`,
        });
      }
    }
    return hits;
  },
});
