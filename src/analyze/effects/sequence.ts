/**
 * Sequences: CREATE, ALTER, DROP (with CASCADE: the defaults calling it) and RENAME.
 */
import { creationName } from '../names.js';
import { dropUsers } from './cascade.js';
import { effect, objectName, rel, type Ctx, type DropOptions, type Node } from './context.js';
import { part } from '../../object-name.js';

export function createSequence(ctx: Ctx, n: Node): void {
  const name = creationName(n.sequence as Node, ctx.session);
  effect(ctx, 'create-sequence', name, 'additive', null, { detail: { ifNotExists: Boolean(n.if_not_exists) } });
  if (!(n.if_not_exists && ctx.schema.object(name))) ctx.mutations.push((m) => m.createObject(name, 'sequence', Boolean(n.if_not_exists)));
}

/** ALTER SEQUENCE: its options change nothing a release reads. */
export function alterSequenceStmt(ctx: Ctx, n: Node): void {
  alterSequence(ctx, rel(ctx, n.sequence));
}

/** ALTER SEQUENCE, or ALTER TABLE of a sequence. */
export function alterSequence(ctx: Ctx, name: string): void {
  effect(ctx, 'alter-sequence', name, 'neutral', null);
}

export function dropSequence(ctx: Ctx, o: Node, { type, cascade, detail }: DropOptions): void {
  const name = objectName(ctx, o, type);
  effect(ctx, 'drop-sequence', name, 'contract', null, { detail });
  ctx.mutations.push((m) => m.dropObject(name));
  if (cascade) dropUsers(ctx, name);
}

export function renameSequence(ctx: Ctx, n: Node, type: string, newName: string): void {
  const name = rel(ctx, n.relation);
  const to = `${name.split('.')[0]}.${part(newName)}`;
  effect(ctx, 'rename-sequence', name, 'contract', null, { detail: { newName: to } });
  ctx.mutations.push((m) => m.renameObject(name, to, 'sequence'));
}
