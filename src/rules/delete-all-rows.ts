import { contractRule } from './support/contract.js';

/** `DELETE` without a filter, `MERGE … THEN DELETE`, deletes in CTEs and prepared statements. */
export default contractRule(
  {
    id: 'delete-all-rows',
    summary: '`DELETE` with no `WHERE` (or a constant-true one), `MERGE … THEN DELETE`, and such deletes in a CTE, a prepared statement or a routine the migration calls',
    why: "Like TRUNCATE, it removes data the old color still reads; it also locks every row it deletes until the migration commits.",
    help: 'Deprecate the data (the table) in the release that stops reading it, then delete in batches in the contract phase once that release is the oldest still deployed.',
  },
  ['delete'],
  (e) => `deleting ${e.detail.subtype === 'merge' ? 'rows matched by MERGE (possibly all) ' : 'every row '}of ${e.object}${e.detail.via ? ` (in ${e.detail.via})` : ''} removes data the color still reading it expects`,
);
