import { defineRule, type RuleHit } from './support/rule.js';

/** `ALTER DOMAIN … VALIDATE CONSTRAINT` of a domain that existing tables use. */
export default defineRule({
  id: 'validate-domain-constraint',
  category: 'lock',
  defaultLevel: 'error',
  summary: '`ALTER DOMAIN … VALIDATE CONSTRAINT` of a domain used by existing tables',
  why:
    'Unlike VALIDATE CONSTRAINT on a table (ShareUpdateExclusiveLock: reads and writes continue), validating a ' +
    "domain's constraint scans every table with a column of that domain under a ShareLock: the running " +
    "release's INSERT, UPDATE and DELETE on those tables wait for the whole scan.",
  help:
    'Validate when writes to those tables can wait, or keep CHECK constraints off domains in use: put the CHECK on each ' +
    "table's column (`ADD CONSTRAINT … NOT VALID`, then `VALIDATE CONSTRAINT`, which lets writes continue).",
  effectKinds: ['related-lock'],
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const e of ctx.effects) {
      if (e.kind !== 'related-lock' || e.detail.subtype !== 'domain-validate' || e.detail.certainlyNew || !e.table) continue;
      hits.push({
        object: e.table,
        lock: 'ShareLock',
        message: `validating a constraint of domain ${e.object} scans ${e.table} under a ShareLock: writes of the running release to ${e.table} wait for the whole scan`,
      });
    }
    return hits;
  },
});
