import { contractRule } from './support/contract.js';

/** `DROP SCHEMA`. */
export default contractRule(
  {
    id: 'drop-schema',
    summary: '`DROP SCHEMA`',
    why: 'Everything in the schema disappears for the color that still uses it.',
    help: 'Deprecate what the schema holds in release N, then drop it in a later release once every older release is retired.',
  },
  ['drop-schema'],
  (e) => `dropping schema ${e.object}${e.detail.cascade ? ' with CASCADE' : ''} removes everything in it from under the color still using it`,
);
