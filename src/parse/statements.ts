/**
 * SQL text → top-level statements with exact spans, the comments between them, and the
 * static SQL inside `DO` blocks.
 */
import type { Span } from '../model.js';
import { parsePlpgsql, parseSql, scanSql, type RawStmt, type Token } from './parser.js';
import { SourceText } from './source.js';

/** One statement as the parser saw it, before analysis. */
export interface ParsedStatement {
  /** 0-based position among the file's top-level statements (DO children share their DO's). */
  index: number;
  /** libpg-query node type, e.g. `AlterTableStmt`. */
  kind: string;
  /** The node's body: the value under `kind` in libpg-query's JSON. */
  node: Record<string, unknown>;
  /** Source text of the statement (for DO children: the static SQL inside the block). */
  text: string;
  span: Span;
  /** Byte offsets in the file: [start, end). */
  start: number;
  end: number;
  /** The statement is static SQL inside a `DO` block. */
  inDoBlock: boolean;
  /** A DO block whose body runs COMMIT or ROLLBACK: it commits part of its work as it goes. */
  commits?: boolean;
  /**
   * Set on a pseudo-statement for `EXECUTE` of a computed string inside a DO block: the
   * expression executed. Its `kind` is `DynamicExecute`.
   */
  dynamicSql?: string;
}

export interface ParseProblem {
  message: string;
  span: Span;
}

export interface Comment {
  text: string;
  start: number;
  end: number;
  span: Span;
}

export interface SplitResult {
  statements: ParsedStatement[];
  comments: Comment[];
  /** Syntax errors: the file's own, and those of DO-block bodies. */
  problems: ParseProblem[];
}

/** Splits and parses a file. Never throws on bad SQL: errors come back as `problems`. */
export function splitStatements(source: SourceText): SplitResult {
  const problems: ParseProblem[] = [];
  // Scanning costs as much as a tenth of the parse: only files that mention bgmigrate can hold
  // a directive, and other comments only matter at statement edges (see trimRange).
  let scanned: Token[] | undefined | null = null;
  const tokens = () => (scanned === null ? (scanned = scanSql(source.text)) : scanned);
  const comments: Comment[] = [];
  if (source.text.includes('bgmigrate')) {
    for (const t of tokens() ?? []) {
      if (t.tokenName === 'SQL_COMMENT' || t.tokenName === 'C_COMMENT') {
        comments.push({ text: t.text, start: t.start, end: t.end, span: spanOf(source, t.start, t.end) });
      }
    }
  }
  if (source.text.trim() === '') return { statements: [], comments, problems };

  let raw: RawStmt[] = [];
  const parsed = parseInChunks(source.bytes) ?? parseSql(source.bytes);
  if ('error' in parsed) {
    const at = source.byteOfChar(parsed.error.cursor);
    problems.push({ message: parsed.error.message, span: pointSpan(source, at) });
    // Statements before the failing one are still analysed; nothing after it is.
    const cut = lastSemicolonBefore(tokens(), at);
    if (cut > 0) {
      const prefix = parseSql(source.bytes.subarray(0, cut));
      if ('stmts' in prefix) raw = prefix.stmts;
    }
  } else {
    raw = parsed.stmts;
  }

  const statements: ParsedStatement[] = [];
  raw.forEach((r, index) => {
    const [kind, node] = unwrap(r.stmt);
    const loc = r.stmt_location ?? 0;
    const len = r.stmt_len ?? 0;
    const [start, end] = trimRange(source, loc, len === 0 ? source.bytes.length : loc + len);
    const stmt: ParsedStatement = {
      index,
      kind,
      node,
      text: source.slice(start, end),
      span: spanOf(source, start, end),
      start,
      end,
      inDoBlock: false,
    };
    statements.push(stmt);
    if (kind === 'DoStmt') statements.push(...expandDoBlock(source, stmt, problems));
  });
  return { statements, comments, problems };
}

/** Files above this size are parsed a piece at a time (see {@link parseInChunks}). */
const CHUNKED_ABOVE = 1 << 20;
const CHUNK_BYTES = 256 << 10;

