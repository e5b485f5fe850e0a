import { defineRule, type RuleHit } from './support/rule.js';

/** Reads `SET lock_timeout = …` values: milliseconds, or undefined when not a plain duration. */
function millis(value: string | undefined): number | undefined {
  const m = /^\s*'?(\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?'?\s*$/.exec(value ?? '');
  if (!m) return undefined;
  const unit: Record<string, number> = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };
  return Number(m[1]) * unit[m[2] ?? 'ms'];
}

/** `SET lock_timeout = 0` (or a long one) in a migration. */
export default defineRule({
  id: 'set-lock-timeout',
  category: 'hygiene',
  defaultLevel: 'warning',
  summary: '`SET [LOCAL] lock_timeout` / `statement_timeout` (or `set_config()` of them) to 0 (no limit) or to 10 seconds or more in a migration',
  why:
    'While a DDL statement waits for a lock, every query on that table queues behind it. bgmigrate apply keeps its own cap ' +
    '(apply.lockTimeout) whatever the migration sets, so under bgmigrate this setting has no effect; applied by another tool, ' +
    'it lets live traffic wait for as long as the blocker runs.',
  help: 'Remove the SET and let the runner bound the wait (apply.lockTimeout, with retries); for files applied by other tools, use a short timeout such as 2s.',
  effectKinds: ['set'],
  check(ctx) {
    const hits: RuleHit[] = [];
    for (const e of ctx.effects) {
      const setting = String(e.detail.setting ?? '').toLowerCase();
      if (e.kind !== 'set' || (setting !== 'lock_timeout' && setting !== 'statement_timeout')) continue;
      const ms = millis(e.detail.value as string | undefined);
      if (ms === undefined || (ms !== 0 && ms < 10_000)) continue;
      hits.push({
        object: setting,
        message: `${setting} ${ms === 0 ? '= 0 removes the limit' : `= ${e.detail.value} allows long waits`}: bgmigrate apply keeps its own cap (apply.lockTimeout) instead; another runner would let live queries queue behind a blocked statement for that long`,
      });
    }
    return hits;
  },
});
