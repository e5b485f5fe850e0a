import { contractRule } from './support/contract.js';

/** `DROP FUNCTION`, `DROP PROCEDURE`, `DROP ROUTINE`. */
export default contractRule(
  {
    id: 'drop-routine',
    summary: '`DROP FUNCTION`, `DROP PROCEDURE`, `DROP ROUTINE`',
    why: 'Calls from the color that still uses the routine fail, and so do column defaults and triggers that call it.',
    help: 'Deprecate the routine in release N (the app and triggers stop calling it), then drop it in a later release once every older release is retired.',
  },
  ['drop-routine'],
  (e) => `dropping ${routineWord(e.detail.subtype)} ${e.object} breaks the color (and any default or trigger) still calling it`,
);

function routineWord(subtype: string | undefined): string {
  if (subtype === 'OBJECT_PROCEDURE') return 'procedure';
  if (subtype === 'OBJECT_AGGREGATE') return 'aggregate';
  if (subtype === 'OBJECT_ROUTINE') return 'routine';
  return 'function';
}
