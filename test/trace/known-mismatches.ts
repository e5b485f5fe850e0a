/**
 * Differences between `check`'s lock/rewrite prediction and the server that are reported to
 * the static model's owners and not fixed yet (scratch/trace-mismatches.md has the details).
 * Keyed by case id, then by PostgreSQL major (or `all`); the value is the exact list of
 * mismatch lines trace reports today.
 */
export const KNOWN_MISMATCHES: Record<string, Partial<Record<number | 'all', string[]>>> = {};
