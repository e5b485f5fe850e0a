/**
 * The runner: `applyMigrations` (apply) and `migrationStatus` (status), and the pieces tests
 * and other tools use directly.
 */
export {
  applyMigrations,
  judge,
  ApplyRefusal,
  LockTimeoutExhausted,
  type ApplyOptions,
  type RunPhase,
  type ApplyResult,
  type ApplyEvent,
  type AppliedMigration,
  type PlanEntry,
  type PlanAction,
  type ClientFactory,
} from './apply.js';
export { acquireApplierLock, applierLockKey, findLockHolder, type ApplierLock, type LockHolder } from './applier-lock.js';
export { retryDelays, withLockRetries, RetriesExhausted, isRetryable, type RetrySchedule, type RetryEvent } from './retry.js';
export { blockersOf, lockHoldersOn, describeBlocker, type Blocker } from './blocker.js';
export {
  migrationStatus,
  type StatusOptions,
  type StatusReport,
  type MigrationStatus,
  type ReleaseStatus,
  type ContractEffectStatus,
} from './status.js';
