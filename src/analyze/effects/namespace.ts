/**
 * Schemas (namespaces): CREATE SCHEMA with the statements inside it, ALTER … SET SCHEMA of any
 * object, DROP SCHEMA (with CASCADE: everything the model knows in it) and RENAME.
 */
import { part } from '../../object-name.js';
import { dropSchemaContents } from './cascade.js';
import { AEL, effect, objectName, rel, stmtLike, type Ctx, type DropOptions, type Node } from './context.js';
import { classify } from './index.js';

/** CREATE SCHEMA, and each statement written inside it (with the new schema first on the search path). */
export function createSchema(ctx: Ctx, n: Node): void {
  const name = String(n.schemaname ?? (n.authrole as Node | undefined)?.rolename ?? '?');
  effect(ctx, 'create-schema', name, 'additive', null, { detail: { ifNotExists: Boolean(n.if_not_exists) } });
  if (!(n.if_not_exists && ctx.schema.object(name))) ctx.mutations.push((m) => m.createObject(name, 'schema', Boolean(n.if_not_exists)));
  for (const el of (n.schemaElts ?? []) as Node[]) {
    const [k, body] = Object.entries(el)[0] as [string, Node];
    const inner: Ctx = { ...ctx, session: { ...ctx.session, searchPath: [name] } };
    classify({ ...stmtLike(k, body) }, inner);
    ctx.cannotRunInTransaction ||= inner.cannotRunInTransaction;
  }
}

/** ALTER … SET SCHEMA: the object leaves its old name, like a rename. */
export function setSchema(ctx: Ctx, n: Node): void {
  const name = n.relation ? rel(ctx, n.relation) : objectName(ctx, n.object as Node, String(n.objectType));
  const isRel = Boolean(n.relation);
  effect(ctx, 'set-schema', name, 'contract', isRel ? AEL : null, {
    table: isRel ? name : undefined,
    detail: { newName: `${part(String(n.newschema))}.${name.split('.').pop()}`, subtype: String(n.objectType) },
  });
  if (isRel) ctx.mutations.push((m) => m.renameTable(name, `${part(String(n.newschema))}.${name.split('.').pop()}`));
}

export function dropSchema(ctx: Ctx, o: Node, { type, cascade, detail }: DropOptions): void {
  const name = objectName(ctx, o, type);
  effect(ctx, 'drop-schema', name, 'contract', null, { detail });
  if (cascade) dropSchemaContents(ctx, name);
  ctx.mutations.push((m) => m.dropSchema(name));
}

export function renameSchema(ctx: Ctx, n: Node, type: string, newName: string): void {
  effect(ctx, 'rename-schema', String(n.subname), 'contract', null, { detail: { newName } });
}
