import { newColumns } from './support/column-definitions.js';
import { defineRule } from './support/rule.js';

/** `varchar(n)`: the limit can only be shrunk by a rewrite. */
export default defineRule({
  id: 'prefer-text',
  category: 'hygiene',
  defaultLevel: 'warning',
  summary: '`varchar(n)` columns',
  why:
    'Widening a `varchar(n)` is metadata-only, but shrinking it, or turning a `text` column into `varchar(n)` ' +
    'later, rewrites the table and its indexes under an AccessExclusiveLock; a CHECK constraint expresses the ' +
    'same limit and can be changed online (`NOT VALID` + `VALIDATE`).',
  help: 'Use `text` with `CHECK (char_length(col) <= n)` when a limit is really needed.',
  versionNotes: 'Changing the type of an existing column to `varchar(n)` is judged by `change-column-type`, not here.',
  check(ctx) {
    return newColumns(ctx)
      .filter((c) => c.type.base === 'varchar' && c.type.mods.length > 0)
      .map((c) => ({
        object: c.object,
        span: c.span,
        message: `column ${c.object} is varchar(${c.type.mods[0]}): prefer text with a CHECK on its length`,
      }));
  },
});
