/**
 * Columns: their definitions (CREATE TABLE and ADD COLUMN share `columnFacts`), ALTER TABLE's
 * column subcommands (ADD / DROP COLUMN, TYPE, NOT NULL, DEFAULT, identity, storage) and RENAME
 * COLUMN, with what each changes in the schema model.
 */
import { part } from '../../object-name.js';
import { IMMUTABLE_BUILTINS, STABLE_BUILTINS, VOLATILE_BUILTINS } from '../builtins.js';
import { qualify, strings } from '../names.js';
import { isMetadataOnlyTypeChange, typeFacts } from '../types.js';
import { dropDependents } from './cascade.js';
import { calls, findRoutine, funcCalls, usedNames } from './calls.js';
import { inlineForeignKey, notNullEffect } from './constraint.js';
import { changedValues, sequenceValues } from './sequence.js';
import { AEL, SRE, SUE, addedInThisFile, effect, isNullConst, lockPartitions, qualifyRef, rel, relatedLock, type Ctx, type Node, type TableCommand } from './context.js';
import type { ColumnFacts, DefaultKind } from './kinds.js';

function defaultKind(expr: unknown, routineVolatility?: (name: string[]) => DefaultKind | undefined): DefaultKind {
  let result: DefaultKind = 'constant';
  const rank = { constant: 0, stable: 1, unknown: 2, volatile: 3 } as const;
  const bump = (k: DefaultKind) => {
    if (rank[k] > rank[result]) result = k;
  };
  const visit = (v: unknown): void => {
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach(visit);
    const n = v as Node;
    if (n.FuncCall) {
      const fc = n.FuncCall as Node;
      const parts = strings(fc.funcname as Node[]);
      const name = parts[parts.length - 1] ?? '';
      const builtin = parts.length === 1 || parts[0] === 'pg_catalog';
      const known = routineVolatility?.(parts);
      if (known) bump(known);
      else if (VOLATILE.has(name)) bump('volatile');
      else if (!builtin) bump('unknown');
      else bump(VOLATILE_BUILTINS.has(name) ? 'volatile' : STABLE_BUILTINS.has(name) ? 'stable' : IMMUTABLE_BUILTINS.has(name) ? 'constant' : 'unknown');
    }
    if (n.SQLValueFunction) bump('stable');
    if (n.SubLink) bump('unknown');
    for (const x of Object.values(n)) visit(x);
  };
  visit(expr);
  return result;
}

/** Volatile functions of common extensions (pg_catalog's own come from builtins.ts). */
const VOLATILE = new Set(['uuid_generate_v1', 'uuid_generate_v1mc', 'uuid_generate_v4', 'gen_random_bytes', 'gen_random_uuid', 'nextval']);

