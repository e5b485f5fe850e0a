/**
 * The one place that loads libpg-query (PostgreSQL's own parser, compiled to WASM).
 */
import * as v8 from 'node:v8';
import * as pg from 'libpg-query';

let loading: Promise<void> | undefined;

/**
 * Loads the WASM parser once per process. `--liftoff-only` must be set before the module is
 * compiled: without it the process stalls at exit on V8's background tier-up (TOOLCHAIN.md).
 */
export function loadParser(): Promise<void> {
  if (!loading) {
    v8.setFlagsFromString('--liftoff-only');
    loading = pg.loadModule();
  }
  return loading;
}

/** A parser failure with PostgreSQL's message and a 0-based character offset into the input. */
export interface ParserFailure {
  message: string;
  /** 0-based character (code point) index into the parsed string. */
  cursor: number;
}

export type RawStmt = { stmt: Record<string, unknown>; stmt_location?: number; stmt_len?: number };

export function parseSql(sql: string): { stmts: RawStmt[] } | { error: ParserFailure } {
  try {
    const r = pg.parseSync(sql) as unknown as { stmts?: RawStmt[] };
    return { stmts: r.stmts ?? [] };
  } catch (e) {
    return { error: failure(e) };
  }
}

export function parsePlpgsql(sql: string): { funcs: unknown[] } | { error: ParserFailure } {
  try {
    const r = pg.parsePlPgSQLSync(sql) as unknown as { plpgsql_funcs?: unknown[] };
    return { funcs: r.plpgsql_funcs ?? [] };
  } catch (e) {
    return { error: failure(e) };
  }
}

export interface Token {
  start: number;
  end: number;
  text: string;
  tokenName: string;
}

export function scanSql(sql: string): Token[] | undefined {
  try {
    return pg.scanSync(sql).tokens as Token[];
  } catch {
    return undefined;
  }
}

function failure(e: unknown): ParserFailure {
  const details = (e as { sqlDetails?: { message?: string; cursorPosition?: number } }).sqlDetails;
  const message = details?.message ?? (e instanceof Error ? e.message : String(e));
  return { message, cursor: details?.cursorPosition ?? 0 };
}
