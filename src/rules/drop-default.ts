import { contractRule, lockPhrase } from './support/contract.js';

/** `ALTER COLUMN … DROP DEFAULT`. */
export default contractRule(
  {
    id: 'drop-default',
    summary: '`ALTER COLUMN … DROP DEFAULT`, `SET DEFAULT NULL`, `DROP IDENTITY`',
    why: 'Inserts of the old color that omit the column fail (NOT NULL) or silently store NULL.',
    help: 'Drop the default only once every release that relies on it is retired (deprecate the column first).',
  },
  ['drop-default'],
  (e) =>
    e.detail.subtype === 'identity'
      ? `dropping the identity of ${e.object}${lockPhrase(e)} makes inserts of the old color that omit it fail or store NULL`
      : `dropping the default of ${e.object}${lockPhrase(e)} makes inserts of the old color that omit it fail or store NULL`,
);
