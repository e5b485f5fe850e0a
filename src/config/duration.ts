import { UsageError } from '../errors.js';

/** PostgreSQL's time units (as in postgresql.conf), in milliseconds. */
const UNITS: Record<string, number> = {
  us: 0.001,
  ms: 1,
  s: 1000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * Parses a duration written with PostgreSQL's units (`200ms`, `2s`, `1min`, `24h`, `1d`) into
 * milliseconds. A bare number means milliseconds, as `lock_timeout = 2000` does.
 *
 * @example parseDuration('2s') === 2000
 */
export function parseDuration(text: string | number, what = 'duration'): number {
  if (typeof text === 'number') {
    if (Number.isFinite(text) && text >= 0) return text;
    throw new UsageError(`${what}: expected a non-negative duration, got ${text}`);
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?\s*$/.exec(text);
  if (!match) {
    throw new UsageError(
      `${what}: cannot read "${text}" as a duration; use PostgreSQL's units, e.g. 200ms, 2s, 1min, 24h`,
    );
  }
  return Number(match[1]) * UNITS[match[2] ?? 'ms'];
}

/** The largest `lock_timeout` / `statement_timeout` PostgreSQL accepts: 2^31 - 1 ms (about 24.8 days). */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/** A duration that becomes a PostgreSQL timeout setting: refused past what the server accepts. */
export function parseTimeout(text: string | number, what: string): number {
  const ms = parseDuration(text, what);
  if (ms > MAX_TIMEOUT_MS) {
    throw new UsageError(`${what}: ${typeof text === 'number' ? `${text}ms` : text} is longer than PostgreSQL allows for a timeout (${formatDuration(MAX_TIMEOUT_MS - (MAX_TIMEOUT_MS % 3_600_000))}, about 24 days)`);
  }
  return Math.round(ms);
}

/** Formats milliseconds the way PostgreSQL's `SET lock_timeout` accepts them. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms >= 3_600_000) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms >= 60_000) return `${ms / 60_000}min`;
  if (ms % 1000 === 0 && ms >= 1000) return `${ms / 1000}s`;
  return `${Math.round(ms)}ms`;
}
