/**
 * bgmigrate as a library: everything the CLI does, callable from code and tests.
 *
 * @example Lint a directory offline
 * import { loadConfig, discoverMigrations, lintMigrations, RULE_IDS } from 'bgmigrate';
 * const config = loadConfig({ cwd: process.cwd(), knownRules: RULE_IDS });
 * const files = discoverMigrations({ dir: config.migrationsDir, layout: config.layout });
 * const reports = await lintMigrations(files, { pgVersion: 16, rules: config.rules });
 *
 * @example What `check --database` does, with the analysis cache for the offline case
 * import { check } from 'bgmigrate';
 * const { report, warnings } = await check({ cwd, config, migrationsDir: config.migrationsDir, paths: [], database: url });
 * const offline = await check({ cwd, config, migrationsDir: config.migrationsDir, paths: [], cacheDir: 'node_modules/.cache/bgmigrate' });
 *
 * @example Apply the expand phase
 * import { applyMigrations } from 'bgmigrate';
 * await applyMigrations({ database: url, config, files, phase: 'expand', release: 'v43' });
 */
export * from './model.js';
export { UsageError, RefusalError, DriftError, InterruptedError, isBgmigrateError, type BgmigrateError } from './errors.js';
export { loadConfig, validateConfig, CONFIG_FILES, type Config, type Layout } from './config/config.js';
export { parseDuration, formatDuration } from './config/duration.js';
export { discoverMigrations, detectLayout, readMigrationFile } from './migrations/discover.js';
export { lintMigrations, lintSql, RULES, RULE_IDS, EFFECT_KINDS, type LintOptions } from './lint.js';
export type { Rule, RuleMeta, RuleContext, RuleHit } from './rules/support/rule.js';
export { check, summarise, type CheckOptions, type CheckResult, type CheckTargets } from './check.js';
export type { CacheStats } from './cache/lint-cache.js';
export { readLedgerForCheck, type LedgerReading } from './check-ledger.js';
export { renderJson } from './report/json.js';
export { renderSarif } from './report/sarif.js';
export { renderGithub } from './report/github.js';
export { renderPretty, type PrettyOptions } from './report/pretty.js';
export { normaliseObjectName } from './object-name.js';
export { connect, serverVersion } from './db/connect.js';
export { redactUrl, resolveDatabaseUrl } from './db/url.js';
export { startEmbedded } from './db/embedded.js';
export * as ledger from './ledger/index.js';
export * as pool from './pool/index.js';
export {
  applyMigrations,
  migrationStatus,
  ApplyRefusal,
  LedgerRefusal,
  LockTimeoutExhausted,
  MigrationFailed,
  PlanRefusal,
  type ApplyOptions,
  type ApplyResult,
  type AppliedMigration,
  type StatusReport,
} from './apply/index.js';
export { PoolBudgetRefusal } from './pool/check.js';
export { traceMigrations, traceSql, renderTracePretty, renderTraceJson } from './trace/index.js';
export { VERSION } from './version.js';
