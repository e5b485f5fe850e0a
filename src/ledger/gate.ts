/**
 * The ledger rule: a contract effect on X is allowed iff the ledger has a deprecation of X (or of
 * its table) at release R, R has shipped, and every other release that did not first ship after R
 * is retired (by command, or as a standby past the rollback window): a live or standby release
 * that shipped earlier, a deployed release that never shipped, a rolled-back release. Otherwise
 * the verdict names the missing fact. See docs/architecture.md and the README's "phase ledger".
 *
 * The ledger is read once, as a snapshot, with a constant number of queries; judging is pure.
 */
import type pg from 'pg';
import type { Effect, LedgerGate, LedgerVerdict } from '../model.js';
import { UsageError } from '../errors.js';
import { checkNotNewer, ledgerError, ledgerLockSql, ledgerSchema, type DeprecationSource, type LedgerOptions } from './ddl.js';
import { verifyChecksums, type Drift } from './drift.js';
import { decodeReleaseRows, formatInstant, releaseInfo, releaseRowsSql, type ReleaseInfo, type ReleaseJson, type ReleaseRow } from './state.js';

/** Everything the gate needs, read in one consistent snapshot. */
export interface LedgerSnapshot {
  schema: string;
  /** Ledger version; 0 when the ledger does not exist yet. */
  version: number;
  /** The database server's clock when the snapshot was read. */
  serverNow: Date;
  releases: ReleaseRow[];
  deprecations: { object: string; release: string; source: DeprecationSource; at: Date }[];
  /** Applied migrations' ids and checksums, in order (empty when not asked for, or when `files` was given). */
  applied: { id: string; checksum: string }[];
  /** Drift against the `files` given to the read, computed by the server; absent without `files`. */
  drift?: Drift[];
}

export interface SnapshotOptions extends LedgerOptions {
  /** Also read the applied migrations' ids and checksums (for drift checks); default true. */
  applied?: boolean;
  /**
   * The migration files to compare with: the server then returns only the applied migrations
   * that differ (`snapshot.drift`) instead of the whole list, which is much cheaper for a long
   * history. Implies `applied: false`.
   */
  files?: readonly { id: string; checksum: string }[];
  /** With `files`: report `changed` files only (what `check` stops on), or also `missing` ones (default). */
  driftKinds?: 'changed' | 'all';
}

/**
 * Reads the snapshot with at most 2 queries, whatever the ledger's size, in the caller's
 * transaction (use {@link ledgerGate} to get a READ ONLY one). Never creates the ledger.
 *
 * @throws UsageError when the ledger cannot be read (privileges) or is newer than this bgmigrate.
 */
export async function readLedgerSnapshot(client: pg.ClientBase, options: SnapshotOptions = {}): Promise<LedgerSnapshot> {
  const schema = ledgerSchema(options);
  try {
    const head = await client.query<{ now: Date; present: boolean; withdrawals: boolean }>(
      'SELECT now() AS now, to_regclass($1) IS NOT NULL AS present, to_regclass($2) IS NOT NULL AS withdrawals',
      [`"${schema}".schema_version`, `"${schema}".deprecation_withdrawals`],
    );
    const serverNow = head.rows[0].now;
    if (!head.rows[0].present) {
      return { schema, version: 0, serverNow, releases: [], deprecations: [], applied: [], ...(options.files ? { drift: [] } : {}) };
    }
    // Everything else in one round trip, each list as one JSON value (cheap to decode).
    const q = (table: string): string => `"${schema}".${table}`;
    const files = options.files?.map(({ id, checksum }) => ({ id, checksum }));
    const { rows } = await client.query<{
      version: number | null;
      releases: ReleaseJson[];
      deprecations: [string, string, DeprecationSource, string][];
      applied: [string, string][] | null;
      drift: [string, string, string | null][] | null;
    }>(
      `SELECT
        (SELECT max(version) FROM ${q('schema_version')}) AS version,
        ${releaseRowsSql(schema)} AS releases,
        (SELECT coalesce(json_agg(json_build_array(object, release, source, at) ORDER BY seq), '[]')
           FROM ${q('deprecations')} d
           ${head.rows[0].withdrawals ? `WHERE NOT EXISTS (SELECT 1 FROM ${q('deprecation_withdrawals')} w WHERE w.deprecation_seq = d.seq)` : ''}) AS deprecations,
        ${
          options.applied === false || files
            ? 'NULL::json'
            : `(SELECT coalesce(json_agg(json_build_array(id, checksum) ORDER BY seq), '[]') FROM ${q('migrations')})`
        } AS applied,
        ${
          files
            ? `(SELECT coalesce(json_agg(json_build_array(m.id, m.checksum, f.checksum) ORDER BY m.seq), '[]')
                 FROM ${q('migrations')} m ${options.driftKinds === 'changed' ? '' : 'LEFT '}JOIN json_to_recordset($1::json) AS f(id text, checksum text) ON f.id = m.id
                 WHERE f.checksum IS DISTINCT FROM m.checksum)`
            : 'NULL::json'
        } AS drift`,
      files ? [JSON.stringify(files)] : [],
    );
    const row = rows[0];
    const version = Number(row.version ?? 0);
    checkNotNewer(version, schema);
    const releases = decodeReleaseRows(row.releases);
    const deprecations = row.deprecations.map(([object, release, source, at]) => ({ object, release, source, at: new Date(at) }));
    const applied = (row.applied ?? []).map(([id, checksum]) => ({ id, checksum }));
    const drift = row.drift?.map(([id, recordedChecksum, fileChecksum]): Drift =>
      fileChecksum === null ? { id, kind: 'missing', recordedChecksum } : { id, kind: 'changed', recordedChecksum, fileChecksum },
    );
    return { schema, version, serverNow, releases, deprecations, applied, ...(drift ? { drift } : {}) };
  } catch (error) {
    throw ledgerError(error, schema, 'read');
  }
}

