import type { AnalyzedEffect } from '../analyze/effects/index.js';
import { contractRule, lockPhrase } from './support/contract.js';

/** Renames of views, types, enum values, schemas, routines, sequences; `SET SCHEMA`. */
export default contractRule(
  {
    id: 'rename-object',
    summary: 'renames of views, materialized views, types, enum values (`RENAME VALUE`), schemas, routines, sequences, collations, text search objects and other named objects; `ALTER … SET SCHEMA`',
    why: 'The color that still uses the old name (or the old enum value) fails.',
    help: 'Add the new object beside the old one (for an enum, `ADD VALUE` the new label and backfill), deprecate the old one, and drop it in a later release once every older release is retired.',
    versionNotes: '`ALTER TYPE … RENAME VALUE` exists from PostgreSQL 10; `ADD VALUE` runs inside a transaction from PostgreSQL 12.',
  },
  ['rename-view', 'rename-routine', 'rename-type', 'rename-enum-value', 'rename-schema', 'rename-sequence', 'set-schema', 'rename-other'],
  (e) => `${what(e)}${lockPhrase(e)} breaks the color still using the old name`,
);

function what(e: AnalyzedEffect): string {
  switch (e.kind) {
    case 'rename-enum-value':
      return `renaming enum value ${e.object} to '${e.detail.newName}'`;
    case 'set-schema':
      return `moving ${e.object} to ${e.detail.newName}`;
    case 'rename-view':
      return e.detail.column ? `renaming view column ${e.object} to ${e.detail.newName}` : `renaming view ${e.object} to ${e.detail.newName}`;
    case 'rename-routine':
      return `renaming routine ${e.object} to ${e.detail.newName}`;
    case 'rename-type':
      return `renaming type ${e.object} to ${e.detail.newName}`;
    case 'rename-schema':
      return `renaming schema ${e.object} to ${e.detail.newName}`;
    case 'rename-other':
      return `renaming ${e.detail.subtype} ${e.object} to ${e.detail.newName}`;
    default:
      return `renaming sequence ${e.object} to ${e.detail.newName}`;
  }
}
