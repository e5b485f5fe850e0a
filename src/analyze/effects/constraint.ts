/**
 * Constraints: ADD / VALIDATE / DROP / ALTER CONSTRAINT and RENAME CONSTRAINT, the constraints a
 * CREATE TABLE or an inline REFERENCES creates, and the names PostgreSQL gives unnamed ones.
 */
import { part } from '../../object-name.js';
import { strings } from '../names.js';
import type { ConstraintInfo, ConstraintType } from '../schema.js';
import { calls } from './calls.js';
import { AEL, SRE, SUE, effect, objectName, qualifyRef, rel, relatedLock, type Ctx, type Node, type TableCommand } from './context.js';
import type { ColumnFacts, EffectDetail } from './kinds.js';

const CONTYPES: Record<string, ConstraintType> = {
  CONSTR_CHECK: 'check',
  CONSTR_FOREIGN: 'foreign-key',
  CONSTR_UNIQUE: 'unique',
  CONSTR_PRIMARY: 'primary-key',
  CONSTR_EXCLUSION: 'exclusion',
  CONSTR_NOTNULL: 'not-null',
};

const NAME_SUFFIX: Record<ConstraintType, string> = {
  'primary-key': 'pkey',
  unique: 'key',
  'foreign-key': 'fkey',
  check: 'check',
  exclusion: 'excl',
  'not-null': 'not_null',
};

/**
 * The name PostgreSQL gives an unnamed constraint: `<table>_<columns>_<suffix>` (`_pkey` and
 * `_check` without columns here), numbered when the name is taken. Two unnamed foreign keys of
 * one table must not collapse into one, or the model loses the second one's referenced table.
 */
export function defaultConstraintName(table: string, k: Node, taken: (name: string) => boolean): string {
  const type = CONTYPES[String(k.contype)];
  const suffix = type ? NAME_SUFFIX[type] : String(k.contype).toLowerCase();
  const columns = type === 'foreign-key' ? strings(k.fk_attrs as Node[]) : type === 'unique' || type === 'exclusion' ? strings(k.keys as Node[]) : [];
  const base = [table, ...columns, suffix].join('_');
  let name = base;
  for (let i = 1; taken(name); i++) name = `${base}${i}`;
  return name;
}

/** What the schema model keeps of a constraint node (undefined for kinds it does not track). */
export function constraintInfo(ctx: Ctx, k: Node, fallbackName: string): ConstraintInfo | undefined {
  const type = CONTYPES[String(k.contype)];
  if (!type) return undefined;
  if (type === 'foreign-key') {
    return {
      name: String(k.conname ?? fallbackName),
      type,
      valid: !k.skip_validation,
      references: rel(ctx, k.pktable),
      columns: strings(k.fk_attrs as Node[]),
      referencedColumns: strings(k.pk_attrs as Node[]),
      // ON DELETE CASCADE / SET NULL / SET DEFAULT do work the application relies on when it deletes.
      // ON UPDATE actions only matter when a referenced key changes, which applications rarely do.
      actions: k.fk_del_action === 'c' || k.fk_del_action === 'n' || k.fk_del_action === 'd',
    };
  }
  let notNullColumn: string | undefined;
  if (type === 'not-null') notNullColumn = strings(k.keys as Node[])[0];
  if (type === 'check') {
    const e = k.raw_expr as Node | undefined;
    const nt = e?.NullTest as Node | undefined;
    if (nt && nt.nulltesttype === 'IS_NOT_NULL') {
      const cr = (nt.arg as Node | undefined)?.ColumnRef as Node | undefined;
      const f = strings(cr?.fields as Node[]);
      if (f.length === 1) notNullColumn = f[0];
    }
  }
  const columns = type === 'primary-key' || type === 'unique' ? strings(k.keys as Node[]) : undefined;
  return { name: String(k.conname ?? fallbackName), type, valid: !k.skip_validation, notNullColumn, columns };
}

/** The constraint an inline `REFERENCES` creates (named as PostgreSQL names it). */
export function inlineForeignKey(ctx: Ctx, table: string, c: ColumnFacts): ConstraintInfo {
  return {
    name: `${table}_${c.name}_fkey`,
    type: 'foreign-key',
    valid: true,
    references: qualifyRef(ctx, c.references!),
    columns: [c.name],
    referencedColumns: c.referencesColumns ?? [],
    actions: c.referencesActions,
  };
}

