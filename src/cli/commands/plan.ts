import { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import { detectLayout } from '../../migrations/discover.js';
import { normaliseObjectName } from '../../object-name.js';
import { editDistance } from '../../text.js';
import type { Layout } from '../../config/config.js';
import type { KnownIndex } from '../../plan/recipes.js';
import type { CliContext } from '../context.js';
import { COMMANDS } from './index.js';

export function register(program: Command, ctx: () => CliContext): void {
  program
    .command('plan <recipe> [objects...]')
    .description(COMMANDS.plan.summary)
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
      const existing = fs.readdirSync(dir);
      const named = numbered(existing, layout, files.map((f) => f.slug));
      // The layout's own format: SQL files, drizzle's breakpoints and journal, or scripts.
      const { drizzleSql, scriptFor } = await import('../../plan/emit.js');
      const contents: string[] = [];
      for (const [i, file] of files.entries()) {
        if (layout === 'kysely' || layout === 'node-pg-migrate' || layout === 'knex' || layout === 'typeorm') {
          contents.push(await scriptFor(layout, file.sql, typeormClass(named[i])));
        } else if (layout === 'drizzle') contents.push(await drizzleSql(file.sql));
        else contents.push(file.sql);
      }
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
      if (layout === 'drizzle' && !flags.dryRun) {
        // drizzle-kit's journal lists every migration: the new ones are appended, in order.
        const journalFile = path.join(dir, 'meta', '_journal.json');
        const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as { entries: { idx: number; version?: string; when: number; tag: string; breakpoints: boolean }[] };
        const version = journal.entries.at(-1)?.version ?? '7';
        for (const name of named) {
          journal.entries.push({ idx: journal.entries.length, version, when: Date.now(), tag: name.replace(/\.sql$/, ''), breakpoints: true });
        }
        fs.writeFileSync(journalFile, `${JSON.stringify(journal, null, 2)}\n`);
        c.out.line(`updated ${path.relative(c.cwd, journalFile)}`);
      }
    });
}

/** Objects the migrations create (and column types), plus the database's with --database. */
async function knownObjects(c: CliContext): Promise<{ known: Set<string>; types: Map<string, string>; indexes: KnownIndex[] }> {
  const { lintMigrations } = await import('../../lint.js');
  const { objectsCreatedBy, catalogObjects } = await import('../../ledger/objects.js');
  const files = fs.existsSync(c.migrationsDir()) ? (await import('../../migrations/discover.js')).discoverMigrations({ dir: c.migrationsDir(), layout: c.config().layout, cwd: c.cwd, allowEmpty: true }) : [];
  const reports = await lintMigrations(files, { pgVersion: c.config().pgVersion ?? 15 });
  const known = objectsCreatedBy(reports);
  // Column types as the migrations declare them (CREATE TABLE and ADD COLUMN effects).
  const types = new Map<string, string>();
  for (const effect of reports.flatMap((r) => r.statements.flatMap((s) => s.effects))) {
    const columns = (effect as { detail?: { columns?: { name: string; type?: string }[] } }).detail?.columns ?? [];
    const table = effect.kind === 'create-table' ? effect.object : effect.kind === 'add-column' ? effect.table : undefined;
    if (!table) continue;
    for (const col of columns) if (col.type) types.set(`${table}.${col.name}`, col.type);
  }
  // Indexes the migrations create, from each CREATE INDEX's own parse (for rename-column's copies).
  const { parseSql } = await import('../../parse/parser.js');
  const indexes: KnownIndex[] = [];
  for (const statement of reports.flatMap((r) => r.statements.filter((s) => s.kind === 'IndexStmt' && !s.inDoBlock))) {
    const parsed = parseSql(statement.text);
    if ('error' in parsed) continue;
    const node = parsed.stmts[0]?.stmt.IndexStmt as
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

/**
 * File names after the directory's last migration: the same number width (or, for 14-digit
 * timestamps, the time now, a second apart), or Flyway's next versions.
 */
/** TypeORM's class name for a file `<timestamp>-<Name>.ts`: `<Name><timestamp>`. */
function typeormClass(file: string): string {
  const m = /^(\d+)-(\w+)\.ts$/.exec(file);
  return m ? `${m[2]}${m[1]}` : 'Migration';
}

const pascal = (slug: string) => slug.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');

export function numbered(existing: readonly string[], layout: Layout, slugs: readonly string[]): string[] {
  if (layout === 'typeorm') {
    // <milliseconds>-<Name>.ts, after the newest.
    const newest = Math.max(0, ...existing.map((f) => Number(/^(\d{13})-/.exec(f)?.[1] ?? 0)));
    const start = Math.max(Date.now(), newest + 1);
    return slugs.map((slug, i) => `${start + i}-${pascal(slug)}.ts`);
  }
  if (layout === 'kysely' || layout === 'node-pg-migrate' || layout === 'knex') {
    return numbered(existing.map((f) => f.replace(/\.[cm]?[jt]s$/, '.sql')), 'plain', slugs).map((f) => f.replace(/\.sql$/, '.ts'));
  }
  if (layout === 'drizzle') {
    const numbers = existing.filter((f) => f.endsWith('.sql')).map((f) => Number(/^(\d+)/.exec(f)?.[1] ?? -1));
    const next = Math.max(-1, ...numbers) + 1;
    return slugs.map((slug, i) => `${String(next + i).padStart(4, '0')}_${slug}.sql`);
  }
  if (layout === 'prisma' || layout === 'diesel') {
    // Directories named by the time, a second apart, after the newest one.
    const stamps = existing.map((d) => /^(\d{4})-?(\d{2})-?(\d{2})-?(\d{6})/.exec(d)).filter((m): m is RegExpExecArray => m !== null).map((m) => m.slice(1).join(''));
    const newest = stamps.sort().at(-1);
    let next = Math.max(Date.now(), newest ? Date.UTC(+newest.slice(0, 4), +newest.slice(4, 6) - 1, +newest.slice(6, 8), +newest.slice(8, 10), +newest.slice(10, 12), +newest.slice(12, 14)) + 1000 : 0);
    return slugs.map((slug) => {
      const iso = new Date(next).toISOString();
      next += 1000;
      const stamp = iso.replace(/\D/g, '').slice(0, 14);
      return layout === 'prisma'
        ? `${stamp}_${slug}/migration.sql`
        : `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}-${stamp.slice(8, 14)}_${slug}/up.sql`;
    });
  }
  const ext = layout === 'up-sql' ? '.up.sql' : '.sql';
  if (layout === 'flyway') {
    const versions = existing.map((f) => /^V(\d+)(?:[._]\d+)*__/.exec(f)?.[1]).filter((v): v is string => v !== undefined).map(Number);
    const next = Math.max(0, ...versions) + 1;
    return slugs.map((slug, i) => `V${next + i}__${slug}.sql`);
  }
  const numbers = existing.filter((f) => f.endsWith(ext)).map((f) => /^(\d+)/.exec(f)?.[1]).filter((n): n is string => n !== undefined);
  const width = numbers.length ? Math.max(...numbers.map((n) => n.length)) : 4;
  if (width >= 14) {
    const now = new Date();
    return slugs.map((slug, i) => `${new Date(now.getTime() + i * 1000).toISOString().replace(/\D/g, '').slice(0, 14)}_${slug}${ext}`);
  }
  const last = numbers.length ? Math.max(...numbers.map(Number)) : 0;
  return slugs.map((slug, i) => `${String(last + 1 + i).padStart(width, '0')}_${slug}${ext}`);
}
