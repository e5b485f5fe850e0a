/**
 * Every rule id with its category, in the registry's order, without loading the rules: the CLI
 * validates a config's `rules` section with these on every run, and a `check` answered from the
 * cache (src/cache/) loads no rule at all. src/rules/index.ts checks at load time that this list
 * and the registry agree.
 */
import type { RuleCategory } from './support/rule.js';

const CATEGORIES: readonly (readonly [string, RuleCategory])[] = [
  ['drop-table', 'contract'],
  ['drop-column', 'contract'],
  ['drop-schema', 'contract'],
  ['drop-view', 'contract'],
  ['drop-routine', 'contract'],
  ['drop-type', 'contract'],
  ['drop-sequence', 'contract'],
  ['rename-table', 'contract'],
  ['rename-column', 'contract'],
  ['rename-object', 'contract'],
  ['change-column-type', 'contract'],
  ['truncate-table', 'contract'],
  ['set-not-null', 'contract'],
  ['drop-default', 'contract'],
  ['drop-extension', 'contract'],
  ['drop-constraint', 'contract'],
  ['alter-type-attribute', 'contract'],
  ['tighten-domain', 'contract'],
  ['revoke-privilege', 'contract'],
  ['delete-all-rows', 'contract'],
  ['drop-unique-index', 'contract'],
  ['drop-object', 'contract'],
  ['add-required-column', 'forbidden'],
  ['phase-mismatch', 'forbidden'],
  ['parse-error', 'forbidden'],
  ['transaction-control', 'forbidden'],
  ['enable-row-security', 'forbidden'],
  ['create-rule', 'forbidden'],
  ['drop-owned', 'forbidden'],
  ['change-role', 'forbidden'],
  ['change-database', 'forbidden'],
  ['terminate-backend', 'forbidden'],
  ['alter-sequence', 'forbidden'],
  ['change-inheritance', 'forbidden'],
  ['disable-trigger-all', 'forbidden'],
  ['commit-in-block', 'forbidden'],
  ['unnamed-concurrent-index', 'forbidden'],
  ['empty-migration', 'hygiene'],
  ['index-not-concurrent', 'lock'],
  ['drop-index-not-concurrent', 'lock'],
  ['reindex-not-concurrent', 'lock'],
  ['constraint-not-valid', 'lock'],
  ['unique-without-index', 'lock'],
  ['table-rewrite', 'lock'],
  ['refresh-matview-not-concurrent', 'lock'],
  ['detach-partition-not-concurrent', 'lock'],
  ['default-partition-scan', 'lock'],
  ['validate-domain-constraint', 'lock'],
  ['concurrently-in-transaction', 'lock'],
  ['lock-table', 'lock'],
  ['long-statement-under-lock', 'lock'],
  ['unbatched-dml', 'lock'],
  ['backfill-shape', 'forbidden'],
  ['missing-lock-timeout', 'lock'],
  ['set-lock-timeout', 'hygiene'],
  ['prefer-bigint', 'hygiene'],
  ['prefer-identity', 'hygiene'],
  ['prefer-timestamptz', 'hygiene'],
  ['prefer-text', 'hygiene'],
  ['ban-char', 'hygiene'],
  ['dynamic-sql', 'limit'],
  ['unknown-effect', 'limit'],
];

/** Every rule id users may name in config and suppressions. */
export const RULE_IDS: readonly string[] = CATEGORIES.map(([id]) => id);

/**
 * Rules whose level the config cannot change: contract rules (their verdict is the ledger's),
 * forbidden rules (a migration that breaks the running release or the runner) and analysis limits
 * (code the analyser cannot see). Only a `bgmigrate-ignore` with a reason, on the statement, lowers one.
 */
export const GATE_RULE_IDS: readonly string[] = CATEGORIES.filter(([, c]) => c === 'contract' || c === 'forbidden' || c === 'limit').map(([id]) => id);

/** The category of each rule, as src/rules/index.ts registers it. */
export const RULE_CATEGORIES: ReadonlyMap<string, RuleCategory> = new Map(CATEGORIES);
