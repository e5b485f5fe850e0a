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

/**
 * ALTER SEQUENCE. CACHE, START and OWNED BY change nothing a release sees; the options that change
 * which values nextval gives out (`changedValues` below) are recorded for the `alter-sequence`
 * rule (src/rules/forbidden.ts).
 */
export function alterSequenceStmt(ctx: Ctx, n: Node): void {
  const name = rel(ctx, n.sequence);
  sequenceValues(ctx, name, changedValues((n.options ?? []) as Node[]));
}

/** ALTER TABLE of a sequence (owner, schema, persistence): nothing nextval gives out changes. */
export function alterSequence(ctx: Ctx, name: string): void {
  effect(ctx, 'alter-sequence', name, 'neutral', null);
}

/** What ALTER SEQUENCE and identity options call the values nextval gives out. */
const VALUE_OPTIONS: Readonly<Record<string, string>> = {
  restart: 'RESTART',
  minvalue: 'MINVALUE',
  maxvalue: 'MAXVALUE',
  increment: 'INCREMENT',
  as: 'AS',
  cycle: 'CYCLE',
};

/** The options (DefElem nodes) among `options` that move, narrow or wrap a sequence's values. */
export function changedValues(options: readonly Node[]): string[] {
  return options.map((o) => String(((o.DefElem ?? {}) as Node).defname ?? '')).flatMap((d) => (Object.hasOwn(VALUE_OPTIONS, d) ? [VALUE_OPTIONS[d]] : []));
}

/**
 * `alter-sequence` on `name`: with `changed` (what moved: `RESTART`, `MAXVALUE`, `setval()`,
 * `GENERATED ALWAYS`), the values both colors insert may collide or run out. A sequence created
 * earlier in the file is used by no release.
 */
export function sequenceValues(ctx: Ctx, name: string, changed: readonly string[], extra: { table?: string; column?: string } = {}): void {
  const detail = changed.length > 0 ? { subtype: 'values', value: changed.join(', '), certainlyNew: ctx.schema.isCertainlyNewInFile(name), ...(extra.column !== undefined ? { column: extra.column } : {}) } : {};
  effect(ctx, 'alter-sequence', name, 'neutral', null, { detail, ...(extra.table ? { table: extra.table } : {}) });
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
