/**
 * `bgmigrate plan <recipe> …`: the expand/contract series of migration files for one change, each
 * with its phase and `deprecates` directives, so that the safe way is the short way. Every file
 * passes `check` (the contract step once the ledger allows it).
 *
 * Recipes: rename-column, rename-table (view-based), change-type (shadow column, swap),
 * set-not-null, add-foreign-key, add-unique, drop-column. They name objects as
 * `schema.table[.column]`; the object must exist in the migrations (or the database, with
 * --database), which the caller checks.
 */
import { formatObjectName, parseObjectName } from '../object-name.js';
import { UsageError } from '../errors.js';

export const RECIPES = ['rename-column', 'rename-table', 'change-type', 'set-not-null', 'add-foreign-key', 'add-unique', 'drop-column'] as const;
export type Recipe = (typeof RECIPES)[number];

/** One file of a plan: a name suffix (the caller numbers it) and its SQL. */
export interface PlannedFile {
  slug: string;
  sql: string;
}

/** The parts of `schema.table.column`, quoted for SQL where they need it. */
export function columnParts(object: string): { schema: string; table: string; column: string; qualifiedTable: string; name: string } {
  const parts = parseObjectName(object);
  if (parts.length !== 3) throw new UsageError(`${object}: expected schema.table.column`);
  const [schema, table, column] = parts;
  return { schema, table, column, qualifiedTable: formatObjectName([schema, table]), name: formatObjectName([schema, table, column]) };
}

/** The parts of `schema.table`. */
export function tableParts(object: string): [string, string] {
  const parts = parseObjectName(object);
  if (parts.length !== 2) throw new UsageError(`${object}: expected schema.table`);
  return [parts[0], parts[1]];
}

/** A constraint or index name within PostgreSQL's 63 bytes. */
function constraintName(...parts: string[]): string {
  return parts.join('_').replace(/[^A-Za-z0-9_]/g, '_').toLowerCase().slice(0, 63);
}

const q = (identifier: string) => formatObjectName([identifier]);

/** An index the migrations create: plain column lists can be copied for a renamed column. */
export interface KnownIndex {
  name: string;
  /** `schema.table` */
  table: string;
  unique: boolean;
  /** Column names, in order; undefined when an element is an expression or the index is partial. */
  columns?: string[];
}

