/**
 * `ledger baseline`: adopting bgmigrate on a database another runner migrated. Reads that
 * runner's history table, matches each applied entry to a migration file, and records the files
 * as applied in bgmigrate's ledger (source `baseline`, the file's checksum today, the other
 * tool's applied time where it keeps one). Or, for a database without such a table, records every
 * migration up to a given one.
 *
 * Fail-closed: a failed, dirty or rolled-back entry, or an applied entry that matches no file,
 * refuses the whole baseline (nothing is recorded), naming the rows. Append-only and idempotent:
 * a migration the ledger already has is left as it is.
 *
 * The history tables, as each tool creates them (README, "Adopting bgmigrate"):
 *   prisma          _prisma_migrations (migration_name, finished_at, rolled_back_at, started_at)
 *   drizzle         drizzle.__drizzle_migrations (hash = sha256 of the file, created_at)
 *   kysely          kysely_migration (name, timestamp)
 *   node-pg-migrate pgmigrations (name, run_on)
 *   knex            knex_migrations (name, migration_time)
 *   typeorm         migrations (timestamp, name)
 *   flyway          flyway_schema_history (version, type, script, installed_on, installed_by, execution_time, success)
 *   golang-migrate  schema_migrations (version, dirty): one row, the newest version applied
 *   dbmate          schema_migrations (version): one row per applied migration
 *   diesel          __diesel_schema_migrations (version, run_on)
 */
import path from 'node:path';
import type pg from 'pg';
import { RefusalError, UsageError } from '../errors.js';
import { layout as diesel } from '../migrations/layouts/diesel.js';
import { compareVersions, layout as flyway, flywayVersionOf, parseFlywayVersion } from '../migrations/layouts/flyway.js';
import { layout as prisma } from '../migrations/layouts/prisma.js';
import { layout as upSql } from '../migrations/layouts/up-sql.js';
import type { MigrationFile, Phase } from '../model.js';
import { editDistance } from '../text.js';
import { ensureLedger, ledgerError, ledgerLockSql, ledgerSchema, ledgerVersion, type LedgerOptions } from './schema.js';

export const BASELINE_TOOLS = [
  'prisma',
  'drizzle',
  'kysely',
  'node-pg-migrate',
  'knex',
  'typeorm',
  'flyway',
  'golang-migrate',
  'dbmate',
  'diesel',
] as const;
export type BaselineTool = (typeof BASELINE_TOOLS)[number];

/** One applied entry of the other tool's history, as read. */
interface HistoryEntry {
  /** How the row is named in messages: `migration_name 20240101_init`. */
  row: string;
  /** The files this entry stands for (one, except golang-migrate's and flyway's baseline rows). */
  match: (files: readonly MigrationFile[]) => MigrationFile[];
  appliedAt: Date | null;
  appliedBy: string | null;
  durationMs: number | null;
  /** Matching no file is fine (Flyway's baseline marker may sit below the first file). */
  optional?: boolean;
}

interface History {
  /** The table read, as found (`public._prisma_migrations`). */
  table: string;
  applied: HistoryEntry[];
  /** Failed, dirty or rolled-back entries: each refuses the baseline. */
  broken: string[];
}

/** What a baseline records, or would record with `dryRun`. */
export interface BaselineResult {
  from: BaselineTool | 'up-to';
  /** The history table read (absent with `up-to`). */
  table?: string;
  /** Migrations recorded now (or to be recorded, in a dry run), in migration order. */
  recorded: { id: string; phase: Phase; appliedAt: Date | null }[];
  /** Matched migrations the ledger already had: left as they are. */
  alreadyRecorded: string[];
  /**
   * Files that sort before a baselined one but were not applied by the other tool: `apply` will
   * see them as out of order and refuse them until dealt with.
   */
  gaps: string[];
  dryRun: boolean;
}

export interface BaselineOptions extends LedgerOptions {
  /** Every migration of the directory, in migration order. */
  files: readonly MigrationFile[];
  /** Each file's phase (directive or inferred by the linter), by id. */
  phases: ReadonlyMap<string, Phase>;
  dryRun?: boolean;
}

/**
 * `ledger baseline --from <tool>`.
 *
 * @param table the history table when it is not where the tool puts it by default (`schema.table`).
 * @throws UsageError when the table is missing or does not look like the tool's; RefusalError when
 *   the history has a failed, dirty or rolled-back entry, or an applied entry with no file.
 */
