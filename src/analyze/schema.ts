/**
 * The schema model: what earlier migrations (and earlier statements of this file) created, so
 * rules can tell a brand-new table from an existing one and judge type changes against the
 * known old type. Objects the model does not know are assumed to exist and to be large.
 */

import v8 from 'node:v8';
import type { BodyStatement } from '../parse/statements.js';

/** Something that uses a routine or sequence. */
export interface Use {
  kind: 'view' | 'default' | 'generated';
  /** The view, or the column's table. */
  table: string;
  column?: string;
}

/** What a routine created by the migrations runs, for analysing calls to it. */
export interface RoutineInfo {
  /** Its static SQL, or why it cannot be known. */
  body: readonly BodyStatement[] | { unknown: string };
  volatility: 'immutable' | 'stable' | 'volatile';
}

/** A non-relation object: type, sequence, routine, schema, extension, role. */
export interface ObjectInfo {
  readonly kind: string;
  readonly createdIn?: string;
  readonly mayHaveExisted?: boolean;
  readonly routine?: RoutineInfo;
}

/** A column as the model knows it. */
export interface ColumnInfo {
  readonly name: string;
  /** Normalised type (`varchar(40)`, `numeric(10,2)`, `text`, `int4`, …), if known. */
  readonly type?: string;
  readonly notNull: boolean;
  readonly hasDefault: boolean;
  /** File id of the migration that added the column (ADD COLUMN or CREATE TABLE), if seen. */
  readonly addedIn?: string;
  /** Added by `ADD COLUMN IF NOT EXISTS` (or a `CREATE … IF NOT EXISTS`) that may have found it there. */
  readonly mayHaveExisted?: boolean;
}

export type ConstraintType = 'check' | 'foreign-key' | 'unique' | 'primary-key' | 'exclusion' | 'not-null';

export interface ConstraintInfo {
  readonly name: string;
  readonly type: ConstraintType;
  readonly valid: boolean;
  /** For `CHECK (c IS NOT NULL)` and `NOT NULL c` constraints: the column. */
  readonly notNullColumn?: string;
  /** File id where it was added. */
  readonly createdIn?: string;
  /** Foreign keys: the referenced table, and the columns on both sides (empty = its primary key). */
  readonly references?: string;
  readonly columns?: readonly string[];
  readonly referencedColumns?: readonly string[];
  /** Foreign keys with ON DELETE CASCADE, SET NULL or SET DEFAULT: behaviour the application may rely on. */
  readonly actions?: boolean;
}

/** A foreign key of another table that points at a table. */
export interface ReferencingKey {
  table: string;
  constraint: string;
}

export type RelationKind = 'table' | 'view' | 'materialized-view' | 'partitioned-table';

export interface TableInfo {
  /** Schema-qualified: `public.users`. */
  readonly name: string;
  readonly kind: RelationKind;
  /** File id of the migration that created it (`undefined` if only known from a catalog). */
  readonly createdIn?: string;
  /**
   * Created by `IF NOT EXISTS` / `OR REPLACE` without the model knowing it was absent: it may
   * be an older object already in use (so a later drop in the same file is not harmless).
   */
  readonly mayHaveExisted?: boolean;
  readonly columns: ReadonlyMap<string, ColumnInfo>;
  readonly constraints: ReadonlyMap<string, ConstraintInfo>;
  /** Index names (schema-qualified) on this table. */
  readonly indexes: ReadonlySet<string>;
}

