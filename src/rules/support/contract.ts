/**
 * Shared shape of the contract rules: each fires on effects of some kinds whose class is
 * `contract` (objects created earlier in the same file are neutral: no color uses them yet).
 */
import type { AnalyzedEffect, EffectKind } from '../../analyze/effects/index.js';
import { defineRule, lockName, type Rule, type RuleHit, type RuleMeta } from './rule.js';

export function contractRule(
  meta: Omit<RuleMeta, 'category' | 'defaultLevel'>,
  kinds: readonly EffectKind[],
  message: (e: AnalyzedEffect, pgVersion: number) => string,
  extra?: (e: AnalyzedEffect) => boolean,
): Rule {
  return defineRule({
    ...meta,
    category: 'contract',
    defaultLevel: 'error',
    effectKinds: kinds,
    check(ctx) {
      const hits: RuleHit[] = [];
      for (const e of ctx.effects) {
        if (!kinds.includes(e.kind) || e.class !== 'contract') continue;
        if (extra && !extra(e)) continue;
        const text = message(e, ctx.pgVersion);
        const cascade = e.detail.cascadeFrom && !text.includes('CASCADE') ? ` (removed by CASCADE from ${e.detail.cascadeFrom})` : '';
        hits.push({ message: text + cascade, object: e.object, lock: e.lock ?? undefined, effect: e });
      }
      return hits;
    },
  });
}

/** "takes an AccessExclusiveLock on public.users" or "" when no table lock is involved. */
export function lockPhrase(e: AnalyzedEffect): string {
  if (!e.lock) return '';
  return ` takes an ${lockName(e.lock)} on ${e.table ?? e.object} and`;
}
