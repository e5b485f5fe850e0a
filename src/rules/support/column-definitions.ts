/**
 * The column definitions a statement introduces (`CREATE TABLE` columns and `ADD COLUMN`), with
 * their normalised types: what the hygiene rules and `table-rewrite` judge.
 */
import { rangeVarName } from '../../analyze/names.js';
import { typeFacts, type TypeFacts } from '../../analyze/types.js';
import type { Span } from '../../model.js';
import type { RuleContext, StatementFacts } from './rule.js';

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
  /** Where the column's name is written, when it can be located. */
  span?: Span;
}

/**
 * The span of `length` bytes at a node's `location` inside a statement, or undefined when the
 * location cannot be mapped (no byte offset known, or outside the statement's text).
 */
export function spanAt(statement: StatementFacts, location: unknown, length: number): Span | undefined {
  if (typeof location !== 'number') return undefined;
  // DO-block statements are parsed from their own text; top-level ones from the whole file.
  const from = statement.inDoBlock ? location : statement.start === undefined ? -1 : location - statement.start;
  const { bytes, lineStarts } = encoded(statement);
  if (from < 0 || from + length > bytes.length) return undefined;
  const position = (offset: number) => {
    // Lines before `offset`, and the characters of the last one up to it.
    let line = 0;
    while (line + 1 < lineStarts.length && lineStarts[line + 1] <= offset) line++;
    const last = [...bytes.subarray(lineStarts[line], offset).toString('utf8')].length;
    return line === 0
      ? { line: statement.span.line, column: statement.span.column + last }
      : { line: statement.span.line + line, column: last + 1 };
  };
  const a = position(from);
  const b = position(from + length);
  return { line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
}

// A statement's UTF-8 bytes and line starts, made once: a CREATE TABLE asks for every column.
const encodedText = new WeakMap<StatementFacts, { bytes: Buffer; lineStarts: number[] }>();

function encoded(statement: StatementFacts): { bytes: Buffer; lineStarts: number[] } {
  let e = encodedText.get(statement);
  if (!e) {
    const bytes = Buffer.from(statement.text, 'utf8');
    const lineStarts = [0];
    for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) lineStarts.push(i + 1);
    e = { bytes, lineStarts };
    encodedText.set(statement, e);
  }
  return e;
}

const constraintsOf = (def: Node): Node[] =>
  ((def.constraints ?? []) as Node[]).map((c) => (c.Constraint ?? {}) as Node);

function column(statement: StatementFacts, table: string, def: Node, added: boolean, tablePk: string[] | undefined): NewColumn {
  const name = String(def.colname ?? '?');
  const typeName = def.typeName as Node | undefined;
  const parts = ((typeName?.names ?? []) as Node[]).map((n) => String((n.String as Node | undefined)?.sval ?? ''));
  const constraints = constraintsOf(def);
  const inlinePk = constraints.some((c) => c.contype === 'CONSTR_PRIMARY');
  // Only a finding needs the span: most columns never get one, so it is worked out on first use.
  let span: Span | undefined | null = null;
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
    get span() {
      if (span === null) span = nameSpan(statement, def, name);
      return span;
    },
  };
}

// Several rules ask about the same statement; compute its columns once.
const cache = new WeakMap<object, NewColumn[]>();

/** The span of a column definition's name (quoted or not) as written. */
function nameSpan(statement: StatementFacts, def: Node, name: string): Span | undefined {
  const bytes = Buffer.byteLength(name, 'utf8');
  const at = def.location;
  if (typeof at !== 'number' || (!statement.inDoBlock && statement.start === undefined)) return undefined;
  const relative = statement.inDoBlock ? at : at - statement.start!;
  const quoted = encoded(statement).bytes[relative] === 0x22;
  return spanAt(statement, at, quoted ? bytes + 2 : bytes);
}

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
      .map((e) => column(ctx.statement, table, e.ColumnDef as Node, false, tablePk));
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
      if (def?.typeName) out.push(column(ctx.statement, table, def, true, undefined));
    }
    return out;
  }
  return [];
}
