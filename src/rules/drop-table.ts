import { contractRule, lockPhrase } from './support/contract.js';

/** `DROP TABLE`. */
export default contractRule(
  {
    id: 'drop-table',
    summary: '`DROP TABLE`',
    why: 'Every query of the color that still uses the table fails; the data is gone for good.',
    help: 'Deprecate the table in release N (the app stops using it, `-- bgmigrate: deprecates schema.table`), then drop it in a later release once every older release is retired.',
  },
  ['drop-table'],
  (e) => `dropping table ${e.object}${lockPhrase(e)} breaks the color still using it`,
);
