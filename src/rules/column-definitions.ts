/**
 * The column definitions a statement introduces (`CREATE TABLE` columns and `ADD COLUMN`), with
 * their normalised types: what the hygiene rules and `table-rewrite` judge.
 */
import { rangeVarName } from '../analyze/names.js';
import { typeFacts, type TypeFacts } from '../analyze/types.js';
import type { RuleContext } from './rule.js';

type Node = Record<string, unknown>;

export interface NewColumn {
  /** `public.users`. */
  table: string;
  /** `public.users.id`. */
  object: string;
  name: string;
  type: TypeFacts;
  /** The last element of the written type name: `bpchar`, `timestamp`, `serial`, `mood`. */
  writtenType: string;
  /** The type name as written, schema included when given (`app.posint`). */
  typeNameParts: string[];
  /** The column's inline constraints (`Constraint` node bodies). */
  constraints: Node[];
  /** The column is the whole primary key (inline, or a one-column table-level PRIMARY KEY). */
  soloPrimaryKey: boolean;
  /** Added by `ALTER TABLE … ADD COLUMN` (as opposed to `CREATE TABLE`). */
  added: boolean;
}

const constraintsOf = (def: Node): Node[] =>
  ((def.constraints ?? []) as Node[]).map((c) => (c.Constraint ?? {}) as Node);

function column(table: string, def: Node, added: boolean, tablePk: string[] | undefined): NewColumn {
  const name = String(def.colname ?? '?');
  const typeName = def.typeName as Node | undefined;
  const parts = ((typeName?.names ?? []) as Node[]).map((n) => String((n.String as Node | undefined)?.sval ?? ''));
  const constraints = constraintsOf(def);
  const inlinePk = constraints.some((c) => c.contype === 'CONSTR_PRIMARY');
  return {
    table,
    object: `${table}.${name}`,
    name,
    type: typeFacts(typeName),
    writtenType: parts[parts.length - 1] ?? '',
    typeNameParts: parts.filter((p, i) => !(i === 0 && p === 'pg_catalog' && parts.length > 1)),
    constraints,
    soloPrimaryKey: inlinePk || (tablePk?.length === 1 && tablePk[0] === name),
    added,
  };
}

// Several rules ask about the same statement; compute its columns once.
const cache = new WeakMap<object, NewColumn[]>();

/** Columns defined by this statement: `CREATE TABLE` columns and `ALTER TABLE … ADD COLUMN`. */
export function newColumns(ctx: RuleContext): NewColumn[] {
  const kind = ctx.statement.kind;
  if (kind !== 'CreateStmt' && kind !== 'AlterTableStmt') return [];
  const cached = cache.get(ctx.statement.node);
  if (cached) return cached;
  const columns = compute(ctx);
  cache.set(ctx.statement.node, columns);
  return columns;
}

function compute(ctx: RuleContext): NewColumn[] {
  const { kind, node, session } = ctx.statement;
  if (kind === 'CreateStmt') {
    const table = rangeVarName(node.relation as Node, session, ctx.schema);
    // CREATE TABLE IF NOT EXISTS of a table the model already knows does nothing.
    if (node.if_not_exists && ctx.schema.table(table)) return [];
    const elts = (node.tableElts ?? []) as Node[];
    let tablePk: string[] | undefined;
    for (const e of elts) {
      const c = e.Constraint as Node | undefined;
      if (c?.contype === 'CONSTR_PRIMARY') {
        tablePk = ((c.keys ?? []) as Node[]).map((k) => String((k.String as Node | undefined)?.sval ?? ''));
      }
    }
    return elts
      .filter((e) => e.ColumnDef && (e.ColumnDef as Node).typeName)
      .map((e) => column(table, e.ColumnDef as Node, false, tablePk));
  }
  if (kind === 'AlterTableStmt' && (node.objtype === 'OBJECT_TABLE' || node.objtype === undefined)) {
    const table = rangeVarName(node.relation as Node, session, ctx.schema);
    const out: NewColumn[] = [];
    for (const c of (node.cmds ?? []) as Node[]) {
      const cmd = (c.AlterTableCmd ?? {}) as Node;
      if (cmd.subtype !== 'AT_AddColumn') continue;
      const def = (cmd.def as Node | undefined)?.ColumnDef as Node | undefined;
      // ADD COLUMN IF NOT EXISTS of a column the model already knows does nothing.
      if (cmd.missing_ok && def && ctx.schema.column(table, String(def.colname))) continue;
      if (def?.typeName) out.push(column(table, def, true, undefined));
    }
    return out;
  }
  return [];
}