/** Read-only questions rules ask about the schema. */
export interface SchemaView {
  /**
   * The relation (table, view, matview), if any statement so far mentioned it. `createdIn` is
   * undefined for tables that predate the migrations seen (only what later statements did to
   * them is known): treat those as existing and large.
   */
  table(name: string): TableInfo | undefined;
  /** Created earlier in the file being linted: needs no CONCURRENTLY / NOT VALID. */
  isNewInFile(table: string): boolean;
  /**
   * Created earlier in this file by a statement that really created it (not an `IF NOT EXISTS`
   * or `OR REPLACE` that may have found an older one): no color can be using it.
   */
  isCertainlyNewInFile(name: string): boolean;
  column(table: string, column: string): ColumnInfo | undefined;
  /** Normalised type of a column, if known. */
  columnType(table: string, column: string): string | undefined;
  /** A valid `CHECK (column IS NOT NULL)` (or NOT NULL constraint) exists on the column. */
  hasValidNotNullCheck(table: string, column: string): boolean;
  /** Table an index (schema-qualified) belongs to, if known. */
  indexTable(index: string): string | undefined;
  /** Is the named non-relation object (type, sequence, routine, schema) known, and where from. */
  object(name: string): ObjectInfo | undefined;
  /**
   * What depends on a routine or sequence (what `DROP … CASCADE` of it removes): views calling
   * it, column defaults calling it (`nextval('seq')` included) and generated columns computed by it.
   */
  usesOf(name: string): readonly Use[];
  /** Every relation and object the model knows in a schema. */
  inSchema(schema: string): { relations: readonly TableInfo[]; objects: readonly { name: string; kind: string }[] };
  /** Whether a known index is UNIQUE (`undefined`: the model does not know the index). */
  isUniqueIndex(index: string): boolean | undefined;
  /** The columns of a known index on plain columns, in order (`undefined`: unknown index, or one on expressions). */
  indexKeys(index: string): readonly string[] | undefined;
  /** Tables' triggers and the routines they call. */
  triggersOn(table: string): readonly { name: string; routine: string }[];
  /** Known partitions of a partitioned table (PARTITION OF, ATTACH PARTITION). */
  partitionsOf(table: string): readonly string[];
  /** The DEFAULT partition of a partitioned table, when the model knows one. */
  defaultPartitionOf(table: string): string | undefined;
  /** The partitioned table `table` is a partition of, when the model knows it. */
  parentOf(table: string): string | undefined;
  /** Foreign keys of other tables that reference `table` (and `column`, when given). */
  referencing(table: string, column?: string): ReferencingKey[];
  /** Tables with a column of the named type or domain. */
  tablesUsingType(type: string): string[];
  /** Columns of the named type or domain. */
  columnsOfType(type: string): { table: string; column: string }[];
  /** The table's own foreign keys (those including `column`, when given). */
  foreignKeysOf(table: string, column?: string): ConstraintInfo[];
  /** Views (and materialized views) that read the table at all. */
  viewsOn(table: string): string[];
  /** Tables with a trigger that calls the routine. */
  triggersUsing(routine: string): { table: string; trigger: string }[];
  /** Views (and materialized views) that read `table.column` (a `SELECT *` reads every column). */
  viewsUsing(table: string, column: string): string[];
  /** Renamed to this name earlier in the file being linted (the rename itself was the contract effect). */
  wasRenamedInFile(name: string): boolean;
  /** The file currently being linted. */
  readonly currentFile: string | undefined;
}

/** Undo records of a look-ahead pass: a key's old value, or a whole map saved before a delete. */
type JournalEntry =
  | { map: Map<unknown, unknown>; key: unknown; had: boolean; old: unknown; snapshot?: undefined }
  | { map: Map<unknown, unknown>; snapshot: Map<unknown, unknown> };

interface Journal {
  entries: JournalEntry[];
  /** Maps saved whole: their later changes need no record. */
  snapshotted: Set<Map<unknown, unknown>>;
  /** Tables copied (or created) during the pass: safe to change in place. */
  copied: Set<MutableTable>;
}

interface MutableTable {
  name: string;
  kind: RelationKind;
  createdIn?: string;
  mayHaveExisted?: boolean;
  columns: Map<string, ColumnInfo>;
  constraints: Map<string, ConstraintInfo>;
  indexes: Set<string>;
}

/** The mutable model the analyser replays effects into. */
export class SchemaModel implements SchemaView {
  private readonly tables = new Map<string, MutableTable>();
  private readonly indexes = new Map<string, string>();
  private readonly objects = new Map<string, ObjectInfo>();
  currentFile: string | undefined;

