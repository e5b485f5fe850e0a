import { contractRule, lockPhrase } from './support/contract.js';

/** `ALTER TABLE … RENAME TO`. */
export default contractRule(
  {
    id: 'rename-table',
    summary: '`ALTER TABLE … RENAME TO`',
    why: 'Every query of the color that still uses the old name fails.',
    help: 'Create the new table with a sync trigger and a batched backfill, or rename and create a simple view under the old name in the same transaction; drop the old name once every older release is retired.',
  },
  ['rename-table'],
  (e) => `renaming table ${e.object} to ${e.detail.newName}${lockPhrase(e)} breaks the color still using the old name`,
);
