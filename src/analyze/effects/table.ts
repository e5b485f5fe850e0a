/**
 * Tables: CREATE TABLE (… AS, FOREIGN), TRUNCATE, ALTER TABLE and its table-level subcommands
 * (persistence, access method, tablespace, storage parameters, partitions), DROP and RENAME of a
 * table. ALTER TABLE's column, constraint, trigger and row-security subcommands are in their
 * families' files (./index.ts maps them).
 */
import { part } from '../../object-name.js';
import { creationName } from '../names.js';
import type { ConstraintInfo } from '../schema.js';
import { dropDependents } from './cascade.js';
import { calls, usedNames } from './calls.js';
import { columnFacts, recordColumnUses } from './column.js';
import { constraintInfo, defaultConstraintName, inlineForeignKey } from './constraint.js';
import { AEL, SRE, SUE, allPartitions, effect, lockPartitions, objectName, qualifyRef, rel, relatedLock, type Ctx, type DropOptions, type Node, type TableCommand } from './context.js';
import { alterTableCommand } from './index.js';
import { alterIndex } from './indexes.js';
import type { EffectKind } from './kinds.js';
import { alterOwner } from './privilege.js';
import { alterSequence } from './sequence.js';
import { alterCompositeType } from './type.js';
import { alterView, viewReads } from './view.js';

/** CREATE TABLE (… PARTITION OF, INHERITS): the table, its columns and constraints, and the locks its foreign keys take. */
export function createTable(ctx: Ctx, n: Node): void {
  const name = creationName(n.relation as Node, ctx.session);
  const elts = (n.tableElts ?? []) as Node[];
  const tableConstraints = elts.filter((e) => e.Constraint);
  const columns = elts.filter((e) => e.ColumnDef).map((e) => columnFacts(e.ColumnDef as Node, ctx.pgVersion, tableConstraints));
  const parents = ((n.inhRelations ?? []) as Node[]).map((r) => rel(ctx, r));
  const partitionOf = n.partbound !== undefined;
  const exists = ctx.schema.table(name) !== undefined;
  const ifNotExists = Boolean(n.if_not_exists);
  // IF NOT EXISTS makes nothing new unless the model knows the table is absent: a table the
  // migrations never created is assumed to exist (and be in use). Temporary tables are new.
  const mayExist = ifNotExists && !name.startsWith('pg_temp.');
  effect(ctx, 'create-table', name, 'additive', AEL, {
    table: name,
    detail: { newInFile: !(exists && ifNotExists) || ctx.schema.isNewInFile(name), known: true, columns, ifNotExists, partitioned: n.partspec !== undefined },
  });
  const isDefault = (n.partbound as Node | undefined)?.is_default === true;
  for (const p of parents) {
    // PARTITION OF locks the parent exclusively; INHERITS takes a ShareUpdateExclusiveLock (measured).
    effect(ctx, partitionOf ? 'create-partition' : 'alter-table', p, 'neutral', partitionOf ? AEL : SUE, { table: p, detail: { subtype: partitionOf ? 'partition-of' : 'inherits' } });
    if (partitionOf && !isDefault) defaultPartitionScan(ctx, p);
  }
  const refs = new Set<string>();
  for (const c of columns) if (c.references) refs.add(qualifyRef(ctx, c.references));
  for (const c of tableConstraints) {
    const k = c.Constraint as Node;
    if (k.contype === 'CONSTR_FOREIGN') refs.add(rel(ctx, k.pktable));
  }
  if (!(exists && ifNotExists)) for (const e of elts) if (e.ColumnDef) recordColumnUses(ctx, name, e.ColumnDef as Node);
  for (const r of refs) {
    if (r === name) continue;
    effect(ctx, 'add-constraint', `${r}`, 'additive', SRE, { table: r, detail: { constraintType: 'foreign-key', referencedTable: r, subtype: 'referenced' } });
  }
  if (exists && ifNotExists) return;
  const bare = name.split('.').pop();
  const infos: ConstraintInfo[] = [];
  for (const c of tableConstraints) {
    const k = c.Constraint as Node;
    const info = constraintInfo(ctx, k, defaultConstraintName(bare!, k, (n) => infos.some((i) => i.name === n)));
    if (info) infos.push({ ...info, valid: true });
  }
  for (const c of columns) {
    if (c.references) infos.push(inlineForeignKey(ctx, bare!, c));
    if (c.primaryKey && !infos.some((i) => i.type === 'primary-key')) infos.push({ name: `${bare}_pkey`, type: 'primary-key', valid: true, columns: [c.name] });
    // A column's own UNIQUE is a constraint named as PostgreSQL names it (<table>_<column>_key).
    if (c.unique && !infos.some((i) => i.name === `${bare}_${c.name}_key`)) infos.push({ name: `${bare}_${c.name}_key`, type: 'unique', valid: true, columns: [c.name] });
  }
  ctx.mutations.push((m) => {
    m.createTable(name, n.partspec !== undefined ? 'partitioned-table' : 'table', columns.map((c) => ({ name: c.name, type: c.type, notNull: c.notNull, hasDefault: c.default !== undefined || c.serial || c.identity })), mayExist);
    for (const info of infos) m.addConstraint(name, info);
    if (partitionOf) for (const p of parents) m.addPartition(p, name, isDefault);
  });
}

