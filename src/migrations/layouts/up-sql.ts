/**
 * The `up-sql` layout (golang-migrate, dbmate, popx): `*.up.sql` files by name; `*.down.sql`
 * never runs forward. (dbmate's single file with `-- migrate:up` and `-- migrate:down` sections
 * is cut to its up section by src/migrations/discover.ts `upSection`, in every layout.)
 */
import path from 'node:path';
import { defineLayout, sequenceNames } from '../layout.js';

export const layout = defineLayout({
  name: 'up-sql',
  lookedFor: 'looked for *.up.sql files',
  detect: { precedence: 60, matches: (dir) => dir.files.some((f) => f.endsWith('.up.sql')) },
  find: (dir) => dir.files.filter((f) => f.endsWith('.up.sql')),
  /** golang-migrate's and dbmate's version: the file name's leading digits (else the id's). */
  historyName: (id) => /^(\d+)/.exec(path.posix.basename(id))?.[1] ?? /^(\d+)/.exec(id)?.[1],
  write: { names: (existing, slugs) => sequenceNames(existing, slugs, '.up.sql') },
});
