/**
 * The `typeorm` layout: migration scripts by file name (`<timestamp>-<Name>.ts`), each a class
 * implementing `MigrationInterface` whose `up(queryRunner)` is called with a recording
 * QueryRunner. `queryRunner.query(sql, parameters)` — what
 * `typeorm migration:generate` writes — is recorded. The schema-builder methods
 * (`createTable`, `addColumn`, …) need typeorm to read the live schema first, so each one is
 * reported (`dynamic-sql`, an error) at its line rather than guessed at. `transaction = false` on
 * the class is honoured.
 */
import type { MigrationFile } from '../../model.js';
import { isRead, readCall, type RecordedCall, type RecorderContext, type Recording } from '../compile/recording.js';
import { defineLayout, firstScript, scriptFiles, SCRIPTS_LOOKED_FOR } from '../layout.js';

/** Detected by a first script that imports typeorm or implements MigrationInterface; tried after flyway and drizzle, before the SQL directory layouts. */
export const layout = defineLayout({
  name: 'typeorm',
  lookedFor: SCRIPTS_LOOKED_FOR,
  detect: { precedence: 32, matches: (dir) => /MigrationInterface|QueryRunner|from\s+['"]typeorm['"]/.test(firstScript(dir) ?? '') },
  find: scriptFiles,
  compile: recordTypeorm,
  write: {
    /** `<milliseconds>-<Name>.ts`, after the newest, as `typeorm migration:create` names them. */
    names(existing, slugs) {
      const newest = Math.max(0, ...existing.map((f) => Number(/^(\d{13})-/.exec(f)?.[1] ?? 0)));
      const start = Math.max(Date.now(), newest + 1);
      return slugs.map((slug, i) => `${start + i}-${slug.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')}.ts`);
    },
    /** The class is `<Name><milliseconds>`, as TypeORM's own generator names it. */
    text: async (sql, name) => {
      const m = /^(\d+)-(\w+)\.ts$/.exec(name);
      return (await import('../emit.js')).scriptFor('typeorm', sql, m ? `${m[2]}${m[1]}` : 'Migration');
    },
  },
});

type MigrationClass = new () => { up?: (queryRunner: unknown) => Promise<unknown>; transaction?: boolean };

async function recordTypeorm(file: MigrationFile, module: Record<string, unknown>, ctx: RecorderContext): Promise<Recording> {
  const calls: RecordedCall[] = [];
  const problems: Recording['problems'] = [];
  const classes = Object.values(module).filter(
    (value): value is MigrationClass => typeof value === 'function' && typeof (value as { prototype?: { up?: unknown } }).prototype?.up === 'function',
  );
  if (classes.length !== 1) {
    const why = classes.length === 0 ? 'exports no migration class (one with an up(queryRunner) method)' : `exports ${classes.length} migration classes; keep one per file`;
    return { calls, problems: [{ line: 1, column: 1, message: `${file.path} ${why}` }], noTransaction: false };
  }
  const migration = new classes[0]();
  const queryRunner = new Proxy(
    {
      async query(sql: string, parameters?: unknown[]) {
        const at = ctx.positionOf(new Error().stack) ?? ctx.upPosition;
        if (isRead(sql)) {
          calls.push(readCall(sql, parameters ?? [], at));
          if (ctx.read) return ctx.read(sql, parameters ?? []);
          problems.push(ctx.readProblem(sql, at));
          return [];
        }
        calls.push({ sql, parameters: parameters ?? [], ...at });
        return [];
      },
    } as Record<string | symbol, unknown>,
    {
      get(target, property) {
        if (property in target || typeof property === 'symbol' || property === 'then') return target[property];
        // The schema builder reads the live schema before writing SQL: not compiled without a database.
        return async () => {
          problems.push({
            ...(ctx.positionOf(new Error().stack) ?? ctx.upPosition),
            message: `queryRunner.${String(property)}() builds its SQL from the live schema, which bgmigrate does not compile; write the statement with queryRunner.query(…) (what typeorm migration:generate does)`,
          });
          return undefined;
        };
      },
    },
  );
  try {
    await migration.up!(queryRunner);
  } catch (error) {
    problems.push({
      ...(ctx.positionOf((error as Error)?.stack) ?? ctx.upPosition),
      message: `up() failed while compiling without a database: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`,
    });
  }
  return { calls, problems, noTransaction: migration.transaction === false };
}