/** A LedgerGate that also exposes what it read. */
export interface SnapshotGate extends LedgerGate {
  snapshot: LedgerSnapshot;
  /** Releases with the window applied at the gate's `now`. */
  releases: ReleaseInfo[];
  /**
   * Applied migrations whose file changed or disappeared (see {@link verifyChecksums}). When the
   * snapshot was read with `files`, returns the drift the server computed against those.
   */
  drift(files?: readonly { id: string; checksum: string }[]): Drift[];
}

export interface GateOptions extends LedgerOptions {
  /** Config `ledger.rollbackWindow` in ms (default 24 h). */
  rollbackWindowMs: number;
  /** Judge as of this instant; default the server's clock at the snapshot. */
  now?: Date;
}

/**
 * `check --database`: reads the ledger in a REPEATABLE READ, READ ONLY transaction of its own
 * (the client must not be in a transaction) and returns the gate. Never writes.
 *
 * @example
 * const gate = await ledgerGate(client, { schema: config.ledger.schema, rollbackWindowMs: config.ledger.rollbackWindowMs });
 * gate.judge(effect) // { allowed: false, reason: 'release v42 still uses public.users.name and is a rollback target until …' }
 */
export async function ledgerGate(client: pg.ClientBase, options: GateOptions & SnapshotOptions): Promise<SnapshotGate> {
  await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
  let snapshot: LedgerSnapshot;
  try {
    snapshot = await readLedgerSnapshot(client, options);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error instanceof UsageError ? error : ledgerError(error, ledgerSchema(options), 'read');
  }
  return gateFromSnapshot(snapshot, options);
}

/**
 * The gate read in the caller's transaction (or none): `apply` judges each contract migration by
 * it right before running it. Without a ledger, an empty ledger's gate. With `lock`, first takes
 * the ledger's transaction lock (release commands take it too), so no release changes state
 * until the caller commits.
 */
export async function currentGate(client: pg.ClientBase, options: GateOptions & { lock?: boolean }): Promise<SnapshotGate> {
  if (options.lock) await client.query(ledgerLockSql(ledgerSchema(options)));
  return gateFromSnapshot(await readLedgerSnapshot(client, { schema: options.schema, applied: false }), options);
}

type Attempt =
  | { kind: 'allowed'; reason: string; allowedBy: string }
  | { kind: 'unshipped'; reason: string }
  | { kind: 'blocked'; reason: string };

/**
 * Whether `q` could still take traffic using what `r` stopped using: it is not retired (by
 * command, or as a standby past the rollback window) and it did not first ship after `r`.
 * "Older" is by time of first shipping, never by registration: a hotfix built from older code
 * and shipped before `r` is older than `r` even if it was registered later.
 */
export function blocksContractOf(q: ReleaseInfo, r: ReleaseInfo): boolean {
  if (q.release === r.release) return false;
  if (q.state === 'retired' || q.retiredByWindow) return false;
  if (q.shippedAt === null || r.shippedAt === null) return true;
  return q.shippedAt.getTime() < r.shippedAt.getTime() || (q.shippedAt.getTime() === r.shippedAt.getTime() && q.order < r.order);
}

