import { contractRule } from './support/contract.js';

/** `DROP EXTENSION`. */
export default contractRule(
  {
    id: 'drop-extension',
    summary: '`DROP EXTENSION` (with or without CASCADE)',
    why: 'The extension takes its types, functions, operators and casts with it; the old color calling `gen_random_bytes()` or storing `citext` fails. CASCADE also drops every column and index built on them.',
    help: 'Stop using the extension in one release (deprecate it: `-- bgmigrate: deprecates <extension>`), drop it in a later one once that release is the oldest still deployed.',
  },
  ['drop-extension'],
  (e) => `dropping extension ${e.object}${e.detail.cascade ? ' with CASCADE' : ''} removes the types and functions it provides from under the color still using them`,
);
