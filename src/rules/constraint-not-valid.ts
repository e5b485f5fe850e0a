import type { AnalyzedEffect } from '../analyze/effects/index.js';
import type { LockMode } from '../model.js';
import { defineRule, type RuleContext, type RuleHit } from './support/rule.js';
import { earliestInTransaction, type EffectKey } from './support/transactions.js';

/** Indexes `ADD CONSTRAINT … NOT VALID` effects by table and constraint name. */
const notValidKey: EffectKey = (e) =>
  e.kind === 'add-constraint' && e.detail.notValid && e.detail.subtype !== 'referenced' && e.table && e.detail.constraintName
    ? `${e.table}\u0000${e.detail.constraintName}`
    : undefined;

/** An earlier `ADD CONSTRAINT <name> … NOT VALID` on `table` in the same transaction (this statement included). */
function addedNotValidInSameTransaction(
  ctx: RuleContext,
  table: string,
  name: string,
  upTo: AnalyzedEffect,
): { lock: LockMode; line: number } | undefined {
  const key = `${table}\u0000${name}`;
  const own = ctx.effects.slice(0, ctx.effects.indexOf(upTo)).find((e) => notValidKey(e) === key);
  if (own) return { lock: own.lock ?? 'AccessExclusiveLock', line: ctx.statement.span.line };
  const earlier = earliestInTransaction(ctx.file, ctx.statement, notValidKey, key);
  return earlier ? { lock: earlier.effect.lock ?? 'AccessExclusiveLock', line: earlier.statement.span.line } : undefined;
}

/** CHECK / FOREIGN KEY added to an existing table without NOT VALID, or validated in the same transaction. */
export default defineRule({
  id: 'constraint-not-valid',
  category: 'lock',
  defaultLevel: 'error',
  summary:
    '`ADD CONSTRAINT … CHECK` or `FOREIGN KEY` on an existing table without `NOT VALID`; an inline `CHECK` in ' +
    '`ADD COLUMN`; `VALIDATE CONSTRAINT` in the same transaction as its `ADD … NOT VALID`',
  why:
    'Adding a CHECK scans the whole table under an AccessExclusiveLock (reads and writes block); adding a ' +
    'FOREIGN KEY scans it under a ShareRowExclusiveLock on both tables (writes to both block). An inline ' +
    'CHECK in ADD COLUMN scans even though the new column is all NULL. VALIDATE in the same transaction as ' +
    "the ADD … NOT VALID scans while the ADD's strong lock is still held, which undoes the point of NOT VALID.",
  help:
    'Add the constraint with `NOT VALID` (instant; new rows are checked), then run `ALTER TABLE … VALIDATE ' +
    'CONSTRAINT` in a separate transaction: it takes a ShareUpdateExclusiveLock, so reads and writes continue.',
  versionNotes:
    'NOT VALID exists for CHECK and FOREIGN KEY on every supported version, but before PostgreSQL 18 not for ' +
    'foreign keys on partitioned tables (the message then says to work partition by partition); PostgreSQL 18 adds `NOT NULL … NOT ' +
    'VALID` and `NOT ENFORCED` constraints (neither scans). An inline REFERENCES in ADD COLUMN is not flagged: ' +
    'the new column is all NULL, so nothing is scanned.',
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const e of ctx.effects) {
      if (!e.table || e.detail.newInFile) continue;
      // ADD COLUMN IF NOT EXISTS of a column the model already knows does nothing.
      if (e.kind === 'add-column' && e.detail.alreadyExists) continue;
      const d = e.detail;
      if (e.kind === 'add-constraint' && d.subtype !== 'referenced' && !d.notValid) {
        const name = d.constraintName ? ` ${d.constraintName}` : '';
        const object = d.constraintName ? e.object : e.table;
        if (d.constraintType === 'check') {
          hits.push({
            object,
            lock: 'AccessExclusiveLock',
            message: `ADD CONSTRAINT${name} CHECK on existing table ${e.table} without NOT VALID scans the whole table under an AccessExclusiveLock: reads and writes block until it finishes`,
          });
        } else if (d.constraintType === 'foreign-key') {
          hits.push({
            object,
            lock: 'ShareRowExclusiveLock',
            message:
              `ADD CONSTRAINT${name} FOREIGN KEY on existing table ${e.table} without NOT VALID scans the whole table under a ShareRowExclusiveLock on ${e.table} and ${d.referencedTable ?? 'the referenced table'}: writes to both block until it finishes` +
              (d.partitioned && ctx.pgVersion < 18
                ? `; PostgreSQL ${ctx.pgVersion} rejects NOT VALID foreign keys on partitioned tables, so add it NOT VALID to each partition and validate those`
                : ''),
          });
        }
      } else if (e.kind === 'add-column' && d.columnFacts?.check) {
        hits.push({
          object: e.object,
          lock: 'AccessExclusiveLock',
          message: `ADD COLUMN ${d.column} with an inline CHECK on existing table ${e.table} scans the whole table under an AccessExclusiveLock, even though the new column is all NULL`,
        });
      } else if (e.kind === 'validate-constraint' && d.constraintName) {
        const added = addedNotValidInSameTransaction(ctx, e.table, d.constraintName, e);
        if (!added) continue;
        hits.push({
          object: e.object,
          lock: added.lock,
          message: `VALIDATE CONSTRAINT ${d.constraintName} runs in the same transaction as its ADD … NOT VALID (line ${added.line}): the ${added.lock} on ${e.table} taken by the ADD is held while VALIDATE scans the whole table`,
        });
      }
    }
    return hits;
  },
});