export async function baselineFromTool(
  client: pg.ClientBase,
  tool: BaselineTool,
  options: BaselineOptions & { table?: string },
): Promise<BaselineResult> {
  const history = await readHistory(client, tool, options.table);
  if (history.broken.length > 0) {
    throw new RefusalError(
      `${history.table} has ${history.broken.length === 1 ? 'an entry' : `${history.broken.length} entries`} that did not apply cleanly: ${listRows(history.broken)}; ` +
        `resolve ${history.broken.length === 1 ? 'it' : 'them'} with ${tool} first (nothing was recorded)`,
    );
  }
  const matched = new Map<string, HistoryEntry>();
  const orphans: string[] = [];
  for (const entry of history.applied) {
    const files = entry.match(options.files);
    if (files.length === 0 && !entry.optional) orphans.push(entry.row);
    for (const file of files) if (!matched.has(file.id)) matched.set(file.id, entry);
  }
  if (orphans.length > 0) {
    throw new RefusalError(
      `${history.table} lists ${orphans.length === 1 ? 'an applied migration' : `${orphans.length} applied migrations`} with no file in the migrations directory: ${listRows(orphans)}; ` +
        'restore the file (or check --dir and the layout) before baselining (nothing was recorded)',
    );
  }
  const chosen = options.files.filter((f) => matched.has(f.id));
  return record(client, tool, chosen, (id) => matched.get(id)!, { ...options, table: history.table });
}

/**
 * `ledger baseline --up-to <migration>`: every migration up to and including that one is recorded
 * as applied, for a database migrated without a history table (by hand, or by a tool not listed).
 *
 * @throws UsageError when `migration` names no file (with the closest one) or several.
 */
export async function baselineUpTo(client: pg.ClientBase, migration: string, options: BaselineOptions): Promise<BaselineResult> {
  const last = findMigration(options.files, migration);
  const chosen = options.files.slice(0, options.files.indexOf(last) + 1);
  return record(client, 'up-to', chosen, () => undefined, options);
}

/** A migration named by id, path, file name, or file name without extension (or its directory, in directory layouts). */
export function findMigration(files: readonly MigrationFile[], name: string): MigrationFile {
  const wanted = name.trim().replaceAll('\\', '/');
  const keys = (f: MigrationFile): string[] => {
    const base = path.posix.basename(f.id);
    const first = f.id.split('/')[0];
    return [f.id, f.path.replaceAll('\\', '/'), base, stripExtension(base), ...(f.id.includes('/') ? [first] : [])];
  };
  const hits = files.filter((f) => keys(f).includes(wanted));
  if (hits.length === 1) return hits[0];
  if (hits.length > 1) {
    throw new UsageError(`--up-to ${name} names ${hits.length} migrations (${hits.map((f) => f.id).join(', ')}); give its id`);
  }
  const closest = files
    .map((f) => ({ f, d: Math.min(...keys(f).map((k) => editDistance(k, wanted))) }))
    .sort((a, b) => a.d - b.d)[0];
  throw new UsageError(
    `--up-to ${name}: no such migration in the migrations directory` + (closest ? `; the closest is ${closest.f.id}` : ' (it is empty)'),
  );
}

async function record(
  client: pg.ClientBase,
  from: BaselineTool | 'up-to',
  chosen: readonly MigrationFile[],
  entryOf: (id: string) => HistoryEntry | undefined,
  options: BaselineOptions & { table?: string },
): Promise<BaselineResult> {
  const schema = ledgerSchema(options);
  const result = (already: Set<string>): BaselineResult => {
    const recorded = chosen
      .filter((f) => !already.has(f.id))
      .map((f) => ({ id: f.id, phase: options.phases.get(f.id) ?? 'expand', appliedAt: entryOf(f.id)?.appliedAt ?? null }));
    const lastIndex = Math.max(-1, ...chosen.map((f) => options.files.indexOf(f)));
    const chosenIds = new Set(chosen.map((f) => f.id));
    const gaps = options.files.slice(0, lastIndex + 1).filter((f) => !chosenIds.has(f.id) && !already.has(f.id)).map((f) => f.id);
    return {
      from,
      ...(options.table ? { table: options.table } : {}),
      recorded,
      alreadyRecorded: chosen.filter((f) => already.has(f.id)).map((f) => f.id),
      gaps,
      dryRun: options.dryRun === true,
    };
  };
  const readRecorded = async (): Promise<Set<string>> => {
    if ((await ledgerVersion(client, options)) === 0) return new Set();
    const { rows } = await client.query<{ id: string }>(`SELECT id FROM "${schema}".migrations`);
    return new Set(rows.map((r) => r.id));
  };
  if (options.dryRun) return result(await readRecorded());

  await ensureLedger(client, options);
  await client.query('BEGIN');
  try {
    await client.query(ledgerLockSql(schema));
    const outcome = result(await readRecorded());
    for (const row of outcome.recorded) {
      const file = chosen.find((f) => f.id === row.id)!;
      const entry = entryOf(row.id);
      await client.query(
        `INSERT INTO "${schema}".migrations (id, checksum, phase, release, applied_at, applied_by, duration_ms, source, baseline_from)
         VALUES ($1, $2, $3, NULL, coalesce($4::timestamptz, now()), coalesce($5, current_user), $6, 'baseline', $7)`,
        [row.id, file.checksum, row.phase, entry?.appliedAt ?? null, entry?.appliedBy ?? null, Math.max(0, Math.round(entry?.durationMs ?? 0)), from],
      );
    }
    await client.query('COMMIT');
    return outcome;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw ledgerError(error, schema, 'write');
  }
}

