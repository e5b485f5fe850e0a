import { newColumns } from './support/column-definitions.js';
import { defineRule } from './support/rule.js';

/** `char(n)`: blank-padded, and every change to it rewrites. */
export default defineRule({
  id: 'ban-char',
  category: 'hygiene',
  defaultLevel: 'warning',
  summary: '`char(n)` / `character(n)` columns',
  why:
    '`char(n)` pads values with spaces and ignores trailing spaces in comparisons, which surprises every ' +
    'client; it is no faster than `text`, and any later change to its type or length rewrites the table.',
  help: 'Use `text` (with a CHECK on the length if needed); the single-byte internal type `"char"` is not affected.',
  check(ctx) {
    return newColumns(ctx)
      .filter((c) => c.writtenType === 'bpchar')
      .map((c) => ({
        object: c.object,
        span: c.span,
        message: `column ${c.object} is char(${c.type.mods[0] ?? 1}): prefer text`,
      }));
  },
});
