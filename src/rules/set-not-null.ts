import { contractRule } from './support/contract.js';

/** `ALTER COLUMN … SET NOT NULL`, and the NOT NULL a new PRIMARY KEY sets on its columns. */
export default contractRule(
  {
    id: 'set-not-null',
    summary: '`ALTER COLUMN … SET NOT NULL`, or a `PRIMARY KEY` (also `USING INDEX`) over a column that may hold NULL',
    why: 'Inserts of the old color that omit the column or write NULL fail; and unless a valid CHECK proves it, the whole table is scanned under an AccessExclusiveLock.',
    help: 'Set a default, backfill, add `CHECK (c IS NOT NULL) NOT VALID` and VALIDATE it in a separate transaction, then SET NOT NULL once the old color is retired; on PostgreSQL 18 use `ADD CONSTRAINT … NOT NULL c NOT VALID` + VALIDATE.',
    versionNotes: 'PostgreSQL ≥ 12 skips the scan when a valid CHECK (c IS NOT NULL) exists (still a contract effect); PostgreSQL 18 adds NOT NULL … NOT VALID.',
  },
  ['set-not-null'],
  (e) => {
    const what = e.detail.subtype === 'primary-key' ? `the PRIMARY KEY sets NOT NULL on ${e.object}: it` : `SET NOT NULL on ${e.object}`;
    return e.detail.provenByCheck
      ? `${what} takes an ${e.lock} on ${e.table} (no scan: a valid CHECK proves it) and makes inserts of the old color that omit it or write NULL fail`
      : `${what} scans ${e.table} under an ${e.lock} and makes inserts of the old color that omit it or write NULL fail`;
  },
);
