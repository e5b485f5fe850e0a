/**
 * The schema model: what earlier migrations (and earlier statements of this file) created, so
 * rules can tell a brand-new table from an existing one and judge type changes against the
 * known old type. Objects the model does not know are assumed to exist and to be large.
 */

/** A column as the model knows it. */
export interface ColumnInfo {
  readonly name: string;
  /** Normalised type (`varchar(40)`, `numeric(10,2)`, `text`, `int4`, …), if known. */
  readonly type?: string;
  readonly notNull: boolean;
  readonly hasDefault: boolean;
  /** File id of the migration that added the column (ADD COLUMN or CREATE TABLE), if seen. */
  readonly addedIn?: string;
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
  column(table: string, column: string): ColumnInfo | undefined;
  /** Normalised type of a column, if known. */
  columnType(table: string, column: string): string | undefined;
  /** A valid `CHECK (column IS NOT NULL)` (or NOT NULL constraint) exists on the column. */
  hasValidNotNullCheck(table: string, column: string): boolean;
  /** Table an index (schema-qualified) belongs to, if known. */
  indexTable(index: string): string | undefined;
  /** Is the named non-relation object (type, sequence, routine, schema) known, and where from. */
  object(name: string): { kind: string; createdIn?: string } | undefined;
  /** Known partitions of a partitioned table (PARTITION OF, ATTACH PARTITION). */
  partitionsOf(table: string): readonly string[];
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

interface MutableTable {
  name: string;
  kind: RelationKind;
  createdIn?: string;
  columns: Map<string, ColumnInfo>;
  constraints: Map<string, ConstraintInfo>;
  indexes: Set<string>;
}

/** The mutable model the analyser replays effects into. */
export class SchemaModel implements SchemaView {
  private readonly tables = new Map<string, MutableTable>();
  private readonly indexes = new Map<string, string>();
  private readonly objects = new Map<string, { kind: string; createdIn?: string }>();
  currentFile: string | undefined;

  private renamed = new Set<string>();
  private partitions = new Map<string, readonly string[]>();
  private triggers = new Map<string, readonly { name: string; routine: string }[]>();
  /** table → views reading it, with the columns they name (`all` for `*`). */
  private viewDeps = new Map<string, readonly { view: string; columns: ReadonlySet<string> | 'all' }[]>();

  beginFile(fileId: string): void {
    this.currentFile = fileId;
    this.renamed = new Set();
  }

  partitionsOf(table: string): readonly string[] {
    return this.partitions.get(table) ?? [];
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
        const base = c.type?.replace(/\[\]$/, '');
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
        const base = c.type?.replace(/\[\]$/, '');
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
    this.triggers.set(table, [...list, { name, routine }]);
  }

  dropTrigger(table: string, name: string): void {
    const list = this.triggers.get(table);
    if (list) this.triggers.set(table, list.filter((t) => t.name !== name));
  }

  addPartition(parent: string, child: string): void {
    const list = this.partitions.get(parent) ?? [];
    if (!list.includes(child)) this.partitions.set(parent, [...list, child]);
  }

  removePartition(parent: string, child: string): void {
    const list = this.partitions.get(parent);
    if (list) this.partitions.set(parent, list.filter((c) => c !== child));
  }

  /** Changes what kind an object is (a domain gains a CHECK) without changing where it was created. */
  setObjectKind(name: string, kind: string): void {
    const o = this.objects.get(name);
    this.objects.set(name, { ...o, kind });
  }

  viewsUsing(table: string, column: string): string[] {
    return (this.viewDeps.get(table) ?? []).filter((d) => d.columns === 'all' || d.columns.has(column)).map((d) => d.view);
  }

  /** Records what a new view reads; replaces an earlier definition of the same view. */
  setView(view: string, reads: ReadonlyMap<string, ReadonlySet<string> | 'all'>): void {
    this.forgetView(view);
    for (const [table, columns] of reads) this.viewDeps.set(table, [...(this.viewDeps.get(table) ?? []), { view, columns }]);
  }

  forgetView(view: string): void {
    for (const [table, deps] of this.viewDeps) {
      if (deps.some((d) => d.view === view)) this.viewDeps.set(table, deps.filter((d) => d.view !== view));
    }
  }

  wasRenamedInFile(name: string): boolean {
    return this.renamed.has(name);
  }

  /**
   * A scratch copy for a look-ahead pass: it shares this model's tables and copies each one
   * before its first change (copy-on-write), so it is cheap on large schemas. This model must
   * not change while the copy is in use; it keeps changing its own tables in place.
   */
  lookahead(): SchemaModel {
    const copy = new SchemaModel();
    copy.copyOnWrite = true;
    for (const [k, t] of this.tables) copy.tables.set(k, t);
    for (const [k, v] of this.indexes) copy.indexes.set(k, v);
    for (const [k, v] of this.objects) copy.objects.set(k, v);
    copy.currentFile = this.currentFile;
    copy.renamed = new Set(this.renamed);
    for (const [k, v] of this.partitions) copy.partitions.set(k, v);
    for (const [k, v] of this.viewDeps) copy.viewDeps.set(k, v);
    for (const [k, v] of this.triggers) copy.triggers.set(k, v);
    return copy;
  }

  private copyOnWrite = false;
  private owned = new WeakSet<MutableTable>();

