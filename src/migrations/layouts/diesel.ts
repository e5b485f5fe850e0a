/** The `diesel` layout: `<dir>/up.sql`, by directory name; `down.sql` ignored. */
import { byDirectoryName, defineLayout, inSubdirectories, timestampedNames } from '../layout.js';

export const layout = defineLayout({
  name: 'diesel',
  lookedFor: 'looked for <dir>/up.sql',
  detect: { precedence: 50, matches: (dir) => inSubdirectories(dir, 'up.sql').length > 0 },
  find: (dir) => inSubdirectories(dir, 'up.sql'),
  order: byDirectoryName,
  /** `__diesel_schema_migrations.version`: the directory name's part before the first `_`, without dashes. */
  historyName: (id) => id.split('/')[0].split('_')[0].replaceAll('-', ''),
  /** `<YYYY-MM-DD-hhmmss>_<name>/up.sql`, as `diesel migration generate` names them. */
  write: {
    names: (existing, slugs) =>
      timestampedNames(existing, slugs, (s, slug) => `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}-${s.slice(8, 14)}_${slug}/up.sql`),
  },
});
