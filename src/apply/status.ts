/**
 * `status`: where the database stands against the migrations directory — applied and pending
 * migrations, releases and their states, deprecations, and which pending contract effects the
 * ledger allows right now. Reads only, in one READ ONLY snapshot; never creates the ledger.
 */
import { contractVerdict } from '../contract-verdict.js';
import { targetVersion } from '../config/target-version.js';
import type pg from 'pg';
import type { Config } from '../config/config.js';
import { connect, serverVersion } from '../db/connect.js';
import { appliedMigrations, gateFromSnapshot, listDeprecations, listReleases, readLedgerSnapshot, statementProgress } from '../ledger/index.js';
import type { ReleaseColor, ReleaseState } from '../ledger/index.js';
import { backfillCheckpoints } from '../ledger/backfill-progress.js';
import { lintMigrations } from '../lint.js';
import { readLastPoolCheck, type PoolCheckRecord } from '../pool/check.js';
import type { MigrationFile, Phase } from '../model.js';
import { runnableStatements } from './statements.js';

export interface StatusOptions {
  /** A database URL, or a function returning a connected client (status ends it). */
  database: string | (() => Promise<pg.Client>);
  config: Config;
  /** Every migration of the directory, in migration order. */
  files: MigrationFile[];
  /** PostgreSQL major the linter targets; default the server's. */
  pgVersion?: number;
  /** The clock rollback windows are judged by; default the database server's. */
  now?: Date;
}

export interface MigrationStatus {
  id: string;
  /** Null for an applied migration whose file is gone. */
  path: string | null;
  phase: Phase;
  state: 'applied' | 'pending';
  release: string | null;
  /** ISO 8601; null when pending. */
  appliedAt: string | null;
  /** The ledger's checksum when applied, else the file's. */
  checksum: string;
  /** Applied, but the file changed or is missing (apply refuses until resolved). */
  drift?: 'changed' | 'missing';
  /** A pending no-transaction migration a run left part-way: how many statements are done. */
  doneStatements?: number;
  /** Applied: `apply` ran it, or `ledger baseline` recorded it from another tool's history. */
  source?: 'apply' | 'baseline';
  /** With `baseline`: the tool (`prisma`, `flyway`, …) or `up-to`. */
  baselineFrom?: string;
}

export interface ReleaseStatus {
  release: string;
  /** `retired` also for a standby whose rollback window has passed (it counts as retired). */
  state: ReleaseState;
  shippedAt: string | null;
  retiredAt: string | null;
  /** A standby's rollback window end. */
  rollbackTargetUntil: string | null;
  /** The color it last served as, when known. */
  color: ReleaseColor | null;
}

/** What each color holds: the release that last served as it and that release's state. */
export type ColorStatus = Record<ReleaseColor, { release: string; state: ReleaseState } | null>;

/** One contract effect of a pending migration and the ledger's verdict on it now. */
export interface ContractEffectStatus {
  migration: string;
  path: string;
  line: number;
  column: number;
  effect: string;
  object: string;
  allowed: boolean;
  reason: string;
}

export interface StatusReport {
  ledger: { schema: string; exists: boolean };
  migrations: MigrationStatus[];
  releases: ReleaseStatus[];
  /** Which release each color runs (the live one and its standby), from the ledger. */
  colors: ColorStatus;
  /** Deprecations in force (withdrawn ones are left out). */
  deprecations: { object: string; release: string }[];
  contractEffects: ContractEffectStatus[];
  /** The last pool-budget check `apply --phase expand` ran, or null when none was recorded. */
  lastPoolCheck: PoolCheckRecord | null;
  /** Backfills started by apply: running (not finished) or finished, with their progress. */
  backfills: BackfillStatus[];
}

