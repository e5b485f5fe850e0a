/**
 * The one place that loads libpg-query (PostgreSQL's own parser, compiled to WASM).
 *
 * It calls the WASM exports directly instead of through the package's `parseSync`: that wrapper
 * encodes the input and finds the end of the output one character at a time in JavaScript,
 * which cost as much as the parse itself on the corpus. Here the file's bytes are copied into
 * WASM memory as they are, and the JSON comes back through one native decode.
 */
import { createRequire } from 'node:module';
import * as v8 from 'node:v8';

/** The emscripten module's members this binding uses. */
interface PgQueryWasm {
  HEAPU8: Uint8Array;
  HEAPU32: Uint32Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  _wasm_parse_query_raw(query: number): number;
  _wasm_free_parse_result(result: number): void;
  _wasm_parse_plpgsql(query: number): number;
  _wasm_scan(query: number): number;
  _wasm_free_string(ptr: number): void;
}

let loading: Promise<void> | undefined;
let wasm: PgQueryWasm | undefined;

/**
 * Loads the WASM parser once per process. `--liftoff-only` must be set before the module is
 * compiled: without it the process stalls at exit on V8's background tier-up (docs/contributing.md, "Toolchain notes").
 */
export function loadParser(): Promise<void> {
  if (!loading) {
    v8.setFlagsFromString('--liftoff-only');
    // The emscripten factory itself: the package's index also loads @pgsql/types and starts a
    // second instance on import, which a lint run does not need.
    const factory = createRequire(import.meta.url)('libpg-query/wasm/libpg-query.js') as () => Promise<PgQueryWasm>;
    loading = factory().then((m) => {
      wasm = m;
    });
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

function loaded(): PgQueryWasm {
  if (!wasm) throw new Error('the SQL parser is not loaded: call loadParser() first');
  return wasm;
}

/** Copies the UTF-8 of `sql` into WASM memory, NUL-terminated; the caller frees it. */
function input(m: PgQueryWasm, sql: string | Uint8Array): number {
  if (typeof sql === 'string') {
    const bytes = Buffer.byteLength(sql, 'utf8');
    const ptr = m._malloc(bytes + 1);
    const heap = m.HEAPU8;
    Buffer.from(heap.buffer, heap.byteOffset, heap.byteLength).write(sql, ptr, bytes, 'utf8');
    heap[ptr + bytes] = 0;
    return ptr;
  }
  const ptr = m._malloc(sql.length + 1);
  const heap = m.HEAPU8;
  heap.set(sql, ptr);
  heap[ptr + sql.length] = 0;
  return ptr;
}

/** The NUL-terminated UTF-8 string at `ptr`. */
function output(m: PgQueryWasm, ptr: number): string {
  if (!ptr) return '';
  const heap = m.HEAPU8;
  const end = heap.indexOf(0, ptr);
  return Buffer.from(heap.buffer, heap.byteOffset + ptr, (end < 0 ? heap.length : end) - ptr).toString('utf8');
}

/**
 * Parses SQL; `sql` may be the UTF-8 bytes of the text (offsets in the result are byte offsets
 * either way). A syntax error comes back as `error`, never thrown.
 */
export function parseSql(sql: string | Uint8Array): { stmts: RawStmt[] } | { error: ParserFailure } {
  if (sql.length === 0) return { error: { message: 'Query cannot be empty', cursor: 0 } };
  const m = loaded();
  const queryPtr = input(m, sql);
  let resultPtr = 0;
  try {
    resultPtr = m._wasm_parse_query_raw(queryPtr);
    if (!resultPtr) return { error: { message: 'Failed to parse query: memory allocation failed', cursor: 0 } };
    // PgQueryParseResult { char *parse_tree; char *stderr_buffer; PgQueryError *error }
    const words = m.HEAPU32;
    const treePtr = words[resultPtr >> 2];
    const errorPtr = words[(resultPtr + 8) >> 2];
    if (errorPtr) {
      // PgQueryError { char *message; char *funcname; char *filename; int lineno; int cursorpos }
      const messagePtr = words[errorPtr >> 2];
      const cursorpos = m.HEAPU32[(errorPtr + 16) >> 2] | 0;
      return { error: { message: messagePtr ? output(m, messagePtr) : 'Unknown error', cursor: cursorpos > 0 ? cursorpos - 1 : 0 } };
    }
    if (!treePtr) return { error: { message: 'No parse tree generated', cursor: 0 } };
    const r = JSON.parse(output(m, treePtr)) as { stmts?: RawStmt[] };
    return { stmts: r.stmts ?? [] };
  } catch (e) {
    return { error: { message: e instanceof Error ? e.message : String(e), cursor: 0 } };
  } finally {
    m._free(queryPtr);
    if (resultPtr) m._wasm_free_parse_result(resultPtr);
  }
}

export function parsePlpgsql(sql: string): { funcs: unknown[] } | { error: ParserFailure } {
  const m = loaded();
  const queryPtr = input(m, sql);
  let resultPtr = 0;
  try {
    resultPtr = m._wasm_parse_plpgsql(queryPtr);
    const text = output(m, resultPtr);
    // Success is always a JSON object; anything else is an error message.
    if (!text.startsWith('{')) return { error: { message: text, cursor: 0 } };
    const r = JSON.parse(text) as { plpgsql_funcs?: unknown[] };
    return { funcs: r.plpgsql_funcs ?? [] };
  } catch (e) {
    return { error: { message: e instanceof Error ? e.message : String(e), cursor: 0 } };
  } finally {
    m._free(queryPtr);
    if (resultPtr) m._wasm_free_string(resultPtr);
  }
}

export interface Token {
  start: number;
  end: number;
  text: string;
  tokenName: string;
}

export function scanSql(sql: string): Token[] | undefined {
  const m = loaded();
  const queryPtr = input(m, sql);
  let resultPtr = 0;
  try {
    resultPtr = m._wasm_scan(queryPtr);
    const text = output(m, resultPtr);
    if (text.startsWith('syntax error') || text.startsWith('deparse error') || text.startsWith('ERROR')) return undefined;
    return (JSON.parse(text) as { tokens: Token[] }).tokens;
  } catch {
    return undefined;
  } finally {
    m._free(queryPtr);
    if (resultPtr) m._wasm_free_string(resultPtr);
  }
}
