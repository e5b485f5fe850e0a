import { LOCK_ORDER } from '../model.js';
import { defineRule, type RuleHit } from './support/rule.js';

/** A statement the analyser cannot classify: an error, never assumed safe. */
export default defineRule({
  id: 'unknown-effect',
  category: 'limit',
  defaultLevel: 'error',
  summary: 'A statement the analyser cannot classify, or a call of a volatile built-in function whose effects it does not know',
  why:
    'bgmigrate never assumes an unclassified statement is safe. When it cannot tell what a statement does ' +
    'to an existing table, it assumes the strongest lock PostgreSQL could take for it and says so. The same holds for a ' +
    "volatile built-in function whose effect reaches beyond the statement (lo_unlink, a session's pg_advisory_lock, " +
    'replication slots, pg_reload_conf, …): only built-ins known to change nothing another session depends on pass.',
  help:
    'Check the statement against the PostgreSQL documentation for the lock it takes; if it is safe, suppress ' +
    'this finding with the reason (and report the statement so bgmigrate can learn it).',
  effectKinds: ['unknown'],
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const e of ctx.effects) {
      if (e.kind !== 'unknown' || e.detail.certainlyNew) continue;
      if (!e.table || e.lock === null || LOCK_ORDER.indexOf(e.lock) < LOCK_ORDER.indexOf('ShareLock')) {
        hits.push({ object: e.object, effect: e, message: `bgmigrate cannot classify ${e.detail.nodeKind ?? ctx.statement.kind}: what it does to the running release is unknown` });
        continue;
      }
      hits.push({
        object: e.table,
        lock: e.lock,
        message: `bgmigrate cannot classify ${e.detail.nodeKind ?? ctx.statement.kind} on existing table ${e.table}; it assumes the worst, ${e.lock === 'AccessExclusiveLock' ? 'an AccessExclusiveLock, which blocks reads and writes' : `a ${e.lock}, which blocks writes`} while it runs`,
      });
    }
    return hits;
  },
});
