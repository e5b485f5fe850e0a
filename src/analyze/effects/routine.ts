/**
 * Routines: CREATE [OR REPLACE] FUNCTION / PROCEDURE (the model keeps their bodies, read when
 * first called), ALTER, CALL, DO blocks and EXECUTE of computed strings inside them, DROP (with
 * CASCADE: the views, defaults and triggers using the routine) and RENAME.
 */
import { part } from '../../object-name.js';
import { routineBody, type ParsedStatement } from '../../parse/statements.js';
import type { RoutineInfo } from '../schema.js';
import { dropUsers } from './cascade.js';
import { calls, runsLater } from './calls.js';
import { AEL, effect, objectName, type Ctx, type DropOptions, type Node } from './context.js';
import { creationListName } from '../names.js';

/** CREATE [OR REPLACE] FUNCTION / PROCEDURE. */
export function createRoutine(ctx: Ctx, n: Node, stmt: ParsedStatement): void {
  const name = creationListName(n.funcname as Node[], ctx.session);
  effect(ctx, 'create-routine', name, 'additive', null, { detail: { subtype: n.replace ? 'replace' : 'create' } });
  // OR REPLACE of a routine the model has (or never saw) keeps its origin: it is not new.
  const known = ctx.schema.object(name);
  const routine = routineInfo(stmt, n);
  // OR REPLACE of a routine no earlier statement of this file created: the running release may
  // call it (or fire it as a trigger), and from now on runs the new body.
  if (n.replace && !ctx.schema.isCertainlyNewInFile(name)) runsLater(ctx, name, `${name}() is replaced: the color still running calls the new body`, routine);
  if (n.replace && known) ctx.mutations.push((m) => m.replaceRoutine(name, routine));
  else ctx.mutations.push((m) => m.createObject(name, 'routine', Boolean(n.replace), routine));
}

export function alterRoutine(ctx: Ctx, n: Node): void {
  const name = objectName(ctx, { ObjectWithArgs: n.func } as Node, 'OBJECT_FUNCTION');
  effect(ctx, 'alter-routine', name, 'neutral', null);
  // SECURITY INVOKER: calls run with the caller's privileges, no longer the owner's; the role the
  // running release connects as may lack what the routine reads or writes.
  const invoker = ((n.actions ?? []) as Node[]).some((a) => {
    const d = (a.DefElem ?? {}) as Node;
    return d.defname === 'security' && ((d.arg as Node | undefined)?.Boolean as Node | undefined)?.boolval !== true;
  });
  if (invoker) effect(ctx, 'revoke', name, 'contract', null, { detail: { subtype: 'security-invoker' } });
}

/** CALL: what the procedure runs. */
export function callRoutine(ctx: Ctx, n: Node): void {
  calls(ctx, n);
}

/** DO: its static SQL is analysed as statements of its own (src/parse/statements.ts); a block that COMMITs cannot run in a transaction. */
export function doBlock(ctx: Ctx, n: Node, stmt: ParsedStatement): void {
  if (stmt.commits) ctx.cannotRunInTransaction = true;
  effect(ctx, 'do-block', 'DO', 'neutral', null, stmt.commits ? { detail: { subtype: 'commits' } } : {});
}

/** EXECUTE of a computed string inside a DO block: nothing bgmigrate can see. */
export function dynamicExecute(ctx: Ctx, n: Node, stmt: ParsedStatement): void {
  effect(ctx, 'dynamic-sql', 'EXECUTE', 'neutral', null, { detail: { dynamicSql: stmt.dynamicSql ?? stmt.text } });
}

/** What a routine created here runs when called, and its declared volatility (VOLATILE unless said). */
function routineInfo(stmt: ParsedStatement, n: Node): RoutineInfo {
  let volatility: RoutineInfo['volatility'] = 'volatile';
  for (const o of (n.options ?? []) as Node[]) {
    const d = (o.DefElem ?? {}) as Node;
    if (d.defname === 'volatility') volatility = String(((d.arg as Node | undefined)?.String as Node | undefined)?.sval ?? 'volatile') as RoutineInfo['volatility'];
  }
  // Parsed when the routine is first called: most routines a migration creates never are.
  let body: RoutineInfo['body'] | undefined;
  const text = stmt.text;
  return {
    volatility,
    get body() {
      if (body === undefined) {
        const read = text ? routineBody(text, n) : { unknown: 'its body was not read' };
        body = 'unknown' in read ? read : read.statements;
      }
      return body;
    },
  };
}

export function dropRoutine(ctx: Ctx, o: Node, { type, cascade, detail }: DropOptions): void {
  const name = objectName(ctx, o, type);
  effect(ctx, 'drop-routine', name, 'contract', null, { detail: { ...detail, subtype: type } });
  ctx.mutations.push((m) => m.dropObject(name));
  if (cascade) dropUsers(ctx, name);
  if (cascade) {
    // CASCADE drops the triggers that call it (AccessExclusiveLock on their tables).
    for (const t of ctx.schema.triggersUsing(name)) {
      effect(ctx, 'drop-trigger', `${t.table}.${part(t.trigger)}`, 'neutral', AEL, { table: t.table, detail: { cascade, cascadeFrom: name } });
      ctx.mutations.push((m) => m.dropTrigger(t.table, t.trigger));
    }
  }
}

export function renameRoutine(ctx: Ctx, n: Node, type: string, newName: string): void {
  const name = objectName(ctx, n.object as Node, type);
  const to = `${name.split('.')[0]}.${part(newName)}`;
  effect(ctx, 'rename-routine', name, 'contract', null, { detail: { newName: to } });
  ctx.mutations.push((m) => m.renameObject(name, to, 'routine'));
}
