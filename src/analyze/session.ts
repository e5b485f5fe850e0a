/**
 * The session a migration runs in, tracked statement by statement as PostgreSQL tracks it:
 * `search_path` decides which object an unqualified name means, and `lock_timeout`, `TimeZone`
 * decide some verdicts. Where the analyser cannot know a setting (a `set_config` call whose
 * effect is not statically certain), it says so instead of guessing: an unknown search path
 * makes every unqualified name ambiguous (see `UNKNOWN_SCHEMA` in names.ts).
 *
 * PostgreSQL's rules followed here:
 * - `SET` lasts for the session, unless the transaction it ran in is rolled back (then it is
 *   undone, as is everything since a `SAVEPOINT` on `ROLLBACK TO SAVEPOINT`).
 * - `SET LOCAL` (and `set_config(…, true)`) lasts until the transaction ends, and does nothing
 *   outside a transaction block.
 * - `SET search_path TO a, "B"` names each schema exactly as the parser gives it (quoted or not);
 *   `set_config('search_path', 'a, "B"', …)` reads the string as an identifier list
 *   (unquoted parts lower-cased).
 */

import { readIdentifiers } from '../object-name.js';

/** The settings the analyser follows. */
export interface Settings {
  /** Schemas searched for unqualified names, `$user` removed; the first gets new objects. `null`: unknown. */
  readonly searchPath: readonly string[] | null;
  /** `lock_timeout` as written in the last `SET`, if any (`'0'` disables it). */
  readonly lockTimeout?: string;
  readonly statementTimeout?: string;
  /** `TimeZone` as set in the file, if any. */
  readonly timeZone?: string;
}

/** A transaction (or savepoint) level: what a rollback to it restores. */
interface Level {
  /** `undefined` for the transaction itself; the savepoint's name otherwise. */
  readonly savepoint?: string;
  /** Session-level settings as they were when the level began. */
  readonly saved: Settings;
  /** What was in force then (SET LOCAL included): what a rollback to a savepoint restores. */
  readonly savedEffective: Settings;
}

export interface SessionState {
  /** What the next statement sees (session settings with any `SET LOCAL` on top). */
  readonly searchPath: readonly string[] | null;
  readonly lockTimeout?: string;
  readonly statementTimeout?: string;
  readonly timeZone?: string;
  /** Session-level values (what survives the transaction's end). */
  readonly session: Settings;
  /** Open transaction and savepoints, outermost first; empty outside a transaction block. */
  readonly levels: readonly Level[];
  /** The whole migration runs inside one transaction the runner owns: written BEGIN/COMMIT are not boundaries. */
  readonly runnerTransaction: boolean;
  /** Why the search path is unknown, for messages ("line 3: set_config(…) WHERE …"). */
  readonly searchPathUnknownBecause?: string;
}

const DEFAULT_SETTINGS: Settings = { searchPath: ['public'] };

export const DEFAULT_SESSION: SessionState = session(DEFAULT_SETTINGS, DEFAULT_SETTINGS, [], false);

/** The session a migration starts in: inside the runner's transaction unless it is no-transaction. */
export function initialSession(runnerTransaction: boolean): SessionState {
  return session(DEFAULT_SETTINGS, DEFAULT_SETTINGS, runnerTransaction ? [{ saved: DEFAULT_SETTINGS, savedEffective: DEFAULT_SETTINGS }] : [], runnerTransaction);
}

function session(effective: Settings, sessionLevel: Settings, levels: readonly Level[], runnerTransaction: boolean, because?: string): SessionState {
  const out: SessionState = {
    searchPath: effective.searchPath,
    lockTimeout: effective.lockTimeout,
    statementTimeout: effective.statementTimeout,
    timeZone: effective.timeZone,
    session: sessionLevel,
    levels,
    runnerTransaction,
  };
  return because !== undefined && effective.searchPath === null ? { ...out, searchPathUnknownBecause: because } : out;
}

function effective(state: SessionState): Settings {
  return { searchPath: state.searchPath, lockTimeout: state.lockTimeout, statementTimeout: state.statementTimeout, timeZone: state.timeZone };
}

/** Whether a statement runs inside a transaction block (the runner's or a written BEGIN). */
export function inTransaction(state: SessionState): boolean {
  return state.levels.length > 0;
}

/** How a setting's new value was written. */
export type SettingValue =
  /** `SET x TO a, b`: the parser's arguments, each exact. */
  | { kind: 'args'; args: readonly string[] }
  /** `set_config('x', 'a, b', …)`: one string PostgreSQL parses itself. */
  | { kind: 'string'; text: string }
  /** `SET x TO DEFAULT`, `RESET x`. */
  | { kind: 'default' }
  /** A value the analyser cannot know. */
  | { kind: 'unknown'; because: string };