/** Facts about a column definition node. */
export function columnFacts(def: Node, pgVersion: number, tableConstraints: Node[] = []): ColumnFacts {
  const tf = typeFacts(def.typeName as Node);
  const facts: ColumnFacts = {
    name: String(def.colname ?? '?'),
    type: tf.type,
    baseType: tf.base,
    typeMods: tf.mods,
    array: tf.array,
    typeName: writtenTypeName(def.typeName as Node | undefined),
    serial: tf.serial,
    identity: false,
    notNull: Boolean(def.is_not_null),
    primaryKey: false,
    wholePrimaryKey: false,
    unique: false,
    check: false,
  };
  if (typeof def.location === 'number') facts.location = def.location;
  for (const c of (def.constraints ?? []) as Node[]) {
    const k = (c.Constraint ?? {}) as Node;
    switch (k.contype) {
      case 'CONSTR_NOTNULL':
        facts.notNull = true;
        break;
      case 'CONSTR_DEFAULT':
        facts.default = defaultKind(k.raw_expr);
        facts.defaultCalls = [...new Set(funcCalls(k.raw_expr).map((fc) => strings(fc.funcname as Node[]).filter((p) => p !== 'pg_catalog').join('.')))];
        facts.defaultIsNull = ((k.raw_expr as Node | undefined)?.A_Const as Node | undefined)?.isnull === true;
        break;
      case 'CONSTR_IDENTITY':
        facts.identity = true;
        break;
      case 'CONSTR_GENERATED':
        facts.generated = k.generated_kind === 's' || (k.generated_kind === undefined && pgVersion < 18) ? 'stored' : 'virtual';
        break;
      case 'CONSTR_PRIMARY':
        facts.primaryKey = true;
        facts.wholePrimaryKey = true;
        facts.notNull = true;
        break;
      case 'CONSTR_UNIQUE':
        facts.unique = true;
        break;
      case 'CONSTR_CHECK':
        facts.check = true;
        break;
      case 'CONSTR_FOREIGN':
        facts.references = String(((k.pktable ?? {}) as Node).relname ?? '?');
        facts.referencesColumns = strings(k.pk_attrs as Node[]);
        facts.referencesActions = k.fk_del_action === 'c' || k.fk_del_action === 'n' || k.fk_del_action === 'd';
        if ((k.pktable as Node | undefined)?.schemaname) facts.references = `${(k.pktable as Node).schemaname}.${part(facts.references)}`;
        break;
    }
  }
  for (const c of tableConstraints) {
    const k = (c.Constraint ?? {}) as Node;
    const keys = strings(k.keys as Node[]);
    if (k.contype === 'CONSTR_PRIMARY' && keys.includes(facts.name)) {
      facts.primaryKey = true;
      facts.notNull = true;
      if (keys.length === 1) facts.wholePrimaryKey = true;
    }
  }
  if (facts.serial) facts.notNull = true;
  return facts;
}

/** What a column definition's default and generation expression use (a serial's own sequence included). */
function columnUses(ctx: Ctx, table: string, cd: Node): { default: string[]; generated: string[] } {
  const out = { default: [] as string[], generated: [] as string[] };
  for (const c of (cd.constraints ?? []) as Node[]) {
    const k = (c.Constraint ?? {}) as Node;
    if (k.contype === 'CONSTR_DEFAULT') out.default.push(...usedNames(ctx, k.raw_expr));
    if (k.contype === 'CONSTR_GENERATED') out.generated.push(...usedNames(ctx, k.raw_expr));
  }
  const type = strings(((cd.typeName as Node | undefined)?.names ?? []) as Node[]).pop() ?? '';
  if (/^(small|big)?serial[248]?$/.test(type)) out.default.push(`${table.split('.')[0]}.${part(`${table.split('.').pop()}_${cd.colname}_seq`)}`);
  return out;
}

/** A `TypeName` node's name as written, without `pg_catalog` (kept when it is the whole name). */
function writtenTypeName(typeName: Node | undefined): string[] {
  const parts = strings((typeName?.names ?? []) as Node[]);
  return parts.filter((p, i) => !(i === 0 && p === 'pg_catalog' && parts.length > 1));
}

/** Records what a new column's default and generation expression use, for `DROP … CASCADE` of those. */
export function recordColumnUses(ctx: Ctx, table: string, cd: Node): void {
  const uses = columnUses(ctx, table, cd);
  // Most columns use nothing: no model change to record (a dropped column's old uses are
  // filtered out by usesOf; at worst a re-added column keeps them, which over-reports).
  if (uses.default.length === 0 && uses.generated.length === 0) return;
  const column = String(cd.colname);
  ctx.mutations.push((m) => {
    m.setUses({ kind: 'default', table, column }, uses.default);
    m.setUses({ kind: 'generated', table, column }, uses.generated);
  });
}

/** A column's default volatility with the routines the migrations created; unknown ⇒ volatile. */
function resolvedDefault(ctx: Ctx, cd: Node): DefaultKind | undefined {
  const def = ((cd.constraints ?? []) as Node[]).map((c) => c.Constraint as Node | undefined).find((k) => k?.contype === 'CONSTR_DEFAULT');
  if (!def) return undefined;
  const kind = defaultKind(def.raw_expr, (parts) => {
    const routine = findRoutine(ctx, parts);
    if (!routine?.routine) return undefined;
    return routine.routine.volatility === 'immutable' ? 'constant' : routine.routine.volatility;
  });
  return kind === 'unknown' ? 'volatile' : kind;
}

