import { defineRule, type RuleHit } from './support/rule.js';

/** Shortens long SQL for a one-line message. */
const clip = (text: string) => {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 80 ? `${one.slice(0, 77)}…` : one;
};

/**
 * SQL the analyser cannot see: EXECUTE of computed strings in DO blocks, calls of routines (and
 * triggers fired by DML) whose bodies it has not seen, EXECUTE of a statement not prepared here.
 * An error: what cannot be read cannot be shown harmless (src/analyze/effects/calls.ts `runRoutine`).
 */
export default defineRule({
  id: 'dynamic-sql',
  category: 'limit',
  defaultLevel: 'error',
  summary: '`EXECUTE` of a computed string inside a `DO` block; a call of a routine, or a trigger fired by a write, whose body the analyser has not seen',
  why:
    'bgmigrate judges the SQL it can read. A string built at run time, or the body of a procedure, may drop, ' +
    'rename or rewrite anything, and none of it is checked: the migration is not known to be safe.',
  help:
    'Write the statements as static SQL (a DO block may contain them directly) so they are checked, or create ' +
    'the routine in the migrations (its body is then analysed at each call); if the SQL must stay unseen, review ' +
    'it by hand and suppress this finding on the statement with the reason.',
  effectKinds: ['dynamic-sql'],
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const e of ctx.effects) {
      if (e.kind !== 'dynamic-sql') continue;
      if (e.detail.subtype === 'call' || e.detail.subtype === 'trigger') {
        hits.push({ object: e.object, message: `${e.detail.dynamicSql ?? e.object}, so its effects are unknown` });
      } else if (e.detail.subtype === 'execute') {
        hits.push({ object: e.object, message: `${e.object}: no statement of that name was prepared earlier in this file, so what it runs is unknown` });
      } else {
        const sql = e.detail.dynamicSql ?? ctx.statement.text;
        // The parser names what it could not read when there is no expression to quote.
        const what = /^a DO block in language /.test(sql)
          ? `${sql}: bgmigrate cannot see what it runs`
          : sql === 'a dynamic query'
            ? 'a query built at run time (FOR … IN EXECUTE or OPEN … FOR EXECUTE) inside a DO block: bgmigrate cannot see what it runs'
            : `EXECUTE of a computed string inside a DO block: bgmigrate cannot see what \`${clip(sql)}\` runs`;
        hits.push({ message: `${what}, so its effects are not checked` });
      }
    }
    return hits;
  },
});