/** CREATE TABLE … AS and CREATE MATERIALIZED VIEW … AS: a new relation filled by a query. */
export function createTableAs(ctx: Ctx, n: Node): void {
  const into = (n.into as Node).rel as Node;
  const name = creationName(into, ctx.session);
  const matview = n.objtype === 'OBJECT_MATVIEW';
  const mayExist = Boolean(n.if_not_exists) && !name.startsWith('pg_temp.');
  if (mayExist && ctx.schema.table(name)) {
    effect(ctx, matview ? 'create-view' : 'create-table', name, 'neutral', null, { table: name, detail: { subtype: 'exists' } });
    return;
  }
  calls(ctx, n.query);
  effect(ctx, matview ? 'create-view' : 'create-table', name, 'additive', AEL, { table: name, detail: { newInFile: true, known: true, subtype: matview ? 'materialized-view' : 'table-as' } });
  ctx.mutations.push((m) => m.createTable(name, matview ? 'materialized-view' : 'table', [], mayExist));
  if (matview) {
    const reads = viewReads(ctx, n.query);
    const routines = usedNames(ctx, n.query);
    ctx.mutations.push((m) => {
      m.setView(name, reads);
      m.setUses({ kind: 'view', table: name }, routines);
    });
  }
}

export function createForeignTable(ctx: Ctx, n: Node): void {
  const base = (n.base ?? {}) as Node;
  const name = creationName(base.relation as Node, ctx.session);
  const mayExist = Boolean(base.if_not_exists);
  effect(ctx, 'create-table', name, 'additive', null, { table: name, detail: { newInFile: !mayExist, known: true, subtype: 'foreign' } });
  if (!(mayExist && ctx.schema.table(name))) ctx.mutations.push((m) => m.createTable(name, 'table', [], mayExist));
}

/** TRUNCATE: every row of a table the old release reads goes (with CASCADE, of the tables referencing it too). */
export function truncate(ctx: Ctx, n: Node): void {
  const cascade = n.behavior === 'DROP_CASCADE';
  const relations = (n.relations ?? []) as Node[];
  const named = relations.map((r) => rel(ctx, r));
  named.forEach((name, i) => {
    effect(ctx, 'truncate-table', name, 'contract', AEL, { table: name, rewrites: true, detail: { cascade } });
    // Without ONLY every partition is emptied too: a new, empty file for each, under an AccessExclusiveLock.
    lockPartitions(ctx, name, { lock: AEL, rewrites: true, scans: false }, relations[i]);
  });
  if (cascade) {
    // CASCADE truncates every table whose foreign key points at a truncated one.
    const seen = new Set(named);
    const queue = [...named];
    while (queue.length > 0) {
      const from = queue.shift()!;
      for (const r of ctx.schema.referencing(from)) {
        if (seen.has(r.table)) continue;
        seen.add(r.table);
        queue.push(r.table);
        effect(ctx, 'truncate-table', r.table, 'contract', AEL, { table: r.table, rewrites: true, detail: { cascade, subtype: 'cascade', value: from } });
      }
    }
  }
}

