import { defineRule, type RuleHit } from './support/rule.js';

/** A migration declared `phase=expand` that contains a contract effect. */
export default defineRule({
  id: 'phase-mismatch',
  category: 'forbidden',
  defaultLevel: 'error',
  summary: 'a migration declared `phase=expand` containing a contract effect',
  why: 'The expand phase runs while the old color serves traffic; a contract effect breaks it.',
  help: 'Move the contract statement to a migration declared `-- bgmigrate: phase=contract`, applied after the release that stops using the object has shipped.',
  check(ctx) {
    if (ctx.file.directives.phase !== 'expand') return;
    const hits: RuleHit[] = [];
    for (const e of ctx.effects) {
      if (e.class !== 'contract') continue;
      hits.push({
        message: `this migration is declared phase=expand but ${e.kind.replace(/-/g, ' ')} ${e.object} is a contract effect`,
        object: e.object,
        lock: e.lock ?? undefined,
      });
    }
    return hits;
  },
});