export function planRecipe(
  recipe: Recipe,
  args: string[],
  options: { references?: string; newName?: string; newType?: string; columnType?: (column: string) => string | undefined; indexesOn?: (table: string) => KnownIndex[] },
): PlannedFile[] {
  switch (recipe) {
    case 'rename-table': {
      const [schema, table] = tableParts(one(args, 'rename-table <schema.table> <new-name>'));
      const to = options.newName;
      if (!to || !/^[a-z_][a-z0-9_]*$/.test(to)) throw new UsageError('plan rename-table <schema.table> <new-name>: the new name is a lower-case identifier');
      const oldName = formatObjectName([schema, table]);
      const newName = formatObjectName([schema, to]);
      return [
        {
          slug: `${table}_rename_to_${to}`,
          sql:
            `-- bgmigrate: phase=expand\n` +
            `-- Step 1 of renaming ${oldName} to ${newName}: a view-based rename. The table takes its new name and a\n` +
            `-- view keeps the old one; a simple view is automatically updatable, so the old color's SELECT, INSERT,\n` +
            `-- UPDATE and DELETE keep working through it (the table's defaults apply to columns they omit).\n` +
            `-- Both statements commit together: nothing ever sees the old name missing.\n` +
            `ALTER TABLE ${oldName} RENAME TO ${q(to)};\n` +
            `CREATE VIEW ${oldName} AS SELECT * FROM ${newName};\n`,
        },
        {
          slug: `${table}_deprecate`,
          sql:
            `-- bgmigrate: phase=expand\n` +
            `-- bgmigrate: deprecates ${oldName}\n` +
            `-- Step 2: apply with the release that uses only ${newName} (apply --release <it>).\n` +
            `COMMENT ON TABLE ${newName} IS 'renamed from ${table}';\n`,
        },
        {
          slug: `${table}_drop_view`,
          sql:
            `-- bgmigrate: phase=contract\n` +
            `-- Step 3, the contract step: the old name goes once every release that uses it is retired.\n` +
            `DROP VIEW ${oldName};\n`,
        },
      ];
    }
    case 'change-type': {
      const c = columnParts(one(args, 'change-type <schema.table.column> <type>'));
      const type = options.newType?.trim();
      if (!type) throw new UsageError('plan change-type <schema.table.column> <type>: give the new type, e.g. bigint');
      const shadow = constraintName(c.column, 'new');
      const sync = constraintName(c.table, 'sync', c.column, 'type');
      const fn = formatObjectName([c.schema, sync]);
      const oldType = options.columnType?.(c.name);
      if (!oldType) throw new UsageError(`plan change-type: the type of ${c.name} is not known from the migrations; pass --database to read it from the database`);
      return [
        {
          slug: `${c.table}_${c.column}_${shadow}_add`,
          sql:
            `-- bgmigrate: phase=expand\n` +
            `-- Step 1 of changing ${c.name} from ${oldType} to ${type}: a shadow column of the new type, kept equal\n` +
            `-- to ${c.column} by a trigger whichever color writes.\n` +
            `ALTER TABLE ${c.qualifiedTable} ADD COLUMN ${q(shadow)} ${type};\n\n` +
            `CREATE FUNCTION ${fn}() RETURNS trigger\nLANGUAGE plpgsql AS $$\nBEGIN\n` +
            `  NEW.${q(shadow)} := NEW.${q(c.column)}::${type};\n  RETURN NEW;\nEND\n$$;\n\n` +
            `CREATE TRIGGER ${q(sync)}\n  BEFORE INSERT OR UPDATE ON ${c.qualifiedTable}\n  FOR EACH ROW EXECUTE FUNCTION ${fn}();\n`,
        },
        {
          slug: `${c.table}_${c.column}_${shadow}_backfill`,
          sql:
            `-- bgmigrate: backfill\n` +
            `-- Step 2: fill the shadow column for the rows written before the trigger, in resumable batches.\n` +
            `UPDATE ${c.qualifiedTable} SET ${q(shadow)} = ${q(c.column)}::${type} WHERE ${q(shadow)} IS NULL AND ${q(c.column)} IS NOT NULL;\n`,
        },
        ...indexCopies({ ...c, column: c.column }, shadow, options.indexesOn?.(c.qualifiedTable) ?? []),
        {
          slug: `${c.table}_${c.column}_type_deprecate`,
          sql:
            `-- bgmigrate: phase=expand\n` +
            `-- bgmigrate: deprecates ${c.name}, ${formatObjectName([c.schema, c.table, shadow])}, ${fn}\n` +
            `-- Step 3: apply with the release that works with ${c.column} as ${type} (apply --release <it>): after the\n` +
            `-- swap, ${c.column} keeps its name with the new type.\n` +
            `COMMENT ON COLUMN ${formatObjectName([c.schema, c.table, shadow])} IS 'becomes ${c.column} (${type})';\n`,
        },
        {
          slug: `${c.table}_${c.column}_type_swap`,
          sql:
            `-- bgmigrate: phase=contract\n` +
            `-- Step 4, the contract step: the swap, in one transaction (brief locks), once every release older than\n` +
            `-- the deprecating one is retired.\n` +
            `DROP TRIGGER IF EXISTS ${q(sync)} ON ${c.qualifiedTable};\n` +
            `DROP FUNCTION IF EXISTS ${fn}();\n` +
            `ALTER TABLE ${c.qualifiedTable} DROP COLUMN ${q(c.column)};\n` +
            `ALTER TABLE ${c.qualifiedTable} RENAME COLUMN ${q(shadow)} TO ${q(c.column)};\n`,
        },
      ];
    }
    case 'rename-column': {
      const c = columnParts(one(args, 'rename-column <schema.table.column> <new-name>'));
      const to = options.newName;
      if (!to || !/^[a-z_][a-z0-9_]*$/.test(to)) throw new UsageError('plan rename-column <schema.table.column> <new-name>: the new name is a lower-case identifier');
      const type = options.columnType?.(c.name);
      if (!type) throw new UsageError(`plan rename-column: the type of ${c.name} is not known from the migrations; pass --database to read it from the database`);
      const sync = constraintName(c.table, 'sync', c.column, to);
      const fn = formatObjectName([c.schema, sync]);
      return [
        {
          slug: `${c.table}_${to}_add`,
          sql:
            `-- bgmigrate: phase=expand\n` +
            `-- Step 1 of renaming ${c.name} to ${to}: the new column beside the old one, kept in sync whichever\n` +
            `-- color writes (the old one writes only ${c.column}, the new one ${to}).\n` +
            `ALTER TABLE ${c.qualifiedTable} ADD COLUMN ${q(to)} ${type};\n\n` +
            `CREATE FUNCTION ${fn}() RETURNS trigger\nLANGUAGE plpgsql AS $$\nBEGIN\n` +
            `  IF TG_OP = 'INSERT' THEN\n` +
            `    NEW.${q(to)} := coalesce(NEW.${q(to)}, NEW.${q(c.column)});\n` +
            `    NEW.${q(c.column)} := coalesce(NEW.${q(c.column)}, NEW.${q(to)});\n` +
            `  ELSIF NEW.${q(c.column)} IS DISTINCT FROM OLD.${q(c.column)} AND NEW.${q(to)} IS NOT DISTINCT FROM OLD.${q(to)} THEN\n` +
            `    NEW.${q(to)} := NEW.${q(c.column)};\n` +
            `  ELSIF NEW.${q(to)} IS DISTINCT FROM OLD.${q(to)} AND NEW.${q(c.column)} IS NOT DISTINCT FROM OLD.${q(c.column)} THEN\n` +
            `    NEW.${q(c.column)} := NEW.${q(to)};\n` +
            `  END IF;\n  RETURN NEW;\nEND\n$$;\n\n` +
            `CREATE TRIGGER ${q(sync)}\n  BEFORE INSERT OR UPDATE ON ${c.qualifiedTable}\n  FOR EACH ROW EXECUTE FUNCTION ${fn}();\n`,
        },
        {
          slug: `${c.table}_${to}_backfill`,
          sql:
            `-- bgmigrate: backfill\n` +
            `-- Step 2: copy ${c.column} into ${to} for the rows written before the trigger, in resumable batches.\n` +
            `UPDATE ${c.qualifiedTable} SET ${q(to)} = ${q(c.column)} WHERE ${q(to)} IS NULL AND ${q(c.column)} IS NOT NULL;\n`,
        },
        ...indexCopies(c, to, options.indexesOn?.(c.qualifiedTable) ?? []),
        {
          slug: `${c.table}_${c.column}_deprecate`,
          sql:
            `-- bgmigrate: phase=expand\n` +
            `-- bgmigrate: deprecates ${c.name}, ${fn}\n` +
            `-- Step 3: apply with the release that reads and writes only ${to} (apply --release <it>).\n` +
            `COMMENT ON COLUMN ${formatObjectName([c.schema, c.table, to])} IS 'replaces ${c.column}';\n`,
        },
        {
          slug: `${c.table}_${c.column}_drop`,
          sql:
            `-- bgmigrate: phase=contract\n` +
            `-- Step 4, the contract step: once every release that uses ${c.column} is retired.\n` +
            `DROP TRIGGER IF EXISTS ${q(sync)} ON ${c.qualifiedTable};\n\n` +
            `DROP FUNCTION IF EXISTS ${fn}();\n\n` +
            `ALTER TABLE ${c.qualifiedTable} DROP COLUMN ${q(c.column)};\n`,
        },
      ];
    }
    case 'set-not-null': {
      const c = columnParts(one(args, 'set-not-null <schema.table.column>'));
      const check = constraintName(c.table, c.column, 'not_null');
      return [
        {
          slug: `${c.table}_${c.column}_not_null_check`,
          sql:
            `-- bgmigrate: phase=expand\n` +
            `-- Step 1 of SET NOT NULL on ${c.name}: a CHECK that new writes must satisfy, without scanning the table\n` +
            `-- (NOT VALID: existing rows are not checked, so it takes its lock only briefly).\n` +
            `ALTER TABLE ${c.qualifiedTable} ADD CONSTRAINT ${q(check)} CHECK (${q(c.column)} IS NOT NULL) NOT VALID;\n`,
        },
        {
          slug: `${c.table}_${c.column}_not_null_validate`,
          sql:
            `-- bgmigrate: phase=expand\n` +
            `-- bgmigrate: deprecates ${c.name}\n` +
            `-- Step 2: check the existing rows. VALIDATE scans the table under a SHARE UPDATE EXCLUSIVE lock, which\n` +
            `-- lets reads and writes go on. Backfill the NULLs first if there are any, or this fails.\n` +
            `-- Apply it with the release that never writes NULL into ${c.column}: the deprecation tells the ledger that\n` +
            `-- from that release on nothing depends on the column being nullable (the ledger has no finer fact: it\n` +
            `-- would also allow dropping the column, which this plan does not do).\n` +
            `ALTER TABLE ${c.qualifiedTable} VALIDATE CONSTRAINT ${q(check)};\n`,
        },
        {
          slug: `${c.table}_${c.column}_set_not_null`,
          sql:
            `-- bgmigrate: phase=contract\n` +
            `-- Step 3, the contract step: SET NOT NULL fails the inserts of a release that still writes NULL, so it\n` +
            `-- runs after every such release is retired (the ledger says when). It uses the valid CHECK instead of\n` +
            `-- scanning the table (PostgreSQL 12 and later); the CHECK then says nothing more and goes.\n` +
            `ALTER TABLE ${c.qualifiedTable} ALTER COLUMN ${q(c.column)} SET NOT NULL;\n` +
            `ALTER TABLE ${c.qualifiedTable} DROP CONSTRAINT ${q(check)};\n`,
        },
      ];
    }
    case 'add-foreign-key': {
      const c = columnParts(one(args, 'add-foreign-key <schema.table.column> --references <schema.table.column>'));
      if (!options.references) throw new UsageError('plan add-foreign-key: give --references <schema.table.column>, the column it points at');
      const r = columnParts(options.references);
      const fk = constraintName(c.table, c.column, 'fkey');
      return [
        {
          slug: `${c.table}_${c.column}_fkey`,
          sql:
            `-- bgmigrate: phase=expand\n` +
            `-- Step 1 of a foreign key: checked for new writes only (NOT VALID), so no scan holds the tables.\n` +
            `ALTER TABLE ${c.qualifiedTable} ADD CONSTRAINT ${q(fk)} FOREIGN KEY (${q(c.column)}) REFERENCES ${r.qualifiedTable} (${q(r.column)}) NOT VALID;\n`,
        },
        {
          slug: `${c.table}_${c.column}_fkey_validate`,
          sql:
            `-- bgmigrate: phase=expand\n` +
            `-- Step 2: check the existing rows under locks that let reads and writes go on.\n` +
            `ALTER TABLE ${c.qualifiedTable} VALIDATE CONSTRAINT ${q(fk)};\n`,
        },
      ];
    }
    case 'add-unique': {
      const c = columnParts(one(args, 'add-unique <schema.table.column>'));
      const name = constraintName(c.table, c.column, 'key');
      return [
        {
          slug: `${c.table}_${c.column}_unique_index`,
          sql:
            `-- bgmigrate: no-transaction\n` +
            `-- Step 1 of a UNIQUE constraint: build its index without blocking writes (CONCURRENTLY cannot run in a\n` +
            `-- transaction: this migration runs statement by statement; a failed build is dropped and built again).\n` +
            `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${q(name)} ON ${c.qualifiedTable} (${q(c.column)});\n`,
        },
        {
          slug: `${c.table}_${c.column}_unique`,
          sql:
            `-- bgmigrate: phase=expand\n` +
            `-- Step 2: the constraint takes over the valid index: no scan, a brief lock.\n` +
            `ALTER TABLE ${c.qualifiedTable} ADD CONSTRAINT ${q(name)} UNIQUE USING INDEX ${q(name)};\n`,
        },
      ];
    }
    case 'drop-column': {
      const c = columnParts(one(args, 'drop-column <schema.table.column>'));
      return [
        {
          slug: `${c.table}_${c.column}_deprecate`,
          sql:
            `-- bgmigrate: phase=expand\n` +
            `-- bgmigrate: deprecates ${c.name}\n` +
            `-- Ship this with the release that no longer reads or writes ${c.name} (apply --release <it>).\n` +
            `-- If the column is NOT NULL without a default, the old release's inserts would fail once the new one\n` +
            `-- stops writing it: drop NOT NULL here too (ALTER TABLE … ALTER COLUMN … DROP NOT NULL).\n` +
            `COMMENT ON COLUMN ${c.name} IS 'deprecated: dropped once every release that uses it is retired';\n`,
        },
        {
          slug: `${c.table}_${c.column}_drop`,
          sql:
            `-- bgmigrate: phase=contract\n` +
            `-- The contract step: the ledger allows it once the deprecating release has shipped and every older\n` +
            `-- release is retired; until then apply --phase contract leaves it waiting.\n` +
            `ALTER TABLE ${c.qualifiedTable} DROP COLUMN ${q(c.column)};\n`,
        },
      ];
    }
  }
}