/** ADD CONSTRAINT (table-level): the lock and scan each constraint type needs. */
export function addConstraint(ctx: Ctx, table: string, { def }: TableCommand): void {
  const k = (def.Constraint ?? {}) as Node;
  const type = CONTYPES[String(k.contype)];
  const name = k.conname !== undefined ? String(k.conname) : undefined;
  const object = `${table}.${part(name ?? type ?? 'constraint')}`;
  const notValid = Boolean(k.skip_validation);
  // A CHECK is evaluated for every existing row unless NOT VALID: the routines it calls run too.
  if (type === 'check' && !notValid) calls(ctx, k.raw_expr);
  const usingIndex = k.indexname !== undefined;
  const detail: EffectDetail = { constraintType: type, constraintName: name, notValid, usingIndex };
  if (type === 'primary-key' || type === 'unique') detail.keyColumns = strings(k.keys as Node[]);
  switch (type) {
    case 'foreign-key': {
      const ref = rel(ctx, k.pktable);
      detail.referencedTable = ref;
      effect(ctx, 'add-constraint', object, 'additive', SRE, { table, scans: !notValid, detail });
      if (ref !== table) effect(ctx, 'add-constraint', object, 'additive', SRE, { table: ref, detail: { ...detail, subtype: 'referenced' } });
      break;
    }
    case 'check':
    case 'not-null':
      effect(ctx, 'add-constraint', object, 'additive', AEL, { table, scans: !notValid, detail });
      break;
    case 'unique':
    case 'primary-key':
      effect(ctx, 'add-constraint', object, 'additive', AEL, {
        table,
        scans: !usingIndex || type === 'primary-key',
        detail,
      });
      if (type === 'primary-key') primaryKeyNotNull(ctx, table, usingIndex ? `${table.split('.')[0]}.${part(String(k.indexname))}` : undefined, strings(k.keys as Node[]));
      break;
    case 'exclusion':
      effect(ctx, 'add-constraint', object, 'additive', AEL, { table, scans: true, detail });
      break;
    default:
      effect(ctx, 'unknown', object, 'neutral', AEL, { table, detail: { ...detail, nodeKind: `Constraint ${k.contype}` } });
      return;
  }
  const info = constraintInfo(ctx, k, defaultConstraintName(table.split('.').pop()!, k, (n) => ctx.schema.table(table)?.constraints.has(n) ?? false));
  if (info) {
    ctx.mutations.push((m) => {
      m.addConstraint(table, info);
      if (type === 'primary-key') for (const c of strings(k.keys as Node[])) m.updateColumn(table, c, { notNull: true });
      if (info.notNullColumn && type === 'not-null' && info.valid) m.updateColumn(table, info.notNullColumn, { notNull: true });
    });
  }
}

/**
 * A primary key makes its columns NOT NULL: for each one not already NOT NULL, what
 * `SET NOT NULL` does (a scan unless a valid CHECK proves it, and the old release's NULL inserts
 * fail). With USING INDEX the columns are the index's; an index the model does not know (or one
 * on expressions) has columns that may be nullable: judged as one that is.
 */
function primaryKeyNotNull(ctx: Ctx, table: string, index: string | undefined, keys: string[]): void {
  const columns = index === undefined ? keys : ctx.schema.indexKeys(index);
  if (columns === undefined) {
    effect(ctx, 'set-not-null', `${table}.(columns of ${index})`, 'contract', AEL, { table, scans: true, detail: { subtype: 'primary-key' } });
    return;
  }
  for (const col of columns) if (!ctx.schema.column(table, col)?.notNull) notNullEffect(ctx, table, col, 'primary-key');
}

/**
 * What making `column` NOT NULL does (ALTER COLUMN … SET NOT NULL, or a new primary key over it):
 * the old release's NULL inserts fail, and unless a valid CHECK proves it (PostgreSQL ≥ 12) the
 * table is scanned under an AccessExclusiveLock.
 */
