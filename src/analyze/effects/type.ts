/**
 * Types and domains: CREATE TYPE (enum, composite, range, base) and DOMAIN, ALTER TYPE … ADD /
 * RENAME VALUE, ALTER TYPE of a composite's attributes, ALTER DOMAIN (tightening it is a contract
 * change for every column of it), DROP (with CASCADE: those columns) and RENAME.
 */
import { part } from '../../object-name.js';
import { creationListName, creationName, listName } from '../names.js';
import { AEL, SHR, effect, isNullConst, objectName, rel, relatedLock, type Ctx, type DropOptions, type Node } from './context.js';
import type { ParsedStatement } from '../../parse/statements.js';

/** CREATE TYPE (enum, composite, range) and CREATE DOMAIN. */
export function createType(ctx: Ctx, n: Node, stmt: ParsedStatement): void {
  // A domain's `typeName` is its base type; its own name is `domainname`.
  const names = ((stmt.kind === 'CreateDomainStmt' ? n.domainname : n.typeName) ?? (n.typevar ? undefined : [])) as Node[] | undefined;
  const name = names ? creationListName(names, ctx.session) : creationName(n.typevar as Node, ctx.session);
  effect(ctx, 'create-type', name, 'additive', null, { detail: { subtype: stmt.kind } });
  // A domain with a CHECK: adding a column of it rewrites the table (table-rewrite).
  const checked = ((n.constraints ?? []) as Node[]).some((c) => (c.Constraint as Node | undefined)?.contype === 'CONSTR_CHECK');
  ctx.mutations.push((m) => m.createObject(name, checked ? 'checked-domain' : 'type'));
}

/** CREATE TYPE of a base type, CREATE AGGREGATE / OPERATOR / COLLATION / TEXT SEARCH … */
export function defineType(ctx: Ctx, n: Node): void {
  const name = listName(n.defnames as Node[], ctx.session);
  effect(ctx, n.kind === 'OBJECT_TYPE' ? 'create-type' : 'neutral-ddl', name, 'additive', null, { detail: { subtype: String(n.kind) } });
}

/** ALTER TYPE … ADD VALUE (outside a transaction before PostgreSQL 12) and RENAME VALUE. */
export function alterEnum(ctx: Ctx, n: Node): void {
  const name = listName(n.typeName as Node[], ctx.session);
  if (n.oldVal !== undefined) {
    effect(ctx, 'rename-enum-value', `${name}.${part(n.oldVal)}`, 'contract', null, { detail: { newName: String(n.newVal) } });
  } else {
    if (ctx.pgVersion < 12) ctx.cannotRunInTransaction = true;
    effect(ctx, 'add-enum-value', name, 'additive', null, { detail: { value: String(n.newVal), ordered: n.newValNeighbor !== undefined, ifNotExists: Boolean(n.skipIfNewValExists) } });
  }
}

/** ALTER DOMAIN: tightening it (NOT NULL, a CHECK, no default) is a contract change for every column of it. */
export function alterDomain(ctx: Ctx, n: Node): void {
  const name = listName(n.typeName as Node[], ctx.session);
  const def = (n.def as Node | undefined)?.Constraint as Node | undefined;
  const addCheck = n.subtype === 'C' && def?.contype === 'CONSTR_CHECK';
  const notValid = Boolean(def?.skip_validation);
  // SET NOT NULL, a new CHECK (valid or not: new rows are checked) and a dropped default
  // tighten what the old release may write into every column of the domain.
  const tightens = n.subtype === 'O' || addCheck || (n.subtype === 'T' && (n.def === undefined || isNullConst(n.def as Node)));
  if (tightens) {
    const what = n.subtype === 'O' ? 'set-not-null' : addCheck ? 'add-check' : 'drop-default';
    effect(ctx, 'tighten-domain', name, 'contract', null, { detail: { subtype: what } });
  }
  effect(ctx, 'alter-domain', name, 'neutral', addCheck && !notValid ? SHR : null, {
    scans: (addCheck && !notValid) || n.subtype === 'V',
    detail: { subtype: String(n.subtype), notValid, constraintType: addCheck ? 'check' : undefined },
  });
  // A new CHECK is verified on every column of the domain: ShareLock and a scan of each table.
  // So are SET NOT NULL (subtype O) and VALIDATE CONSTRAINT (V; measured: test/trace/cases.ts,
  // alter_domain_validate), which has no weaker-locking form for a domain.
  if ((addCheck && !notValid) || n.subtype === 'O' || n.subtype === 'V') {
    const lock = { lock: SHR, rewrites: false, scans: true } as const;
    for (const t of ctx.schema.tablesUsingType(name)) n.subtype === 'V' ? relatedLock(ctx, lock, t, 'domain-validate', name) : relatedLock(ctx, lock, t, 'domain-user');
  }
  if (addCheck) ctx.mutations.push((m) => m.setObjectKind(name, 'checked-domain'));
}

/** ALTER TYPE of a composite type (parsed as ALTER TABLE of a type). */
export function alterCompositeType(ctx: Ctx, type: string, cmds: Node[]): void {
  // ADD ATTRIBUTE adds; DROP ATTRIBUTE and ALTER ATTRIBUTE … TYPE change what the old release reads.
  for (const cmd of cmds) {
    const sub = String(cmd.subtype);
    if (sub === 'AT_DropColumn' || sub === 'AT_AlterColumnType') {
      effect(ctx, 'alter-type-attribute', `${type}.${part(cmd.name)}`, 'contract', null, { detail: { subtype: sub === 'AT_DropColumn' ? 'drop' : 'type', column: String(cmd.name) } });
    } else {
      effect(ctx, 'alter-type', type, 'neutral', null, { detail: { subtype: sub } });
    }
  }
}

export function dropType(ctx: Ctx, o: Node, { type, cascade, detail }: DropOptions): void {
  const name = objectName(ctx, o, type);
  effect(ctx, 'drop-type', name, 'contract', null, { detail: { ...detail, subtype: type } });
  ctx.mutations.push((m) => m.dropObject(name));
  if (cascade) {
    // CASCADE drops every column of the type.
    for (const c of ctx.schema.columnsOfType(name)) {
      effect(ctx, 'drop-column', `${c.table}.${part(c.column)}`, 'contract', AEL, { table: c.table, detail: { column: c.column, cascade, cascadeFrom: name } });
      ctx.mutations.push((m) => m.dropColumn(c.table, c.column));
    }
  }
}

export function renameType(ctx: Ctx, n: Node, type: string, newName: string): void {
  const name = objectName(ctx, n.object as Node, type);
  const to = `${name.split('.')[0]}.${part(newName)}`;
  effect(ctx, 'rename-type', name, 'contract', null, { detail: { newName: to } });
  ctx.mutations.push((m) => m.renameObject(name, to, 'type'));
}

/** ALTER TYPE … RENAME ATTRIBUTE of a composite type. */
export function renameAttribute(ctx: Ctx, n: Node, type: string, newName: string): void {
  effect(ctx, 'rename-type', `${rel(ctx, n.relation)}.${part(n.subname)}`, 'contract', null, { detail: { newName, subtype: 'attribute' } });
}