function one(args: string[], usage: string): string {
  if (args.length !== 1) throw new UsageError(`plan ${usage}`);
  return args[0];
}

/**
 * rename-column: the indexes on the old column built again on the new one, CONCURRENTLY, after the
 * backfill (so the backfill does not maintain them). Indexes with expressions or a WHERE are named
 * in a comment: write their copy by hand.
 */
function indexCopies(c: ReturnType<typeof columnParts>, to: string, indexes: readonly KnownIndex[]): PlannedFile[] {
  const on = indexes.filter((i) => i.columns === undefined || i.columns.includes(c.column));
  if (on.length === 0) return [];
  const copies = on.filter((i) => i.columns !== undefined);
  const byHand = on.filter((i) => i.columns === undefined);
  const lines = copies.map((i) => {
    const name = constraintName(i.name.replace(new RegExp(c.column, 'g'), to));
    const columns = i.columns!.map((col) => q(col === c.column ? to : col)).join(', ');
    return `CREATE ${i.unique ? 'UNIQUE ' : ''}INDEX CONCURRENTLY IF NOT EXISTS ${q(name === i.name ? `${name}_${to}` : name)} ON ${c.qualifiedTable} (${columns});`;
  });
  const notes = byHand.map((i) => `-- ${i.name} has an expression or a WHERE: copy it for ${to} by hand.`);
  if (lines.length === 0 && notes.length === 0) return [];
  return [
    {
      slug: `${c.table}_${to}_indexes`,
      sql:
        `-- bgmigrate: no-transaction\n` +
        `-- Step 2b: the indexes on ${c.column}, built again on ${to} without blocking writes (the old ones go with\n` +
        `-- the old column in the contract step).\n` +
        [...notes, ...lines].join('\n') +
        '\n',
    },
  ];
}
