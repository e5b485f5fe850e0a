import { contractRule, lockPhrase } from './support/contract.js';

/** `TRUNCATE`. */
export default contractRule(
  {
    id: 'truncate-table',
    summary: '`TRUNCATE`',
    why: "The old color's data vanishes under an AccessExclusiveLock; CASCADE spreads to every referencing table.",
    help: 'Deprecate the data first, then delete it in batches (or swap tables) once no release still reads it.',
  },
  ['truncate-table'],
  (e) =>
    e.detail.subtype === 'cascade'
      ? `TRUNCATE … CASCADE from ${e.detail.value} also truncates ${e.object}${lockPhrase(e)} removes data the color still reading it expects`
      : `truncating ${e.object}${e.detail.cascade ? ' with CASCADE' : ''}${lockPhrase(e)} removes data the color still reading it expects`,
);
