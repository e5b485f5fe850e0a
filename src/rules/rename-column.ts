import { contractRule, lockPhrase } from './support/contract.js';

/** `ALTER TABLE … RENAME [COLUMN]`. */
export default contractRule(
  {
    id: 'rename-column',
    summary: '`ALTER TABLE … RENAME [COLUMN]`',
    why: 'Statements of the color that still uses the old column name fail.',
    help: 'Add the new column, keep both in sync with a trigger, backfill in batches, switch reads to the new column, deprecate the old one and drop it in a later release.',
  },
  ['rename-column'],
  (e) => `renaming column ${e.object} to ${e.detail.newName}${lockPhrase(e)} breaks the color still using the old name`,
);