/**
 * A large file parsed in pieces of about 256 KB cut at top-level semicolons, so that the parser's
 * memory (which never shrinks) and its JSON output stay small and the time stays linear in the
 * file's size. Offsets are shifted back to the file's. Returns undefined for small files, and
 * when any piece does not parse on its own (the whole file is then parsed at once, so that a
 * syntax error is reported where it really is).
 */
function parseInChunks(bytes: Buffer): { stmts: RawStmt[] } | undefined {
  if (bytes.length <= CHUNKED_ABOVE) return undefined;
  const cuts = topLevelSemicolons(bytes);
  if (!cuts) return undefined;
  const stmts: RawStmt[] = [];
  let start = 0;
  let i = 0;
  while (start < bytes.length) {
    // The next cut at least CHUNK_BYTES on (or the end of the file).
    while (i < cuts.length && cuts[i] - start < CHUNK_BYTES) i++;
    const end = i < cuts.length ? cuts[i++] : bytes.length;
    const piece = bytes.subarray(start, end);
    if (piece.some((b) => !isSpace(b))) {
      const parsed = parseSql(piece);
      if ('error' in parsed) return undefined;
      for (const r of parsed.stmts) {
        const loc = r.stmt_location ?? 0;
        if (start > 0) shiftLocations(r.stmt, start);
        stmts.push({ stmt: r.stmt, stmt_location: start + loc, stmt_len: r.stmt_len || piece.length - loc });
      }
    }
    start = end;
  }
  return { stmts };
}

/** Adds `by` to every node `location` in a parse tree (iteratively: trees can be deep). */
function shiftLocations(root: unknown, by: number): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (!v || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (const x of v) if (x && typeof x === 'object') stack.push(x);
      continue;
    }
    const o = v as Record<string, unknown>;
    for (const k in o) {
      const x = o[k];
      if (k === 'location' && typeof x === 'number' && x >= 0) o[k] = x + by;
      else if (x && typeof x === 'object') stack.push(x);
    }
  }
}

/**
 * Byte offsets just after each `;` outside strings, quoted identifiers, dollar quotes, comments
 * and parentheses; undefined when the text ends inside one of those.
 */
function topLevelSemicolons(b: Buffer): number[] | undefined {
  const out: number[] = [];
  const n = b.length;
  let depth = 0;
  const identChar = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c >= 0x80;
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c === 0x2d && b[i + 1] === 0x2d) {
      while (i < n && b[i] !== 0x0a) i++;
    } else if (c === 0x2f && b[i + 1] === 0x2a) {
      let nest = 1;
      i += 2;
      while (i < n && nest > 0) {
        if (b[i] === 0x2f && b[i + 1] === 0x2a) (nest++, (i += 2));
        else if (b[i] === 0x2a && b[i + 1] === 0x2f) (nest--, (i += 2));
        else i++;
      }
      if (nest > 0) return undefined;
      i--;
    } else if (c === 0x27 || c === 0x22) {
      // '…' ('' inside), E'…' (backslash escapes too), "…" ("" inside).
      const escapes = c === 0x27 && i > 0 && (b[i - 1] === 0x45 || b[i - 1] === 0x65) && (i < 2 || !identChar(b[i - 2]));
      i++;
      for (;;) {
        if (i >= n) return undefined;
        if (escapes && b[i] === 0x5c) i += 2;
        else if (b[i] === c && b[i + 1] === c) i += 2;
        else if (b[i] === c) break;
        else i++;
      }
    } else if (c === 0x24 && (i === 0 || !identChar(b[i - 1]))) {
      // $tag$ … $tag$ (a tag cannot start with a digit: $1 is a parameter).
      let j = i + 1;
      if (j < n && b[j] !== 0x24 && !(identChar(b[j]) && !(b[j] >= 0x30 && b[j] <= 0x39))) continue;
      while (j < n && b[j] !== 0x24 && identChar(b[j])) j++;
      if (b[j] !== 0x24) continue;
      const tag = b.subarray(i, j + 1);
      const close = b.indexOf(tag, j + 1);
      if (close < 0) return undefined;
      i = close + tag.length - 1;
    } else if (c === 0x28) depth++;
    else if (c === 0x29) depth--;
    else if (c === 0x3b && depth === 0) out.push(i + 1);
  }
  return out;
}

