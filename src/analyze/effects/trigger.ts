/**
 * Triggers and rewrite rules on tables: CREATE TRIGGER (the model keeps which routine it calls:
 * writes to the table run it), CREATE RULE, ENABLE / DISABLE TRIGGER, DROP and RENAME.
 */
import { part } from '../../object-name.js';
import { listName, strings } from '../names.js';
import { isBuiltinCall, runsLater } from './calls.js';
import { AEL, SRE, effect, onTable, rel, type Ctx, type DropOptions, type Node, type TableCommand } from './context.js';

export function createTrigger(ctx: Ctx, n: Node): void {
  const table = rel(ctx, n.relation);
  const routine = listName(n.funcname as Node[], ctx.session, ctx.schema);
  effect(ctx, 'create-trigger', `${table}.${part(n.trigname)}`, 'additive', SRE, { table });
  // From now on the running release's writes to an existing table run the trigger's function:
  // what its body does to that release is judged here (a built-in trigger function is known).
  if (!ctx.schema.isCertainlyNewInFile(table) && !isBuiltinCall(strings(n.funcname as Node[]))) {
    runsLater(ctx, routine, `trigger ${part(n.trigname)} on ${table} runs ${routine}() on each write of the color still running`);
  }
  ctx.mutations.push((m) => m.addTrigger(table, String(n.trigname), routine));
}

/** CREATE RULE. */
export function createRule(ctx: Ctx, n: Node): void {
  // A rule rewrites the old release's own queries on the table (DO INSTEAD replaces them).
  const t = rel(ctx, n.relation);
  effect(ctx, 'create-rule', `${t}.${part(n.rulename)}`, 'neutral', AEL, { table: t, detail: { subtype: n.instead ? 'instead' : 'also', value: String(n.event ?? '') } });
}

/** ENABLE / DISABLE TRIGGER (one, ALL or USER). */
export function enableTrigger(ctx: Ctx, table: string, { cmd, sub }: TableCommand): void {
  effect(ctx, 'alter-trigger', `${table}.${part(cmd.name ?? 'all')}`, 'neutral', SRE, { table, detail: { subtype: sub } });
}

export function dropTrigger(ctx: Ctx, o: Node, { detail }: DropOptions): void {
  const { table, name } = onTable(ctx, o);
  effect(ctx, 'drop-trigger', `${table}.${part(name)}`, 'neutral', AEL, { table, detail });
  ctx.mutations.push((m) => m.dropTrigger(table, name));
}

export function dropRule(ctx: Ctx, o: Node, { detail }: DropOptions): void {
  const { table, name } = onTable(ctx, o);
  effect(ctx, 'neutral-ddl', `${table}.${part(name)}`, 'neutral', AEL, { table, detail: { ...detail, subtype: 'drop-rule' } });
}

export function renameTrigger(ctx: Ctx, n: Node, type: string, newName: string): void {
  const table = rel(ctx, n.relation);
  effect(ctx, 'alter-trigger', `${table}.${part(n.subname)}`, 'neutral', AEL, { table, detail: { newName, subtype: 'rename' } });
}