/** Which blocker to name first: the one that takes traffic now, then the nearest rollback target. */
const BLOCKER_RANK: Record<string, number> = { live: 0, standby: 1, 'rolled-back': 2, deployed: 3 };

/** Builds the pure gate from a snapshot. */
export function gateFromSnapshot(snapshot: LedgerSnapshot, options: GateOptions): SnapshotGate {
  const now = options.now ?? snapshot.serverNow;
  const releases = snapshot.releases.map((row) => releaseInfo(row, options.rollbackWindowMs, now));
  const byName = new Map(releases.map((info) => [info.release, info]));
  // For each deprecating release, the release that still blocks its contracts (computed once).
  const blockerOf = new Map<string, ReleaseInfo | undefined>();
  const blocker = (r: ReleaseInfo): ReleaseInfo | undefined => {
    if (!blockerOf.has(r.release)) {
      const found = releases.filter((q) => blocksContractOf(q, r)).sort((a, b) => BLOCKER_RANK[a.state] - BLOCKER_RANK[b.state] || b.order - a.order)[0];
      blockerOf.set(r.release, found);
    }
    return blockerOf.get(r.release);
  };
  const deprecationsOf = new Map<string, LedgerSnapshot['deprecations']>();
  for (const deprecation of snapshot.deprecations) {
    const list = deprecationsOf.get(deprecation.object) ?? [];
    list.push(deprecation);
    deprecationsOf.set(deprecation.object, list);
  }

  const attempt = (object: string, deprecation: LedgerSnapshot['deprecations'][number], via: string): Attempt => {
    const release = byName.get(deprecation.release);
    const at = `deprecated at release ${deprecation.release}${via}`;
    if (!release || release.shippedAt === null) {
      return {
        kind: 'unshipped',
        reason: `${object} is ${at}, but ${deprecation.release} has not shipped yet (run "bgmigrate release ship ${deprecation.release}" when it serves traffic)`,
      };
    }
    const q = blocker(release);
    if (q) {
      const retire = `"bgmigrate release retire ${q.release} --reason <why>"`;
      const reason =
        q.state === 'live'
          ? `release ${q.release} still uses ${object} and is live`
          : q.state === 'standby'
            ? `release ${q.release} still uses ${object} and is a rollback target until it is retired or until ${formatInstant(q.rollbackTargetUntil!, 'up')}`
            : q.state === 'rolled-back'
              ? `release ${q.release} was rolled back but may still be deployed again, and it may use ${object}: retire it (${retire}) once it never will`
              : `release ${q.release} is deployed but has not shipped, and it may be built from code that still uses ${object}: ship it (a release that ships after ${release.release} does not block) or retire it (${retire})`;
      return { kind: 'blocked', reason };
    }
    return {
      kind: 'allowed',
      reason: `${object} is ${at}, which has shipped, and no release that shipped before it (or never shipped) can receive traffic`,
      allowedBy: release.release,
    };
  };

  const judge = (effect: Effect): LedgerVerdict => {
    if (effect.class !== 'contract') return { allowed: true, reason: `${effect.kind} is not a contract effect` };
    const object = effect.object;
    const table = effect.table && effect.table !== object ? effect.table : undefined;
    const candidates: [LedgerSnapshot['deprecations'][number], string][] = [
      ...(deprecationsOf.get(object) ?? []).map((d) => [d, ''] as [typeof d, string]),
      ...(table ? (deprecationsOf.get(table) ?? []).map((d) => [d, ` (via its table ${table})`] as [typeof d, string]) : []),
    ];
    if (candidates.length === 0) {
      const missing = snapshot.version === 0 ? ` (the ledger in schema "${snapshot.schema}" does not exist yet)` : '';
      return {
        allowed: false,
        reason:
          `no deprecation of ${object}${table ? ` or of its table ${table}` : ''} is recorded in the ledger${missing}: ` +
          `deprecate it in the release that stops using it ("-- bgmigrate: deprecates ${object}" in a migration applied with that release, ` +
          `or "bgmigrate ledger deprecate ${object} --release <release>")`,
      };
    }
    const attempts = candidates.map(([deprecation, via]) => attempt(object, deprecation, via));
    const allowed = attempts.find((a) => a.kind === 'allowed');
    if (allowed?.kind === 'allowed') return { allowed: true, reason: allowed.reason, allowedBy: allowed.allowedBy };
    const best = attempts.find((a) => a.kind === 'blocked') ?? attempts[0];
    return { allowed: false, reason: best.reason };
  };

  return {
    judge,
    snapshot,
    releases,
    drift: (files) => snapshot.drift ?? verifyChecksums(snapshot.applied, files ?? []),
  };
}
