/**
 * Migrations written in TypeScript or JavaScript (layouts `kysely`, `node-pg-migrate`, `knex`,
 * `typeorm`): each file's `up` is run against a recording stand-in for the database, with the
 * user's own copy of the library, and the SQL it would have sent becomes what the linter and the
 * runner see.
 *
 * The SQL is laid out so that every statement starts at the line and column of the call in the
 * script that produced it (taken from the call stack, through source maps), and every
 * `// bgmigrate…` comment becomes a `-- bgmigrate…` comment on its own line. Findings therefore
 * carry the script's positions, code frames show the script, and directives and suppressions are
 * written in the script exactly as in SQL files.
 *
 * The loader (tsx) is imported only when a script layout is in use, so a pure-SQL project's
 * start-up cost is unchanged.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../../errors.js';
import type { MigrationFile } from '../../model.js';
import { layoutNamed } from '../layouts/index.js';
import type { RecordedCall, RecorderContext } from './recording.js';

/**
 * Compiles every script migration among `files` that is not compiled yet (in place: the result
 * is kept on `file.script.compiled`). SQL files are left alone.
 */
export async function compileScripts(files: readonly MigrationFile[]): Promise<void> {
  const pending = files.filter((f) => f.script && !f.script.compiled);
  if (pending.length === 0) return;
  await compile(pending);
}

/**
 * `apply`: compiles a script that read from the database again, its reads answered by `client`
 * (the runner's connection, so they see every migration applied before it). Replaces
 * `file.script.compiled`; the caller lints the result before running it.
 */
export async function compileOnline(file: MigrationFile, client: { query(sql: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }> }): Promise<void> {
  if (!file.script) return;
  await compile([file], async (sql, parameters) => (await client.query(sql, [...parameters])).rows);
  file.script.compiled!.online = true;
}

async function compile(pending: readonly MigrationFile[], read?: RecorderContext['read']): Promise<void> {
  // Stack traces through the loader's source maps: positions in the script, not in its output.
  process.setSourceMapsEnabled(true);
  const load = await scriptLoader();
  for (const file of pending) {
    const script = file.script!;
    const record = layoutNamed(script.layout).compile;
    if (!record) throw new UsageError(`${file.path}: the ${script.layout} layout is not supported yet`);
    const text = file.bytes.toString('utf8');
    const upPosition = findUp(text);
    const loaded = script.loadFrom ?? file.absolutePath;
    const ctx: RecorderContext = {
      userModule: (name) => userModule(name, script.dir),
      positionOf: (stack) => positionIn(stack, loaded),
      upPosition,
      ...(read ? { read } : {}),
      readProblem: (sql, at) => ({
        ...at,
        read: true,
        message: `the migration reads from the database while it runs (${sql.slice(0, 80)}): compiled without one it got no rows, so what it does next may differ on the real database; apply compiles it again against the database and lints what it would send`,
      }),
    };
    let module: Record<string, unknown>;
    try {
      module = await load(loaded);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      const at = positionIn((error as Error)?.stack, loaded) ?? upPosition;
      throw new UsageError(`${file.path}:${at.line}:${at.column}: cannot load the migration: ${firstLine(error)}`, { cause: error });
    }
    const recording = await record(file, module, ctx);
    // A parameter with no SQL literal (a function, a symbol) is reported at its call, not guessed at.
    recording.calls = recording.calls.filter((call) => {
      try {
        inlineParameters(call.sql, call.parameters);
        return true;
      } catch (error) {
        recording.problems.push({ line: call.line, column: call.column, message: `${(error as Error).message}: the statement cannot be written as SQL text (${call.sql.slice(0, 80)})` });
        return false;
      }
    });
    script.compiled = {
      sql: layOut(recording.calls, text, recording.noTransaction),
      problems: recording.problems,
      noTransaction: recording.noTransaction,
    };
  }
}

/**
 * Loads a script with tsx, as ESM or CommonJS the way Node would decide (by extension, else the
 * nearest package.json's "type"). CommonJS goes through tsx's require hook: Node 20 maps stack
 * traces through source maps there, but not for CommonJS loaded through its ESM loader.
 */
