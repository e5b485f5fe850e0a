/**
 * The runner: `applyMigrations` (apply) and `migrationStatus` (status), and the pieces tests
 * and other tools use directly.
 */
export { applyMigrations, type ApplyOptions, type ApplyResult, type ApplyEvent, type ClientFactory } from './apply.js';
export { ApplyRefusal, LedgerRefusal, LockTimeoutExhausted, MigrationFailed, PlanRefusal } from './errors.js';
export { judge, type Judgement } from './judge.js';
export { type RunPhase, type PlanEntry, type PlanAction } from './plan.js';
export { type AppliedMigration, type RunnerEvent } from './runner.js';
export { acquireApplierLock, applierLockKey, findLockHolder, type ApplierLock, type LockHolder } from './applier-lock.js';
export { retryDelays, withLockRetries, isRetryable, type RetrySchedule, type RetryEvent } from './retry.js';
export { blockersOf, lockHoldersOn, describeBlocker, type Blocker } from './blocker.js';
export {
  migrationStatus,
  type StatusOptions,
  type StatusReport,
  type MigrationStatus,
  type ReleaseStatus,
  type ContractEffectStatus,
} from './status.js';
