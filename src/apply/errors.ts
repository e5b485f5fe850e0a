/**
 * The refusals of `apply`, one class per cause, so that a library caller can tell them apart
 * with `instanceof` instead of reading messages. All are RefusalErrors (exit 1).
 */
import { RefusalError } from '../errors.js';
import type { AppliedMigration } from './runner.js';

/** The refusal of `apply`: exit 1, with every reason and what this run applied before stopping. */
export class ApplyRefusal extends RefusalError {
  readonly reasons: string[];
  readonly applied: AppliedMigration[];

  constructor(message: string, details: { reasons?: string[]; applied: AppliedMigration[]; cause?: unknown }) {
    super(message, { cause: details.cause });
    this.name = 'ApplyRefusal';
    this.reasons = details.reasons ?? [message];
    this.applied = details.applied;
  }
}

/** Exit 1: a migration kept hitting the lock timeout until the retries ran out; nothing of it is applied. */
export class LockTimeoutExhausted extends ApplyRefusal {
  constructor(message: string, details: { applied: AppliedMigration[]; cause?: unknown }) {
    super(message, details);
    this.name = 'LockTimeoutExhausted';
  }
}
