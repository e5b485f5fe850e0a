import { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import { detectLayout } from '../../migrations/discover.js';
import { layoutNamed } from '../../migrations/layouts/index.js';
import { normaliseObjectName } from '../../object-name.js';
import { editDistance } from '../../text.js';
import type { Layout } from '../../config/config.js';
import type { KnownIndex } from '../../plan/recipes.js';
import type { CliContext } from '../context.js';
import { SUMMARIES } from './summaries.js';

export function register(program: Command, ctx: () => CliContext): void {
  program
    .command('plan <recipe> [objects...]')
    .description(SUMMARIES.plan.summary)
    .option('--references <schema.table.column>', 'add-foreign-key: the column the foreign key points at')
    .option('--dry-run', 'print the files instead of writing them')
    .addHelpText(
      'after',
      `
Recipes:
  rename-column <schema.table.column> <new-name>
                                          a new column kept in sync by a trigger, a backfill, the old one
                                          deprecated, then dropped with the trigger (contract)
  rename-table <schema.table> <new-name>  the table renamed, a view keeps the old name (automatically
                                          updatable), the view dropped later (contract)
  change-type <schema.table.column> <type>
                                          a shadow column kept in sync, a backfill, then the swap (contract)
  set-not-null <schema.table.column>      CHECK … NOT VALID, VALIDATE, SET NOT NULL, drop the CHECK
  add-foreign-key <schema.table.column> --references <schema.table.column>
                                          NOT VALID, then VALIDATE
  add-unique <schema.table.column>        a unique index built CONCURRENTLY, then ADD CONSTRAINT … USING INDEX
  drop-column <schema.table.column>       deprecate now (ship it with the release that stops using it), drop later

The files are numbered after the last migration, in the directory's layout: SQL files (plain,
up-sql, flyway, prisma, diesel, drizzle with its journal) or scripts (kysely, node-pg-migrate,
knex, typeorm: each statement as the library's raw-SQL call, directives as // comments). The objects must exist in the migrations (or, with --database, in the database).

Examples:
  bgmigrate plan set-not-null public.users.email
  bgmigrate plan add-foreign-key public.orders.user_id --references public.users.id --dry-run`,
    )
    .action(async (recipe: string, objects: string[], flags: { references?: string; dryRun?: boolean }) => {
      const c = ctx();
      const { RECIPES, planRecipe } = await import('../../plan/recipes.js');
      if (!(RECIPES as readonly string[]).includes(recipe)) {
        const near = [...RECIPES].sort((a, b) => editDistance(a, recipe) - editDistance(b, recipe))[0];
        throw new UsageError(`plan: unknown recipe "${recipe}"; the recipes are ${RECIPES.join(', ')} (did you mean ${near}?)`);
      }
      const dir = c.migrationsDir();
      if (!fs.existsSync(dir)) c.migrations(); // exit 2, saying where the directory came from
      const configured = c.config().layout;
      const layout: Layout = configured === 'auto' ? detectLayout(dir) : configured;

      // Every object a recipe names must exist: in the database with --database, else in the migrations.
      // rename-column / rename-table take a new name, change-type a type, after the object.
      const newName = recipe === 'rename-column' || recipe === 'rename-table' ? objects.pop() : undefined;
      const newType = recipe === 'change-type' ? objects.splice(1).join(' ') : undefined;
      const names = [...objects, ...(flags.references ? [flags.references] : [])].map((o) => normaliseObjectName(o));
      const { known, types, indexes } = await knownObjects(c);
      for (const name of names) {
        if (known.has(name)) continue;
        const closest = [...known].filter((k) => k.split('.').length === 3).sort((a, b) => editDistance(a, name) - editDistance(b, name))[0];
        const what = name.split('.').length === 2 ? 'a table' : 'a column';
        const pool = [...known].filter((k) => k.split('.').length === name.split('.').length);
        const near = pool.sort((a, b) => editDistance(a, name) - editDistance(b, name))[0] ?? closest;
        throw new UsageError(`plan ${recipe}: ${name} is not ${what} the migrations${c.options.database ? ' or the database' : ''} create${near ? `; the closest is ${near}` : ''}`);
      }
      const files = planRecipe(recipe as (typeof RECIPES)[number], names.slice(0, objects.length), {
        references: names[objects.length],
        ...(newName !== undefined ? { newName } : {}),
        ...(newType !== undefined ? { newType } : {}),
        columnType: (column) => types.get(column),
        indexesOn: (table) => indexes.filter((i) => i.table === table),
      });
      // Named and written as the layout's own tool would (src/migrations/layouts/: `write`).
      const { write } = layoutNamed(layout);
      const named = write.names(fs.readdirSync(dir), files.map((f) => f.slug));
      const contents: string[] = [];
      for (const [i, file] of files.entries()) contents.push(write.text ? await write.text(file.sql, named[i]) : file.sql);
      for (const [i, content] of contents.entries()) {
        const target = path.join(dir, named[i]);
        if (flags.dryRun) {
          c.out.line(`── ${path.relative(c.cwd, target)}`);
          c.out.write(content);
          continue;
        }
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, content, { flag: 'wx' });
        c.out.line(`wrote ${path.relative(c.cwd, target)}`);
      }
      const updated = flags.dryRun ? undefined : write.added?.(dir, named);
      if (updated) c.out.line(`updated ${path.relative(c.cwd, updated)}`);
    });
}

