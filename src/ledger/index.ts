/**
 * The phase ledger: bgmigrate's own tables in the database (schema `bgmigrate` by default,
 * config `ledger.schema`), an append-only history of applied migrations, releases and their
 * state changes, and deprecations; and the ledger rule that allows or refuses contract effects.
 *
 * Every function takes a `pg.ClientBase` the caller holds (and closes) and `{ schema }`.
 * Errors are UsageError (exit 2: privileges, unreadable or newer ledger, bad names) or
 * RefusalError (exit 1: an illegal release transition, a migration recorded twice).
 *
 * For the runner, on its client, INSIDE its own migration transaction (commit together):
 * - `ensureLedger(client, {schema})` → `{from, to}` versions. Creates/upgrades the ledger; cheap
 *   (2 reads, no lock) once current. Also works outside a transaction.
 * - `recordMigration(client, {id, checksum, phase, release?, durationMs, effects?, suppressions?, appliedBy?}, {schema})`
 *   → `LedgerMigration`. Registers the release as `deployed` when new. RefusalError if already recorded.
 * - `recordDeprecations(client, objects, release, {schema, source?: 'directive'|'command', migrationId?})`
 *   → the `Deprecation`s added (an object already deprecated at that release is skipped).
 * - `appliedMigrations(client, {schema})` → `LedgerMigration[]` in applied order ([] without a ledger).
 * - `recordStatementProgress(client, {migrationId, checksum, statementIndex, durationMs, release?}, {schema})`
 *   for no-transaction migrations, one call per statement run (idempotent);
 *   `statementProgress(client, migrationId, {schema, checksum?})` → done statements by index.
 * - `partialMigrations(client, ids, {schema})` → the done statements of migrations a run left
 *   part-way, per file content; `recordStatementStart` / `statementStarts` for statements that
 *   commit as they go (a DO block with COMMIT, a CALL).
 * - `recordDeployed(client, R, {schema})`, `recordNoTrafficApply(client, ids, {schema})`,
 *   `recordUsageOverride(client, {object, reason, migrationId}, {schema})`; `shippedReleases(client, {schema})`.
 * - `currentGate(client, {schema, rollbackWindowMs, now?, lock?})` → a LedgerGate read inside the
 *   caller's transaction (re-lint right before a contract migration; `lock` holds release commands
 *   off until the caller commits).
 *
 * For `check --database` (client NOT in a transaction):
 * - `ledgerGate(client, {schema, rollbackWindowMs, now?, files?, driftKinds?})` → `SnapshotGate`
 *   (a LedgerGate with `judge(effect)`, plus `snapshot`, `releases`, `drift(files?)`); reads in a
 *   REPEATABLE READ READ ONLY transaction with 4 statements whatever the ledger's size (BEGIN, 2
 *   queries, COMMIT); never writes. With `files`, the server compares checksums and returns only
 *   the differences. Import it from `./gate.js` (and `describeDrift` from `./drift.js`): those
 *   modules do not load Kysely, which saves ~150 ms of start-up for a read.
 *
 * For the commands (client NOT in a transaction; each runs its own transaction):
 * - `shipRelease(client, R, {schema, color?})` → `{release, color, previous}`.
 * - `retireRelease(client, R, {schema})`; `rollbackRelease(client, {schema, rollbackWindowMs, now?})`
 *   → `{live, rolledBack, color}`.
 * - `listReleases(client, {schema, rollbackWindowMs, now?})` → `ReleaseInfo[]`.
 * - `deprecateObject(client, object, R, {schema})` → `Deprecation | null`.
 * - `showLedger(client, {schema, rollbackWindowMs})` → `LedgerContents`.
 * - `verifyLedger(client, files, {schema})` → `{checked, drift}`; `describeDrift(d)` one line each.
 *
 * For backfills (src/apply/backfill.ts), in each batch's transaction: `startBackfill`, `recordBackfillBatch`,
 * `finishBackfill`; `backfillCheckpoints(client, {schema})` for `status`.
 *
 * For the pool gate (src/pool/check.ts): `insertPoolCheck(client, {outcome, release?, budget?}, {schema})`,
 * `lastPoolCheck(client, {schema})`.
 *
 * Benchmark: `fillLedger(client, {migrations: 10_000, releases: 1_000})`.
 */
export {
  DEFAULT_LEDGER_SCHEMA,
  LEDGER_MIGRATIONS,
  LEDGER_VERSION,
  RELEASE_STATES,
  ensureLedger,
  ledgerVersion,
  type DeprecationSource,
  type EnsureLedgerResult,
  type LedgerOptions,
  type ReleaseColor,
  type ReleaseState,
} from './schema.js';
export {
  appliedMigrations,
  checkReleaseName,
  deprecateObject,
  listDeprecations,
  partialMigrations,
  recordDeprecations,
  recordMigration,
  recordNoTrafficApply,
  recordStatementProgress,
  recordStatementStart,
  recordUsageOverride,
  recordDeployed,
  statementProgress,
  statementStarts,
  type LedgerMigration,
  type PartialMigration,
  type Deprecation,
  type LedgerSuppression,
  type NewLedgerMigration,
  type StatementProgress,
} from './record.js';
export {
  formatInstant,
  listReleases,
  releaseEvents,
  retireRelease,
  retireExpired,
  sealOf,
  rollbackRelease,
  shipRelease,
  shippedReleases,
  type ReleaseEvent,
  type ReleaseInfo,
  type RollbackResult,
  type ShipResult,
  type WindowOptions,
} from './releases.js';
export {
  currentGate,
  gateFromSnapshot,
  ledgerGate,
  readLedgerSnapshot,
  type GateOptions,
  type LedgerSnapshot,
  type SnapshotGate,
  type SnapshotOptions,
} from './gate.js';
export { describeDrift, verifyChecksums, verifyLedger, type Drift, type VerifyResult } from './verify.js';
export { decodeReleaseRows, releaseInfo, type ReleaseRow } from './state.js';
export { showLedger, type LedgerContents } from './show.js';
export {
  backfillCheckpoints,
  finishBackfill,
  recordBackfillBatch,
  startBackfill,
  type BackfillCheckpoint,
  type BackfillKey,
} from './backfill-progress.js';
export { insertPoolCheck, lastPoolCheck, type PoolCheckOutcome, type PoolCheckRow } from './pool-checks.js';
export { firstLiveAt, recordUsageSnapshot, snapshotCalls, usageSnapshots, type UsageSnapshotEntry, type UsageSnapshotHeader, type UsageSnapshotRow } from './usage-snapshots.js';
export { fillLedger, type FillOptions } from './bench.js';
