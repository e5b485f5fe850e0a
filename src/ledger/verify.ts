/**
 * `ledger verify`: applied migrations whose file changed (checksum) or disappeared.
 */
import type pg from 'pg';
import { appliedMigrations } from './record.js';
import type { LedgerOptions } from './schema.js';
import { verifyChecksums, type Drift } from './drift.js';

export { describeDrift, verifyChecksums, type Drift } from './drift.js';

/** What `ledger verify` found. */
export interface VerifyResult {
  /** How many applied migrations were compared. */
  checked: number;
  drift: Drift[];
}

/**
 * Reads the applied migrations (never creating the ledger) and compares them with `files`
 * (e.g. `MigrationFile[]`). The CLI exits 1 when `drift` is not empty.
 */
export async function verifyLedger(
  client: pg.ClientBase,
  files: readonly { id: string; checksum: string }[],
  options: LedgerOptions = {},
): Promise<VerifyResult> {
  const applied = await appliedMigrations(client, options);
  return { checked: applied.length, drift: verifyChecksums(applied, files) };
}