/** Objects the migrations create (and column types), plus the database's with --database. */
async function knownObjects(c: CliContext): Promise<{ known: Set<string>; types: Map<string, string>; indexes: KnownIndex[] }> {
  const { lintMigrations } = await import('../../lint.js');
  const { objectsCreatedBy, catalogObjects } = await import('../../ledger/objects.js');
  const files = fs.existsSync(c.migrationsDir()) ? (await import('../../migrations/discover.js')).discoverMigrations({ dir: c.migrationsDir(), layout: c.config().layout, cwd: c.cwd, allowEmpty: true }) : [];
  const reports = await lintMigrations(files, { pgVersion: c.config().pgVersion ?? 15, parseTrees: true });
  const known = objectsCreatedBy(reports);
  // Column types as the migrations declare them (CREATE TABLE and ADD COLUMN effects).
  const types = new Map<string, string>();
  for (const effect of reports.flatMap((r) => r.statements.flatMap((s) => s.effects))) {
    const columns = (effect as { detail?: { columns?: { name: string; type?: string }[] } }).detail?.columns ?? [];
    const table = effect.kind === 'create-table' ? effect.object : effect.kind === 'add-column' ? effect.table : undefined;
    if (!table) continue;
    for (const col of columns) if (col.type) types.set(`${table}.${col.name}`, col.type);
  }
  // Indexes the migrations create, from each CREATE INDEX's parse tree (for rename-column's copies).
  const indexes: KnownIndex[] = [];
  for (const statement of reports.flatMap((r) => r.statements.filter((s) => s.kind === 'IndexStmt' && !s.inDoBlock))) {
    const node = statement.node as
      | { idxname?: string; unique?: boolean; whereClause?: unknown; relation: { schemaname?: string; relname: string }; indexParams: { IndexElem: { name?: string } }[] }
      | undefined;
    if (!node?.idxname) continue;
    const names = node.indexParams.map((p) => p.IndexElem.name);
    indexes.push({
      name: node.idxname,
      table: `${node.relation.schemaname ?? 'public'}.${node.relation.relname}`,
      unique: node.unique === true,
      ...(node.whereClause || names.some((n) => n === undefined) ? {} : { columns: names as string[] }),
    });
  }
  const url = await c.databaseUrl();
  if (url) {
    const { connect } = await import('../../db/connect.js');
    const client = await connect(url, { applicationName: 'bgmigrate plan' });
    try {
      for (const name of await catalogObjects(client)) known.add(name);
      const { rows } = await client.query<{ name: string; type: string }>(
        `SELECT n.nspname || '.' || c.relname || '.' || a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')`,
      );
      for (const row of rows) types.set(row.name, row.type);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return { known, types, indexes };
}
