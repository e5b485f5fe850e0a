import { contractRule } from './support/contract.js';

/** `DROP INDEX` of a UNIQUE index, or of an index bgmigrate does not know. */
export default contractRule(
  {
    id: 'drop-unique-index',
    summary: '`DROP INDEX` of a UNIQUE index, or of an index the migrations did not create (it may be unique)',
    why: "The old color's `INSERT … ON CONFLICT (col)` needs a unique index on exactly those columns and fails without it; without the index, duplicates the old code never expected can also come in.",
    help: 'Deprecate the index (`-- bgmigrate: deprecates public.users_email_key`) in the release that stops relying on it, and drop it (CONCURRENTLY) in the contract phase once that release is the oldest still deployed.',
  },
  ['drop-unique-index'],
  (e) =>
    e.detail.known
      ? `dropping unique index ${e.object} breaks the color whose ON CONFLICT (or uniqueness) still relies on it`
      : `dropping index ${e.object}, which bgmigrate does not know, may remove a unique index the color still running relies on (ON CONFLICT)`,
);
