import { contractRule } from './support/contract.js';

/** `DROP SEQUENCE`. */
export default contractRule(
  {
    id: 'drop-sequence',
    summary: '`DROP SEQUENCE`',
    why: '`nextval` calls and column defaults of the color that still uses the sequence fail.',
    help: 'Deprecate the sequence in release N (no app code or column default uses it), then drop it in a later release once every older release is retired.',
  },
  ['drop-sequence'],
  (e) => `dropping sequence ${e.object} breaks nextval() and column defaults of the color still using it`,
);
