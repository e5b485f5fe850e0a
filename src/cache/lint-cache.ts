/**
 * The analysis cache: `check` without a ledger gives the same findings for the same migrations,
 * so a run remembers them, and the schema model where it stopped, keyed by content.
 *
 * Keys form a chain along the migration order. The key of migration i digests the key of
 * migration i-1, the migration's id and its bytes' SHA-256; the first one digests what else the
 * answer depends on: the build of bgmigrate (src/cache/build-id.ts), the target PostgreSQL
 * version, the rule levels, --defer-contract, the whole config and the working directory. So a key
 * names one file's analysis after one exact history, and an edit anywhere changes the keys of
 * that file and every later one, never an earlier one.
 *
 * Each run that lints anything writes entries under the key of the last file it linted:
 * `<key>.r`, the reports of every reported file up to there (their statements apart, in
 * `<key>.s`, for library callers that read them), and `<key>.m`, a snapshot of the schema model after it (src/analyze/schema.ts,
 * SchemaModel.snapshot) — and one before the first file it linted. `index` records some keys
 * of the chain behind each `.r` (every 32nd and the last). A run first collects the reports it needs from the `.r` entries along
 * its own chain (then, for what is still missing, from entries the index shows sharing a prefix
 * of it); when all are there, nothing is parsed at all (this module and its store import no
 * parser, analyser or rule). Otherwise it resumes from the latest `.m` before the first missing
 * report: a new migration on top of an unchanged history — the pre-commit case — is the only
 * file parsed; an edited one is parsed with the files after it.
 *
 * Script migrations (Kysely, knex, …) are not cached: their SQL depends on the libraries they run
 * with, not only on their bytes. A ledger-judged check (`check --database`) is not cached either:
 * its verdicts depend on the database.
 */
import { createHash } from 'node:crypto';
import v8 from 'node:v8';
import type { FileReport, MigrationFile, RuleLevel } from '../model.js';
import { buildId } from './build-id.js';
import type { CacheStore } from './store.js';

/** Bump when the shape of what is stored changes. */
const FORMAT = 'lint-cache 1';

export interface CachedLintOptions {
  pgVersion: number;
  rules?: Record<string, RuleLevel>;
  deferContract?: boolean;
  /** Anything else the answer depends on (the config, the working directory), as text. */
  context: string;
  /**
   * Whether callers read the reports' `statements` (a library caller may; `check` on the command
   * line prints findings only). Without them, they are neither written nor read, and reading
   * `statements` of a report from the cache throws.
   */
  withStatements: boolean;
}

/** What a run found in the cache, for `--verbose` and the tests. */
export interface CacheStats {
  /** Reports taken from the cache. */
  hits: number;
  /** Reports computed. */
  linted: number;
  /** Migrations parsed and analysed only to bring the model up to date. */
  replayed: number;
  /** Whether the run resumed from a cached model (`false` when it started from the beginning). */
  resumed: boolean;
  /** Whether this run's entries were written. */
  written: boolean;
}

/** A report as stored in `<key>.r`; its statements are in `<key>.s`, read only if someone asks for them. */
type StoredReport = Omit<FileReport, 'statements'>;

/** Where a cached report's statements are: the entry holding them and the report's key in it. */
interface StatementsAt {
  entry: string;
  key: string;
}

/**
 * Lints `sequence` (every migration, in order) and returns the reports of the `reported` ones,
 * in order, as src/lint.ts would: from the cache where it can, by linting where it must.
 */