  private renamed = new Set<string>();
  private partitions = new Map<string, readonly string[]>();
  /** Partitioned table → its DEFAULT partition (a new partition's bounds are checked against its rows). */
  private defaultPartitions = new Map<string, string>();
  private triggers = new Map<string, readonly { name: string; routine: string }[]>();
  /** Standalone UNIQUE indexes (ON CONFLICT may need them). */
  private uniqueIndexes = new Map<string, boolean>();
  /** Indexes on plain columns → those columns (PRIMARY KEY USING INDEX makes them NOT NULL). */
  private indexColumns = new Map<string, readonly string[]>();
  /** routine or sequence → what uses it (see {@link SchemaView.usesOf}). */
  private uses = new Map<string, readonly Use[]>();
  /** The reverse: `kind table column` of a user → the names it uses. */
  private usedBy = new Map<string, readonly string[]>();
  /** table → views reading it, with the columns they name (`all` for `*`). */
  private viewDeps = new Map<string, readonly { view: string; columns: ReadonlySet<string> | 'all' }[]>();

  /**
   * The model's state as structured-clone data, for the analysis cache (src/cache/lint-cache.ts):
   * everything that carries from one file to the next. Not the per-file state (current file,
   * renames), which beginFile() resets.
   */
  snapshot(): Buffer {
    if (this.journal) throw new Error('SchemaModel.snapshot() inside tentatively()');
    const { tables, indexes, objects, partitions, defaultPartitions, triggers, uniqueIndexes, indexColumns, uses, usedBy, viewDeps } = this;
    return v8.serialize({ tables, indexes, objects, partitions, defaultPartitions, triggers, uniqueIndexes, indexColumns, uses, usedBy, viewDeps });
  }

  /** A model in the state {@link snapshot} saved. */
  static fromSnapshot(data: Uint8Array): SchemaModel {
    // The fields snapshot() wrote, by name: private members cannot be named in a type here.
    return Object.assign(new SchemaModel(), v8.deserialize(data) as Record<string, unknown>);
  }

  beginFile(fileId: string): void {
    this.currentFile = fileId;
    this.renamed = new Set();
  }

  partitionsOf(table: string): readonly string[] {
    return this.partitions.get(table) ?? [];
  }

  defaultPartitionOf(table: string): string | undefined {
    return this.defaultPartitions.get(table);
  }

  parentOf(table: string): string | undefined {
    for (const [parent, list] of this.partitions) if (list.includes(table)) return parent;
    return undefined;
  }

  referencing(table: string, column?: string): ReferencingKey[] {
    const out: ReferencingKey[] = [];
    for (const t of this.tables.values()) {
      if (t.name === table) continue;
      for (const c of t.constraints.values()) {
        if (c.type !== 'foreign-key' || c.references !== table) continue;
        // No column list means the referenced table's primary key (all columns if unknown).
        const cols = c.referencedColumns?.length ? c.referencedColumns : this.primaryKey(table);
        if (column === undefined || cols.length === 0 || cols.includes(column)) out.push({ table: t.name, constraint: c.name });
      }
    }
    return out;
  }

  private primaryKey(table: string): readonly string[] {
    for (const c of this.tables.get(table)?.constraints.values() ?? []) if (c.type === 'primary-key') return c.columns ?? [];
    return [];
  }

  tablesUsingType(type: string): string[] {
    const bare = type.split('.').pop();
    const out: string[] = [];
    for (const t of this.tables.values()) {
      for (const c of t.columns.values()) {
        const base = elementType(c.type);
        if (base === type || base === bare) {
          out.push(t.name);
          break;
        }
      }
    }
    return out;
  }

  columnsOfType(type: string): { table: string; column: string }[] {
    const bare = type.split('.').pop();
    const out: { table: string; column: string }[] = [];
    for (const t of this.tables.values()) {
      for (const c of t.columns.values()) {
        const base = elementType(c.type);
        if (base === type || base === bare) out.push({ table: t.name, column: c.name });
      }
    }
    return out;
  }

  foreignKeysOf(table: string, column?: string): ConstraintInfo[] {
    const t = this.tables.get(table);
    if (!t) return [];
    return [...t.constraints.values()].filter((c) => c.type === 'foreign-key' && (column === undefined || (c.columns ?? []).includes(column)));
  }

  viewsOn(table: string): string[] {
    return (this.viewDeps.get(table) ?? []).map((d) => d.view);
  }