/** A USING expression that is the column itself, possibly cast to the new type. */
function isPlainUsing(expr: Node, column: string, newType: string): boolean {
  const cast = expr.TypeCast as Node | undefined;
  if (cast) return typeFacts(cast.typeName as Node).type === newType && isPlainUsing((cast.arg ?? {}) as Node, column, newType);
  const ref = expr.ColumnRef as Node | undefined;
  const fields = strings((ref?.fields ?? []) as Node[]);
  return fields.length === 1 && fields[0] === column;
}

/** A session TimeZone with a zero offset (PostgreSQL only skips the rewrite then). */
function isUtc(zone: string | undefined): boolean {
  return zone !== undefined && /^(utc|etc\/utc|utc0|zulu|z|gmt|etc\/gmt|gmt0|etc\/universal|universal)$/i.test(zone.trim());
}

export function addColumn(ctx: Ctx, table: string, { objtype, cmd, def }: TableCommand): void {
  const cd = (def.ColumnDef ?? {}) as Node;
  const f = columnFacts(cd, ctx.pgVersion);
  // A default calling a routine whose volatility is not known is treated as volatile: the
  // server evaluates it per row (a rewrite) unless it is declared STABLE or IMMUTABLE.
  if (f.default !== undefined) f.default = resolvedDefault(ctx, cd) ?? f.default;
  const baseType = f.type.replace(/\[\]$/, '');
  const domain = baseType.includes('.') ? baseType : qualify(undefined, baseType, ctx.session, ctx.schema);
  if (ctx.schema.object(domain)?.kind === 'checked-domain') f.domainWithCheck = true;
  const volatileDefault = f.default === 'volatile' || (f.default !== undefined && ctx.pgVersion < 11);
  const rewrites = volatileDefault || f.serial || f.identity || f.generated === 'stored' || Boolean(f.domainWithCheck);
  const scans = rewrites || f.check || f.unique || f.primaryKey;
  // ADD COLUMN IF NOT EXISTS of a column the model already has does nothing; on a table the
  // migrations did not create (its columns are not all known) the column may exist already.
  const alreadyExists = Boolean(cmd.missing_ok) && ctx.schema.column(table, f.name) !== undefined;
  const t = ctx.schema.table(table);
  const mayExist = Boolean(cmd.missing_ok) && (t?.createdIn === undefined || Boolean(t.mayHaveExisted));
  effect(ctx, 'add-column', `${table}.${part(f.name)}`, alreadyExists ? 'neutral' : 'additive', AEL, {
    table,
    rewrites: rewrites && !alreadyExists,
    scans: scans && !alreadyExists,
    detail: { column: f.name, columnFacts: f, ifNotExists: Boolean(cmd.missing_ok), alreadyExists, ...(objtype === 'OBJECT_FOREIGN_TABLE' ? { subtype: 'foreign-table' } : {}) },
  });
  if (f.references) {
    const r = qualifyRef(ctx, f.references);
    effect(ctx, 'add-constraint', `${table}.${part(f.name)}`, 'additive', SRE, { table: r, detail: { constraintType: 'foreign-key', referencedTable: r, subtype: 'referenced' } });
  }
  const fk = f.references && !alreadyExists ? inlineForeignKey(ctx, table.split('.').pop()!, f) : undefined;
  if (!alreadyExists) {
    recordColumnUses(ctx, table, cd);
    ctx.mutations.push((m) => {
      m.setColumn(table, { name: f.name, type: f.type, notNull: f.notNull, hasDefault: f.default !== undefined || f.serial || f.identity }, mayExist);
      if (fk) m.addConstraint(table, fk);
    });
  }
}

