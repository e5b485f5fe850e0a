/** The `prisma` layout: `<dir>/migration.sql`, by directory name. */
import { byDirectoryName, defineLayout, inSubdirectories, timestampedNames } from '../layout.js';

export const layout = defineLayout({
  name: 'prisma',
  lookedFor: 'looked for <dir>/migration.sql',
  detect: { precedence: 40, matches: (dir) => inSubdirectories(dir, 'migration.sql').length > 0 },
  find: (dir) => inSubdirectories(dir, 'migration.sql'),
  order: byDirectoryName,
  /** `_prisma_migrations.migration_name`: the directory's name. */
  historyName: (id) => id.split('/')[0],
  /** `<YYYYMMDDhhmmss>_<name>/migration.sql`, as `prisma migrate dev` names them. */
  write: { names: (existing, slugs) => timestampedNames(existing, slugs, (stamp, slug) => `${stamp}_${slug}/migration.sql`) },
});