// ---------------------------------------------------------------------------------------------
// Reading each tool's history.

const DEFAULT_TABLES: Record<BaselineTool, string> = {
  prisma: '_prisma_migrations',
  drizzle: 'drizzle.__drizzle_migrations',
  kysely: 'kysely_migration',
  'node-pg-migrate': 'pgmigrations',
  knex: 'knex_migrations',
  typeorm: 'migrations',
  flyway: 'flyway_schema_history',
  'golang-migrate': 'schema_migrations',
  dbmate: 'schema_migrations',
  diesel: '__diesel_schema_migrations',
};

/** Columns each tool's table must have; a table without them is some other tool's. */
const REQUIRED_COLUMNS: Record<BaselineTool, string[]> = {
  prisma: ['migration_name', 'finished_at', 'rolled_back_at', 'started_at'],
  drizzle: ['hash', 'created_at'],
  kysely: ['name', 'timestamp'],
  'node-pg-migrate': ['name', 'run_on'],
  knex: ['name', 'migration_time'],
  typeorm: ['timestamp', 'name'],
  flyway: ['installed_rank', 'version', 'type', 'script', 'installed_on', 'installed_by', 'execution_time', 'success'],
  'golang-migrate': ['version', 'dirty'],
  dbmate: ['version'],
  diesel: ['version', 'run_on'],
};

async function readHistory(client: pg.ClientBase, tool: BaselineTool, tableOption: string | undefined): Promise<History> {
  const wanted = tableOption ?? DEFAULT_TABLES[tool];
  const found = await client.query<{ oid: number | null; name: string | null }>(
    `SELECT c.oid::int AS oid, CASE WHEN c.oid IS NOT NULL THEN format('%I.%I', n.nspname, c.relname) END AS name
       FROM (SELECT to_regclass($1) AS id) t LEFT JOIN pg_class c ON c.oid = t.id LEFT JOIN pg_namespace n ON n.oid = c.relnamespace`,
    [wanted],
  );
  const { oid, name } = found.rows[0];
  if (oid === null || name === null) {
    const where = (await client.query<{ path: string }>('SELECT current_setting($1) AS path', ['search_path'])).rows[0].path;
    throw new UsageError(
      `no ${wanted} table in the database (${tool}'s history${wanted.includes('.') ? '' : `; searched ${where}`}): check --database, or pass --table <schema.table> if ${tool} was configured to keep it elsewhere`,
    );
  }
  const columns = new Set(
    (await client.query<{ attname: string }>('SELECT attname FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped', [oid])).rows.map(
      (r) => r.attname,
    ),
  );
  const missing = REQUIRED_COLUMNS[tool].filter((c) => !columns.has(c));
  // golang-migrate and dbmate both name it schema_migrations; only golang-migrate's has `dirty`.
  const clash = tool === 'dbmate' && columns.has('dirty');
  if (missing.length > 0 || clash) {
    const guess = guessTool(columns);
    throw new UsageError(
      `${name} is not ${tool}'s history table: ${clash ? 'it has a "dirty" column' : `it has no ${missing.join(', ')}`}` +
        (guess ? `; it looks like ${guess}'s (--from ${guess})` : ''),
    );
  }
  return { table: name, ...(await READERS[tool](client, name)) };
}

/** The tool whose columns a table has, for the hint of a mismatch. */
function guessTool(columns: ReadonlySet<string>): BaselineTool | undefined {
  return BASELINE_TOOLS.find((tool) => REQUIRED_COLUMNS[tool].every((c) => columns.has(c)) && !(tool === 'dbmate' && columns.has('dirty')));
}

