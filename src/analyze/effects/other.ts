/**
 * Everything else: COMMENT, the statements on objects a release never depends on (statistics,
 * publications, foreign-data wrappers, casts, …), and DROP / RENAME of objects that have no family
 * of their own: neutral when no query names them, else contract (operators, collations, …).
 */
import { AEL, SUE, effect, findRangeVar, objectName, rel, type Ctx, type DropOptions, type Node } from './context.js';
import { part } from '../../object-name.js';
import type { ParsedStatement } from '../../parse/statements.js';

export function comment(ctx: Ctx, n: Node): void {
  const isRel = ['OBJECT_TABLE', 'OBJECT_COLUMN', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_INDEX'].includes(String(n.objtype));
  const obj = objectName(ctx, n.object as Node, String(n.objtype));
  const table = n.objtype === 'OBJECT_COLUMN' ? obj.split('.').slice(0, -1).join('.') : isRel ? obj : undefined;
  effect(ctx, 'comment', obj, 'neutral', table ? SUE : null, { table });
}

/** ALTER … OWNER, statistics, casts, operator classes, conversions, event triggers, publications, foreign servers and wrappers, security labels, text search changes, REASSIGN OWNED. */
export function neutralDdl(ctx: Ctx, n: Node, stmt: ParsedStatement): void {
  const table = stmt.kind === 'CreateStatsStmt' ? firstFromRel(ctx, n) : undefined;
  effect(ctx, 'neutral-ddl', table ?? stmt.kind, 'neutral', table ? SUE : null, { table, detail: { subtype: stmt.kind } });
}

function firstFromRel(ctx: Ctx, n: Node): string | undefined {
  const rv = findRangeVar(n.relations ?? n);
  return rv ? rel(ctx, rv) : undefined;
}

/** DROP of statistics, event triggers, publications, subscriptions, tablespaces: no query names them. */
export function dropNeutral(ctx: Ctx, o: Node, { type, detail }: DropOptions): void {
  effect(ctx, 'neutral-ddl', objectName(ctx, o, type), 'neutral', null, { detail: { ...detail, subtype: `drop ${type}` } });
}

/**
 * DROP of operators, casts, collations, text search objects, languages, servers…: the old
 * release's queries may use any of them.
 */
export function dropOther(ctx: Ctx, o: Node, { type, detail }: DropOptions): void {
  effect(ctx, 'drop-object', objectName(ctx, o, type), 'contract', null, { detail: { ...detail, subtype: type.replace('OBJECT_', '').toLowerCase().replace(/_/g, ' ') } });
}

/** RENAME of a policy or a rewrite rule: the table keeps its behaviour. */
export function renameOnTable(ctx: Ctx, n: Node, type: string, newName: string): void {
  const table = rel(ctx, n.relation);
  effect(ctx, 'neutral-ddl', `${table}.${part(n.subname)}`, 'neutral', AEL, { table, detail: { newName, subtype: `rename ${type}` } });
}

/** RENAME of a tablespace, event trigger, publication, subscription or statistics object. */
export function renameNeutral(ctx: Ctx, n: Node, type: string, newName: string): void {
  effect(ctx, 'neutral-ddl', String(n.subname ?? type), 'neutral', null, { detail: { newName, subtype: `rename ${type}` } });
}

/**
 * RENAME of collations, conversions, text search objects, operator classes, languages,
 * servers…: the old release may name them.
 */
export function renameOther(ctx: Ctx, n: Node, type: string, newName: string): void {
  const name = n.object ? objectName(ctx, n.object as Node, type) : String(n.subname ?? type);
  effect(ctx, 'rename-other', name, 'contract', null, { detail: { newName, subtype: type.replace('OBJECT_', '').toLowerCase().replace(/_/g, ' ') } });
}
