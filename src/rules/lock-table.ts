import { LOCK_ORDER } from '../model.js';
import { defineRule, lockName, type RuleHit } from './support/rule.js';

/** `LOCK TABLE` in a mode that blocks the running release's writes (or reads). */
export default defineRule({
  id: 'lock-table',
  category: 'lock',
  defaultLevel: 'error',
  summary: '`LOCK TABLE` in SHARE mode or stronger on an existing table',
  why: 'An explicit lock is held until the migration commits: the running release\'s writes (ACCESS EXCLUSIVE: reads too) queue behind it for the rest of the migration, however long that is.',
  help: 'Let each statement take the lock it needs, for as short as it needs it; the runner bounds the wait with its lock timeout.',
  effectKinds: ['lock-table'],
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const e of ctx.effects) {
      if (e.kind !== 'lock-table' || !e.lock || e.detail.certainlyNew) continue;
      if (LOCK_ORDER.indexOf(e.lock) < LOCK_ORDER.indexOf('ShareLock')) continue;
      hits.push({ object: e.object, lock: e.lock, message: `LOCK TABLE ${e.object} takes a ${lockName(e.lock)} held until the migration commits: the running release's ${e.lock === 'AccessExclusiveLock' ? 'reads and writes' : 'writes'} wait for all of it` });
    }
    return hits;
  },
});
