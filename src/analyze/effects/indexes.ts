/**
 * Indexes: CREATE INDEX (built on every partition), REINDEX, ALTER INDEX, DROP INDEX (a unique one
 * may be what the old release's ON CONFLICT needs) and RENAME of an index.
 */
import { part } from '../../object-name.js';
import { hasOption } from '../transaction-mode.js';
import { calls } from './calls.js';
import { AEL, SHR, SUE, effect, lockPartitions, objectName, rel, type Ctx, type DropOptions, type Node } from './context.js';

export function createIndex(ctx: Ctx, n: Node): void {
  const table = rel(ctx, n.relation);
  const schemaName = table.split('.')[0];
  const idx = n.idxname ? `${schemaName}.${part(n.idxname)}` : `${table}(${indexCols(n)})`;
  const concurrently = Boolean(n.concurrent);
  // Index expressions and predicates are evaluated for every row while the index is built.
  calls(ctx, [n.indexParams, n.whereClause]);
  if (concurrently) ctx.cannotRunInTransaction = true;
  // libpg-query leaves `inh` out for `ON ONLY`.
  const only = (n.relation as Node).inh !== true;
  effect(ctx, 'create-index', idx, 'additive', concurrently ? SUE : SHR, {
    table,
    scans: !only || !ctx.schema.table(table),
    detail: { concurrently, unique: Boolean(n.unique), only, ifNotExists: Boolean(n.if_not_exists) },
  });
  // An index on a partitioned table is built on every partition.
  lockPartitions(ctx, table, { lock: concurrently ? SUE : SHR, rewrites: false, scans: true }, n.relation as Node);
  const elems = ((n.indexParams ?? []) as Node[]).map((p) => (p.IndexElem ?? {}) as Node);
  const keys = elems.length > 0 && elems.every((e) => typeof e.name === 'string') ? elems.map((e) => String(e.name)) : undefined;
  ctx.mutations.push((m) => m.addIndex(table, idx, Boolean(n.unique), keys));
}

function indexCols(n: Node): string {
  return ((n.indexParams ?? []) as Node[])
    .map((p) => String(((p.IndexElem ?? {}) as Node).name ?? 'expr'))
    .join(', ');
}

export function reindex(ctx: Ctx, n: Node): void {
  const concurrently = hasOption(n.params as Node[] | undefined, 'concurrently');
  const kind = String(n.kind ?? '');
  let table: string | undefined;
  let object: string;
  if (n.relation) {
    object = rel(ctx, n.relation);
    table = kind === 'REINDEX_OBJECT_INDEX' ? ctx.schema.indexTable(object) ?? object : object;
  } else {
    object = String(n.name ?? kind);
  }
  if (concurrently) ctx.cannotRunInTransaction = true;
  if (kind === 'REINDEX_OBJECT_SCHEMA' || kind === 'REINDEX_OBJECT_DATABASE' || kind === 'REINDEX_OBJECT_SYSTEM') ctx.cannotRunInTransaction = true;
  effect(ctx, 'reindex', object, 'neutral', concurrently ? SUE : SHR, {
    table: table ?? object,
    scans: true,
    detail: { concurrently, subtype: kind.replace('REINDEX_OBJECT_', '').toLowerCase() },
  });
}

/** ALTER INDEX (parsed as ALTER TABLE of an index): each subcommand locks the index's table. */
export function alterIndex(ctx: Ctx, index: string, cmds: Node[]): void {
  for (const cmd of cmds) {
    const sub = String(cmd.subtype);
    const owner = ctx.schema.indexTable(index);
    // Storage parameters of an index lock the index alone (measured), not its table.
    const lock = sub === 'AT_AttachPartition' ? SUE : sub === 'AT_SetRelOptions' || sub === 'AT_ResetRelOptions' ? null : AEL;
    effect(ctx, 'alter-index', index, 'neutral', lock, { table: owner ?? index, detail: { subtype: sub } });
  }
}

export function dropIndex(ctx: Ctx, o: Node, { type, detail, concurrently }: DropOptions): void {
  const name = objectName(ctx, o, type);
  const table = ctx.schema.indexTable(name);
  if (concurrently) ctx.cannotRunInTransaction = true;
  const e = effect(ctx, 'drop-index', name, 'neutral', concurrently ? SUE : AEL, { table: table ?? name, detail: { ...detail, concurrently } });
  if (!table) {
    // Unknown index: its table is unknown, so treat it as existing and large.
    e.detail.known = false;
    e.detail.newInFile = false;
  }
  // A UNIQUE index (or one bgmigrate does not know) may be what the old release's
  // `INSERT … ON CONFLICT` needs.
  const unique = ctx.schema.isUniqueIndex(name);
  if (unique !== false) effect(ctx, 'drop-unique-index', name, 'contract', null, { table: table ?? undefined, detail: { ...detail, known: unique !== undefined } });
  ctx.mutations.push((m) => m.dropIndex(name));
}

export function renameIndex(ctx: Ctx, n: Node, type: string, newName: string): void {
  const name = rel(ctx, n.relation);
  const to = `${name.split('.')[0]}.${part(newName)}`;
  effect(ctx, 'rename-index', name, 'neutral', null, { detail: { newName: to } });
  ctx.mutations.push((m) => m.renameIndex(name, to));
}