export function dropColumn(ctx: Ctx, table: string, { cmd, col, colObj }: TableCommand): void {
  effect(ctx, 'drop-column', colObj, 'contract', AEL, {
    table,
    detail: { column: col, cascade: cmd.behavior === 'DROP_CASCADE', ifExists: Boolean(cmd.missing_ok), usedByViews: ctx.schema.viewsUsing(table, col!) },
  });
  // CASCADE drops the views that read the column.
  if (cmd.behavior === 'DROP_CASCADE') {
    for (const view of ctx.schema.viewsUsing(table, col!)) {
      effect(ctx, 'drop-view', view, 'contract', AEL, { table: view, detail: { cascade: true, cascadeFrom: colObj } });
      ctx.mutations.push((m) => m.dropTable(view));
      dropDependents(ctx, view, true);
    }
  }
  // A column in a foreign key takes the key (and its triggers on the referenced table) with it.
  for (const fk of ctx.schema.foreignKeysOf(table, col)) {
    if (fk.references && fk.references !== table) relatedLock(ctx, { lock: AEL, rewrites: false, scans: false }, fk.references, 'referenced-table');
  }
  ctx.mutations.push((m) => m.dropColumn(table, col!));
}

export function alterColumnType(ctx: Ctx, table: string, { col, colObj, def }: TableCommand): void {
  const cd = (def.ColumnDef ?? {}) as Node;
  const tf = typeFacts(cd.typeName as Node);
  const oldType = ctx.schema.columnType(table, col!);
  // `USING col` (or `USING col::newtype`) is the conversion PostgreSQL does without USING.
  const using = cd.raw_default !== undefined && !isPlainUsing(cd.raw_default as Node, col!, tf.type);
  // The USING expression runs once per row: the routines it calls run with it.
  if (using) calls(ctx, cd.raw_default);
  const collate = cd.collClause !== undefined;
  const metadataOnly = !using && !collate && isMetadataOnlyTypeChange(oldType, tf.type);
  // Only the column's indexes are rebuilt (the table is not): a collation change of the
  // same type, and timestamp → timestamptz under a UTC session on PostgreSQL ≥ 12.
  const indexOnly =
    !using &&
    oldType !== undefined &&
    ((collate && oldType === tf.type) || (oldType === 'timestamp' && tf.type === 'timestamptz' && ctx.pgVersion >= 12 && isUtc(ctx.session.timeZone)));
  effect(ctx, 'change-column-type', colObj, metadataOnly ? 'additive' : 'contract', AEL, {
    table,
    rewrites: !metadataOnly && !indexOnly,
    scans: !metadataOnly,
    detail: { column: col, oldType, newType: tf.type, using, collate, usedByViews: ctx.schema.viewsUsing(table, col!) },
  });
  // Foreign keys pointing at the column are rebuilt: AccessExclusiveLock on their tables.
  if (!metadataOnly) {
    for (const r of ctx.schema.referencing(table, col)) relatedLock(ctx, { lock: AEL, rewrites: false, scans: false }, r.table, 'referencing-table');
  }
  // This column's own foreign keys are re-created even when the type does not change (measured
  // by trace: `ALTER COLUMN fk TYPE int` on an int column): AccessExclusiveLock on the referenced table.
  for (const fk of ctx.schema.foreignKeysOf(table, col)) {
    if (fk.references && fk.references !== table) relatedLock(ctx, { lock: AEL, rewrites: false, scans: false }, fk.references, 'referenced-table');
  }
  ctx.mutations.push((m) => m.updateColumn(table, col!, { type: tf.type }));
}

export function setNotNull(ctx: Ctx, table: string, { col }: TableCommand): void {
  notNullEffect(ctx, table, col!);
  ctx.mutations.push((m) => m.updateColumn(table, col!, { notNull: true }));
}

export function dropNotNull(ctx: Ctx, table: string, { col, colObj }: TableCommand): void {
  effect(ctx, 'drop-not-null', colObj, 'additive', AEL, { table, detail: { column: col } });
  ctx.mutations.push((m) => m.updateColumn(table, col!, { notNull: false }));
}