/**
 * ALTER TABLE, each subcommand by its handler in ./index.ts's `ALTER_TABLE_COMMANDS`, with the
 * locks recursing to partitions. ALTER INDEX / SEQUENCE / VIEW / TYPE parse as ALTER TABLE of
 * another object type: those go to their families.
 */
export function alterTable(ctx: Ctx, n: Node): void {
  const objtype = String(n.objtype ?? 'OBJECT_TABLE');
  const table = rel(ctx, n.relation);
  const cmds = ((n.cmds ?? []) as Node[]).map((c) => (c.AlterTableCmd ?? {}) as Node);
  if (objtype !== 'OBJECT_TABLE' && objtype !== 'OBJECT_FOREIGN_TABLE') {
    // ALTER SEQUENCE / VIEW / INDEX … OWNER TO: the old owner's privileges go with it.
    for (const c of cmds) if (c.subtype === 'AT_ChangeOwner') alterOwner(ctx, { objectType: objtype, object: { String: { sval: table } }, newowner: c.newowner });
  }
  if (objtype === 'OBJECT_INDEX') return alterIndex(ctx, table, cmds);
  if (objtype === 'OBJECT_SEQUENCE') return alterSequence(ctx, table);
  if (objtype === 'OBJECT_VIEW' || objtype === 'OBJECT_MATVIEW') return alterView(ctx, table, objtype, cmds);
  if (objtype === 'OBJECT_TYPE') return alterCompositeType(ctx, table, cmds);
  const first = ctx.effects.length;
  for (const c of cmds) alterTableCommand(ctx, table, c, objtype);
  if ((n.relation as Node).inh !== true) return;
  // ALTER TABLE on a partitioned table recurses to every partition (ONLY stops it).
  const parts = allPartitions(ctx, table);
  if (parts.length === 0) return;
  const own = ctx.effects.slice(first).filter((e) => e.table === table && e.lock !== null && !NO_RECURSION.has(e.kind));
  for (const e of own) for (const p of parts) relatedLock(ctx, e, p, 'partition');
}

// Row security is the partitioned table's own (measured: ENABLE ROW LEVEL SECURITY locks no partition).
const NO_RECURSION: ReadonlySet<EffectKind> = new Set(['attach-partition', 'detach-partition', 'related-lock', 'rename-table', 'set-schema', 'row-security']);

/** ALTER TABLE ALL IN TABLESPACE … SET TABLESPACE: rewrites every table it reaches. */
export function moveAllTablespace(ctx: Ctx, n: Node): void {
  effect(ctx, 'set-tablespace', String(n.orig_tablespacename), 'neutral', AEL, { rewrites: true });
}

export function dropTable(ctx: Ctx, o: Node, { type, cascade, detail }: DropOptions): void {
  const name = objectName(ctx, o, type);
  effect(ctx, 'drop-table', name, 'contract', AEL, { table: name, detail });
  // Dropping a partition changes its parent's partition bounds: an AccessExclusiveLock on the parent.
  const parent = ctx.schema.parentOf(name);
  if (parent !== undefined) relatedLock(ctx, { lock: AEL, rewrites: false, scans: false }, parent, 'partition-parent', name);
  ctx.mutations.push((m) => m.dropTable(name));
  dropDependents(ctx, name, cascade);
}

export function renameTable(ctx: Ctx, n: Node, type: string, newName: string): void {
  const name = rel(ctx, n.relation);
  const to = `${name.split('.')[0]}.${part(newName)}`;
  effect(ctx, 'rename-table', name, 'contract', AEL, { table: name, detail: { newName: to } });
  ctx.mutations.push((m) => m.renameTable(name, to));
}

/** SET LOGGED / UNLOGGED: a rewrite. */
export function setPersistence(ctx: Ctx, table: string, { sub }: TableCommand): void {
  effect(ctx, 'set-persistence', table, 'neutral', AEL, { table, rewrites: true, scans: true, detail: { subtype: sub === 'AT_SetLogged' ? 'logged' : 'unlogged' } });
}

