/**
 * The refusals of `apply`, one class per cause, so that a library caller can tell them apart
 * with `instanceof` instead of reading messages. All are RefusalErrors (exit 1). The other
 * refusals an apply run can end with: DriftError (src/errors.ts: an applied migration's file
 * changed) and PoolBudgetRefusal (src/pool/check.ts: the expand phase's pool budget).
 *
 *   RefusalError
 *   ├─ PlanRefusal              the plan itself: out of order, expand before contract, --phase all on a shipped database
 *   └─ ApplyRefusal             a migration may not run: lint errors, contract effects in expand, usage evidence, …
 *      ├─ LedgerRefusal         …only because the ledger does not allow a contract effect yet (--require-all, or a release changed state meanwhile)
 *      ├─ LockTimeoutExhausted  a migration kept hitting the lock timeout until the retries ran out
 *      └─ MigrationFailed       a statement failed on the server (SQLSTATE in `sqlState`)
 */
import { RefusalError } from '../errors.js';
import type { AppliedMigration } from './runner.js';

/**
 * The plan is refused before anything is judged: a new migration sorts before an applied one, a
 * pending expand migration comes before a pending contract one, or `--phase all` would run on a
 * database a release has shipped on. Nothing is applied.
 */
export class PlanRefusal extends RefusalError {
  constructor(message: string) {
    super(message);
    this.name = 'PlanRefusal';
  }
}

/** The refusal of `apply`: exit 1, with every reason and what this run applied before stopping. */
export class ApplyRefusal extends RefusalError {
  readonly reasons: string[];
  /** The migrations this run applied before it stopped: they stay applied. */
  readonly applied: readonly AppliedMigration[];

  constructor(message: string, details: { reasons?: string[]; applied: readonly AppliedMigration[]; cause?: unknown }) {
    super(message, { cause: details.cause });
    this.name = 'ApplyRefusal';
    this.reasons = details.reasons ?? [message];
    this.applied = details.applied;
  }
}

/**
 * The ledger does not allow a contract migration yet (a missing deprecation, a release still
 * using the object, the rollback window) and nothing else refuses it. Without `--require-all`
 * that is no error: the migration waits (verdict `waiting`). It is one with `--require-all`, and
 * when a release changed state between the judgement and the commit (the migration is judged
 * again under the ledger's lock, and rolled back). `reasons` are the ledger's.
 */
export class LedgerRefusal extends ApplyRefusal {
  constructor(message: string, details: { reasons: string[]; applied: readonly AppliedMigration[] }) {
    super(message, details);
    this.name = 'LedgerRefusal';
  }
}

/**
 * A migration kept hitting the lock timeout (or a deadlock) until the retries ran out; nothing of
 * it is applied (a no-transaction migration: the statements before are, and the next run resumes).
 * Also what src/apply/retry.ts's withLockRetries throws, before the runner names the blocker.
 */
export class LockTimeoutExhausted extends ApplyRefusal {
  /** Attempts made, the first included. */
  readonly attempts: number;
  /** PostgreSQL's last answer (SQLSTATE 55P03 or 40P01). */
  readonly lastError: Error;

  constructor(message: string, details: { attempts: number; lastError: Error; applied: readonly AppliedMigration[]; cause?: unknown }) {
    super(message, details);
    this.name = 'LockTimeoutExhausted';
    this.attempts = details.attempts;
    this.lastError = details.lastError;
  }
}

/** A statement of a migration failed on the server; the message says where, and what of the migration is applied. */
export class MigrationFailed extends ApplyRefusal {
  /** PostgreSQL's SQLSTATE, e.g. `23505`. */
  readonly sqlState: string;

  constructor(message: string, details: { sqlState: string; applied: readonly AppliedMigration[]; cause: unknown }) {
    super(message, details);
    this.name = 'MigrationFailed';
    this.sqlState = details.sqlState;
  }
}
