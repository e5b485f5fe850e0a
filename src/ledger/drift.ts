/**
 * Checksum drift: applied migrations whose file changed or disappeared (pure; no database).
 */

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
