/**
 * Release states derived from the event history, and the rollback window applied to them.
 * Pure functions and plain SQL text: no Kysely, so the read-only gate stays fast to load.
 */
import type { LedgerOptions, ReleaseColor, ReleaseState } from './ddl.js';

/** Raw per-release facts read in one query; the window is applied later. */
export interface ReleaseRow {
  release: string;
  /** Position in the order releases became known to the ledger; "older" means a smaller order. */
  order: number;
  /** The state of the latest event. */
  state: ReleaseState;
  /** Color it last served as (`ship --color`, or alternating), if known. */
  color: ReleaseColor | null;
  registeredAt: Date;
  deployedAt: Date | null;
  /** First time it went live. */
  shippedAt: Date | null;
  /** Latest time it went live. */
  liveAt: Date | null;
  /** When it last stopped serving (its latest `standby` event). */
  standbyAt: Date | null;
  /** When it was retired by command. */
  retiredAt: Date | null;
  rolledBackAt: Date | null;
}

/** A release as the ledger knows it, derived from its events, with the rollback window applied. */
export interface ReleaseInfo extends ReleaseRow {
  /** When it was retired by command, or (standby past the window) when the window ended. */
  retiredAt: Date | null;
  /** A standby's rollback window end (`standbyAt` + window); null for other states. */
  rollbackTargetUntil: Date | null;
  /** A standby whose window has passed: it counts as retired. */
  retiredByWindow: boolean;
}

/** One recorded state change. */
export interface ReleaseEvent {
  release: string;
  state: ReleaseState;
  color: ReleaseColor | null;
  at: Date;
  by: string;
}

/** Options of the functions that need the rollback window. */
export interface WindowOptions extends LedgerOptions {
  /** How long a standby stays a rollback target (config `ledger.rollbackWindow`, default 24 h). */
  rollbackWindowMs: number;
  /** The current time; default the database server's `now()`. */
  now?: Date;
}

/**
 * SQL for every release's facts as ONE json value (oldest first): a single pass over the event
 * history, returned as one field so the driver parses one JSON text instead of thousands of
 * fields and timestamps.
 */
export function releaseRowsSql(schema: string): string {
  const releases = `"${schema}".releases`;
  const events = `"${schema}".release_events`;
  return `(
    SELECT coalesce(json_agg(json_build_array(
             x.release, x.seq, x.created_at, x.state, x.color, x.deployed_at, x.shipped_at,
             x.live_at, x.standby_at, x.retired_at, x.rolled_back_at) ORDER BY x.seq), '[]')
    FROM (
      SELECT r.release, r.seq, r.created_at,
             (array_agg(e.state ORDER BY e.seq DESC))[1] AS state,
             (array_agg(e.color ORDER BY e.seq DESC) FILTER (WHERE e.state = 'live' AND e.color IS NOT NULL))[1] AS color,
             min(e.at) FILTER (WHERE e.state = 'deployed') AS deployed_at,
             min(e.at) FILTER (WHERE e.state = 'live') AS shipped_at,
             max(e.at) FILTER (WHERE e.state = 'live') AS live_at,
             max(e.at) FILTER (WHERE e.state = 'standby') AS standby_at,
             max(e.at) FILTER (WHERE e.state = 'retired') AS retired_at,
             max(e.at) FILTER (WHERE e.state = 'rolled-back') AS rolled_back_at
      FROM ${releases} r LEFT JOIN ${events} e ON e.release = r.release
      GROUP BY r.release, r.seq, r.created_at
    ) x
  )`;
}

/** One release as {@link releaseRowsJson} returns it. */
export type ReleaseJson = [
  release: string,
  seq: number | string,
  createdAt: string,
  state: ReleaseState | null,
  color: ReleaseColor | null,
  deployedAt: string | null,
  shippedAt: string | null,
  liveAt: string | null,
  standbyAt: string | null,
  retiredAt: string | null,
  rolledBackAt: string | null,
];

const date = (text: string | null): Date | null => (text === null ? null : new Date(text));

/** Decodes {@link releaseRowsJson}'s value. */
export function decodeReleaseRows(rows: readonly ReleaseJson[]): ReleaseRow[] {
  return rows.map(([release, seq, createdAt, state, color, deployedAt, shippedAt, liveAt, standbyAt, retiredAt, rolledBackAt]) => ({
    release,
    order: Number(seq),
    state: state ?? 'deployed',
    color,
    registeredAt: new Date(createdAt),
    deployedAt: date(deployedAt),
    shippedAt: date(shippedAt),
    liveAt: date(liveAt),
    standbyAt: date(standbyAt),
    retiredAt: date(retiredAt),
    rolledBackAt: date(rolledBackAt),
  }));
}

/** Applies the rollback window to raw facts. */
export function releaseInfo(row: ReleaseRow, rollbackWindowMs: number, now: Date): ReleaseInfo {
  let rollbackTargetUntil: Date | null = null;
  let retiredByWindow = false;
  let retiredAt = row.state === 'retired' ? row.retiredAt : null;
  if (row.state === 'standby' && row.standbyAt) {
    rollbackTargetUntil = new Date(row.standbyAt.getTime() + rollbackWindowMs);
    if (now.getTime() >= rollbackTargetUntil.getTime()) {
      retiredByWindow = true;
      retiredAt = rollbackTargetUntil;
    }
  }
  return { ...row, retiredAt, rollbackTargetUntil, retiredByWindow };
}

/**
 * An instant as users read it: ISO 8601 in UTC to the second (`2026-11-27T10:00:00Z`). Deadlines
 * round up, so that acting at the printed time is never too early; past events round down.
 */
export function formatInstant(date: Date, round: 'down' | 'up' = 'down'): string {
  const ms = round === 'up' ? Math.ceil(date.getTime() / 1000) * 1000 : Math.floor(date.getTime() / 1000) * 1000;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