export function setAccessMethod(ctx: Ctx, table: string, { cmd }: TableCommand): void {
  effect(ctx, 'set-access-method', table, 'neutral', AEL, { table, rewrites: true, scans: true, detail: { value: String(cmd.name ?? '') } });
}

export function setTablespace(ctx: Ctx, table: string, { cmd }: TableCommand): void {
  effect(ctx, 'set-tablespace', table, 'neutral', AEL, { table, rewrites: true, scans: true, detail: { value: String(cmd.name ?? '') } });
}

export function setStorageParams(ctx: Ctx, table: string, { sub }: TableCommand): void {
  effect(ctx, 'set-storage-params', table, 'neutral', SUE, { table, detail: { subtype: sub } });
}

export function attachPartition(ctx: Ctx, table: string, { def }: TableCommand): void {
  const cmd = def.PartitionCmd as Node;
  const partition = rel(ctx, cmd.name);
  const isDefault = (cmd.bound as Node | undefined)?.is_default === true;
  effect(ctx, 'attach-partition', partition, 'additive', SUE, { table, detail: { subtype: 'parent' } });
  effect(ctx, 'attach-partition', partition, 'additive', AEL, { table: partition, scans: true, detail: { subtype: 'partition' } });
  if (!isDefault) defaultPartitionScan(ctx, table);
  ctx.mutations.push((m) => m.addPartition(table, partition, isDefault));
}

/**
 * A new partition of a table with a DEFAULT partition: PostgreSQL checks that no row of the
 * default partition belongs in it, scanning the default partition under an AccessExclusiveLock
 * (unless a CHECK on it excludes the new bounds, which the model does not evaluate). Measured:
 * test/trace/cases.ts, `create_partition_with_default` and `attach_partition_with_default`.
 */
function defaultPartitionScan(ctx: Ctx, parent: string): void {
  const fallback = ctx.schema.defaultPartitionOf(parent);
  if (fallback !== undefined) relatedLock(ctx, { lock: AEL, rewrites: false, scans: true }, fallback, 'default-partition', parent);
}

export function detachPartition(ctx: Ctx, table: string, { sub, def }: TableCommand): void {
  const pc = (def.PartitionCmd ?? {}) as Node;
  const partition = rel(ctx, pc.name);
  const concurrently = Boolean(pc.concurrent) || sub === 'AT_DetachPartitionFinalize';
  if (concurrently) ctx.cannotRunInTransaction = true;
  effect(ctx, 'detach-partition', partition, 'neutral', concurrently ? SUE : AEL, { table, detail: { concurrently, subtype: sub } });
  if (!concurrently) relatedLock(ctx, { lock: AEL, rewrites: false, scans: false }, partition, 'partition');
  // The DEFAULT partition's implicit constraint changes with the bounds it no longer excludes.
  const fallback = ctx.schema.defaultPartitionOf(table);
  if (!concurrently && fallback !== undefined && fallback !== partition) relatedLock(ctx, { lock: AEL, rewrites: false, scans: false }, fallback, 'default-partition-bounds', table);
  ctx.mutations.push((m) => m.removePartition(table, partition));
}

/**
 * INHERIT / NO INHERIT: queries on the parent read its children too, so the rows the running
 * release reads (and updates and deletes) from the parent gain or lose this table's.
 */
export function changeInheritance(ctx: Ctx, table: string, { sub, def }: TableCommand): void {
  const parent = def?.RangeVar ? rel(ctx, def) : '?';
  effect(ctx, 'alter-table', table, 'neutral', AEL, { table, detail: { subtype: sub === 'AT_AddInherit' ? 'inherit' : 'no-inherit', value: parent } });
}

/** Replica identity, rule switches, clustering, typed tables (OF): the table itself is unchanged for a release. */
export function alterTableOther(ctx: Ctx, table: string, { sub }: TableCommand): void {
  effect(ctx, 'alter-table', table, 'neutral', sub === 'AT_ClusterOn' || sub === 'AT_DropCluster' ? SUE : AEL, { table, detail: { subtype: sub } });
}
