/**
 * The `drizzle` layout: drizzle-kit's order, the entries of `meta/_journal.json` (`<tag>.sql`
 * each), or, in the newer layout without a journal, `<timestamp>_<name>/migration.sql` folders by
 * name. Its `--> statement-breakpoint` markers are SQL comments: the files are read as they are.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import { byDirectoryName, defineLayout, inSubdirectories, type DirectoryView } from '../layout.js';

const JOURNAL = path.join('meta', '_journal.json');

export const layout = defineLayout({
  name: 'drizzle',
  lookedFor: 'looked for meta/_journal.json and the <tag>.sql files it lists, or <dir>/migration.sql',
  detect: { precedence: 20, matches: (dir) => dir.has(JOURNAL) },
  find: (dir) => (dir.has(JOURNAL) ? journalled(dir) : inSubdirectories(dir, 'migration.sql')),
  /** The journal's order, as `find` returned it; folders by name. */
  order: (found, dir) => (dir.has(JOURNAL) ? [...found] : byDirectoryName(found)),
  write: {
    /** `<nnnn>_<name>.sql` after the highest number, as drizzle-kit names them. */
    names(existing, slugs) {
      const numbers = existing.filter((f) => f.endsWith('.sql')).map((f) => Number(/^(\d+)/.exec(f)?.[1] ?? -1));
      const next = Math.max(-1, ...numbers) + 1;
      return slugs.map((slug, i) => `${String(next + i).padStart(4, '0')}_${slug}.sql`);
    },
    /** drizzle-kit's breakpoint markers between statements. */
    text: async (sql) => (await import('../emit.js')).drizzleSql(sql),
    /** drizzle-kit's journal lists every migration: the new ones are appended, in order. */
    added(dir, names) {
      const journalFile = path.join(dir, JOURNAL);
      const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as { entries: { idx: number; version?: string; when: number; tag: string; breakpoints: boolean }[] };
      const version = journal.entries.at(-1)?.version ?? '7';
      for (const name of names) journal.entries.push({ idx: journal.entries.length, version, when: Date.now(), tag: name.replace(/\.sql$/, ''), breakpoints: true });
      fs.writeFileSync(journalFile, `${JSON.stringify(journal, null, 2)}\n`);
      return journalFile;
    },
  },
});

/** The files the journal lists, in its order; a listed file that is missing, or a `.sql` file it does not list, is an error. */
function journalled(dir: DirectoryView): string[] {
  const journalFile = path.join(dir.path, JOURNAL);
  let entries: { idx?: number; tag?: unknown }[];
  try {
    entries = (JSON.parse(fs.readFileSync(journalFile, 'utf8')) as { entries?: { idx?: number; tag?: unknown }[] }).entries ?? [];
  } catch (error) {
    throw new UsageError(`${journalFile}: not valid JSON: ${(error as Error).message}`, { location: journalFile });
  }
  const listed = entries
    .slice()
    .sort((a, b) => (a.idx ?? 0) - (b.idx ?? 0))
    .map((e) => {
      if (typeof e.tag !== 'string') throw new UsageError(`${journalFile}: an entry has no "tag"`, { location: journalFile });
      return `${e.tag}.sql`;
    });
  for (const name of listed) {
    if (!dir.files.includes(name)) throw new UsageError(`${journalFile} lists ${name}, which is not in ${dir.path}`, { location: journalFile });
  }
  // A .sql file the journal does not list would never run under drizzle: say so rather than guess its place.
  const unlisted = dir.files.filter((f) => f.endsWith('.sql') && !listed.includes(f));
  if (unlisted.length > 0) throw new UsageError(`${unlisted[0]} is in ${dir.path} but not in meta/_journal.json: add it with drizzle-kit, or remove it`);
  return listed;
}