async function scriptLoader(): Promise<(file: string) => Promise<Record<string, unknown>>> {
  const [{ tsImport }, { register }] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
  const cjs = register({ namespace: 'bgmigrate' });
  return async (file) => {
    if (isEsm(file)) return (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
    return cjs.require(file, import.meta.url) as Record<string, unknown>;
  };
}

function isEsm(file: string): boolean {
  if (/\.m[jt]s$/.test(file)) return true;
  if (/\.c[jt]s$/.test(file)) return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { type?: string }).type === 'module';
      } catch {
        return false;
      }
    }
    if (path.dirname(dir) === dir) return false;
  }
}

/** `export async function up` / `up(` / `up =`: the line and column of the script's `up`. */
function findUp(text: string): { line: number; column: number } {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /\b(async\s+)?up\s*(\(|=|:)/.exec(lines[i]);
    if (m) return { line: i + 1, column: m.index + 1 };
  }
  return { line: 1, column: 1 };
}

/** The first stack frame inside `file`, as a 1-based line and column. */
export function positionIn(stack: string | undefined, file: string): { line: number; column: number } | undefined {
  if (!stack) return undefined;
  const url = pathToFileURL(file).href;
  for (const frame of stack.split('\n')) {
    if (!frame.includes(file) && !frame.includes(url)) continue;
    const m = /:(\d+):(\d+)\)?\s*$/.exec(frame);
    if (m) return { line: Number(m[1]), column: Number(m[2]) };
  }
  return undefined;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

/**
 * The user's installed copy of `name`, found by walking up from the migrations directory's
 * node_modules (the library must be the one the migrations were written against).
 */
