/**
 * Errors that reach users. Each carries the exit code the README lists and a message written
 * for the person reading the terminal; the CLI prints the message as one line and exits.
 */

/** Exit 2: bgmigrate could not do its work (bad usage, bad config, unreadable file, database down). */
export class UsageError extends Error {
  readonly exitCode = 2 as const;
  /** `file:line:column` (or just the file) the message is about, when there is one. */
  readonly location?: string;

  constructor(message: string, options: { location?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UsageError';
    this.location = options.location;
  }
}

/**
 * Exit 1: bgmigrate worked and the answer is no (ledger refusal, checksum drift, over budget).
 * Subclasses name the cause: DriftError below, apply's refusals in src/apply/errors.ts,
 * PoolBudgetRefusal in src/pool/check.ts.
 */
export class RefusalError extends Error {
  readonly exitCode = 1 as const;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RefusalError';
  }
}

/** Exit 1: an applied migration's file changed or disappeared since it was applied. */
export class DriftError extends RefusalError {
  constructor(message: string) {
    super(message);
    this.name = 'DriftError';
  }
}

/** Exit 130 (SIGINT) or 143 (SIGTERM): the user or the deploy system stopped bgmigrate. */
export class InterruptedError extends Error {
  readonly exitCode: 130 | 143;

  constructor(signal: 'SIGINT' | 'SIGTERM', message: string) {
    super(message);
    this.name = 'InterruptedError';
    this.exitCode = signal === 'SIGINT' ? 130 : 143;
  }
}

export type BgmigrateError = UsageError | RefusalError | InterruptedError;

export function isBgmigrateError(error: unknown): error is BgmigrateError {
  return error instanceof UsageError || error instanceof RefusalError || error instanceof InterruptedError;
}
