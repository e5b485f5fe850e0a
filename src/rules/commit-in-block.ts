import { defineRule } from './support/rule.js';

/**
 * A DO block that COMMITs (or ROLLs BACK) as it goes: interrupted, part of its work is
 * committed, and running it again from the start repeats that part. `apply` refuses to resume
 * such a block (src/apply/runner.ts) unless the migration says re-running is safe.
 */
export default defineRule({
  id: 'commit-in-block',
  category: 'forbidden',
  defaultLevel: 'error',
  summary: 'a `DO` block that runs `COMMIT` or `ROLLBACK` (a batched backfill), in a migration not declared `-- bgmigrate: idempotent`',
  why:
    'A block that commits per batch and is interrupted (a crash, a deploy killed, a lock timeout) has committed some batches. ' +
    'Run again from the start, it applies them twice: a backfill that multiplies amounts, an insert that duplicates rows. ' +
    '`apply` therefore refuses to resume an interrupted committing block unless the migration declares it safe to re-run.',
  help:
    'Make each batch idempotent (skip rows already done: `WHERE new_col IS NULL`, `ON CONFLICT DO NOTHING`) and declare it with ' +
    '`-- bgmigrate: idempotent`; or run the backfill outside migrations with a job that records its progress.',
  effectKinds: ['do-block'],
  check(ctx) {
    if (ctx.file.directives.idempotent) return;
    for (const e of ctx.effects) {
      if (e.kind === 'do-block' && e.detail.subtype === 'commits') {
        return {
          message:
            'this DO block commits as it goes: if it is interrupted, some batches stay committed and running it again from the start repeats them; ' +
            'bgmigrate will not resume it unless the migration is declared `-- bgmigrate: idempotent`',
        };
      }
    }
    return;
  },
});
