/**
 * The `node-pg-migrate` layout: migration scripts by file name. `up(pgm)` runs with
 * node-pg-migrate's own `MigrationBuilder` (the user's copy) on a recording database; its SQL
 * steps are what the migration would send.
 * Each `pgm.*` call is watched, so the steps it adds are placed at its line. `pgm.noTransaction()`
 * is honoured. `pgm.db.query` / `pgm.db.select` run at once in node-pg-migrate: a write is kept
 * (before the steps, as node-pg-migrate runs it), a read is reported as `dynamic-sql`.
 */
import type { MigrationFile } from '../../model.js';
import { isRead, readCall, type RecordedCall, type RecorderContext, type Recording } from '../compile/recording.js';
import { defineLayout, firstScript, scriptFiles, scriptNames, SCRIPTS_LOOKED_FOR } from '../layout.js';

/** Detected by a first script that names node-pg-migrate, its MigrationBuilder or `pgm.`; tried after flyway and drizzle, before the SQL directory layouts. */
export const layout = defineLayout({
  name: 'node-pg-migrate',
  lookedFor: SCRIPTS_LOOKED_FOR,
  detect: { precedence: 31, matches: (dir) => /node-pg-migrate|MigrationBuilder|\bpgm\./.test(firstScript(dir) ?? '') },
  find: scriptFiles,
  compile: recordNodePgMigrate,
  write: { names: scriptNames, text: async (sql) => (await import('../emit.js')).scriptFor('node-pg-migrate', sql) },
});

type Builder = Record<string | symbol, unknown> & { getSqlSteps(): string[]; isUsingTransaction(): boolean };

async function recordNodePgMigrate(file: MigrationFile, module: Record<string, unknown>, ctx: RecorderContext): Promise<Recording> {
  const library = await ctx.userModule('node-pg-migrate');
  const MigrationBuilder = library.MigrationBuilder as new (...args: unknown[]) => Builder;
  const immediate: RecordedCall[] = [];
  const problems: Recording['problems'] = [];
  const db = {
    async query(query: string | { text: string; values?: unknown[] }, values?: unknown[]) {
      const text = typeof query === 'string' ? query : query.text;
      const parameters = (typeof query === 'string' ? values : query.values) ?? [];
      const at = ctx.positionOf(new Error().stack) ?? ctx.upPosition;
      if (isRead(text)) {
        immediate.push(readCall(text, parameters, at));
        if (ctx.read) {
          const rows = await ctx.read(text, parameters);
          return { rows, rowCount: rows.length };
        }
        problems.push(ctx.readProblem(text, at));
      } else {
        immediate.push({ sql: text, parameters, ...at });
      }
      return { rows: [], rowCount: 0 };
    },
    async select(query: string) {
      if (ctx.read) return ctx.read(query, []);
      problems.push(ctx.readProblem(query, ctx.positionOf(new Error().stack) ?? ctx.upPosition));
      return [];
    },
  };
  const logger = { info() {}, warn() {}, error() {}, debug() {} };
  const builder = new MigrationBuilder(db, {}, false, logger);
  // Which call added which steps: the line of each pgm.* call.
  const positions: { from: number; to: number; line: number; column: number }[] = [];
  const pgm = new Proxy(builder, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || property === 'getSqlSteps' || property === 'getSql') return value;
      return (...args: unknown[]) => {
        const from = target.getSqlSteps().length;
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        const to = target.getSqlSteps().length;
        if (to > from) positions.push({ from, to, ...(ctx.positionOf(new Error().stack) ?? ctx.upPosition) });
        return result;
      };
    },
  });
  const up = (module.up ?? (module.default as Record<string, unknown> | undefined)?.up) as ((pgm: unknown, run?: () => void) => unknown) | undefined;
  if (typeof up !== 'function') {
    return { calls: [], problems: [{ line: 1, column: 1, message: `${file.path} exports no up(pgm) function` }], noTransaction: false };
  }
  try {
    // The legacy callback form: up(pgm, run) calls run() when done.
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const done = () => {
        if (!settled) (settled = true), resolve();
      };
      Promise.resolve(up(pgm, done)).then(() => (up.length < 2 ? done() : undefined), reject);
    });
  } catch (error) {
    problems.push({
      ...(ctx.positionOf((error as Error)?.stack) ?? ctx.upPosition),
      message: `up() failed while compiling without a database: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`,
    });
  }
  const steps = builder.getSqlSteps();
  const calls: RecordedCall[] = [...immediate];
  steps.forEach((sql, index) => {
    const at = positions.find((p) => index >= p.from && index < p.to) ?? ctx.upPosition;
    calls.push({ sql: sql.replace(/;\s*$/, ''), parameters: [], line: at.line, column: at.column });
  });
  return { calls, problems, noTransaction: !builder.isUsingTransaction() };
}
