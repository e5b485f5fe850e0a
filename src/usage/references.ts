/**
 * What a query the application ran refers to: tables, columns and routines, resolved against the
 * live catalog, from PostgreSQL's own parse of pg_stat_statements' normalised text.
 *
 * Resolution is deliberately generous (it may see a use that is not one, never the reverse):
 * every relation anywhere in the statement (joins, subqueries, CTE bodies) is in scope for an
 * unqualified column, so `SELECT name FROM users JOIN orders …` counts as a use of every in-scope
 * table that has a column `name`. `SELECT *` / `t.*` and an INSERT without a column list are
 * "possible" uses of the table's columns: reported, not refused.
 */
import { parseSql } from '../parse/parser.js';

/** The schema as the evidence needs it: relations with their columns, routines, the search path. */
export interface UsageCatalog {
  /** `schema.table` → its columns. */
  relations: Map<string, Set<string>>;
  /** `schema.name` of every routine. */
  routines: Set<string>;
  /** Schemas an unqualified name is looked up in, in order. */
  searchPath: string[];
}

export interface QueryReferences {
  /** `schema.table` read or written. */
  tables: Set<string>;
  /** `schema.table.column` named. */
  columns: Set<string>;
  /** `schema.name` called. */
  routines: Set<string>;
  /** `schema.table` whose columns are all used without being named (`*`, INSERT without a column list). */
  allColumns: Set<string>;
}

const DML = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

/**
 * The references of one query, or `undefined` when it cannot be parsed (a text cut short) or is
 * not a query (utility statements — DDL, SET, … — are the migrations' own, not the application's).
 */
export function queryReferences(text: string, catalog: UsageCatalog): QueryReferences | undefined {
  const parsed = parseSql(text);
  if ('error' in parsed) return undefined;
  const refs: QueryReferences = { tables: new Set(), columns: new Set(), routines: new Set(), allColumns: new Set() };
  let anyDml = false;
  for (const raw of parsed.stmts) {
    const [kind, node] = Object.entries(raw.stmt)[0] as [string, Record<string, unknown>];
    if (!DML.has(kind)) continue;
    anyDml = true;
    collect(kind, node, catalog, refs);
  }
  return anyDml ? refs : undefined;
}

interface Scope {
  /** alias or table name → `schema.table` */
  names: Map<string, Set<string>>;
  tables: Set<string>;
  ctes: Set<string>;
}

function collect(kind: string, node: Record<string, unknown>, catalog: UsageCatalog, refs: QueryReferences): void {
  const scope: Scope = { names: new Map(), tables: new Set(), ctes: new Set() };
  const columnRefs: string[][] = [];
  const funcs: string[][] = [];
  const targetNames: { table: string | undefined; name: string }[] = [];
  // One pass gathers everything; resolution happens once the whole statement's scope is known.
  walk(node, (key, value) => {
    if (key === 'CommonTableExpr') scope.ctes.add(String((value as { ctename: string }).ctename));
  });
  walk(node, (key, value) => {
    const v = value as Record<string, unknown>;
    if (key === 'RangeVar') {
      const table = resolveRelation(v.schemaname as string | undefined, String(v.relname), catalog, scope);
      if (!table) return;
      scope.tables.add(table);
      addName(scope, String(v.relname), table);
      const alias = (v.alias as { aliasname?: string } | undefined)?.aliasname;
      if (alias) addName(scope, alias, table);
    } else if (key === 'ColumnRef') {
      columnRefs.push(((v.fields as Record<string, unknown>[]) ?? []).map((f) => ('A_Star' in f ? '*' : String((f.String as { sval?: string })?.sval ?? ''))));
    } else if (key === 'FuncCall') {
      funcs.push(((v.funcname as Record<string, unknown>[]) ?? []).map((f) => String((f.String as { sval?: string })?.sval ?? '')));
    }
  });
  // The statement's own target (INSERT/UPDATE/DELETE/MERGE `relation`, a bare RangeVar in the tree).
  const target = (node.relation as { RangeVar?: Record<string, unknown> } | undefined)?.RangeVar ?? (node.relation as Record<string, unknown> | undefined);
  const targetTable = target && typeof target.relname === 'string' ? resolveRelation(target.schemaname as string | undefined, target.relname, catalog, scope) : undefined;
  if (target && targetTable) {
    scope.tables.add(targetTable);
    addName(scope, String(target.relname), targetTable);
    const alias = (target.alias as { aliasname?: string } | undefined)?.aliasname;
    if (alias) addName(scope, alias, targetTable);
  }
  for (const table of scope.tables) refs.tables.add(table);

  // INSERT columns, UPDATE SET columns; an INSERT without a list writes all of them.
  if (kind === 'InsertStmt') {
    const cols = (node.cols as { ResTarget: { name: string } }[] | undefined) ?? [];
    if (cols.length === 0 && targetTable) refs.allColumns.add(targetTable);
    for (const c of cols) targetNames.push({ table: targetTable, name: c.ResTarget.name });
  }
  if (kind === 'UpdateStmt') {
    for (const t of (node.targetList as { ResTarget: { name: string } }[] | undefined) ?? []) targetNames.push({ table: targetTable, name: t.ResTarget.name });
  }
  for (const { table, name } of targetNames) if (table) refs.columns.add(`${table}.${name}`);

  for (const fields of columnRefs) {
    const last = fields[fields.length - 1];
    if (fields.length >= 3) {
      const table = `${fields[fields.length - 3]}.${fields[fields.length - 2]}`;
      if (last === '*') refs.allColumns.add(table);
      else refs.columns.add(`${table}.${last}`);
      continue;
    }
    if (fields.length === 2) {
      const tables = scope.names.get(fields[0]) ?? new Set<string>();
      for (const table of tables) {
        if (last === '*') refs.allColumns.add(table);
        else refs.columns.add(`${table}.${last}`);
      }
      continue;
    }
    if (last === '*') {
      for (const table of scope.tables) refs.allColumns.add(table);
      continue;
    }
    // Unqualified: every table in scope that has such a column.
    for (const table of scope.tables) if (catalog.relations.get(table)?.has(last)) refs.columns.add(`${table}.${last}`);
  }
  for (const name of funcs) {
    if (name.length >= 2) refs.routines.add(`${name[name.length - 2]}.${name[name.length - 1]}`);
    else for (const schema of catalog.searchPath) if (catalog.routines.has(`${schema}.${name[0]}`)) refs.routines.add(`${schema}.${name[0]}`);
  }
}

function addName(scope: Scope, name: string, table: string): void {
  const set = scope.names.get(name) ?? new Set<string>();
  set.add(table);
  scope.names.set(name, set);
}

function resolveRelation(schema: string | undefined, name: string, catalog: UsageCatalog, scope: Scope): string | undefined {
  if (schema) return `${schema}.${name}`;
  if (scope.ctes.has(name)) return undefined;
  for (const s of catalog.searchPath) if (catalog.relations.has(`${s}.${name}`)) return `${s}.${name}`;
  return undefined;
}

/** Visits every `{ Kind: {...} }` node of a parse tree. */
function walk(node: unknown, visit: (kind: string, value: unknown) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit);
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (/^[A-Z]/.test(key) && value && typeof value === 'object' && !Array.isArray(value)) visit(key, value);
    walk(value, visit);
  }
}