type Reader = (client: pg.ClientBase, table: string) => Promise<Omit<History, 'table'>>;

const READERS: Record<BaselineTool, Reader> = {
  async prisma(client, table) {
    const { rows } = await client.query<{ migration_name: string; started_at: Date; finished_at: Date | null; rolled_back_at: Date | null }>(
      `SELECT migration_name, started_at, finished_at, rolled_back_at FROM ${table} ORDER BY started_at, migration_name`,
    );
    // `prisma migrate resolve` marks a failed attempt rolled back; a later finished attempt settles it.
    const settled = new Set(rows.filter((r) => r.finished_at !== null && r.rolled_back_at === null).map((r) => r.migration_name));
    const applied = new Map<string, HistoryEntry>();
    const broken: string[] = [];
    for (const r of rows) {
      if (r.finished_at !== null && r.rolled_back_at === null) {
        if (!applied.has(r.migration_name)) {
          applied.set(r.migration_name, {
            row: `migration_name ${r.migration_name}`,
            match: (files) => files.filter((f) => prisma.historyName(f.id) === r.migration_name),
            appliedAt: r.finished_at,
            appliedBy: null,
            durationMs: r.finished_at.getTime() - r.started_at.getTime(),
          });
        }
      } else if (!settled.has(r.migration_name)) {
        broken.push(`migration_name ${r.migration_name} (${r.rolled_back_at ? 'rolled back' : 'failed: started, never finished'})`);
      }
    }
    return { applied: [...applied.values()], broken };
  },

  async drizzle(client, table) {
    const { rows } = await client.query<{ hash: string; created_at: string | null }>(`SELECT hash, created_at::text FROM ${table} ORDER BY id`);
    // drizzle keeps the migration's journal time, not when it ran: the applied time is unknown.
    return {
      applied: rows.map((r) => ({
        row: `hash ${r.hash.slice(0, 12)}…${r.created_at ? ` (created_at ${r.created_at})` : ''}`,
        match: (files) => files.filter((f) => f.checksum === r.hash),
        appliedAt: null,
        appliedBy: null,
        durationMs: null,
      })),
      broken: [],
    };
  },

  async kysely(client, table) {
    const { rows } = await client.query<{ name: string; timestamp: string }>(`SELECT name, "timestamp" FROM ${table} ORDER BY name`);
    return { applied: rows.map((r) => byName(`name ${r.name}`, r.name, parseDate(r.timestamp))), broken: [] };
  },

  async 'node-pg-migrate'(client, table) {
    const { rows } = await client.query<{ name: string; run_on: Date }>(`SELECT name, run_on FROM ${table} ORDER BY run_on, name`);
    return { applied: rows.map((r) => byName(`name ${r.name}`, r.name, r.run_on)), broken: [] };
  },

  async knex(client, table) {
    const { rows } = await client.query<{ name: string; migration_time: Date | null }>(`SELECT name, migration_time FROM ${table} ORDER BY id`);
    return { applied: rows.map((r) => byName(`name ${r.name}`, r.name, r.migration_time)), broken: [] };
  },

  async typeorm(client, table) {
    const { rows } = await client.query<{ timestamp: string; name: string }>(`SELECT "timestamp"::text, name FROM ${table} ORDER BY "timestamp"`);
    // TypeORM names the class (`AddUsers1700000000000`); its file is `1700000000000-AddUsers.ts`.
    return {
      applied: rows.map((r) => ({
        row: `name ${r.name}`,
        match: (files) => {
          const exact = files.filter((f) => stripExtension(path.posix.basename(f.id)) === r.name);
          return exact.length > 0 ? exact : files.filter((f) => path.posix.basename(f.id).startsWith(`${r.timestamp}-`) || path.posix.basename(f.id).startsWith(`${r.timestamp}_`));
        },
        appliedAt: null,
        appliedBy: null,
        durationMs: null,
      })),
      broken: [],
    };
  },

  async flyway(client, table) {
    const { rows } = await client.query<{
      installed_rank: number;
      version: string | null;
      type: string;
      script: string;
      installed_on: Date;
      installed_by: string | null;
      execution_time: number | null;
      success: boolean;
    }>(`SELECT installed_rank, version, type, script, installed_on, installed_by, execution_time, success FROM ${table} ORDER BY installed_rank`);
    // Keyed by version (or script, for repeatables): a later row about the same migration wins.
    const applied = new Map<string, HistoryEntry>();
    // Failed or undone, and not applied again since.
    const undone = new Map<string, string>();
    for (const r of rows) {
      const row = `installed_rank ${r.installed_rank} (${r.script})`;
      const key = r.version ?? r.script;
      if (r.type === 'SCHEMA') continue;
      if (r.type === 'DELETE') {
        // `flyway repair` marked a missing migration deleted: it no longer counts as applied.
        applied.delete(key);
        continue;
      }
      if (!r.success) {
        undone.set(key, `${row}: failed`);
        continue;
      }
      if (r.type.startsWith('UNDO')) {
        applied.delete(key);
        undone.set(key, `${row}: undone (rolled back) by an undo migration`);
        continue;
      }
      undone.delete(key);
      const common = { row, appliedAt: r.installed_on, appliedBy: r.installed_by, durationMs: r.execution_time };
      if (r.type === 'BASELINE') {
        // Everything up to the baseline version counts as applied (Flyway's own rule).
        const limit = parseFlywayVersion(r.version ?? '0');
        applied.set(`baseline ${key}`, {
          ...common,
          optional: true,
          match: (files) =>
            files.filter((f) => {
              const v = flywayVersionOf(path.posix.basename(f.id));
              return v !== undefined && compareVersions(v, limit) <= 0;
            }),
        });
        continue;
      }
      applied.set(key, { ...common, match: (files) => files.filter((f) => flyway.historyName(f.id) === r.script) });
    }
    return { applied: [...applied.values()], broken: [...undone.values()] };
  },

  async 'golang-migrate'(client, table) {
    const { rows } = await client.query<{ version: string; dirty: boolean }>(`SELECT version::text, dirty FROM ${table}`);
    if (rows.length === 0) return { applied: [], broken: [] };
    if (rows.length > 1) return { applied: [], broken: [`${rows.length} rows (golang-migrate keeps exactly one)`] };
    const { version, dirty } = rows[0];
    if (dirty) return { applied: [], broken: [`version ${version} (dirty: it failed part-way)`] };
    const limit = BigInt(version);
    return {
      applied: [
        {
          // The newest version applied must itself be a file; every file numbered up to it was applied.
          row: `version ${version}`,
          match: (files) =>
            files.some((f) => leadingNumber(f) === limit) ? files.filter((f) => (leadingNumber(f) ?? limit + 1n) <= limit) : [],
          appliedAt: null,
          appliedBy: null,
          durationMs: null,
        },
      ],
      broken: [],
    };
  },

  async dbmate(client, table) {
    const { rows } = await client.query<{ version: string }>(`SELECT version::text FROM ${table} ORDER BY version`);
    return {
      applied: rows.map((r) => ({
        row: `version ${r.version}`,
        match: (files) => files.filter((f) => upSql.historyName(f.id) === r.version),
        appliedAt: null,
        appliedBy: null,
        durationMs: null,
      })),
      broken: [],
    };
  },

  async diesel(client, table) {
    const { rows } = await client.query<{ version: string; run_on: Date | null }>(`SELECT version, run_on FROM ${table} ORDER BY version`);
    return {
      applied: rows.map((r) => ({
        row: `version ${r.version}`,
        match: (files) => files.filter((f) => diesel.historyName(f.id) === r.version),
        appliedAt: r.run_on,
        appliedBy: null,
        durationMs: null,
      })),
      broken: [],
    };
  },
};

