/**
 * What every statement family's handler shares: the context of the statement being analysed,
 * `effect()` (which also decides what no release can be using yet: objects created earlier in
 * the file), the handler shapes the dispatch tables in ./index.ts hold, and small helpers over
 * libpg-query's JSON.
 */
import type { EffectClass, LockMode } from '../../model.js';
import { part } from '../../object-name.js';
import type { ParsedStatement } from '../../parse/statements.js';
import { listName, qualify, rangeVarName, strings } from '../names.js';
import type { SchemaModel, SchemaView } from '../schema.js';
import type { SessionState } from '../session.js';
import type { AnalyzedEffect, EffectDetail, EffectKind } from './kinds.js';

/** A libpg-query node body. */
export type Node = Record<string, unknown>;

/** What a handler reads (model, session, version) and writes (effects, model changes) for one statement. */
export interface Ctx {
  schema: SchemaView;
  session: SessionState;
  pgVersion: number;
  effects: AnalyzedEffect[];
  mutations: ((model: SchemaModel) => void)[];
  cannotRunInTransaction: boolean;
  /** Where the statement starts, for messages. */
  line?: number;
  /** Static SQL inside a DO block: it may run zero or many times. */
  inDoBlock?: boolean;
  /** Statements prepared earlier in the file (`PREPARE name AS …`), for `EXECUTE name`. */
  prepared?: Map<string, { kind: string; node: Node }>;
  /** Routines whose bodies are being analysed (a call inside a call), outermost first. */
  via: string[];
}

/** Handles one statement node kind: records its effects and model changes on `ctx`. */
export type StatementHandler = (ctx: Ctx, n: Node, stmt: ParsedStatement) => void;

/** One DROP statement's options, the same for each object it names. */
export interface DropOptions {
  /** `OBJECT_TABLE`, `OBJECT_INDEX`, … */
  type: string;
  cascade: boolean;
  concurrently: boolean;
  /** The detail every effect of a dropped object starts from. */
  detail: { cascade: boolean; ifExists: boolean };
}

/** Handles one object of a DROP statement. */
export type DropHandler = (ctx: Ctx, o: Node, drop: DropOptions) => void;

/** Handles a RENAME statement of one object type (`type` is its `renameType`). */
export type RenameHandler = (ctx: Ctx, n: Node, type: string, newName: string) => void;

/** One ALTER TABLE subcommand, with the column it names (`colObj`: `table.column`). */
export interface TableCommand {
  /** `OBJECT_TABLE`, or `OBJECT_FOREIGN_TABLE` for ALTER FOREIGN TABLE. */
  objtype: string;
  cmd: Node;
  /** `AT_AddColumn`, `AT_SetNotNull`, … */
  sub: string;
  col: string | undefined;
  colObj: string;
  def: Node;
}

/** Handles one ALTER TABLE subcommand on `table`. */
export type CommandHandler = (ctx: Ctx, table: string, command: TableCommand) => void;

/** The table locks effects name most. */
export const AEL: LockMode = 'AccessExclusiveLock';
export const SUE: LockMode = 'ShareUpdateExclusiveLock';
export const SHR: LockMode = 'ShareLock';
export const SRE: LockMode = 'ShareRowExclusiveLock';

/**
 * Records an effect. Contract effects on what no release can use yet (an object created earlier
 * in this file, a column this file added, a drop of what this file renamed away) become neutral.
 */
