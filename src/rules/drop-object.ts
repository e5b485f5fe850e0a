import { contractRule } from './support/contract.js';

/** `DROP` of operators, casts, collations, text search objects, languages, servers and the like. */
export default contractRule(
  {
    id: 'drop-object',
    summary: '`DROP` of an operator, cast, collation, conversion, text search object, operator class or family, language, foreign server or wrapper, user mapping or access method',
    why: 'Queries and columns of the old color may use it (`COLLATE "de_DE"`, `to_tsvector(\'english_unaccent\', …)`, a cast, a foreign table\'s server): they fail once it is gone.',
    help: 'Deprecate the object in the release that stops using it, and drop it in the contract phase once that release is the oldest still deployed.',
  },
  ['drop-object'],
  (e) => `dropping ${e.detail.subtype} ${e.object} breaks the color still using it`,
);
