/**
 * What `DROP … CASCADE` (and a drop's foreign keys) take with them besides the object: dependent
 * views, defaults and generated columns using a routine or sequence, a schema's contents, and
 * the locks on tables at the other end of foreign keys.
 */
import { part } from '../../object-name.js';
import type { Use } from '../schema.js';
import { AEL, effect, relatedLock, type Ctx } from './context.js';

/**
 * What dropping a relation does to others: its foreign keys' triggers on the tables they point
 * at are dropped (AccessExclusiveLock there); with CASCADE, foreign keys pointing at it are
 * dropped (AccessExclusiveLock on their tables) and the views reading it are dropped too.
 */
export function dropDependents(ctx: Ctx, name: string, cascade: boolean): void {
  for (const fk of ctx.schema.foreignKeysOf(name)) {
    if (fk.references && fk.references !== name) relatedLock(ctx, { lock: AEL, rewrites: false, scans: false }, fk.references, 'referenced-table');
  }
  if (!cascade) return;
  const seen = new Set<string>();
  for (const r of ctx.schema.referencing(name)) {
    if (seen.has(r.table)) continue;
    seen.add(r.table);
    relatedLock(ctx, { lock: AEL, rewrites: false, scans: false }, r.table, 'referencing-table');
  }
  for (const view of ctx.schema.viewsOn(name)) {
    const kind = ctx.schema.table(view)?.kind === 'materialized-view' ? 'materialized-view' : 'view';
    effect(ctx, 'drop-view', view, 'contract', AEL, { table: view, detail: { cascade, cascadeFrom: name, subtype: kind } });
    ctx.mutations.push((m) => m.dropTable(view));
  }
}

/**
 * What `DROP … CASCADE` of a routine or sequence removes besides it: views calling it, column
 * defaults using it (the columns stay, without their default) and generated columns computed
 * by it. Each is a contract effect of its own, judged by the ledger like a direct drop.
 */
export function dropUsers(ctx: Ctx, name: string): void {
  for (const u of ctx.schema.usesOf(name)) {
    if (u.kind === 'view') {
      const kind = ctx.schema.table(u.table)?.kind === 'materialized-view' ? 'materialized-view' : 'view';
      effect(ctx, 'drop-view', u.table, 'contract', AEL, { table: u.table, detail: { cascade: true, cascadeFrom: name, subtype: kind } });
      ctx.mutations.push((m) => m.dropTable(u.table));
      dropDependents(ctx, u.table, true);
    } else if (u.kind === 'default') {
      effect(ctx, 'drop-default', `${u.table}.${part(u.column)}`, 'contract', AEL, { table: u.table, detail: { column: u.column, cascade: true, cascadeFrom: name } });
      ctx.mutations.push((m) => m.updateColumn(u.table, u.column!, { hasDefault: false }));
    } else {
      effect(ctx, 'drop-column', `${u.table}.${part(u.column)}`, 'contract', AEL, { table: u.table, detail: { column: u.column, cascade: true, cascadeFrom: name, subtype: 'generated' } });
      ctx.mutations.push((m) => m.dropColumn(u.table, u.column!));
    }
  }
}

/** `DROP SCHEMA … CASCADE`: everything the model knows in it, and what depends on that elsewhere. */
export function dropSchemaContents(ctx: Ctx, schema: string): void {
  const { relations, objects } = ctx.schema.inSchema(schema);
  const detail = { cascade: true, cascadeFrom: schema };
  for (const t of relations) {
    if (t.kind === 'view' || t.kind === 'materialized-view') effect(ctx, 'drop-view', t.name, 'contract', AEL, { table: t.name, detail: { ...detail, subtype: t.kind } });
    else effect(ctx, 'drop-table', t.name, 'contract', AEL, { table: t.name, detail });
  }
  const inside = new Set(relations.map((t) => t.name));
  for (const t of relations) {
    // Views in other schemas that read a table in this one go too.
    for (const v of ctx.schema.viewsOn(t.name)) {
      if (inside.has(v)) continue;
      inside.add(v);
      effect(ctx, 'drop-view', v, 'contract', AEL, { table: v, detail: { cascade: true, cascadeFrom: t.name } });
    }
  }
  for (const o of objects) {
    if (o.kind === 'routine') effect(ctx, 'drop-routine', o.name, 'contract', null, { detail });
    else if (o.kind === 'sequence') effect(ctx, 'drop-sequence', o.name, 'contract', null, { detail });
    else if (o.kind === 'type' || o.kind === 'checked-domain') effect(ctx, 'drop-type', o.name, 'contract', null, { detail });
    else continue;
    if (o.kind === 'routine' || o.kind === 'sequence') {
      for (const u of ctx.schema.usesOf(o.name)) if (!inside.has(u.table)) dropUsersOne(ctx, o.name, u);
    } else {
      for (const c of ctx.schema.columnsOfType(o.name)) if (!inside.has(c.table)) effect(ctx, 'drop-column', `${c.table}.${part(c.column)}`, 'contract', AEL, { table: c.table, detail: { column: c.column, cascade: true, cascadeFrom: o.name } });
    }
  }
}

function dropUsersOne(ctx: Ctx, name: string, u: Use): void {
  if (u.kind === 'view') effect(ctx, 'drop-view', u.table, 'contract', AEL, { table: u.table, detail: { cascade: true, cascadeFrom: name } });
  else if (u.kind === 'default') effect(ctx, 'drop-default', `${u.table}.${part(u.column)}`, 'contract', AEL, { table: u.table, detail: { column: u.column, cascade: true, cascadeFrom: name } });
  else effect(ctx, 'drop-column', `${u.table}.${part(u.column)}`, 'contract', AEL, { table: u.table, detail: { column: u.column, cascade: true, cascadeFrom: name, subtype: 'generated' } });
}
