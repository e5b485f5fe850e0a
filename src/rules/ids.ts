/**
 * Every rule id, by category, without loading the rules: the CLI validates a config's `rules`
 * section with these on every run, and a `check` answered from the cache (src/cache/) loads no
 * rule at all. src/rules/index.ts checks at load time that this list and the registry agree.
 */
const CONTRACT = [
  'drop-table', 'drop-column', 'drop-schema', 'drop-view', 'drop-routine', 'drop-type', 'drop-sequence', 'rename-table',
  'rename-column', 'rename-object', 'change-column-type', 'truncate-table', 'set-not-null', 'drop-default', 'drop-extension',
  'drop-constraint', 'alter-type-attribute', 'tighten-domain', 'revoke-privilege', 'delete-all-rows', 'drop-unique-index', 'drop-object',
];
const BREAKING = [
  'add-required-column', 'phase-mismatch', 'parse-error', 'transaction-control', 'enable-row-security', 'create-rule', 'drop-owned',
  'change-role', 'change-database', 'terminate-backend', 'commit-in-block', 'unnamed-concurrent-index', 'backfill-shape',
];
const LIMIT = ['dynamic-sql', 'unknown-effect'];
const LOCK = [
  'index-not-concurrent', 'drop-index-not-concurrent', 'reindex-not-concurrent', 'constraint-not-valid', 'unique-without-index',
  'table-rewrite', 'refresh-matview-not-concurrent', 'detach-partition-not-concurrent', 'concurrently-in-transaction', 'lock-table',
  'long-statement-under-lock', 'unbatched-dml', 'missing-lock-timeout',
];
const HYGIENE = ['empty-migration', 'set-lock-timeout', 'prefer-bigint', 'prefer-identity', 'prefer-timestamptz', 'prefer-text', 'ban-char'];

/** Every rule id users may name in config and suppressions. */
export const RULE_IDS: readonly string[] = [...CONTRACT, ...BREAKING, ...LIMIT, ...LOCK, ...HYGIENE];

/**
 * Rules whose level the config cannot change: contract rules (their verdict is the ledger's),
 * breaking rules (a migration that breaks the running release or the runner) and analysis limits
 * (code the analyser cannot see). Only a `bgmigrate-ignore` with a reason, on the statement, lowers one.
 */
export const GATE_RULE_IDS: readonly string[] = [...CONTRACT, ...BREAKING, ...LIMIT];