export interface BackfillStatus {
  migration: string;
  state: 'running' | 'finished';
  keyColumn: string;
  lastKey: string | null;
  rowsDone: number;
  batches: number;
  /** pg_class.reltuples when it started (rows to do, roughly). */
  estimate: number | null;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

/**
 * Reads the status. `status --format json` prints this value (see the README).
 *
 * @example const report = await migrationStatus({ database: url, config, files });
 */
export async function migrationStatus(options: StatusOptions): Promise<StatusReport> {
  const client =
    typeof options.database === 'string'
      ? await connect(options.database, { applicationName: 'bgmigrate status' })
      : await options.database();
  const ledger = { schema: options.config.ledger.schema };
  try {
    const pgVersion = targetVersion({ flag: options.pgVersion, server: await serverVersion(client), config: options.config.pgVersion });
    await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const snapshot = await readLedgerSnapshot(client, { ...ledger, applied: false });
      const window = { ...ledger, rollbackWindowMs: options.config.ledger.rollbackWindowMs, now: options.now ?? snapshot.serverNow };
      const gate = gateFromSnapshot(snapshot, window);
      const applied = await appliedMigrations(client, ledger);
      const releases = await listReleases(client, window);
      const deprecations = await listDeprecations(client, ledger);
      const lastPoolCheck = (await readLastPoolCheck(client, ledger.schema)) ?? null;
      const backfills = await readBackfills(client, ledger.schema);
      const appliedById = new Map(applied.map((m) => [m.id, m]));
      const pending = options.files.filter((f) => !appliedById.has(f.id));
      const progress = new Map<string, number>();
      for (const file of pending) {
        const done = await statementProgress(client, file.id, { ...ledger, checksum: file.checksum });
        if (done.length > 0) progress.set(file.id, new Set(done.map((d) => d.statementIndex)).size);
      }
      await client.query('COMMIT');

      const reports = await lintMigrations(options.files, { pgVersion, rules: options.config.rules, ledger: gate });
      const migrations: MigrationStatus[] = options.files.map((file, i) => {
        const record = appliedById.get(file.id);
        if (record) {
          return {
            id: file.id,
            path: file.path,
            phase: record.phase,
            state: 'applied',
            release: record.release,
            appliedAt: record.appliedAt.toISOString(),
            checksum: record.checksum,
            ...(record.checksum !== file.checksum ? { drift: 'changed' as const } : {}),
            source: record.source,
            ...(record.baselineFrom ? { baselineFrom: record.baselineFrom } : {}),
          };
        }
        return {
          id: file.id,
          path: file.path,
          phase: reports[i].phase,
          state: 'pending',
          release: null,
          appliedAt: null,
          checksum: file.checksum,
          ...(progress.has(file.id) ? { doneStatements: progress.get(file.id) } : {}),
        };
      });
      const onDisk = new Set(options.files.map((f) => f.id));
      for (const record of applied) {
        if (onDisk.has(record.id)) continue;
        migrations.push({
          id: record.id,
          path: null,
          phase: record.phase,
          state: 'applied',
          release: record.release,
          appliedAt: record.appliedAt.toISOString(),
          checksum: record.checksum,
          drift: 'missing',
          source: record.source,
          ...(record.baselineFrom ? { baselineFrom: record.baselineFrom } : {}),
        });
      }

      const releaseStatuses: ReleaseStatus[] = releases.map((r) => ({
        release: r.release,
        state: r.retiredByWindow ? 'retired' : r.state,
        shippedAt: r.shippedAt?.toISOString() ?? null,
        retiredAt: r.retiredAt?.toISOString() ?? null,
        rollbackTargetUntil: r.retiredByWindow ? null : (r.rollbackTargetUntil?.toISOString() ?? null),
        color: r.color,
      }));
      const contractEffects: ContractEffectStatus[] = [];
      options.files.forEach((file, i) => {
        if (appliedById.has(file.id)) return;
        for (const statement of runnableStatements(reports[i])) {
          for (const effect of statement.effects) {
            if (effect.class !== 'contract') continue;
            const verdict = contractVerdict(effect, gate);
            contractEffects.push({
              migration: file.id,
              path: file.path,
              line: statement.line,
              column: statement.column,
              effect: effect.kind,
              object: effect.object,
              allowed: verdict.allowed,
              reason: verdict.reason,
            });
          }
        }
      });

      return {
        ledger: { schema: ledger.schema, exists: snapshot.version > 0 },
        migrations,
        releases: releaseStatuses,
        colors: colorsOf(releaseStatuses, releases),
        deprecations: deprecations.filter((d) => !d.withdrawn).map((d) => ({ object: d.object, release: d.release })),
        contractEffects,
        lastPoolCheck,
        backfills,
      };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The release each color runs: the one that last went live as that color (the live release
 * and, on the other color, its standby or whatever last served there).
 */
function colorsOf(statuses: readonly ReleaseStatus[], releases: readonly { release: string; liveAt: Date | null; color: ReleaseColor | null }[]): ColorStatus {
  const colors: ColorStatus = { blue: null, green: null };
  const latest: Partial<Record<ReleaseColor, number>> = {};
  releases.forEach((r, i) => {
    if (!r.color || !r.liveAt) return;
    if ((latest[r.color] ?? -Infinity) >= r.liveAt.getTime()) return;
    latest[r.color] = r.liveAt.getTime();
    colors[r.color] = { release: r.release, state: statuses[i].state };
  });
  return colors;
}

/** Every backfill checkpoint (ledger v7); empty for an older ledger. */
async function readBackfills(client: pg.ClientBase, schema: string): Promise<BackfillStatus[]> {
  return (await backfillCheckpoints(client, { schema })).map((r) => ({
    migration: r.migrationId,
    state: r.finishedAt ? 'finished' : 'running',
    keyColumn: r.keyColumn,
    lastKey: r.lastKey,
    rowsDone: r.rowsDone,
    batches: r.batches,
    estimate: r.estimate,
    startedAt: r.startedAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
  }));
}
