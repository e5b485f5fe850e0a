/**
 * The ledger operations the runner needs, in one place, so the runner reads as a sequence of
 * steps and the ledger's own API can evolve behind this file.
 */
import type pg from 'pg';
import type { Effect, LedgerGate, Phase } from '../model.js';

/** A migration the ledger records as applied. */
export interface AppliedRecord {
  id: string;
  checksum: string;
  phase: Phase;
  release: string | null;
  appliedAt: Date;
}

/** A no-transaction migration that started but did not finish: which statements are done. */
export interface PartialRecord {
  id: string;
  checksum: string;
  doneStatements: number[];
}

export interface RunRecord {
  id: string;
  checksum: string;
  phase: Phase;
  release: string | null;
  durationMs: number;
  effects: Effect[];
  /** Contract rules suppressed by `bgmigrate-ignore`, with their reasons. */
  suppressions: { rule: string; reason: string; object?: string }[];
}

export interface LedgerPort {
  /** The ledger's schema (backfill checkpoints live there). */
  schema: string;
  exists(client: pg.ClientBase): Promise<boolean>;
  ensure(client: pg.ClientBase): Promise<void>;
  applied(client: pg.ClientBase): Promise<AppliedRecord[]>;
  /** Statement progress of the given (unapplied) migrations, one record per file content seen. */
  partial(client: pg.ClientBase, ids: string[]): Promise<PartialRecord[]>;
  recordMigration(client: pg.ClientBase, record: RunRecord): Promise<void>;
  recordStatement(
    client: pg.ClientBase,
    progress: { id: string; checksum: string; index: number; total: number; durationMs: number; release: string | null },
  ): Promise<void>;
  /** Releases that have ever shipped (gone live) on this database. */
  shippedReleases(client: pg.ClientBase): Promise<string[]>;
  /** Records that `apply --phase all --no-traffic` applied these migrations (who and when). */
  recordNoTraffic(client: pg.ClientBase, migrationIds: string[]): Promise<void>;
  /** Records (committed at once) that a statement which commits as it goes has started. */
  recordStart(client: pg.ClientBase, start: { id: string; checksum: string; index: number }): Promise<void>;
  /** When statements of this file content were started by {@link recordStart}, oldest first. */
  starts(client: pg.ClientBase, id: string, checksum: string): Promise<{ index: number; at: Date }[]>;
  recordDeprecations(client: pg.ClientBase, deprecation: { objects: string[]; release: string; migrationId: string }): Promise<void>;
  /** Records that `release` is deployed (green is up, no traffic yet), if it is new. */
  recordDeployed(client: pg.ClientBase, release: string): Promise<void>;
  /** The gate as of `now` (default: the server's clock); without a ledger, an empty ledger's gate. */
  gate(client: pg.ClientBase, now: Date | undefined): Promise<LedgerGate>;
  /**
   * Inside the caller's transaction: takes the ledger's own transaction lock (release commands
   * take it too) and returns the gate, so no release changes state until the caller commits.
   */
  lockedGate(client: pg.ClientBase, now: Date | undefined): Promise<LedgerGate>;
}