/** The session after `SET [LOCAL] name …` / `RESET name` / `set_config(name, …, local)`. */
export function applySetting(state: SessionState, name: string, value: SettingValue, local = false): SessionState {
  // SET LOCAL outside a transaction block does nothing (PostgreSQL only warns).
  if (local && !inTransaction(state)) return state;
  const key = name.toLowerCase();
  const write = (settings: Settings): Settings => withSetting(settings, key, value);
  const nextEffective = write(effective(state));
  const nextSession = local ? state.session : write(state.session);
  const because = value.kind === 'unknown' ? value.because : state.searchPathUnknownBecause;
  return session(nextEffective, nextSession, state.levels, state.runnerTransaction, because);
}

/** `RESET ALL` / `DISCARD ALL`. */
export function resetAll(state: SessionState): SessionState {
  return session(DEFAULT_SETTINGS, DEFAULT_SETTINGS, state.levels, state.runnerTransaction);
}

/** A setting the analyser cannot pin (set_config with a computed name): everything it tracks is unknown. */
export function unknownSettings(state: SessionState, because: string): SessionState {
  const unknown = { kind: 'unknown', because } as const;
  let next = state;
  for (const name of ['search_path', 'lock_timeout', 'statement_timeout', 'timezone']) next = applySetting(next, name, unknown);
  return next;
}

function withSetting(s: Settings, key: string, value: SettingValue): Settings {
  switch (key) {
    case 'search_path':
      return { ...s, searchPath: searchPathOf(value) };
    case 'lock_timeout':
      return { ...s, lockTimeout: scalar(value) };
    case 'statement_timeout':
      return { ...s, statementTimeout: scalar(value) };
    case 'timezone':
    case 'time zone':
      return { ...s, timeZone: scalar(value) };
    default:
      return s;
  }
}

/** A scalar setting as written; unknown values are kept as `?` (never a real setting). */
function scalar(value: SettingValue): string | undefined {
  switch (value.kind) {
    case 'args':
      return value.args.join(', ');
    case 'string':
      return value.text;
    case 'default':
      return undefined;
    case 'unknown':
      return '?';
  }
}

function searchPathOf(value: SettingValue): readonly string[] | null {
  switch (value.kind) {
    case 'default':
      return DEFAULT_SETTINGS.searchPath;
    case 'unknown':
      return null;
    case 'args':
      return value.args.filter((s) => s !== '$user');
    case 'string':
      return splitIdentifiers(value.text)?.filter((s) => s !== '$user') ?? null;
  }
}

/**
 * PostgreSQL's reading of an identifier list in a string (`a, "B", c`): unquoted parts are
 * lower-cased, quoted parts kept with `""` unescaped. A malformed list is `null` (unknown).
 */
export function splitIdentifiers(text: string): string[] | null {
  if (text.trim() === '') return [];
  const parts = readIdentifiers(text, ',');
  return Array.isArray(parts) ? parts : null;
}

/** How a transaction statement changes the session. */
export type TransactionStep =
  | { kind: 'begin' }
  | { kind: 'commit' }
  | { kind: 'rollback' }
  | { kind: 'savepoint'; name: string }
  | { kind: 'release'; name: string }
  | { kind: 'rollback-to'; name: string };

/**
 * The session after a transaction statement. Inside the runner's own transaction, written
 * BEGIN/COMMIT are left out by the runner (and a mid-file COMMIT or ROLLBACK is refused), so
 * they do not end anything here; savepoints still work as PostgreSQL runs them.
 */
export function applyTransaction(state: SessionState, step: TransactionStep): SessionState {
  const { levels, runnerTransaction } = state;
  const keep = (nextLevels: readonly Level[]) => session(effective(state), state.session, nextLevels, runnerTransaction, state.searchPathUnknownBecause);
  switch (step.kind) {
    case 'begin':
      return levels.length > 0 ? state : keep([{ saved: state.session, savedEffective: state.session }]);
    case 'commit':
      if (runnerTransaction || levels.length === 0) return state;
      // SET LOCAL ends; session-level SETs stay.
      return session(state.session, state.session, [], false, state.searchPathUnknownBecause);
    case 'rollback': {
      if (runnerTransaction || levels.length === 0) return state;
      const saved = levels[0].saved;
      return session(saved, saved, [], false);
    }
    case 'savepoint':
      return levels.length === 0 ? state : keep([...levels, { savepoint: step.name, saved: state.session, savedEffective: effective(state) }]);
    case 'release': {
      const at = findSavepoint(levels, step.name);
      return at < 0 ? state : keep(levels.slice(0, at));
    }
    case 'rollback-to': {
      const at = findSavepoint(levels, step.name);
      if (at < 0) return state;
      // Restores what was in force at the savepoint; the savepoint itself stays.
      const level = levels[at];
      return session(level.savedEffective, level.saved, levels.slice(0, at + 1), runnerTransaction);
    }
  }
}

function findSavepoint(levels: readonly Level[], name: string): number {
  for (let i = levels.length - 1; i >= 1; i--) if (levels[i].savepoint === name) return i;
  return -1;
}
