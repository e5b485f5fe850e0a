/**
 * The `flyway` layout: `V<version>__<description>.sql` in numeric version order (1.10 after
 * 1.9), then `R__<description>.sql` repeatables by description; `U` undo files ignored. Any
 * versioned file marks a directory as Flyway's: detection tries this layout first.
 */
import path from 'node:path';
import { UsageError } from '../../errors.js';
import { byCodePoint, defineLayout } from '../layout.js';

const VERSIONED = /^V(\d+(?:[._]\d+)*)__.+\.sql$/;
const REPEATABLE = /^R__(.+)\.sql$/;

export const layout = defineLayout({
  name: 'flyway',
  lookedFor: 'looked for V<version>__<name>.sql and R__<name>.sql',
  detect: { precedence: 10, matches: (dir) => dir.files.some((f) => VERSIONED.test(f)) },
  find: (dir) => dir.files.filter((f) => VERSIONED.test(f) || REPEATABLE.test(f)),
  order(found) {
    const sorted = found
      .map((f) => ({ f, version: flywayVersionOf(f) }))
      .filter((x): x is { f: string; version: bigint[] } => x.version !== undefined)
      .sort((a, b) => compareVersions(a.version, b.version) || byCodePoint(a.f, b.f));
    // V1, V01 and V1.0 are the same version to Flyway: which one runs first would be a guess.
    for (let i = 1; i < sorted.length; i++) {
      if (compareVersions(sorted[i - 1].version, sorted[i].version) === 0) {
        throw new UsageError(`${sorted[i - 1].f} and ${sorted[i].f} have the same Flyway version ${sorted[i].version.join('.')}: give one of them another version`);
      }
    }
    const repeatable = found.filter((f) => REPEATABLE.test(f)).sort((a, b) => byCodePoint(REPEATABLE.exec(a)![1], REPEATABLE.exec(b)![1]));
    return [...sorted.map((x) => x.f), ...repeatable];
  },
  /** `flyway_schema_history.script`: the file name. */
  historyName: (id) => path.posix.basename(id),
  /** `V<n>__<name>.sql`, the next major versions after the highest. */
  write: {
    names(existing, slugs) {
      const versions = existing.map((f) => /^V(\d+)(?:[._]\d+)*__/.exec(f)?.[1]).filter((v): v is string => v !== undefined).map(Number);
      const next = Math.max(0, ...versions) + 1;
      return slugs.map((slug, i) => `V${next + i}__${slug}.sql`);
    },
  },
});

/** The Flyway version of a `V<version>__<description>.sql` file name (`V1.10__x.sql` → [1n, 10n]). */
export function flywayVersionOf(fileName: string): bigint[] | undefined {
  const m = VERSIONED.exec(fileName);
  return m ? parseFlywayVersion(m[1]) : undefined;
}

/** `1.10` or `1_10` → [1n, 10n]. */
export function parseFlywayVersion(text: string): bigint[] {
  return text.split(/[._]/).map(BigInt);
}

/** Orders versions part by part; missing parts count as 0 (so 1 = 1.0). */
export function compareVersions(a: readonly bigint[], b: readonly bigint[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0n;
    const y = b[i] ?? 0n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