/** A history entry named by file name, with or without its extension (knex keeps `.js`, others none). */
function byName(row: string, name: string, appliedAt: Date | null): HistoryEntry {
  return {
    row,
    match: (files) => {
      const hit = files.filter((f) => f.id === name || path.posix.basename(f.id) === name);
      if (hit.length > 0) return hit;
      const bare = stripExtension(path.posix.basename(name));
      return files.filter((f) => stripExtension(path.posix.basename(f.id)) === bare || stripExtension(f.id) === stripExtension(name));
    },
    appliedAt,
    appliedBy: null,
    durationMs: null,
  };
}

/** `0001_init.up.sql` → `0001_init`; `x.sql` → `x`; `x.ts` → `x`. */
function stripExtension(name: string): string {
  return name.replace(/(\.(up|down))?\.[a-z0-9]+$/i, '');
}

function leadingNumber(f: MigrationFile): bigint | undefined {
  const digits = upSql.historyName(f.id);
  return digits === undefined ? undefined : BigInt(digits);
}

function parseDate(text: string | null): Date | null {
  if (!text) return null;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}

function listRows(rows: readonly string[]): string {
  return rows.length <= 10 ? rows.join('; ') : `${rows.slice(0, 10).join('; ')}; and ${rows.length - 10} more`;
}