  /** The table, ready to change: copied first in a look-ahead copy. */
  private writable(name: string): MutableTable | undefined {
    const t = this.tables.get(name);
    if (!t) {
      // A table no migration created (it predates them): remember what we learn about it.
      const placeholder: MutableTable = { name, kind: 'table', columns: new Map(), constraints: new Map(), indexes: new Set() };
      this.tables.set(name, placeholder);
      this.owned.add(placeholder);
      return placeholder;
    }
    if (!this.copyOnWrite || this.owned.has(t)) return t;
    const c: MutableTable = { ...t, columns: new Map(t.columns), constraints: new Map(t.constraints), indexes: new Set(t.indexes) };
    this.tables.set(name, c);
    this.owned.add(c);
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

  object(name: string): { kind: string; createdIn?: string } | undefined {
    return this.objects.get(name);
  }

  // ---- mutations (used by the analyser only) ----

  createTable(name: string, kind: RelationKind, columns: ColumnInfo[]): MutableTable {
    const t: MutableTable = {
      name,
      kind,
      createdIn: this.currentFile,
      columns: new Map(columns.map((c) => [c.name, { ...c, addedIn: this.currentFile }])),
      constraints: new Map(),
      indexes: new Set(),
    };
    this.tables.set(name, t);
    this.owned.add(t);
    return t;
  }

  dropTable(name: string): void {
    const t = this.tables.get(name);
    if (t) for (const i of t.indexes) this.indexes.delete(i);
    this.tables.delete(name);
    this.forgetView(name);
    this.viewDeps.delete(name);
    this.partitions.delete(name);
    for (const [parent, list] of this.partitions) if (list.includes(name)) this.removePartition(parent, name);
    this.triggers.delete(name);
  }

  renameTable(from: string, to: string): void {
    const t = this.writable(from);
    if (!t) return;
    this.tables.delete(from);
    t.name = to;
    this.tables.set(to, t);
    this.renamed.add(to);
    // Views, partitions and foreign keys follow their tables by OID.
    const deps = this.viewDeps.get(from);
    if (deps) {
      this.viewDeps.delete(from);
      this.viewDeps.set(to, deps);
    }
    const trigs = this.triggers.get(from);
    if (trigs) {
      this.triggers.delete(from);
      this.triggers.set(to, trigs);
    }
    const parts = this.partitions.get(from);
    if (parts) {
      this.partitions.delete(from);
      this.partitions.set(to, parts);
    }
    for (const [parent, list] of this.partitions) if (list.includes(from)) this.partitions.set(parent, list.map((c) => (c === from ? to : c)));
    for (const other of [...this.tables.values()]) {
      if ([...other.constraints.values()].some((c) => c.references === from)) {
        const w = this.writable(other.name)!;
        for (const [n, c] of w.constraints) if (c.references === from) w.constraints.set(n, { ...c, references: to });
      }
    }
    for (const i of t.indexes) this.indexes.set(i, to);
  }

  setColumn(table: string, column: ColumnInfo): void {
    this.writable(table)?.columns.set(column.name, { ...column, addedIn: this.currentFile });
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
      this.viewDeps.set(
        table,
        deps.map((d) => (d.columns !== 'all' && d.columns.has(from) ? { view: d.view, columns: new Set([...d.columns].map((x) => (x === from ? to : x))) } : d)),
      );
    }
    for (const [n, k] of t.constraints) if (k.notNullColumn === from) t.constraints.set(n, { ...k, notNullColumn: to });
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

  addIndex(table: string, index: string): void {
    this.indexes.set(index, table);
    this.writable(table)?.indexes.add(index);
  }

  dropIndex(index: string): void {
    const table = this.indexes.get(index);
    if (table) this.writable(table)?.indexes.delete(index);
    this.indexes.delete(index);
  }

  renameIndex(from: string, to: string): void {
    const table = this.indexes.get(from);
    if (!table) return;
    this.dropIndex(from);
    this.addIndex(table, to);
  }

  createObject(name: string, kind: string): void {
    this.objects.set(name, { kind, createdIn: this.currentFile });
  }

  /** Renames a type, sequence, routine or schema; columns of a renamed type follow it. */
  renameObject(from: string, to: string, kind: string): void {
    const o = this.objects.get(from);
    this.objects.delete(from);
    this.objects.set(to, o ?? { kind });
    this.renamed.add(to);
    if (kind !== 'type') return;
    const [fromBare, toBare] = [from.split('.').pop()!, to.split('.').pop()!];
    for (const [name, t] of this.tables) {
      for (const c of t.columns.values()) {
        const base = c.type?.replace(/\[\]$/, '');
        if (base === from || base === fromBare) {
          this.updateColumn(name, c.name, { type: c.type!.replace(base, base === from ? to : toBare) });
        }
      }
    }
  }

  dropObject(name: string): void {
    this.objects.delete(name);
  }

  /** Drops everything in a schema (`DROP SCHEMA … CASCADE`). */
  dropSchema(schema: string): void {
    const prefix = `${schema}.`;
    for (const name of [...this.tables.keys()]) if (name.startsWith(prefix)) this.dropTable(name);
    for (const name of [...this.objects.keys()]) if (name.startsWith(prefix)) this.objects.delete(name);
    this.objects.delete(schema);
  }
}
