import { defineRule, type RuleHit } from './support/rule.js';

const KINDS: Record<string, string> = { unique: 'UNIQUE', 'primary-key': 'PRIMARY KEY', exclusion: 'EXCLUDE' };

/** UNIQUE / PRIMARY KEY / EXCLUDE added to an existing table by building its index under an AccessExclusiveLock. */
export default defineRule({
  id: 'unique-without-index',
  category: 'lock',
  defaultLevel: 'error',
  summary:
    '`ADD CONSTRAINT … UNIQUE` / `PRIMARY KEY` / `EXCLUDE`, or an inline `UNIQUE` / `PRIMARY KEY` in `ADD COLUMN`, ' +
    'on an existing table without `USING INDEX`',
  why:
    'The constraint builds its index while holding an AccessExclusiveLock on the table: every read and write ' +
    'waits for the whole build. PRIMARY KEY also scans the table for NULLs under the same lock.',
  help:
    'Build the index first with `CREATE UNIQUE INDEX CONCURRENTLY`, then `ALTER TABLE … ADD CONSTRAINT … UNIQUE ' +
    '(or PRIMARY KEY) USING INDEX …`, which is instant; EXCLUDE constraints have no online path (new table and ' +
    'backfill, or a maintenance window).',
  versionNotes:
    '`USING INDEX` needs a plain b-tree index without expressions or predicate and is not available on ' +
    'partitioned tables. PRIMARY KEY USING INDEX still scans when the columns are not yet NOT NULL.',
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const e of ctx.effects) {
      if (!e.table || e.detail.newInFile) continue;
      // ADD COLUMN IF NOT EXISTS of a column the model already knows does nothing.
      if (e.kind === 'add-column' && e.detail.alreadyExists) continue;
      const d = e.detail;
      if (e.kind === 'add-constraint' && d.subtype !== 'referenced' && !d.usingIndex) {
        const kind = KINDS[d.constraintType ?? ''];
        if (!kind) continue;
        const name = d.constraintName ? ` ${d.constraintName}` : '';
        const extra =
          kind === 'EXCLUDE'
            ? '; EXCLUDE has no online alternative'
            : kind === 'PRIMARY KEY'
              ? ', and scans it for NULLs under the same lock'
              : '';
        hits.push({
          object: d.constraintName ? e.object : e.table,
          lock: 'AccessExclusiveLock',
          message: `ADD CONSTRAINT${name} ${kind} on existing table ${e.table} builds its index under an AccessExclusiveLock: reads and writes block for the whole build${extra}`,
        });
      } else if (e.kind === 'add-column' && (d.columnFacts?.unique || d.columnFacts?.primaryKey)) {
        hits.push({
          object: e.object,
          lock: 'AccessExclusiveLock',
          message: `ADD COLUMN ${d.column} ${d.columnFacts.primaryKey ? 'PRIMARY KEY' : 'UNIQUE'} on existing table ${e.table} builds its index under an AccessExclusiveLock: reads and writes block for the whole build`,
        });
      }
    }
    return hits;
  },
});
