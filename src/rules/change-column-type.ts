import { contractRule } from './support/contract.js';

/** `ALTER COLUMN … TYPE` unless metadata-only. */
export default contractRule(
  {
    id: 'change-column-type',
    summary: '`ALTER COLUMN … TYPE` unless the change is metadata-only',
    why: 'Holds an AccessExclusiveLock for a full rewrite of the table and its indexes; values and driver types change under the old color.',
    help: 'Add a new column of the new type, keep it in sync with a trigger, backfill in batches, build its index concurrently, then swap; widening varchar, varchar → text and raising numeric precision need none of this.',
    versionNotes: 'Metadata-only (not flagged): varchar(n) → varchar(m ≥ n) or text, text → varchar, numeric(p,s) → numeric(p′ ≥ p,s) or numeric, cidr → inet. An unknown old type is assumed to rewrite.',
  },
  ['change-column-type'],
  (e) => {
    const from = e.detail.oldType ? `${e.detail.oldType} to ${e.detail.newType}` : `an unknown type to ${e.detail.newType}`;
    const views = e.detail.usedByViews ?? [];
    const refused = views.length > 0 ? `; PostgreSQL refuses it while ${views.join(', ')} reads the column` : '';
    return `changing the type of ${e.object} from ${from} rewrites ${e.table} and its indexes under an ${e.lock} and changes the values the old color reads${refused}`;
  },
);