  triggersUsing(routine: string): { table: string; trigger: string }[] {
    const out: { table: string; trigger: string }[] = [];
    for (const [table, list] of this.triggers) for (const t of list) if (t.routine === routine) out.push({ table, trigger: t.name });
    return out;
  }

  addTrigger(table: string, name: string, routine: string): void {
    const list = (this.triggers.get(table) ?? []).filter((t) => t.name !== name);
    this.put(this.triggers, table, [...list, { name, routine }]);
  }

  dropTrigger(table: string, name: string): void {
    const list = this.triggers.get(table);
    if (list) this.put(this.triggers, table, list.filter((t) => t.name !== name));
  }

  addPartition(parent: string, child: string, isDefault = false): void {
    const list = this.partitions.get(parent) ?? [];
    if (!list.includes(child)) this.put(this.partitions, parent, [...list, child]);
    if (isDefault) this.put(this.defaultPartitions, parent, child);
  }

  removePartition(parent: string, child: string): void {
    const list = this.partitions.get(parent);
    if (list) this.put(this.partitions, parent, list.filter((c) => c !== child));
    if (this.defaultPartitions.get(parent) === child) this.del(this.defaultPartitions, parent);
  }

  /** Changes what kind an object is (a domain gains a CHECK) without changing where it was created. */
  setObjectKind(name: string, kind: string): void {
    const o = this.objects.get(name);
    this.put(this.objects, name, { ...o, kind });
  }

  viewsUsing(table: string, column: string): string[] {
    return (this.viewDeps.get(table) ?? []).filter((d) => d.columns === 'all' || d.columns.has(column)).map((d) => d.view);
  }

  /** Records what a new view reads; replaces an earlier definition of the same view. */
  setView(view: string, reads: ReadonlyMap<string, ReadonlySet<string> | 'all'>): void {
    this.forgetView(view);
    for (const [table, columns] of reads) this.put(this.viewDeps, table, [...(this.viewDeps.get(table) ?? []), { view, columns }]);
  }

  forgetView(view: string): void {
    for (const [table, deps] of this.viewDeps) {
      if (deps.some((d) => d.view === view)) this.put(this.viewDeps, table, deps.filter((d) => d.view !== view));
    }
  }

  wasRenamedInFile(name: string): boolean {
    return this.renamed.has(name);
  }

  /**
   * Runs a look-ahead pass on this model and then undoes every change it made. Changes are
   * journaled (tables are copied before their first change) so the cost follows what the pass
   * changes, not the size of the schema. Map order is kept exactly: iteration order decides the
   * order of findings.
   */
  tentatively<T>(pass: (model: SchemaModel) => T): T {
    if (this.journal) throw new Error('SchemaModel.tentatively() does not nest');
    const currentFile = this.currentFile;
    const renamed = this.renamed;
    this.renamed = new Set(renamed);
    const journal: Journal = { entries: [], snapshotted: new Set(), copied: new Set() };
    this.journal = journal;
    try {
      return pass(this);
    } finally {
      this.journal = undefined;
      for (let i = journal.entries.length - 1; i >= 0; i--) {
        const e = journal.entries[i];
        if (e.snapshot) {
          e.map.clear();
          for (const [k, v] of e.snapshot) e.map.set(k, v);
        } else if (e.had) e.map.set(e.key, e.old);
        else e.map.delete(e.key);
      }
      this.currentFile = currentFile;
      this.renamed = renamed;
    }
  }

  private journal: Journal | undefined;

  /** `map.set`, journaled during a look-ahead pass. */
  private put<K, V>(map: Map<K, V>, key: K, value: V): void {
    const j = this.journal;
    if (j && !j.snapshotted.has(map)) {
      j.entries.push({ map: map as Map<unknown, unknown>, key, had: map.has(key), old: map.get(key) });
    }
    map.set(key, value);
  }