/** SET DEFAULT, DROP DEFAULT (and SET DEFAULT NULL). */
export function columnDefault(ctx: Ctx, table: string, { cmd, col, colObj }: TableCommand): void {
  // SET DEFAULT NULL drops the default as surely as DROP DEFAULT.
  if (cmd.def === undefined || isNullConst(cmd.def as Node)) {
    effect(ctx, 'drop-default', colObj, 'contract', AEL, { table, detail: { column: col } });
    ctx.mutations.push((m) => {
      m.updateColumn(table, col!, { hasDefault: false });
      m.setUses({ kind: 'default', table, column: col! }, []);
    });
  } else {
    effect(ctx, 'set-default', colObj, 'additive', AEL, { table, detail: { column: col } });
    const uses = usedNames(ctx, cmd.def);
    ctx.mutations.push((m) => {
      m.updateColumn(table, col!, { hasDefault: true });
      m.setUses({ kind: 'default', table, column: col! }, uses);
    });
  }
}

/**
 * ADD GENERATED … AS IDENTITY, SET GENERATED / sequence options. Besides the lock, what the
 * running release inserts may now fail: its identity values moved or capped (RESTART, MAXVALUE,
 * …), or its explicit values refused (GENERATED ALWAYS): an `alter-sequence` effect, unless this
 * file added the column.
 */
export function alterIdentity(ctx: Ctx, table: string, { sub, col, colObj, def }: TableCommand): void {
  effect(ctx, 'add-identity', colObj, 'neutral', AEL, { table, detail: { column: col, subtype: sub } });
  const options = sub === 'AT_SetIdentity' ? ((((def as Node | undefined)?.List as Node | undefined)?.items ?? []) as Node[]) : [];
  const identity = ((def as Node | undefined)?.Constraint ?? {}) as Node;
  // SET GENERATED ALWAYS is option `generated` with 'a' (97); ADD … ALWAYS is generated_when 'a'.
  const always =
    sub === 'AT_AddIdentity'
      ? identity.generated_when === 'a'
      : options.some((o) => ((o.DefElem as Node | undefined)?.defname === 'generated' && (((o.DefElem as Node).arg as Node | undefined)?.Integer as Node | undefined)?.ival === 97));
  const changed = [...changedValues(options), ...(always ? ['GENERATED ALWAYS'] : [])];
  if (changed.length > 0 && !(col !== undefined && addedInThisFile(ctx, table, col))) sequenceValues(ctx, colObj, changed, { table, column: col });
}

export function dropIdentity(ctx: Ctx, table: string, { col, colObj }: TableCommand): void {
  // The column loses the value the old release's inserts relied on: a dropped default.
  effect(ctx, 'drop-default', colObj, 'contract', AEL, { table, detail: { column: col, subtype: 'identity' } });
  ctx.mutations.push((m) => m.updateColumn(table, col!, { hasDefault: false }));
}

/** SET STATISTICS and attribute options: planner settings only. */
export function alterColumnOptions(ctx: Ctx, table: string, { sub, col, colObj }: TableCommand): void {
  effect(ctx, 'alter-column', colObj, 'neutral', SUE, { table, detail: { column: col, subtype: sub } });
}

/** SET STORAGE / COMPRESSION, SET / DROP EXPRESSION, foreign-table column options. */
export function alterColumnStorage(ctx: Ctx, table: string, { sub, col, colObj }: TableCommand): void {
  effect(ctx, 'alter-column', colObj, 'neutral', AEL, { table, rewrites: sub === 'AT_SetExpression', scans: sub === 'AT_SetExpression', detail: { column: col, subtype: sub } });
}

/** RENAME COLUMN, of a table or (`rename-view`) of a view. */
export function renameColumn(ctx: Ctx, n: Node, type: string, newName: string): void {
  const table = rel(ctx, n.relation);
  const col = String(n.subname);
  const isView = n.relationType === 'OBJECT_VIEW' || n.relationType === 'OBJECT_MATVIEW';
  effect(ctx, isView ? 'rename-view' : 'rename-column', `${table}.${part(col)}`, 'contract', AEL, { table, detail: { column: col, newName } });
  // The column is renamed in every partition too, each under an AccessExclusiveLock (measured).
  if (!isView) lockPartitions(ctx, table, { lock: AEL, rewrites: false, scans: false }, n.relation as Node);
  ctx.mutations.push((m) => m.renameColumn(table, col, newName));
}