async function userModule(name: string, dir: string): Promise<Record<string, unknown>> {
  let at = path.resolve(dir);
  for (;;) {
    const pkgDir = path.join(at, 'node_modules', ...name.split('/'));
    const manifest = path.join(pkgDir, 'package.json');
    if (fs.existsSync(manifest)) {
      const entry = packageEntry(pkgDir, JSON.parse(fs.readFileSync(manifest, 'utf8')) as Record<string, unknown>);
      return (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
    }
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  throw new UsageError(`the migrations in ${dir} use ${name}, which is not installed there: npm install ${name} (bgmigrate uses your own copy)`);
}

/** The ESM entry point of a package (its `exports` for import, else module/main). */
function packageEntry(pkgDir: string, manifest: Record<string, unknown>): string {
  const pick = (value: unknown): string | undefined => {
    if (typeof value === 'string') return value;
    if (value && typeof value === 'object') {
      const map = value as Record<string, unknown>;
      if ('.' in map) return pick(map['.']);
      for (const condition of ['import', 'node', 'default', 'require']) if (condition in map) return pick(map[condition]);
    }
    return undefined;
  };
  const entry = pick(manifest.exports) ?? (manifest.module as string | undefined) ?? (manifest.main as string | undefined) ?? 'index.js';
  return path.join(pkgDir, entry);
}

/**
 * The SQL text: each statement at its call's line and column (statements from one line share
 * it), `// bgmigrate…` comments as `-- bgmigrate…` at their lines, `;` after each statement.
 */
export function layOut(calls: readonly RecordedCall[], script: string, noTransaction: boolean): string {
  const items: { line: number; column: number; text: string; comment: boolean }[] = [];
  script.split('\n').forEach((line, i) => {
    const m = /^\s*\/\/\s*(bgmigrate(?:-ignore)?\b.*)$/.exec(line);
    if (m) items.push({ line: i + 1, column: 1, text: `-- ${m[1].trimEnd()}`, comment: true });
  });
  if (noTransaction) items.push({ line: 1, column: 1, text: '-- bgmigrate: no-transaction', comment: true });
  for (const call of calls) items.push({ line: call.line, column: call.column, text: `${oneLine(inlineParameters(call.sql, call.parameters)).trim()};`, comment: false });
  // Stable: statements keep the order they were sent in, even from one line.
  const ordered = items.map((item, order) => ({ ...item, order })).sort((a, b) => a.line - b.line || Number(b.comment) - Number(a.comment) || a.order - b.order);
  let out = '';
  let line = 1;
  let column = 1;
  let inComment = false;
  for (const item of ordered) {
    if (item.line > line) {
      out += '\n'.repeat(item.line - line);
      line = item.line;
      column = 1;
      inComment = false;
    } else if (inComment) {
      // Nothing may follow a `--` comment on its line.
      out += '\n';
      line += 1;
      column = 1;
      inComment = false;
    } else if (column > 1) {
      out += ' ';
      column += 1;
    }
    if (column < item.column) {
      out += ' '.repeat(item.column - column);
      column = item.column;
    }
    out += item.text;
    const breaks = item.text.split('\n');
    line += breaks.length - 1;
    column = breaks.length > 1 ? breaks[breaks.length - 1].length + 1 : column + item.text.length;
    inComment = item.comment;
  }
  return `${out}\n`;
}

/**
 * The statement on one line, so that every position in it is on its call's line: line breaks
 * outside quoted strings, identifiers and dollar-quoted bodies become spaces, `--` comments go.
 */
export function oneLine(sql: string): string {
  return rewriteOutsideQuotes(sql, (i) => {
    if (sql[i] === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      return { text: '', next: end === -1 ? sql.length : end };
    }
    if (sql[i] === '\n' || sql[i] === '\r') {
      let next = i + 1;
      while (next < sql.length && /[ \t\r\n]/.test(sql[next])) next += 1;
      return { text: ' ', next };
    }
    return undefined;
  });
}

/**
 * `$1`, `$2`… replaced by SQL literals (DDL takes no parameters), outside quoted strings,
 * identifiers and dollar-quoted bodies.
 * @throws UsageError for a value that has no SQL literal (a function, a symbol).
 */
export function inlineParameters(sql: string, parameters: readonly unknown[]): string {
  if (parameters.length === 0) return sql;
  return rewriteOutsideQuotes(sql, (i) => {
    const number = sql[i] === '$' ? /^\$(\d+)/.exec(sql.slice(i, i + 12)) : null;
    return number ? { text: literal(parameters[Number(number[1]) - 1]), next: i + number[0].length } : undefined;
  });
}

/**
 * Copies `sql`, leaving quoted strings, quoted identifiers and dollar-quoted bodies as they are;
 * elsewhere `step(i)` may replace the text from `i` up to `next`.
 */
function rewriteOutsideQuotes(sql: string, step: (i: number) => { text: string; next: number } | undefined): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const quoted = quotedEnd(sql, i);
    if (quoted !== undefined) {
      out += sql.slice(i, quoted);
      i = quoted;
      continue;
    }
    const replaced = step(i);
    if (replaced) {
      out += replaced.text;
      i = replaced.next;
    } else {
      out += sql[i];
      i += 1;
    }
  }
  return out;
}

/** Where the quoted string, identifier or dollar-quoted body starting at `i` ends; undefined when none starts there. */
function quotedEnd(sql: string, i: number): number | undefined {
  const ch = sql[i];
  if (ch === "'" || ch === '"') return closingQuote(sql, i, ch);
  if (ch !== '$') return undefined;
  const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 66));
  if (!tag) return undefined;
  const close = sql.indexOf(tag[0], i + tag[0].length);
  return close === -1 ? sql.length : close + tag[0].length;
}

function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i += 1;
  }
  return sql.length;
}

/** A JavaScript value as a PostgreSQL literal. */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : `'${value}'::float8`;
  if (typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return quote(value.toISOString());
  if (Buffer.isBuffer(value)) return `'\\x${value.toString('hex')}'::bytea`;
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'object') return quote(JSON.stringify(value));
  throw new UsageError(`a query parameter of type ${typeof value} has no SQL literal`);
}

function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
