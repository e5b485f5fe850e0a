/**
 * Maintenance: VACUUM [FULL] / ANALYZE and CLUSTER (both outside a transaction when they name no
 * table; VACUUM FULL and CLUSTER rewrite).
 */
import { hasOption } from '../transaction-mode.js';
import { AEL, SUE, effect, rel, type Ctx, type Node } from './context.js';
import type { EffectKind } from './kinds.js';

/** VACUUM and ANALYZE. */
export function vacuum(ctx: Ctx, n: Node): void {
  const isVacuum = Boolean(n.is_vacuumcmd);
  // `FULL false` / `FULL off` / `FULL 0` is a plain VACUUM.
  const full = hasOption(n.options as Node[] | undefined, 'full');
  const rels = ((n.rels ?? []) as Node[]).map((r) => rel(ctx, (r.VacuumRelation as Node).relation));
  if (isVacuum) ctx.cannotRunInTransaction = true;
  const kind: EffectKind = isVacuum ? 'vacuum' : 'analyze';
  const lock = full ? AEL : SUE;
  if (rels.length === 0) effect(ctx, kind, 'database', 'neutral', null, { rewrites: full, scans: true, detail: { subtype: full ? 'full' : undefined } });
  for (const t of rels) effect(ctx, kind, t, 'neutral', lock, { table: t, rewrites: full, scans: true, detail: { subtype: full ? 'full' : undefined } });
}

export function cluster(ctx: Ctx, n: Node): void {
  if (!n.relation) {
    effect(ctx, 'cluster', 'database', 'neutral', null, { rewrites: true, scans: true });
    ctx.cannotRunInTransaction = true;
    return;
  }
  const t = rel(ctx, n.relation);
  effect(ctx, 'cluster', t, 'neutral', AEL, { table: t, rewrites: true, scans: true });
}
