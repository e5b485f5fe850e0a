/**
 * Extensions: CREATE, ALTER (… UPDATE, ADD / DROP member) and DROP, which takes its types,
 * functions and operators with it.
 */
import { effect, objectName, type Ctx, type DropOptions, type Node } from './context.js';

export function createExtension(ctx: Ctx, n: Node): void {
  const name = String(n.extname);
  effect(ctx, 'create-extension', name, 'additive', null, { detail: { ifNotExists: Boolean(n.if_not_exists) } });
  if (!(n.if_not_exists && ctx.schema.object(name))) ctx.mutations.push((m) => m.createObject(name, 'extension', Boolean(n.if_not_exists)));
}

export function alterExtension(ctx: Ctx, n: Node): void {
  effect(ctx, 'alter-extension', String(n.extname), 'neutral', null);
}

export function dropExtension(ctx: Ctx, o: Node, { type, detail }: DropOptions): void {
  // Its types, functions and operators go with it, whatever the old release uses of them.
  effect(ctx, 'drop-extension', objectName(ctx, o, type), 'contract', null, { detail });
}