export function effect(
  ctx: Ctx,
  kind: EffectKind,
  object: string,
  cls: EffectClass,
  lock: LockMode | null,
  opts: { table?: string; rewrites?: boolean; scans?: boolean; detail?: EffectDetail } = {},
): AnalyzedEffect {
  const table = opts.table;
  const detail: EffectDetail = { ...opts.detail };
  if (table !== undefined) {
    const t = ctx.schema.table(table);
    detail.known ??= t?.createdIn !== undefined || ctx.schema.object(table)?.createdIn !== undefined;
    detail.newInFile ??= ctx.schema.isNewInFile(table);
    detail.certainlyNew = ctx.schema.isCertainlyNewInFile(table);
    if (t?.kind === 'partitioned-table') detail.partitioned = true;
  }
  // No color uses an object created earlier in this same file: changing it breaks nothing. Only
  // a create that really created it counts (IF NOT EXISTS / OR REPLACE may have found an old one).
  if (cls === 'contract' && ctx.schema.isCertainlyNewInFile(table ?? object)) cls = 'neutral';
  // A column this file added is unknown to the old color: dropping, renaming or retyping it is
  // safe (tightening it is not: the old color's inserts omit it).
  if (cls === 'contract' && table !== undefined && detail.column !== undefined && COLUMN_USE.has(kind) && addedInThisFile(ctx, table, detail.column)) cls = 'neutral';
  // Dropping what this file renamed away (Prisma's enum swap): the rename was the contract effect.
  if (cls === 'contract' && kind.startsWith('drop-') && ctx.schema.wasRenamedInFile(object)) {
    cls = 'neutral';
    detail.renamedInFile = true;
  }
  const e: AnalyzedEffect = { kind, object, class: cls, lock, rewrites: opts.rewrites ?? false, scans: opts.scans ?? false, detail };
  if (table !== undefined) e.table = table;
  ctx.effects.push(e);
  return e;
}

/** A column this file added (ADD COLUMN IF NOT EXISTS of one that may have existed does not count): no color uses it yet. */
export function addedInThisFile(ctx: Ctx, table: string, column: string): boolean {
  const c = ctx.schema.column(table, column);
  return c?.addedIn !== undefined && c.addedIn === ctx.schema.currentFile && !c.mayHaveExisted;
}

const COLUMN_USE: ReadonlySet<EffectKind> = new Set(['drop-column', 'rename-column', 'change-column-type']);

/** The effect of a statement (or part) that is not understood: fails closed on the table it names. */
export function unknown(ctx: Ctx, kind: string, node: Node): void {
  const rel = findRangeVar(node);
  const table = rel ? rangeVarName(rel, ctx.session, ctx.schema) : undefined;
  effect(ctx, 'unknown', table ?? kind, 'neutral', table ? AEL : null, { table, detail: { nodeKind: kind } });
}

/** The first relation (`RangeVar`) anywhere in a node, depth first. */
export function findRangeVar(node: unknown): Node | undefined {
  if (!node || typeof node !== 'object') return undefined;
  if (Array.isArray(node)) {
    for (const x of node) {
      const r = findRangeVar(x);
      if (r) return r;
    }
    return undefined;
  }
  const n = node as Node;
  if (typeof n.relname === 'string') return n;
  for (const v of Object.values(n)) {
    const r = findRangeVar(v);
    if (r) return r;
  }
  return undefined;
}

/** A `RangeVar` node's name, resolved through the session. */
export const rel = (ctx: Ctx, rv: unknown) => rangeVarName(rv as Node, ctx.session, ctx.schema);

/** A nested statement (CREATE SCHEMA element, CTE, prepared or routine statement) as a top-level one. */
export function stmtLike(kind: string, node: Node): ParsedStatement {
  return { index: 0, kind, node, text: '', span: { line: 1, column: 1, endLine: 1, endColumn: 1 }, start: 0, end: 0, inDoBlock: false };
}

