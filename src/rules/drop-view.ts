import { contractRule, lockPhrase } from './support/contract.js';

/** `DROP VIEW`, `DROP MATERIALIZED VIEW`. */
export default contractRule(
  {
    id: 'drop-view',
    summary: '`DROP VIEW`, `DROP MATERIALIZED VIEW`',
    why: 'Reads of the color that still uses the view fail.',
    help: 'Deprecate the view in release N (the app stops reading it), then drop it in a later release once every older release is retired.',
  },
  ['drop-view'],
  (e) =>
    `${e.detail.cascadeFrom ? `CASCADE from ${e.detail.cascadeFrom} also drops` : 'dropping'} ${e.detail.subtype === 'materialized-view' ? 'materialized view' : 'view'} ${e.object}${lockPhrase(e)} breaks the color still reading it`,
);