export async function lintWithCache(
  sequence: readonly MigrationFile[],
  reported: ReadonlySet<MigrationFile>,
  options: CachedLintOptions,
  store: CacheStore,
): Promise<{ reports: FileReport[]; stats: CacheStats }> {
  const stats: CacheStats = { hits: 0, linted: 0, replayed: 0, resumed: false, written: false };
  const keys = chainKeys(sequence, options);
  const reportKey = (i: number) => `${keys[i]}:${sequence[i].path}`;
  const wanted = sequence.flatMap((f, i) => (reported.has(f) ? [i] : []));
  const statements = new StatementsReader(store);

  // Reports already known, newest entries first (an entry holds every report up to its file).
  const found = new Map<number, FileReport>();
  const collect = (i: number, pack: string) => {
    if (!store.has(`${pack}.r`) || (options.withStatements && !store.has(`${pack}.s`))) return;
    const entry = store.read(`${pack}.r`);
    if (!(entry instanceof Map)) return;
    for (const w of wanted) {
      if (w > i || found.has(w)) continue;
      const stored = entry.get(reportKey(w)) as StoredReport | undefined;
      if (stored) found.set(w, options.withStatements ? statements.attach(stored, { entry: `${pack}.s`, key: reportKey(w) }) : withoutStatementsAttached(stored));
    }
  };
  // An entry at i holds reports up to i only: below the first report still missing, none helps.
  let m = 0;
  const firstMissing = () => {
    while (m < wanted.length && found.has(wanted[m])) m++;
    return wanted[m];
  };
  for (let i = sequence.length - 1, w = firstMissing(); w !== undefined && i >= w; i--, w = firstMissing()) collect(i, keys[i]);
  // Entries written after other histories that share a prefix with this one (a migration edited
  // or added in the middle): the index says which entry's chain passed through which key.
  const index = found.size < wanted.length ? readIndex(store) : undefined;
  if (index) {
    const packOf = new Map<string, string>();
    for (const [pack, chain] of index) for (const k of chain) packOf.set(k, pack);
    // Entries that end on this chain were read (or could not help) above.
    const tried = new Set<string>(keys);
    for (let i = sequence.length - 1; i >= 0 && found.size < wanted.length; i--) {
      const pack = packOf.get(keys[i]);
      if (pack === undefined || tried.has(pack)) continue;
      tried.add(pack);
      // The histories agree up to i at least, maybe further: try every report still missing
      // (a report's key is a chain key, so a match is the same history up to that report).
      collect(sequence.length - 1, pack);
    }
  }
  const missing = wanted.filter((w) => !found.has(w));
  stats.hits = found.size;

  const linted = new Map<number, FileReport>();
  if (missing.length > 0) {
    const first = missing[0];
    const last = missing[missing.length - 1];
    // The latest model snapshot before the first missing report; -1 is the empty model.
    let start = -1;
    let model: Uint8Array | undefined;
    for (let i = first - 1; i >= 0; i--) {
      if (!store.has(`${keys[i]}.m`)) continue;
      const data = store.read(`${keys[i]}.m`);
      if (data instanceof Uint8Array) {
        start = i;
        model = data;
        break;
      }
    }
    stats.resumed = start >= 0;
    const files = sequence.slice(start + 1, last + 1);
    const toLint = new Set(missing);
    const flags = files.map((_, j) => toLint.has(start + 1 + j));
    // Snapshots where a later run is likely to resume: before the first missing report (the
    // pre-commit case: the same history under a different new file) and after the last one.
    const snapshotAfter = [first - 1 - (start + 1), last - (start + 1)].filter((j) => j >= 0);
    const { lintResumed } = await import('../lint.js');
    const result = await lintResumed(files, flags, { ...options, model, snapshotAfter });
    result.reports.forEach((r, j) => {
      if (r) linted.set(start + 1 + j, r);
    });
    stats.linted = linted.size;
    stats.replayed = files.length - linted.size;

    // One entry for every report up to the last linted file, so that the next run finds them all at one key.
    const reports = new Map<string, StoredReport>();
    const statementData = new Map<string, Uint8Array>();
    for (const w of wanted) {
      if (w > last) break;
      const report = linted.get(w) ?? found.get(w)!;
      reports.set(reportKey(w), withoutStatements(report));
      // A cached report's statements are carried over as stored, never read.
      if (options.withStatements) statementData.set(reportKey(w), statements.raw(report) ?? v8.serialize(report.statements));
    }
    let written = (!options.withStatements || store.write(`${keys[last]}.s`, statementData)) && store.write(`${keys[last]}.r`, reports);
    if (written) {
      const next = new Map([...(index ?? readIndex(store) ?? [])].filter(([pack]) => store.has(`${pack}.r`)));
      next.set(keys[last], keys.slice(0, last + 1).filter((_, i) => i % INDEX_EVERY === 0 || i === last));
      store.write(INDEX, next);
    }
    for (const [j, snapshot] of result.snapshots) written = store.write(`${keys[start + 1 + j]}.m`, snapshot) && written;
    stats.written = written;
    store.prune();
  }

  const reports = wanted.map((w) => linted.get(w) ?? found.get(w)!);
  return { reports, stats };
}

