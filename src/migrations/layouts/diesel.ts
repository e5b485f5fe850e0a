/** The `diesel` layout: `<dir>/up.sql`, by directory name; `down.sql` ignored. */
import { byDirectoryName, defineLayout, inSubdirectories } from '../layout.js';

export const layout = defineLayout({
  name: 'diesel',
  lookedFor: 'looked for <dir>/up.sql',
  detect: { precedence: 50, matches: (dir) => inSubdirectories(dir, 'up.sql').length > 0 },
  find: (dir) => inSubdirectories(dir, 'up.sql'),
  order: byDirectoryName,
  /** `__diesel_schema_migrations.version`: the directory name's part before the first `_`, without dashes. */
  historyName: (id) => id.split('/')[0].split('_')[0].replaceAll('-', ''),
});
