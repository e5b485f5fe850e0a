import { contractRule } from './support/contract.js';

/** `DROP TYPE`, `DROP DOMAIN`. */
export default contractRule(
  {
    id: 'drop-type',
    summary: '`DROP TYPE`, `DROP DOMAIN`',
    why: 'Casts and columns of the color that still uses the type fail.',
    help: 'Deprecate the type in release N (the app stops casting to it and no column uses it), then drop it in a later release once every older release is retired.',
  },
  ['drop-type'],
  (e) => `dropping ${e.detail.subtype === 'OBJECT_DOMAIN' ? 'domain' : 'type'} ${e.object} breaks the color still casting to or storing it`,
);