/** The node type and body of a `{ KindName: body }` wrapper. */
export function unwrap(wrapper: Record<string, unknown>): [string, Record<string, unknown>] {
  const kind = Object.keys(wrapper)[0] ?? 'Unknown';
  return [kind, (wrapper[kind] ?? {}) as Record<string, unknown>];
}

export function spanOf(source: SourceText, start: number, end: number): Span {
  const a = source.positionOfByte(start);
  const b = source.positionOfByte(end);
  return { line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
}

function pointSpan(source: SourceText, at: number): Span {
  const a = source.positionOfByte(at);
  return { line: a.line, column: a.column, endLine: a.line, endColumn: a.column };
}

function lastSemicolonBefore(tokens: Token[] | undefined, at: number): number {
  let cut = 0;
  for (const t of tokens ?? []) {
    if (t.start >= at) break;
    if (t.text === ';') cut = t.end;
  }
  return cut;
}

const isComment = (t: Token) => t.tokenName === 'SQL_COMMENT' || t.tokenName === 'C_COMMENT';

/**
 * Narrows [start, end) to the statement's first and last real token: no blanks, no comments.
 * PostgreSQL already starts a statement at its first token; the end can carry comments (the
 * last statement runs to the end of the file), which only a scan of that text tells apart.
 */
function trimRange(source: SourceText, start: number, end: number): [number, number] {
  let s = start;
  let e = end;
  while (s < e && isSpace(source.bytes[s])) s++;
  while (e > s && (isSpace(source.bytes[e - 1]) || source.bytes[e - 1] === 0x3b)) e--;
  // Comments before the first token (Prisma writes `-- CreateTable` above each statement) are
  // skipped here. The end is the last token's unless a comment reaches it: only a `--` on the
  // last line or a `/*` anywhere can, and only then is the scanner needed.
  const first = skipLeadingComments(source.bytes, s, e);
  if (first >= 0 && !mayEndInComment(source.bytes, first, e)) return [first, e];
  const text = source.slice(s, e);
  if (!text.includes('--') && !text.includes('/*')) return [s, e];
  const tokens = scanSql(text);
  if (!tokens) return [s, e];
  const real = tokens.filter((t) => !isComment(t));
  while (real.length > 0 && real[real.length - 1].text === ';') real.pop();
  if (real.length === 0) return [s, e];
  return [s + real[0].start, s + real[real.length - 1].end];
}

const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0c;

/**
 * The offset of the first byte after the blanks and comments that start [from, end), or -1 when
 * the comments there are not the plain kind (unterminated, or anything this does not follow).
 */
function skipLeadingComments(bytes: Buffer, from: number, end: number): number {
  let i = from;
  for (;;) {
    while (i < end && isSpace(bytes[i])) i++;
    if (i + 1 < end && bytes[i] === 0x2d && bytes[i + 1] === 0x2d) {
      // `--` runs to the end of the line.
      while (i < end && bytes[i] !== 0x0a && bytes[i] !== 0x0d) i++;
      if (i >= end) return -1;
    } else if (i + 1 < end && bytes[i] === 0x2f && bytes[i + 1] === 0x2a) {
      // `/* … */` nests in PostgreSQL.
      let depth = 1;
      i += 2;
      while (i < end && depth > 0) {
        if (bytes[i] === 0x2f && bytes[i + 1] === 0x2a) {
          depth++;
          i += 2;
        } else if (bytes[i] === 0x2a && bytes[i + 1] === 0x2f) {
          depth--;
          i += 2;
        } else i++;
      }
      if (depth > 0 || i > end) return -1;
    } else {
      return i < end && bytes[i] >= 0x21 && bytes[i] !== 0x7f ? i : -1;
    }
  }
}

/** A `/*` in [from, end), or a `--` after its last line break (`--` comments stop at one). */
function mayEndInComment(bytes: Buffer, from: number, end: number): boolean {
  for (let i = bytes.indexOf(0x2a, from + 1); i !== -1 && i < end; i = bytes.indexOf(0x2a, i + 1)) if (bytes[i - 1] === 0x2f) return true;
  let line = end;
  while (line > from && bytes[line - 1] !== 0x0a && bytes[line - 1] !== 0x0d) line--;
  for (let i = line; i + 1 < end; i++) if (bytes[i] === 0x2d && bytes[i + 1] === 0x2d) return true;
  return false;
}

// ---- DO blocks -------------------------------------------------------------------------

interface PlStmt {
  type: string;
  body: Record<string, unknown>;
}

/**
 * The static SQL of a `DO` block as statements of their own, spans mapped into the file;
 * `EXECUTE` of a computed string becomes a `DynamicExecute` pseudo-statement.
 */
function expandDoBlock(source: SourceText, stmt: ParsedStatement, problems: ParseProblem[]): ParsedStatement[] {
  const args = (stmt.node.args ?? []) as Record<string, unknown>[];
  let language = 'plpgsql';
  let body: { text: string; location: number } | undefined;
  for (const a of args) {
    const d = (a.DefElem ?? {}) as { defname?: string; arg?: { String?: { sval?: string } }; location?: number };
    if (d.defname === 'language') language = d.arg?.String?.sval ?? language;
    if (d.defname === 'as') body = { text: d.arg?.String?.sval ?? '', location: d.location ?? stmt.start };
  }
  if (!body) return [];
  if (language.toLowerCase() !== 'plpgsql') {
    return [dynamic(stmt, stmt.span, stmt.start, stmt.end, `a DO block in language ${language}`)];
  }
  const pl = parsePlpgsql(stmt.text);
  if ('error' in pl) {
    problems.push({ message: `in DO block: ${pl.error.message}`, span: stmt.span });
    return [];
  }
  // The body string starts right after the opening quote/dollar delimiter at `location`.
  const bodyStart = bodyStartByte(source, body.location, body.text);
  const bodyBytes = Buffer.from(body.text, 'utf8');
  const bodyLineStarts = [0];
  for (let i = 0; i < bodyBytes.length; i++) if (bodyBytes[i] === 0x0a) bodyLineStarts.push(i + 1);

  const out: ParsedStatement[] = [];
  const place = (query: string, lineno: number | undefined, searchFrom: { pos: number }, keyword?: string): [number, number] => {
    const lineIdx = Math.max(0, Math.min((lineno ?? 1) - 1, bodyLineStarts.length - 1));
    const from = Math.max(bodyLineStarts[lineIdx], 0);
    const q = Buffer.from(query, 'utf8');
    let at = bodyStart >= 0 ? bodyBytes.indexOf(q, from) : -1;
    if (at < 0 && bodyStart >= 0) at = bodyBytes.indexOf(q, searchFrom.pos);
    if (bodyStart >= 0 && at >= 0) {
      searchFrom.pos = at + q.length;
      let begin = at;
      if (keyword) {
        // Point at the EXECUTE keyword, not at the expression after it.
        const before = bodyBytes.subarray(bodyLineStarts[lineIdx], at).toString('utf8');
        const m = new RegExp(`${keyword}\\s*$`, 'i').exec(before);
        if (m) begin = at - Buffer.byteLength(before.slice(m.index), 'utf8');
      }
      return [bodyStart + begin, bodyStart + at + q.length];
    }
    return [stmt.start, stmt.end];
  };
  const cursor = { pos: 0 };
  const plStatements = walkPl(pl.funcs);
  if (plStatements.some((s) => s.type === 'PLpgSQL_stmt_commit' || s.type === 'PLpgSQL_stmt_rollback')) stmt.commits = true;
  for (const s of plStatements) {
    if (s.type === 'PLpgSQL_stmt_execsql' || s.type === 'PLpgSQL_stmt_perform') {
      const expr = (s.type === 'PLpgSQL_stmt_execsql' ? s.body.sqlstmt : s.body.expr) as { PLpgSQL_expr?: { query?: string } };
      const query = expr?.PLpgSQL_expr?.query ?? '';
      const [start, end] = place(query, s.body.lineno as number | undefined, cursor);
      const inner = parseSql(query);
      if ('error' in inner) {
        problems.push({ message: `in DO block: ${inner.error.message}`, span: spanOf(source, start, end) });
        continue;
      }
      for (const r of inner.stmts) {
        const [kind, node] = unwrap(r.stmt);
        out.push({ index: stmt.index, kind, node, text: query, span: spanOf(source, start, end), start, end, inDoBlock: true });
      }
    } else if (s.type === 'PLpgSQL_stmt_dynexecute') {
      const expr = ((s.body.query as { PLpgSQL_expr?: { query?: string } })?.PLpgSQL_expr?.query ?? '').trim();
      const [start, end] = place(expr, s.body.lineno as number | undefined, cursor, 'execute');
      const literal = stringLiteral(expr);
      const inner = literal === undefined ? undefined : parseSql(literal);
      if (inner && 'stmts' in inner && inner.stmts.length > 0) {
        // EXECUTE of a constant string is static SQL after all.
        for (const r of inner.stmts) {
          const [kind, node] = unwrap(r.stmt);
          out.push({ index: stmt.index, kind, node, text: literal!, span: spanOf(source, start, end), start, end, inDoBlock: true });
        }
      } else {
        out.push(dynamic(stmt, spanOf(source, start, end), start, end, expr));
      }
    } else if (s.type === 'PLpgSQL_stmt_dynfors' || s.type === 'PLpgSQL_stmt_open' && s.body.dynquery) {
      const [start, end] = [stmt.start, stmt.end];
      out.push(dynamic(stmt, spanOf(source, start, end), start, end, 'a dynamic query'));
    }
  }
  return out;
}

function dynamic(parent: ParsedStatement, span: Span, start: number, end: number, expr: string): ParsedStatement {
  return { index: parent.index, kind: 'DynamicExecute', node: {}, text: expr, span, start, end, inDoBlock: true, dynamicSql: expr };
}

/**
 * Every PL/pgSQL statement in a parse tree, in source order, nested blocks included. Iterative:
 * thousands of nested blocks must not exhaust the call stack.
 */
function walkPl(root: unknown): PlStmt[] {
  const out: PlStmt[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push(v[i]);
      continue;
    }
    if (!v || typeof v !== 'object') continue;
    const entries = Object.entries(v as Record<string, unknown>);
    // Children are visited after the statement itself, in their written order.
    const children: unknown[] = [];
    for (const [k, body] of entries) {
      if (k.startsWith('PLpgSQL_stmt_') && body && typeof body === 'object') out.push({ type: k, body: body as Record<string, unknown> });
      if (body && typeof body === 'object') children.push(body);
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return out;
}

/** The byte offset in the file where the DO body string begins, or -1 if not found. */
function bodyStartByte(source: SourceText, location: number, bodyText: string): number {
  const rest = source.bytes.subarray(location);
  if (rest[0] === 0x24 /* $ */) {
    const close = rest.indexOf(0x24, 1);
    return close < 0 ? -1 : location + close + 1;
  }
  if (rest[0] === 0x27 /* ' */) {
    // Quoted body: offsets inside shift where quotes are doubled; map only if none are.
    return bodyText.includes("'") ? -1 : location + 1;
  }
  if ((rest[0] === 0x45 || rest[0] === 0x65) && rest[1] === 0x27) return bodyText.includes("'") || bodyText.includes('\\') ? -1 : location + 2;
  return -1;
}

/** The value of a single SQL string literal (`'…'` or `$$…$$`), if `expr` is exactly one. */
function stringLiteral(expr: string): string | undefined {
  const m = /^'((?:[^']|'')*)'$/s.exec(expr);
  if (m) return m[1].replace(/''/g, "'");
  const d = /^(\$[A-Za-z_0-9]*\$)([\s\S]*)\1$/.exec(expr);
  if (d && !d[2].includes(d[1])) return d[2];
  return undefined;
}