/** A generic object reference (`List` of names, `String`, `TypeName`, `ObjectWithArgs`) → name. */
export function objectName(ctx: Ctx, o: Node, objtype: string): string {
  if (!o) return '?';
  if (o.List) {
    const items = strings((o.List as Node).items as Node[]);
    if (objtype === 'OBJECT_COLUMN') {
      const col = items.pop()!;
      return `${qualify(items.length > 1 ? items[0] : undefined, items[items.length - 1] ?? '?', ctx.session, ctx.schema)}.${part(col)}`;
    }
    if (items.length === 1) return qualify(undefined, items[0], ctx.session, ctx.schema);
    return items.slice(-2).join('.');
  }
  if (o.String) return String((o.String as Node).sval);
  if (o.TypeName) {
    const tn = o.TypeName as Node;
    return listName(tn.names as Node[], ctx.session, ctx.schema);
  }
  if (o.ObjectWithArgs) return listName((o.ObjectWithArgs as Node).objname as Node[], ctx.session, ctx.schema);
  if (o.RangeVar) return rel(ctx, o);
  return '?';
}

/** A `schema.table.name` object of a DROP (`List` of names): its table and its own name. */
export function onTable(ctx: Ctx, o: Node): { table: string; name: string } {
  const items = strings(((o.List ?? {}) as Node).items as Node[]);
  const name = items.pop() ?? '?';
  const table = items.length > 1 ? items.join('.') : qualify(undefined, items[0] ?? '?', ctx.session, ctx.schema);
  return { table, name };
}

/** The lock `e` takes on its table, taken on `table` too (rewrites and scans included). */
export function relatedLock(ctx: Ctx, e: Pick<AnalyzedEffect, 'lock' | 'rewrites' | 'scans'>, table: string, subtype: string, object = table): void {
  effect(ctx, 'related-lock', object, 'neutral', e.lock, { table, rewrites: e.rewrites, scans: e.scans, detail: { subtype } });
}

/**
 * The same lock on every known partition below `table`, as PostgreSQL takes it for a statement
 * naming the table without ONLY; `relation` is the table's RangeVar (or the node wrapping one):
 * with ONLY (`inh` not set) nothing is locked.
 */
export function lockPartitions(ctx: Ctx, table: string, e: Pick<AnalyzedEffect, 'lock' | 'rewrites' | 'scans'>, relation?: Node): void {
  const rv = relation === undefined ? undefined : ((relation.RangeVar ?? relation) as Node);
  if (rv !== undefined && rv.inh !== true) return;
  for (const p of allPartitions(ctx, table)) relatedLock(ctx, e, p, 'partition');
}

/** Every known partition below `table`, partitions of partitions included. */
export function allPartitions(ctx: Ctx, table: string): string[] {
  const out: string[] = [];
  const visit = (t: string) => {
    for (const p of ctx.schema.partitionsOf(t)) {
      if (out.includes(p)) continue;
      out.push(p);
      visit(p);
    }
  };
  visit(table);
  return out;
}

/** A table name as written in a REFERENCES clause, qualified through the search path. */
export function qualifyRef(ctx: Ctx, ref: string): string {
  return ref.includes('.') ? ref : qualify(undefined, ref, ctx.session, ctx.schema);
}

/** The text of a constant (`'x'`, `1`, `true`, `'x'::type`), or '' for anything else. */
export function constText(node: Node): string {
  const c = (node.A_Const ?? node) as Node;
  if (c.sval) return String((c.sval as Node).sval ?? '');
  if (c.ival) return String((c.ival as Node).ival ?? 0);
  if (c.fval) return String((c.fval as Node).fval ?? '');
  if (c.boolval) return String((c.boolval as Node).boolval ?? false);
  if (node.TypeCast) return constText(((node.TypeCast as Node).arg ?? {}) as Node);
  return '';
}

/** `NULL`, possibly cast. */
export function isNullConst(node: Node): boolean {
  if (node.A_Const) return (node.A_Const as Node).isnull === true;
  const cast = node.TypeCast as Node | undefined;
  return cast !== undefined && isNullConst((cast.arg ?? {}) as Node);
}

/** A non-NULL constant, possibly cast. */
export function isConst(node: Node): boolean {
  if (node.A_Const) return (node.A_Const as Node).isnull !== true;
  const cast = node.TypeCast as Node | undefined;
  return cast !== undefined && isConst((cast.arg ?? {}) as Node);
}
