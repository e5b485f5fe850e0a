/**
 * The column definitions a statement introduces (`CREATE TABLE` columns and `ADD COLUMN`), with
 * their normalised types: what the hygiene rules and `table-rewrite` judge. Read from the
 * statement's effects (`columns`, `columnFacts`), never from the parse tree.
 */
import type { ColumnFacts } from '../../analyze/effects/index.js';
import type { TypeFacts } from '../../analyze/types.js';
import type { Span } from '../../model.js';
import type { RuleContext, StatementFacts } from './rule.js';

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
  /** `GENERATED … AS IDENTITY`. */
  identity: boolean;
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

function column(statement: StatementFacts, table: string, f: ColumnFacts, added: boolean): NewColumn {
  // Only a finding needs the span: most columns never get one, so it is worked out on first use.
  let span: Span | undefined | null = null;
  return {
    table,
    object: `${table}.${f.name}`,
    name: f.name,
    type: { type: f.type, base: f.baseType, mods: f.typeMods, array: f.array, serial: f.serial },
    writtenType: f.typeName[f.typeName.length - 1] ?? '',
    typeNameParts: f.typeName,
    identity: f.identity,
    soloPrimaryKey: f.wholePrimaryKey,
    added,
    get span() {
      if (span === null) span = nameSpan(statement, f.location, f.name);
      return span;
    },
  };
}

// Several rules ask about the same statement; compute its columns once.
const cache = new WeakMap<StatementFacts, NewColumn[]>();

/** The span of a column definition's name (quoted or not) as written. */
function nameSpan(statement: StatementFacts, at: number | undefined, name: string): Span | undefined {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (at === undefined || (!statement.inDoBlock && statement.start === undefined)) return undefined;
  const relative = statement.inDoBlock ? at : at - statement.start!;
  const quoted = encoded(statement).bytes[relative] === 0x22;
  return spanAt(statement, at, quoted ? bytes + 2 : bytes);
}

/** Columns defined by this statement: `CREATE TABLE` columns and `ALTER TABLE … ADD COLUMN`. */
export function newColumns(ctx: RuleContext): NewColumn[] {
  const kind = ctx.statement.kind;
  if (kind !== 'CreateStmt' && kind !== 'AlterTableStmt') return [];
  const cached = cache.get(ctx.statement);
  if (cached) return cached;
  const columns = compute(ctx);
  cache.set(ctx.statement, columns);
  return columns;
}

/** From the statement's own effects (not those of routines it runs); columns with a written type. */
function compute(ctx: RuleContext): NewColumn[] {
  const own = ctx.effects.filter((e) => e.detail.via === undefined);
  if (ctx.statement.kind === 'CreateStmt') {
    const created = own.find((e) => e.kind === 'create-table');
    // CREATE TABLE IF NOT EXISTS of a table the model already knows does nothing.
    if (!created || (created.detail.ifNotExists && ctx.schema.table(created.object))) return [];
    return (created.detail.columns ?? []).filter((f) => f.typeName.length > 0).map((f) => column(ctx.statement, created.object, f, false));
  }
  const out: NewColumn[] = [];
  for (const e of own) {
    const f = e.detail.columnFacts;
    // ADD COLUMN IF NOT EXISTS of a column the model already knows does nothing; a foreign
    // table's columns map remote ones.
    if (e.kind !== 'add-column' || !f || !e.table || e.detail.alreadyExists || e.detail.subtype === 'foreign-table') continue;
    if (f.typeName.length > 0) out.push(column(ctx.statement, e.table, f, true));
  }
  return out;
}