// ---- routine bodies ----------------------------------------------------------------------

/** One statement of a routine's body, as the analyser reads it when the routine is called. */
export interface BodyStatement {
  kind: string;
  node: Record<string, unknown>;
  text: string;
}

/**
 * What a `CREATE FUNCTION` / `CREATE PROCEDURE` runs when called: its static SQL (LANGUAGE sql,
 * SQL-standard `BEGIN ATOMIC` bodies, PL/pgSQL), or why it cannot be known (another language,
 * `EXECUTE` of a computed string, a body the parsers reject).
 */
export function routineBody(createText: string, node: Record<string, unknown>): { statements: BodyStatement[] } | { unknown: string } {
  if (node.sql_body) {
    const out: BodyStatement[] = [];
    const collect = (v: unknown): void => {
      if (Array.isArray(v)) return v.forEach(collect);
      if (!v || typeof v !== 'object') return;
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.length === 1 && /Stmt$/.test(entries[0][0]) && entries[0][0] !== 'ReturnStmt') {
        out.push({ kind: entries[0][0], node: entries[0][1] as Record<string, unknown>, text: '' });
        return;
      }
      if (entries.length === 1 && entries[0][0] === 'ReturnStmt') {
        out.push({ kind: 'SelectStmt', node: { targetList: [{ ResTarget: { val: (entries[0][1] as Record<string, unknown>).returnval } }] }, text: '' });
        return;
      }
      for (const [, x] of entries) collect(x);
    };
    collect(node.sql_body);
    return { statements: out };
  }
  let language = 'sql';
  let body: string | undefined;
  for (const o of (node.options ?? []) as Record<string, unknown>[]) {
    const d = (o.DefElem ?? {}) as { defname?: string; arg?: unknown };
    if (d.defname === 'language') language = String((d.arg as { String?: { sval?: string } })?.String?.sval ?? language).toLowerCase();
    if (d.defname === 'as') {
      const list = ((d.arg as { List?: { items?: unknown[] } })?.List?.items ?? []) as { String?: { sval?: string } }[];
      body = list[0]?.String?.sval;
    }
  }
  if (body === undefined) return { unknown: 'its body is not SQL text' };
  if (language === 'sql') {
    const parsed = parseSql(body);
    if ('error' in parsed) return { unknown: `its body does not parse: ${parsed.error.message}` };
    return { statements: parsed.stmts.map((r) => {
      const [kind, n] = unwrap(r.stmt);
      return { kind, node: n, text: body! };
    }) };
  }
  if (language !== 'plpgsql') return { unknown: `it is written in ${language}` };
  const pl = parsePlpgsql(createText);
  if ('error' in pl) return { unknown: `its body does not parse: ${pl.error.message}` };
  const out: BodyStatement[] = [];
  for (const s of walkPl(pl.funcs)) {
    if (s.type === 'PLpgSQL_stmt_execsql' || s.type === 'PLpgSQL_stmt_perform') {
      const expr = (s.type === 'PLpgSQL_stmt_execsql' ? s.body.sqlstmt : s.body.expr) as { PLpgSQL_expr?: { query?: string } };
      const query = expr?.PLpgSQL_expr?.query ?? '';
      const inner = parseSql(s.type === 'PLpgSQL_stmt_perform' && !/^\s*select\b/i.test(query) ? `SELECT ${query}` : query);
      if ('error' in inner) return { unknown: `a statement in its body does not parse: ${inner.error.message}` };
      for (const r of inner.stmts) {
        const [kind, n] = unwrap(r.stmt);
        out.push({ kind, node: n, text: query });
      }
    } else if (s.type === 'PLpgSQL_stmt_dynexecute') {
      const expr = ((s.body.query as { PLpgSQL_expr?: { query?: string } })?.PLpgSQL_expr?.query ?? '').trim();
      const literal = stringLiteral(expr);
      const inner = literal === undefined ? undefined : parseSql(literal);
      if (!inner || !('stmts' in inner)) return { unknown: `it runs EXECUTE of a computed string (${expr.slice(0, 60)})` };
      for (const r of inner.stmts) {
        const [kind, n] = unwrap(r.stmt);
        out.push({ kind, node: n, text: literal! });
      }
    } else if (s.type === 'PLpgSQL_stmt_dynfors' || (s.type === 'PLpgSQL_stmt_open' && s.body.dynquery)) {
      return { unknown: 'it runs a query built at run time' };
    }
  }
  return { statements: out };
}