  /**
   * `map.delete`, journaled during a look-ahead pass. Putting a deleted key back moves it to the
   * end of the map, so for the maps whose order is visible (tables, triggers) the first delete
   * saves the whole map instead.
   */
  private del<K, V>(map: Map<K, V>, key: K): void {
    const j = this.journal;
    if (j && !j.snapshotted.has(map) && map.has(key)) {
      if (map === (this.tables as Map<unknown, unknown>) || map === (this.triggers as Map<unknown, unknown>)) {
        j.snapshotted.add(map);
        j.entries.push({ map: map as Map<unknown, unknown>, snapshot: new Map(map) as Map<unknown, unknown> });
      } else {
        j.entries.push({ map: map as Map<unknown, unknown>, key, had: true, old: map.get(key) });
      }
    }
    map.delete(key);
  }

  /** The table, ready to change: during a look-ahead pass, a copy made on its first change. */
  private writable(name: string): MutableTable | undefined {
    const t = this.tables.get(name);
    if (!t) {
      // A table no migration created (it predates them): remember what we learn about it.
      const placeholder: MutableTable = { name, kind: 'table', columns: new Map(), constraints: new Map(), indexes: new Set() };
      this.put(this.tables, name, placeholder);
      this.journal?.copied.add(placeholder);
      return placeholder;
    }
    const j = this.journal;
    if (!j || j.copied.has(t)) return t;
    const c: MutableTable = { ...t, columns: new Map(t.columns), constraints: new Map(t.constraints), indexes: new Set(t.indexes) };
    this.put(this.tables, name, c);
    j.copied.add(c);
    return c;
  }

  table(name: string): TableInfo | undefined {
    return this.tables.get(name);
  }

  isNewInFile(table: string): boolean {
    const t = this.tables.get(table);
    if (t) return t.createdIn !== undefined && t.createdIn === this.currentFile;
    const o = this.objects.get(table);
    return o?.createdIn !== undefined && o.createdIn === this.currentFile;
  }

  isCertainlyNewInFile(name: string): boolean {
    const entry = this.tables.get(name) ?? this.objects.get(name);
    return entry?.createdIn !== undefined && entry.createdIn === this.currentFile && !entry.mayHaveExisted;
  }

  column(table: string, column: string): ColumnInfo | undefined {
    return this.tables.get(table)?.columns.get(column);
  }

  columnType(table: string, column: string): string | undefined {
    return this.column(table, column)?.type;
  }

  hasValidNotNullCheck(table: string, column: string): boolean {
    const t = this.tables.get(table);
    if (!t) return false;
    for (const c of t.constraints.values()) if (c.valid && c.notNullColumn === column) return true;
    return false;
  }

  indexTable(index: string): string | undefined {
    return this.indexes.get(index);
  }

  usesOf(name: string): readonly Use[] {
    return (this.uses.get(name) ?? []).filter((u) => (u.kind === 'view' ? this.tables.has(u.table) : this.tables.get(u.table)?.columns.has(u.column!)));
  }

  /** Records that `user` uses each of `names` (routines, sequences); replaces what `user` used before. */
  setUses(user: Use, names: readonly string[]): void {
    const key = `${user.kind} ${user.table} ${user.column ?? ''}`;
    const before = this.usedBy.get(key);
    if (before === undefined && names.length === 0) return;
    const same = (u: Use) => u.kind === user.kind && u.table === user.table && u.column === user.column;
    for (const name of before ?? []) {
      const list = this.uses.get(name);
      if (list) this.put(this.uses, name, list.filter((u) => !same(u)));
    }
    for (const name of names) this.put(this.uses, name, [...(this.uses.get(name) ?? []), user]);
    if (names.length > 0) this.put(this.usedBy, key, names);
    else this.del(this.usedBy, key);
  }

  inSchema(schema: string): { relations: readonly TableInfo[]; objects: readonly { name: string; kind: string }[] } {
    const prefix = `${schema}.`;
    return {
      relations: [...this.tables.values()].filter((t) => t.name.startsWith(prefix)),
      objects: [...this.objects].filter(([name]) => name.startsWith(prefix)).map(([name, o]) => ({ name, kind: o.kind })),
    };
  }

  triggersOn(table: string): readonly { name: string; routine: string }[] {
    return this.triggers.get(table) ?? [];
  }

  object(name: string): ObjectInfo | undefined {
    return this.objects.get(name);
  }

  // ---- mutations (used by the analyser only) ----

