/**
 * The `plain` layout: every `*.sql` file directly in the directory, by name; a `*.down.sql` file
 * never runs forward. What a directory is when no other layout matches it.
 */
import { defineLayout, sequenceNames } from '../layout.js';

export const layout = defineLayout({
  name: 'plain',
  lookedFor: 'looked for *.sql files',
  detect: { precedence: 100, matches: () => true },
  find: (dir) => dir.files.filter((f) => f.endsWith('.sql') && !f.endsWith('.down.sql')),
  write: { names: (existing, slugs) => sequenceNames(existing, slugs, '.sql') },
});
