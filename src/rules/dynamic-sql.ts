import { defineRule, type RuleHit } from './rule.js';

/** Shortens long SQL for a one-line message. */
const clip = (text: string) => {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 80 ? `${one.slice(0, 77)}…` : one;
};

/** SQL the analyser cannot see: EXECUTE of computed strings in DO blocks, and procedure calls. */
export default defineRule({
  id: 'dynamic-sql',
  category: 'limit',
  defaultLevel: 'warning',
  summary: '`EXECUTE` of a computed string inside a `DO` block, or a `CALL` of a procedure the analyser cannot see into',
  why:
    'bgmigrate judges the SQL it can read. A string built at run time, or the body of a procedure, may drop, ' +
    'rename or rewrite anything, and none of it is checked: the migration is not known to be safe.',
  help:
    'Write the statements as static SQL (a DO block may contain them directly) so they are checked; if the SQL ' +
    'must be dynamic, review it by hand and suppress this finding with the reason.',
  effectKinds: ['dynamic-sql'],
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const e of ctx.effects) {
      if (e.kind !== 'dynamic-sql') continue;
      if (e.detail.subtype === 'call') {
        hits.push({
          object: e.object,
          message: `CALL ${e.object}: bgmigrate cannot see what the procedure does, so its effects are not checked`,
        });
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
