/**
 * What a script layout's recorder (src/migrations/layouts/kysely.ts and its neighbours) works
 * with: the calls it records and what the compiler gives it. Apart from the compiler
 * (src/migrations/compile/index.ts) so that the layouts, loaded on every run, do not load it: it
 * is imported only when a script layout is in use.
 */
import type { CompiledScript, MigrationFile } from '../../model.js';

/** One statement the script sent, with where in the script it was sent from. */
export interface RecordedCall {
  sql: string;
  parameters: readonly unknown[];
  line: number;
  column: number;
}

/**
 * A read the script made: kept in the SQL as a statement at its call (harmless to run, and what
 * a `bgmigrate-ignore dynamic-sql` before the call is scoped to).
 */
export function readCall(sql: string, parameters: readonly unknown[], at: { line: number; column: number }): RecordedCall {
  return { sql, parameters, ...at };
}

/** What a layout's recorder returns for one file. */
export interface Recording {
  calls: RecordedCall[];
  problems: CompiledScript['problems'];
  noTransaction: boolean;
}

export type Recorder = (file: MigrationFile, module: Record<string, unknown>, ctx: RecorderContext) => Promise<Recording>;

export interface RecorderContext {
  /** The user's copy of a package, resolved from the migrations directory (exit 2 when missing). */
  userModule(name: string): Promise<Record<string, unknown>>;
  /** The script position a call came from, read from a stack trace (the first frame in the file). */
  positionOf(stack: string | undefined): { line: number; column: number } | undefined;
  /** The position of `up` in the script: where calls without a usable stack are reported. */
  upPosition: { line: number; column: number };
  /**
   * Answers the script's reads from the real database (`apply`); without it (offline) a read
   * gets no rows and is reported with `read: true`.
   */
  read?: (sql: string, parameters: readonly unknown[]) => Promise<Record<string, unknown>[]>;
  /** A read reported offline (use for every read a recorder meets without `read`). */
  readProblem(sql: string, at: { line: number; column: number }): CompiledScript['problems'][number];
}

/** A statement that only reads: answered from the database (or reported), never part of the SQL. */
export function isRead(sql: string): boolean {
  return /^\s*(select|with\b[\s\S]*\bselect\b(?![\s\S]*\b(insert|update|delete)\b)|show|explain|table)\b/i.test(sql);
}
