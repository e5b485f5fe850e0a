import { contractRule, lockPhrase } from './support/contract.js';

function viewNote(views: string[] | undefined, cascade: boolean | undefined): string {
  if (!views || views.length === 0) return '';
  const list = views.join(', ');
  return cascade ? `; CASCADE also drops ${list}, which reads it` : `; PostgreSQL refuses it while ${list} reads the column`;
}

/** `ALTER TABLE … DROP COLUMN`. */
export default contractRule(
  {
    id: 'drop-column',
    summary: '`ALTER TABLE … DROP COLUMN`',
    why: 'Statements of the old color that name the column fail; ORMs that cache column lists fail even when the column is unused, and server-side prepared `SELECT *` fail once.',
    help: 'If the column is NOT NULL without a default, first drop NOT NULL or set a default; deprecate the column (the app stops reading and writing it), and drop it in a later release once every older release is retired.',
  },
  ['drop-column'],
  (e) =>
    `${e.detail.cascadeFrom ? `DROP … CASCADE of ${e.detail.cascadeFrom} also drops` : 'dropping'} column ${e.object}${lockPhrase(e)} breaks the color still reading it${viewNote(e.detail.usedByViews, e.detail.cascade && !e.detail.cascadeFrom)}`,
);
