/**
 * Views and materialized views: CREATE [OR REPLACE] VIEW, REFRESH, ALTER VIEW, DROP and RENAME,
 * with what each view reads (the schema model keeps it for DROP COLUMN … CASCADE and the like).
 */
import { part } from '../../object-name.js';
import { creationName } from '../names.js';
import { dropDependents } from './cascade.js';
import { usedNames } from './calls.js';
import { AEL, SUE, effect, objectName, rel, type Ctx, type DropOptions, type Node } from './context.js';

/** CREATE [OR REPLACE] VIEW. */
export function createView(ctx: Ctx, n: Node): void {
  const name = creationName(n.view as Node, ctx.session);
  effect(ctx, 'create-view', name, 'additive', n.replace ? AEL : null, { table: name, detail: { subtype: n.replace ? 'replace' : 'create' } });
  // OR REPLACE of a view the migrations never created replaces one assumed in use.
  if (!ctx.schema.table(name)) ctx.mutations.push((m) => m.createTable(name, 'view', [], Boolean(n.replace) && !name.startsWith('pg_temp.')));
  const reads = viewReads(ctx, n.query);
  const routines = usedNames(ctx, n.query);
  ctx.mutations.push((m) => {
    m.setView(name, reads);
    m.setUses({ kind: 'view', table: name }, routines);
  });
}

export function refreshMatview(ctx: Ctx, n: Node): void {
  const name = rel(ctx, n.relation);
  effect(ctx, 'refresh-matview', name, 'neutral', n.concurrent ? 'ExclusiveLock' : AEL, {
    table: name,
    rewrites: !n.concurrent,
    scans: true,
    detail: { concurrently: Boolean(n.concurrent) },
  });
}

/**
 * What a view's query reads: each table in it, with every column name the query mentions
 * (`all` when it selects `*`). Aliases are not resolved, so a column name counts for every
 * table of the query: it errs towards "used".
 */
export function viewReads(ctx: Ctx, query: unknown): Map<string, ReadonlySet<string> | 'all'> {
  const tables = new Set<string>();
  const columns = new Set<string>();
  let star = false;
  const visit = (v: unknown): void => {
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach(visit);
    const o = v as Node;
    if (o.RangeVar) tables.add(rel(ctx, o.RangeVar));
    if (o.ColumnRef) {
      const fields = ((o.ColumnRef as Node).fields ?? []) as Node[];
      const last = fields[fields.length - 1];
      if (last?.A_Star) star = true;
      else if (last?.String) columns.add(String((last.String as Node).sval));
    }
    for (const x of Object.values(o)) visit(x);
  };
  visit(query);
  const out = new Map<string, ReadonlySet<string> | 'all'>();
  for (const t of tables) out.set(t, star ? 'all' : columns);
  return out;
}

/** ALTER VIEW / ALTER MATERIALIZED VIEW (parsed as ALTER TABLE of a view). */
/**
 * ALTER VIEW / MATERIALIZED VIEW subcommands. A materialized view's storage parameters and
 * clustering take a ShareUpdateExclusiveLock, as a table's do (measured); anything else, and a
 * view's options (check_option, security_barrier), an AccessExclusiveLock.
 */
export function alterView(ctx: Ctx, view: string, objtype: string, cmds: readonly Node[] = []): void {
  const light = objtype === 'OBJECT_MATVIEW' && cmds.length > 0 && cmds.every((c) => MATVIEW_LIGHT.has(String(c.subtype)));
  effect(ctx, 'neutral-ddl', view, 'neutral', light ? SUE : AEL, { table: view, detail: { subtype: objtype } });
}

const MATVIEW_LIGHT = new Set(['AT_SetRelOptions', 'AT_ResetRelOptions', 'AT_ClusterOn', 'AT_DropCluster']);

export function dropView(ctx: Ctx, o: Node, { type, cascade, detail }: DropOptions): void {
  const name = objectName(ctx, o, type);
  effect(ctx, 'drop-view', name, 'contract', AEL, { table: name, detail: { ...detail, subtype: type === 'OBJECT_MATVIEW' ? 'materialized-view' : 'view' } });
  ctx.mutations.push((m) => m.dropTable(name));
  if (cascade) dropDependents(ctx, name, cascade);
}

export function renameView(ctx: Ctx, n: Node, type: string, newName: string): void {
  const name = rel(ctx, n.relation);
  const to = `${name.split('.')[0]}.${part(newName)}`;
  effect(ctx, 'rename-view', name, 'contract', AEL, { table: name, detail: { newName: to } });
  ctx.mutations.push((m) => m.renameTable(name, to));
}
