/**
 * Session settings a migration changes with `SET`, tracked statement by statement: they decide
 * name resolution (search_path) and some verdicts (lock_timeout, TimeZone).
 */

export interface SessionState {
  /** Schemas searched for unqualified names, `$user` removed; first one gets new objects. */
  readonly searchPath: readonly string[];
  /** `lock_timeout` as written in the last `SET`, if any (`'0'` disables it). */
  readonly lockTimeout?: string;
  readonly statementTimeout?: string;
  /** `TimeZone` as set in the file, if any. */
  readonly timeZone?: string;
}

export const DEFAULT_SESSION: SessionState = { searchPath: ['public'] };

/** The session after a `SET`/`RESET` (`value` undefined = reset to default). */
export function applySetting(state: SessionState, name: string, value: string | undefined): SessionState {
  switch (name.toLowerCase()) {
    case 'search_path': {
      if (value === undefined) return { ...state, searchPath: DEFAULT_SESSION.searchPath };
      const path = value
        .split(',')
        .map((s) => s.trim())
        .map((s) => (s.startsWith('"') ? s.slice(1, -1) : s.toLowerCase()))
        .filter((s) => s !== '' && s !== '$user');
      return { ...state, searchPath: path.length > 0 ? path : ['public'] };
    }
    case 'lock_timeout':
      return { ...state, lockTimeout: value };
    case 'statement_timeout':
      return { ...state, statementTimeout: value };
    case 'timezone':
    case 'time zone':
      return { ...state, timeZone: value };
    default:
      return state;
  }
}