  /**
   * Records a relation. `mayExist`: an `IF NOT EXISTS` / `OR REPLACE` create of a relation the
   * migrations never created: it is assumed to exist already (and to be in use), so it is not
   * new in this file and its columns are not known to be all there is.
   */
  createTable(name: string, kind: RelationKind, columns: ColumnInfo[], mayExist = false): MutableTable {
    const t: MutableTable = {
      name,
      kind,
      createdIn: this.currentFile,
      mayHaveExisted: mayExist,
      columns: new Map(columns.map((c) => [c.name, { ...c, addedIn: this.currentFile, mayHaveExisted: mayExist }])),
      constraints: new Map(),
      indexes: new Set(),
    };
    this.put(this.tables, name, t);
    this.journal?.copied.add(t);
    return t;
  }

  dropTable(name: string): void {
    const t = this.tables.get(name);
    if (t) for (const i of t.indexes) this.del(this.indexes, i);
    this.del(this.tables, name);
    this.forgetView(name);
    this.del(this.viewDeps, name);
    this.del(this.partitions, name);
    this.del(this.defaultPartitions, name);
    for (const [parent, list] of this.partitions) if (list.includes(name)) this.removePartition(parent, name);
    this.del(this.triggers, name);
  }

  renameTable(from: string, to: string): void {
    const t = this.writable(from);
    if (!t) return;
    this.del(this.tables, from);
    t.name = to;
    this.put(this.tables, to, t);
    this.renamed.add(to);
    // Views, partitions and foreign keys follow their tables by OID.
    const deps = this.viewDeps.get(from);
    if (deps) {
      this.del(this.viewDeps, from);
      this.put(this.viewDeps, to, deps);
    }
    const trigs = this.triggers.get(from);
    if (trigs) {
      this.del(this.triggers, from);
      this.put(this.triggers, to, trigs);
    }
    const parts = this.partitions.get(from);
    if (parts) {
      this.del(this.partitions, from);
      this.put(this.partitions, to, parts);
    }
    for (const [parent, list] of this.partitions) if (list.includes(from)) this.put(this.partitions, parent, list.map((c) => (c === from ? to : c)));
    const defaultChild = this.defaultPartitions.get(from);
    if (defaultChild !== undefined) {
      this.del(this.defaultPartitions, from);
      this.put(this.defaultPartitions, to, defaultChild);
    }
    for (const [parent, child] of this.defaultPartitions) if (child === from) this.put(this.defaultPartitions, parent, to);
    for (const other of [...this.tables.values()]) {
      if ([...other.constraints.values()].some((c) => c.references === from)) {
        const w = this.writable(other.name)!;
        for (const [n, c] of w.constraints) if (c.references === from) w.constraints.set(n, { ...c, references: to });
      }
    }
    for (const i of t.indexes) this.put(this.indexes, i, to);
  }

  /** Records a column; `mayExist`: `ADD COLUMN IF NOT EXISTS` on a table whose columns are not all known. */
  setColumn(table: string, column: ColumnInfo, mayExist = false): void {
    this.writable(table)?.columns.set(column.name, { ...column, addedIn: this.currentFile, mayHaveExisted: mayExist });
  }

  updateColumn(table: string, column: string, patch: Partial<ColumnInfo>): void {
    if (!this.tables.get(table)?.columns.has(column)) return;
    const t = this.writable(table);
    const c = t?.columns.get(column);
    if (t && c) t.columns.set(column, { ...c, ...patch });
  }

  dropColumn(table: string, column: string): void {
    const t = this.writable(table);
    if (!t) return;
    t.columns.delete(column);
    for (const [n, c] of t.constraints) if (c.notNullColumn === column) t.constraints.delete(n);
  }

  renameColumn(table: string, from: string, to: string): void {
    const t = this.writable(table);
    const c = t?.columns.get(from);
    if (!t || !c) return;
    t.columns.delete(from);
    t.columns.set(to, { ...c, name: to });
    const deps = this.viewDeps.get(table);
    if (deps) {
      this.put(this.viewDeps, 
        table,
        deps.map((d) => (d.columns !== 'all' && d.columns.has(from) ? { view: d.view, columns: new Set([...d.columns].map((x) => (x === from ? to : x))) } : d)),
      );
    }
    for (const [n, k] of t.constraints) if (k.notNullColumn === from) t.constraints.set(n, { ...k, notNullColumn: to });
    for (const i of t.indexes) {
      const keys = this.indexColumns.get(i);
      if (keys?.includes(from)) this.put(this.indexColumns, i, keys.map((k) => (k === from ? to : k)));
    }
  }

