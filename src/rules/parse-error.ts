import { defineRule } from './rule.js';

/**
 * SQL that PostgreSQL's parser rejects, and malformed bgmigrate comments. Reported by the
 * pipeline itself (there is no statement to check), never suppressed.
 */
export default defineRule({
  id: 'parse-error',
  category: 'error',
  defaultLevel: 'error',
  summary: "SQL that PostgreSQL's parser rejects; a malformed `bgmigrate` directive; an ignore comment without a reason or naming an unknown rule",
  why: 'Fail closed: an unparsed statement is never assumed safe, and nothing after a syntax error is analysed.',
  help: 'Fix the SQL (PostgreSQL will reject it too) or the comment: `-- bgmigrate: phase=expand|contract`, `-- bgmigrate: deprecates schema.table[.column]`, `-- bgmigrate: no-transaction`, `-- bgmigrate-ignore <rule>: <reason>`.',
});
