import { newColumns } from './support/column-definitions.js';
import { defineRule } from './support/rule.js';

/** `timestamp` without time zone loses the offset. */
export default defineRule({
  id: 'prefer-timestamptz',
  category: 'hygiene',
  defaultLevel: 'warning',
  summary: '`timestamp` (without time zone) columns',
  why:
    '`timestamp` stores wall-clock time with no offset: values written by servers or sessions in different ' +
    'time zones cannot be compared, and converting the column to `timestamptz` later rebuilds its indexes ' +
    '(and rewrites the table unless the session TimeZone is UTC).',
  help: 'Use `timestamptz` (`timestamp with time zone`); it stores an absolute instant and takes the same 8 bytes.',
  check(ctx) {
    return newColumns(ctx)
      .filter((c) => c.type.base === 'timestamp')
      .map((c) => ({
        object: c.object,
        span: c.span,
        message: `column ${c.object} is timestamp without time zone: prefer timestamptz`,
      }));
  },
});
