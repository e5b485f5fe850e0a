import { defineRule } from './support/rule.js';

/** An empty or comment-only migration file. */
export default defineRule({
  id: 'empty-migration',
  category: 'hygiene',
  defaultLevel: 'warning',
  summary: 'a migration file with no SQL statement (empty or comments only)',
  why: 'An empty migration is usually a mistake (a file saved before its SQL was written); it is recorded as applied and never revisited.',
  help: 'Write the migration, or delete the file.',
  checkFile(ctx) {
    if (!ctx.file.empty) return;
    return { message: `${ctx.file.path} contains no SQL statement` };
  },
});
