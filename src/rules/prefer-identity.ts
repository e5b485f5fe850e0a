import { newColumns } from './support/column-definitions.js';
import { defineRule } from './support/rule.js';

/** `serial` columns: a sequence default with ownership and permission quirks. */
export default defineRule({
  id: 'prefer-identity',
  category: 'hygiene',
  defaultLevel: 'warning',
  summary: '`serial` / `bigserial` / `smallserial` columns',
  why:
    'A serial column is an integer with a `nextval()` default on a separately owned sequence: grants on the ' +
    'table do not cover the sequence, copying the table does not copy it, and nothing stops explicit values ' +
    'from colliding with it later. Identity columns are the SQL-standard replacement.',
  help: 'Use `bigint GENERATED ALWAYS AS IDENTITY` (or `BY DEFAULT` when the application must insert its own ids).',
  versionNotes: 'Identity columns exist since PostgreSQL 10.',
  check(ctx) {
    return newColumns(ctx)
      .filter((c) => c.type.serial)
      .map((c) => ({
        object: c.object,
        span: c.span,
        message: `column ${c.object} is ${c.writtenType}: prefer an identity column (\`GENERATED … AS IDENTITY\`)`,
      }));
  },
});
