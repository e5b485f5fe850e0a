/**
 * `ledger verify`: applied migrations whose file changed (checksum) or disappeared.
 */
import type pg from 'pg';
import { appliedMigrations } from './record.js';
import type { LedgerOptions } from './schema.js';

/** One applied migration that no longer matches the files. */
export interface Drift {
  id: string;
  /** `changed`: the file's checksum differs from the recorded one; `missing`: no such file. */
  kind: 'changed' | 'missing';
  recordedChecksum: string;
  /** The file's checksum now (for `changed`). */
  fileChecksum?: string;
}

/**
 * Compares the recorded checksums with the files' (pure). Files not applied yet are not drift.
 *
 * @example verifyChecksums([{ id: '001.sql', checksum: 'aa' }], [{ id: '001.sql', checksum: 'bb' }])
 * // [{ id: '001.sql', kind: 'changed', recordedChecksum: 'aa', fileChecksum: 'bb' }]
 */
export function verifyChecksums(
  applied: readonly { id: string; checksum: string }[],
  files: readonly { id: string; checksum: string }[],
): Drift[] {
  const byId = new Map(files.map((file) => [file.id, file.checksum]));
  const drift: Drift[] = [];
  for (const migration of applied) {
    const checksum = byId.get(migration.id);
    if (checksum === undefined) {
      drift.push({ id: migration.id, kind: 'missing', recordedChecksum: migration.checksum });
    } else if (checksum !== migration.checksum) {
      drift.push({ id: migration.id, kind: 'changed', recordedChecksum: migration.checksum, fileChecksum: checksum });
    }
  }
  return drift;
}

/** One line per drift entry, for terminals and CI logs. */
export function describeDrift(drift: Drift): string {
  if (drift.kind === 'missing') {
    return `${drift.id}: applied (sha256 ${drift.recordedChecksum.slice(0, 12)}…) but its file is missing`;
  }
  return `${drift.id}: changed since it was applied (ledger sha256 ${drift.recordedChecksum.slice(0, 12)}…, file ${drift.fileChecksum!.slice(0, 12)}…)`;
}

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