export function notNullEffect(ctx: Ctx, table: string, column: string, subtype?: 'primary-key'): void {
  const proven = ctx.pgVersion >= 12 && ctx.schema.hasValidNotNullCheck(table, column);
  effect(ctx, 'set-not-null', `${table}.${part(column)}`, 'contract', AEL, { table, scans: !proven, detail: { column, provenByCheck: proven, ...(subtype ? { subtype } : {}) } });
}

export function validateConstraint(ctx: Ctx, table: string, { cmd }: TableCommand): void {
  const name = String(cmd.name);
  effect(ctx, 'validate-constraint', `${table}.${part(name)}`, 'additive', SUE, { table, scans: true, detail: { constraintName: name, constraintType: ctx.schema.table(table)?.constraints.get(name)?.type } });
  ctx.mutations.push((m) => m.validateConstraint(table, name));
}

export function dropConstraint(ctx: Ctx, table: string, { cmd }: TableCommand): void {
  const name = String(cmd.name);
  const known = ctx.schema.table(table)?.constraints.get(name);
  // What the old release may rely on: a primary key or unique constraint (ON CONFLICT needs
  // it), an exclusion constraint, a foreign key's ON DELETE/UPDATE action. A plain foreign key
  // or CHECK only loosens what is accepted. An unknown constraint may be any of these.
  const relied = known === undefined || known.type === 'primary-key' || known.type === 'unique' || known.type === 'exclusion' || Boolean(known.actions);
  effect(ctx, 'drop-constraint', `${table}.${part(name)}`, relied ? 'contract' : 'neutral', AEL, {
    table,
    detail: { constraintName: name, constraintType: known?.type, cascade: cmd.behavior === 'DROP_CASCADE', ifExists: Boolean(cmd.missing_ok) },
  });
  // Dropping a foreign key drops its triggers on the referenced table too.
  if (known?.references && known.references !== table) relatedLock(ctx, { lock: AEL, rewrites: false, scans: false }, known.references, 'referenced-table');
  ctx.mutations.push((m) => m.dropConstraint(table, name));
  // CASCADE of a key drops the foreign keys that reference it, each under an AccessExclusiveLock on
  // its table (measured: test/trace/cases.ts, drop_primary_key_cascade); one with an ON DELETE or
  // ON UPDATE action is something the old release relies on.
  if (cmd.behavior === 'DROP_CASCADE' && (known === undefined || known.type === 'primary-key' || known.type === 'unique')) {
    const keyColumns = known?.columns ?? [];
    const seen = new Set<string>();
    for (const r of keyColumns.length > 0 ? keyColumns.flatMap((c) => ctx.schema.referencing(table, c)) : ctx.schema.referencing(table)) {
      if (seen.has(`${r.table} ${r.constraint}`)) continue;
      seen.add(`${r.table} ${r.constraint}`);
      const fk = ctx.schema.table(r.table)?.constraints.get(r.constraint);
      effect(ctx, 'drop-constraint', `${r.table}.${part(r.constraint)}`, fk?.actions ? 'contract' : 'neutral', AEL, {
        table: r.table,
        detail: { constraintName: r.constraint, constraintType: 'foreign-key', cascadeFrom: `${table}.${part(name)}` },
      });
      ctx.mutations.push((m) => m.dropConstraint(r.table, r.constraint));
    }
  }
}

export function alterConstraint(ctx: Ctx, table: string, { sub, def }: TableCommand): void {
  const ac = (def.ATAlterConstraint ?? def.Constraint) as Node | undefined;
  const name = String(ac?.conname ?? '?');
  effect(ctx, 'alter-constraint', `${table}.${part(name)}`, 'neutral', AEL, { table, detail: { constraintName: name, subtype: sub } });
}

/** RENAME CONSTRAINT, of a table or a domain. */
export function renameConstraint(ctx: Ctx, n: Node, type: string, newName: string): void {
  const table = n.relation ? rel(ctx, n.relation) : objectName(ctx, n.object as Node, type);
  effect(ctx, 'rename-constraint', `${table}.${part(n.subname)}`, 'neutral', n.relation ? AEL : null, { table: n.relation ? table : undefined, detail: { newName } });
}
