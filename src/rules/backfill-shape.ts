import type { AnalyzedEffect } from '../analyze/effects/index.js';
import { defineRule, type FileFacts, type RuleHit } from './support/rule.js';

type Statement = FileFacts['statements'][number];

/**
 * A `-- bgmigrate: backfill` migration: one UPDATE (or INSERT … SELECT) that the runner executes in
 * keyset batches (src/apply/backfill.ts). Running a batch again after a crash must be harmless.
 */
export default defineRule({
  id: 'backfill-shape',
  category: 'forbidden',
  defaultLevel: 'error',
  summary: 'a backfill migration holds one UPDATE (or INSERT … SELECT) whose batches can be re-run harmlessly',
  why:
    'The runner splits the statement into batches by key range, commits each with a checkpoint, and resumes ' +
    'after the last committed batch. It can only split one statement over one table, and a batch interrupted ' +
    'between its commit and the next may be judged again: the statement must not change a row it already changed.',
  help:
    'Keep one UPDATE … WHERE <rows not done yet> (for example `WHERE full_name IS NULL`) or one INSERT … SELECT … ON CONFLICT DO NOTHING; ' +
    'or declare `-- bgmigrate: backfill idempotent` when running it twice over a row is harmless.',
  checkFile(ctx) {
    const backfill = ctx.file.directives.backfill;
    if (!backfill) return;
    const hits: RuleHit[] = [];
    const work = ctx.file.statements.filter((s) => !s.inDoBlock && s.kind !== 'VariableSetStmt');
    if (work.length !== 1 || !isBackfillStatement(work[0])) {
      hits.push({
        message: `a backfill migration holds exactly one UPDATE (or INSERT … SELECT) besides SET statements; this one has ${work.length === 1 ? `a ${work[0].kind.replace(/Stmt$/, '')} statement` : `${work.length} statements`}`,
        ...(work[0] ? { span: work[0].span } : {}),
      });
      return hits;
    }
    const [statement] = work;
    if (backfill.idempotent) return hits;
    const own = ownEffect(statement);
    if (statement.kind === 'UpdateStmt' && !own?.detail.whereWritten) {
      hits.push({
        span: statement.span,
        message: 'the backfill UPDATE has no WHERE: a batch run again after a crash would change rows it already changed; add a WHERE that excludes rows already done (e.g. `WHERE full_name IS NULL`) or declare `backfill idempotent`',
      });
    }
    if (statement.kind === 'InsertStmt' && !own?.detail.onConflict) {
      hits.push({
        span: statement.span,
        message: 'the backfill INSERT … SELECT has no ON CONFLICT: a batch run again after a crash would insert its rows twice; add ON CONFLICT DO NOTHING (or a WHERE NOT EXISTS) and declare `backfill idempotent`',
      });
    }
    return hits;
  },
});

/** UPDATE, or INSERT whose rows come from a SELECT with a FROM. */
function isBackfillStatement(statement: Statement): boolean {
  if (statement.kind === 'UpdateStmt') return true;
  return statement.kind === 'InsertStmt' && ownEffect(statement)?.detail.fromTables === true;
}

/** The UPDATE's or INSERT's own effect: the first one (CTEs and triggers come after it). */
function ownEffect(statement: Statement): AnalyzedEffect | undefined {
  return statement.effects.find((e) => e.kind === (statement.kind === 'UpdateStmt' ? 'update' : 'insert'));
}
