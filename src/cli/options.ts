import { UsageError } from '../errors.js';

/** Reads `--pg-version`: a PostgreSQL major version, or undefined when the flag was not given. */
export function parsePgVersion(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const major = Number(text);
  if (!Number.isInteger(major) || major < 10 || major > 19) {
    throw new UsageError(`--pg-version: expected a PostgreSQL major version such as 15, got "${text}"`);
  }
  return major;
}
