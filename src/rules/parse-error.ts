import { defineRule } from './support/rule.js';

/**
 * SQL that PostgreSQL's parser rejects, and malformed bgmigrate comments. Reported by the
 * pipeline itself (there is no statement to check), never suppressed.
 */
export default defineRule({
  id: 'parse-error',
  category: 'forbidden',
  defaultLevel: 'error',
  summary: "SQL that PostgreSQL's parser rejects; a malformed `bgmigrate` directive; an ignore comment without a reason or naming an unknown rule",
  why: 'Fail closed: an unparsed statement is never assumed safe, and nothing after a syntax error is analysed.',
  help: 'Fix the SQL (PostgreSQL will reject it too) or the comment: `-- bgmigrate: phase=expand|contract`, `-- bgmigrate: deprecates schema.table[.column]`, `-- bgmigrate: no-transaction`, `-- bgmigrate-ignore <rule>: <reason>`.',
  versionNotes:
    'Parsing uses PostgreSQL 18\'s grammar; syntax the target server does not have yet is reported at the target version: ' +
    '`ADD CONSTRAINT … NOT NULL` and VIRTUAL generated columns (18), `SET ACCESS METHOD` and `MERGE` (15), ' +
    '`DETACH PARTITION … CONCURRENTLY` (14), `REINDEX … CONCURRENTLY` (12)',
});