/** The entry that maps each `.r` entry to every {@link INDEX_EVERY}th key of the chain it was written after. */
const INDEX = 'index';
const INDEX_EVERY = 32;

function readIndex(store: CacheStore): Map<string, readonly string[]> | undefined {
  const index = store.read(INDEX);
  return index instanceof Map ? (index as Map<string, readonly string[]>) : undefined;
}

/** The chained keys of `sequence` (see the module comment). */
function chainKeys(sequence: readonly MigrationFile[], options: CachedLintOptions): string[] {
  const rules = Object.entries(options.rules ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  let key = digest([FORMAT, buildId(), String(options.pgVersion), JSON.stringify(rules), String(options.deferContract === true), options.context]);
  return sequence.map((file) => (key = digest([key, file.id, file.checksum])));
}

/** A cached report for a caller that said it would not read its statements. */
function withoutStatementsAttached(stored: StoredReport): FileReport {
  return Object.defineProperty({ ...stored }, 'statements', {
    enumerable: false,
    get: () => {
      throw new Error('this report came from the analysis cache without its statements (withStatements: false)');
    },
  }) as FileReport;
}

/** The report minus `statements`, without reading them. */
function withoutStatements(report: FileReport): StoredReport {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(report)) if (key !== 'statements') out[key] = report[key as keyof FileReport];
  return out as StoredReport;
}

function digest(parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex').slice(0, 40);
}

/**
 * Cached reports' statements, read from their `.s` entry when first used: `check` prints
 * findings only, so a run answered from the cache never reads them.
 */
class StatementsReader {
  private readonly entries = new Map<string, Map<string, Uint8Array>>();
  private readonly origin = new WeakMap<FileReport, StatementsAt>();

  constructor(private readonly store: CacheStore) {}

  /** A report whose `statements` are read and deserialised on first use. */
  attach(stored: StoredReport, at: StatementsAt): FileReport {
    let list: FileReport['statements'] | undefined;
    const report = { ...stored } as FileReport;
    Object.defineProperty(report, 'statements', {
      enumerable: true,
      configurable: true,
      get: () => (list ??= v8.deserialize(this.data(at)) as FileReport['statements']),
      set: (value: FileReport['statements']) => {
        list = value;
        this.origin.delete(report);
      },
    });
    this.origin.set(report, at);
    return report;
  }

  /** The serialised statements of a report {@link attach} made, unread. */
  raw(report: FileReport): Uint8Array | undefined {
    const at = this.origin.get(report);
    return at ? this.data(at) : undefined;
  }

  private data(at: StatementsAt): Uint8Array {
    let entry = this.entries.get(at.entry);
    if (!entry) {
      const read = this.store.read(at.entry);
      // Found when the report was; unreadable now only if removed or damaged since.
      if (!(read instanceof Map)) throw new Error(`the analysis cache entry ${at.entry} in ${this.store.dir} is unreadable; run again with --no-cache`);
      entry = read as Map<string, Uint8Array>;
      this.entries.set(at.entry, entry);
    }
    const data = entry.get(at.key);
    if (!data) throw new Error(`the analysis cache entry ${at.entry} in ${this.store.dir} lacks a report's statements; run again with --no-cache`);
    return data;
  }
}
