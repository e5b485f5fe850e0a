import type { AnalyzedEffect, ColumnFacts } from '../analyze/effects/index.js';
import { qualify } from '../analyze/names.js';
import { newColumns } from './support/column-definitions.js';
import { defineRule, type RuleContext, type RuleHit } from './support/rule.js';

/** Why an ADD COLUMN rewrites, in words, or undefined when it does not. */
function addColumnRewrite(ctx: RuleContext, e: AnalyzedEffect): string | undefined {
  const f = e.detail.columnFacts;
  if (!f) return undefined;
  if (f.serial) return `of type ${f.type === 'int8' ? 'bigserial' : f.type === 'int2' ? 'smallserial' : 'serial'}`;
  if (f.identity) return 'as an identity column';
  // PostgreSQL 18's parser reads a generated column without STORED as VIRTUAL; older servers only store.
  if (f.generated === 'stored' || (f.generated === 'virtual' && ctx.pgVersion < 18)) {
    return f.generated === 'virtual' ? 'as a generated column (always STORED before PostgreSQL 18)' : 'as a STORED generated column';
  }
  const domain = checkedDomain(ctx, f.name);
  if (domain) return `of domain ${domain}, which has a CHECK`;
  if (f.default === undefined) return undefined;
  if (ctx.pgVersion < 11) {
    return f.defaultIsNull ? undefined : `with a default (PostgreSQL ${ctx.pgVersion} rewrites for any non-NULL default)`;
  }
  if (f.default === 'volatile') return `with volatile default ${calls(f)}`;
  if (f.default === 'unknown') return `with a default calling ${calls(f)} (which bgmigrate cannot prove non-volatile)`;
  return undefined;
}

/** The column's type when it is a domain with a CHECK constraint known to the schema model. */
function checkedDomain(ctx: RuleContext, column: string): string | undefined {
  const c = newColumns(ctx).find((x) => x.name === column);
  if (!c || c.typeNameParts.length === 0) return undefined;
  const parts = c.typeNameParts;
  const name =
    parts.length > 1 ? parts.slice(-2).join('.') : qualify(undefined, parts[0]!, ctx.statement.session, ctx.schema);
  return ctx.schema.object(name)?.kind === 'checked-domain' ? name : undefined;
}

/** The functions a default calls, as `f()`, `g()`. */
function calls(f: ColumnFacts): string {
  const names = f.defaultCalls ?? [];
  return names.length > 0 ? names.map((name) => `${name}()`).join(', ') : 'a subquery';
}

const MAINTENANCE: Record<string, string> = {
  'set-persistence': 'SET LOGGED/UNLOGGED',
  'set-access-method': 'SET ACCESS METHOD',
  'set-tablespace': 'SET TABLESPACE',
  vacuum: 'VACUUM FULL',
  cluster: 'CLUSTER',
};

/** Statements that rewrite a whole existing table (and its indexes) under an AccessExclusiveLock. */
export default defineRule({
  id: 'table-rewrite',
  category: 'lock',
  defaultLevel: 'error',
  summary:
    '`ADD COLUMN` with a volatile default, `serial`, identity, `STORED` generated column or a CHECKed domain; ' +
    '`SET LOGGED`/`UNLOGGED`, `SET ACCESS METHOD`, `SET TABLESPACE`, `VACUUM FULL`, `CLUSTER`',
  why:
    'These statements write a new copy of the whole table and rebuild every index while holding an ' +
    'AccessExclusiveLock: no read or write of the table proceeds until the copy is done, an outage ' +
    'proportional to the table size.',
  help:
    'Add the column without a default, `SET DEFAULT` for future rows, then backfill in batches; for ' +
    'maintenance use `pg_repack` (or `pg_squeeze`) instead of VACUUM FULL, CLUSTER or SET TABLESPACE.',
  versionNotes:
    'From PostgreSQL 11 a constant or STABLE default (`now()`) is stored in the catalog without a rewrite; ' +
    'before 11 any non-NULL default rewrites. PostgreSQL 18 adds VIRTUAL generated columns (its default ' +
    'kind), which do not rewrite; before 18 every generated column is STORED.',
  check(ctx) {
    const hits: RuleHit[] = [];
    const added: { table: string; column: string; object: string; reason: string }[] = [];
    for (const e of ctx.effects) {
      if (!e.table || e.detail.newInFile) {
        // `VACUUM FULL` / `CLUSTER` / `ALTER TABLE ALL IN TABLESPACE` without one table: every table it reaches.
        if (!e.table && e.rewrites && (e.kind === 'vacuum' || e.kind === 'cluster' || e.kind === 'set-tablespace')) {
          const what = e.kind === 'vacuum' ? 'VACUUM FULL' : e.kind === 'cluster' ? 'CLUSTER' : 'ALTER TABLE ALL IN TABLESPACE';
          hits.push({
            object: e.object,
            lock: 'AccessExclusiveLock',
            message: `${what} without a single table rewrites every table it reaches, each under an AccessExclusiveLock that blocks its reads and writes`,
          });
        }
        continue;
      }
      if (e.kind === 'add-column') {
        // ADD COLUMN IF NOT EXISTS of a column the model already knows does nothing.
        if (e.detail.alreadyExists) continue;
        const reason = addColumnRewrite(ctx, e);
        if (reason) added.push({ table: e.table, column: e.detail.column ?? e.object, object: e.object, reason });
      } else if (e.kind === 'alter-index' && e.detail.subtype === 'AT_SetTableSpace') {
        hits.push({
          object: e.object,
          lock: 'AccessExclusiveLock',
          message: `ALTER INDEX ${e.object} SET TABLESPACE copies the index under an AccessExclusiveLock: queries on ${e.table && e.table !== e.object ? e.table : 'its table'} that plan with it block until the copy is done`,
        });
      } else if (e.rewrites && MAINTENANCE[e.kind] && (e.kind !== 'vacuum' || e.detail.subtype === 'full')) {
        const what = e.kind === 'set-persistence' ? `SET ${String(e.detail.subtype).toUpperCase()}` : MAINTENANCE[e.kind];
        hits.push({
          object: e.table,
          lock: 'AccessExclusiveLock',
          message: `${what} rewrites existing table ${e.table} and all its indexes under an AccessExclusiveLock: reads and writes block for the whole rewrite`,
        });
      }
    }
    // One ALTER TABLE rewrites its table once, however many columns it adds: one finding per table.
    for (const table of new Set(added.map((a) => a.table))) {
      const cols = added.filter((a) => a.table === table);
      const what =
        cols.length === 1
          ? `ADD COLUMN ${cols[0]!.column} ${cols[0]!.reason}`
          : `ADD COLUMN ${cols.map((c) => c.column).join(', ')} (${[...new Set(cols.map((c) => c.reason))].join('; ')})`;
      hits.push({
        object: cols.length === 1 ? cols[0]!.object : table,
        lock: 'AccessExclusiveLock',
        message: `${what} rewrites existing table ${table} and all its indexes under an AccessExclusiveLock: reads and writes block for the whole rewrite`,
      });
    }
    return hits;
  },
});
