/**
 * `bgmigrate trace`: run migrations on a real PostgreSQL without changing it, record what each
 * statement locked, rewrote and scanned, and compare that with what `check` predicted.
 *
 * @example
 * const report = await traceMigrations(files, { url: 'postgres://…/app' });
 * process.stdout.write(renderTracePretty(report));
 * if (report.summary.mismatches > 0) process.exitCode = 1;
 */
import { connect, serverVersion } from '../db/connect.js';
import { lintMigrations, migrationFromString } from '../lint.js';
import type { AnalyzedStatement, FileReport, MigrationFile } from '../model.js';
import { parseSql } from '../parse/parser.js';
import { runTrace, type TraceInputFile, type TraceInputStatement, type TraceRunOptions } from './run.js';
import type { TraceReport } from './types.js';

export type * from './types.js';
export type { TraceInputFile, TraceInputStatement, TraceRunOptions } from './run.js';
export { runTrace } from './run.js';
export { renderTracePretty, renderTraceJson, type TracePrettyOptions } from './render.js';

export interface TraceOptions extends Omit<TraceRunOptions, 'pgVersion'> {
  /** PostgreSQL major for the static analysis; default: the server's. */
  pgVersion?: number;
  /** Earlier migrations replayed into the static schema model only (never executed). */
  history?: MigrationFile[];
}

/**
 * Traces migration files, in order, against `options.url`, and compares each statement with the
 * static analysis. The database must be in the state just before the first file; nothing is
 * committed to it. Throws UsageError (exit 2) when it cannot work safely: see {@link runTrace}.
 */
export async function traceMigrations(files: MigrationFile[], options: TraceOptions): Promise<TraceReport> {
  let pgVersion = options.pgVersion;
  if (pgVersion === undefined) {
    const client = await connect(options.url, { applicationName: 'bgmigrate trace' });
    try {
      pgVersion = await serverVersion(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  // With the parse trees: trace classifies each statement from the linter's tree, never parsing it again.
  const reports = await lintMigrations(files, { pgVersion, history: options.history, parseTrees: true });
  return runTrace(
    reports.map((report, i) => {
      // Only a file with a parse-error finding can have stopped at a syntax error: ask the parser which one.
      // A script migration is traced as the SQL its up() produced (compiled by lintMigrations).
      const broken = report.findings.some((f) => f.rule === 'parse-error');
      return toTraceInput(report, broken ? syntaxError(files[i]!.script?.compiled?.sql ?? files[i]!.bytes.toString('utf8')) : undefined);
    }),
    { ...options, pgVersion },
  );
}

/** PostgreSQL's own complaint about the file's SQL, if it has one. */
function syntaxError(sql: string): string | undefined {
  if (sql.trim() === '') return undefined;
  const parsed = parseSql(sql);
  return 'error' in parsed ? parsed.error.message : undefined;
}

/**
 * Traces one SQL string (tests, experiments). `previous` is SQL the static model replays first;
 * it is not executed, so the database must already contain its objects.
 */
export async function traceSql(
  sql: string,
  options: TraceOptions & { path?: string; previous?: string[] },
): Promise<TraceReport> {
  const history = (options.previous ?? []).map((s, i) => migrationFromString(s, `previous-${i + 1}.sql`));
  return traceMigrations([migrationFromString(sql, options.path ?? 'migration.sql')], { ...options, history });
}

/**
 * The statements trace executes: top-level ones only. Statements the analyser found inside a DO
 * block run as part of it, so their effects are merged into the DO statement's prediction.
 */
export function toTraceInput(report: FileReport, syntaxError?: string): TraceInputFile {
  const statements: TraceInputStatement[] = [];
  const byIndex = new Map<number, TraceInputStatement>();
  const nested: AnalyzedStatement[] = [];
  for (const s of report.statements) {
    if ((s as AnalyzedStatement & { inDoBlock?: boolean }).inDoBlock) {
      nested.push(s);
      continue;
    }
    const input: TraceInputStatement = {
      index: s.index,
      text: s.text,
      kind: s.kind,
      effects: [...s.effects],
      cannotRunInTransaction: s.cannotRunInTransaction,
      ...(s.node ? { node: s.node } : {}),
      line: s.line,
      column: s.column,
      endLine: s.endLine,
      endColumn: s.endColumn,
    };
    statements.push(input);
    byIndex.set(s.index, input);
  }
  for (const s of nested) byIndex.get(s.index)?.effects.push(...s.effects);
  // Splitting stops at a syntax error: show it where it is instead of silently tracing less.
  if (syntaxError !== undefined) {
    const at = report.findings.find((f) => f.rule === 'parse-error' && f.message === syntaxError) ?? { line: 1, column: 1, endLine: 1, endColumn: 1 };
    statements.push({
      index: statements.length,
      text: '',
      kind: 'ParseError',
      effects: [],
      parseError: syntaxError,
      line: at.line,
      column: at.column,
      endLine: at.endLine,
      endColumn: at.endColumn,
    });
  }
  return { path: report.path, id: report.id, statements };
}