  addConstraint(table: string, constraint: ConstraintInfo): void {
    this.writable(table)?.constraints.set(constraint.name, { ...constraint, createdIn: this.currentFile });
  }

  validateConstraint(table: string, name: string): void {
    if (!this.tables.get(table)?.constraints.has(name)) return;
    const t = this.writable(table);
    const c = t?.constraints.get(name);
    if (t && c) t.constraints.set(name, { ...c, valid: true });
  }

  dropConstraint(table: string, name: string): void {
    if (this.tables.get(table)?.constraints.has(name)) this.writable(table)?.constraints.delete(name);
  }

  /** Whether a known index is UNIQUE (`undefined`: the model does not know the index). */
  isUniqueIndex(index: string): boolean | undefined {
    return this.indexes.has(index) ? this.uniqueIndexes.get(index) === true : undefined;
  }

  indexKeys(index: string): readonly string[] | undefined {
    return this.indexColumns.get(index);
  }

  /** `keys`: the index's columns when every key is a plain column. */
  addIndex(table: string, index: string, unique = false, keys?: readonly string[]): void {
    if (unique) this.put(this.uniqueIndexes, index, true);
    this.put(this.indexes, index, table);
    if (keys) this.put(this.indexColumns, index, keys);
    this.writable(table)?.indexes.add(index);
  }

  dropIndex(index: string): void {
    const table = this.indexes.get(index);
    if (table) this.writable(table)?.indexes.delete(index);
    this.del(this.indexes, index);
    this.del(this.uniqueIndexes, index);
    this.del(this.indexColumns, index);
  }

  renameIndex(from: string, to: string): void {
    const table = this.indexes.get(from);
    if (!table) return;
    const unique = this.uniqueIndexes.get(from) === true;
    const keys = this.indexColumns.get(from);
    this.dropIndex(from);
    this.addIndex(table, to, unique, keys);
  }

  /** Records a type, sequence, routine or schema; `mayExist` as for {@link createTable}. */
  createObject(name: string, kind: string, mayExist = false, routine?: RoutineInfo): void {
    this.put(this.objects, name, { kind, createdIn: this.currentFile, mayHaveExisted: mayExist, ...(routine ? { routine } : {}) });
  }

  /** `CREATE OR REPLACE` of a known routine: same object, new body. */
  replaceRoutine(name: string, routine: RoutineInfo): void {
    const o = this.objects.get(name);
    if (o) this.put(this.objects, name, { ...o, routine });
  }

  /** Renames a type, sequence, routine or schema; columns of a renamed type follow it. */
  renameObject(from: string, to: string, kind: string): void {
    const o = this.objects.get(from);
    this.del(this.objects, from);
    this.put(this.objects, to, o ?? { kind });
    this.renamed.add(to);
    if (kind !== 'type') return;
    const [fromBare, toBare] = [from.split('.').pop()!, to.split('.').pop()!];
    for (const [name, t] of this.tables) {
      for (const c of t.columns.values()) {
        const base = elementType(c.type);
        if (base === from || base === fromBare) {
          this.updateColumn(name, c.name, { type: c.type!.replace(base, base === from ? to : toBare) });
        }
      }
    }
  }

  dropObject(name: string): void {
    this.del(this.objects, name);
  }

  /** Drops everything in a schema (`DROP SCHEMA … CASCADE`). */
  dropSchema(schema: string): void {
    const prefix = `${schema}.`;
    for (const name of [...this.tables.keys()]) if (name.startsWith(prefix)) this.dropTable(name);
    for (const name of [...this.objects.keys()]) if (name.startsWith(prefix)) this.del(this.objects, name);
    this.del(this.objects, schema);
  }
}

/** A column type without one trailing `[]` (these loops visit every column of the model). */
function elementType(type: string | undefined): string | undefined {
  return type !== undefined && type.endsWith('[]') ? type.slice(0, -2) : type;
}
