/**
 * The ledger's schema: its DDL, the internal migration list that creates and upgrades it in
 * place, and its version. Plain SQL on a pg client, without Kysely, so that `check --database`
 * (which only reads) stays fast to start.
 */
import type pg from 'pg';
import { relationExists } from '../db/sql.js';
import { UsageError } from '../errors.js';

/** Default schema holding the ledger (config `ledger.schema`). */
export const DEFAULT_LEDGER_SCHEMA = 'bgmigrate';

/** Where the ledger lives. Every ledger function takes these options. */
export interface LedgerOptions {
  /** Schema of the ledger tables; default `bgmigrate`. */
  schema?: string;
}

/** Release states as recorded in `release_events.state`. */
export type ReleaseState = 'deployed' | 'live' | 'standby' | 'retired' | 'rolled-back';
export const RELEASE_STATES: readonly ReleaseState[] = ['deployed', 'live', 'standby', 'retired', 'rolled-back'];

export type ReleaseColor = 'blue' | 'green';

/** How an applied migration reached the ledger: run by `apply`, or recorded by `ledger baseline`. */
export type MigrationSource = 'apply' | 'baseline';

/** How a deprecation reached the ledger. */
export type DeprecationSource = 'directive' | 'command';

/**
 * The internal migrations of the ledger itself, applied in order. Never edit a shipped step:
 * append a new one. `@` stands for the quoted schema name.
 */
export const LEDGER_MIGRATIONS: readonly { version: number; description: string; sql: string }[] = [
  {
    version: 1,
    description: 'applied migrations, releases and their events, deprecations',
    sql: `
      CREATE TABLE @.migrations (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text NOT NULL UNIQUE,
        checksum text NOT NULL,
        phase text NOT NULL CHECK (phase IN ('expand', 'contract')),
        release text,
        applied_at timestamptz NOT NULL DEFAULT now(),
        applied_by text NOT NULL DEFAULT current_user,
        duration_ms integer NOT NULL CHECK (duration_ms >= 0),
        effects jsonb NOT NULL DEFAULT '[]',
        suppressions jsonb NOT NULL DEFAULT '[]'
      );
      CREATE TABLE @.releases (
        release text PRIMARY KEY CHECK (release <> ''),
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE @.release_events (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        release text NOT NULL REFERENCES @.releases (release),
        state text NOT NULL CHECK (state IN ('deployed', 'live', 'standby', 'retired', 'rolled-back')),
        color text CHECK (color IN ('blue', 'green')),
        at timestamptz NOT NULL DEFAULT now(),
        by text NOT NULL DEFAULT current_user
      );
      CREATE INDEX release_events_release_seq ON @.release_events (release, seq);
      CREATE TABLE @.deprecations (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        object text NOT NULL CHECK (object <> ''),
        release text NOT NULL REFERENCES @.releases (release),
        source text NOT NULL CHECK (source IN ('directive', 'command')),
        migration_id text,
        at timestamptz NOT NULL DEFAULT now(),
        by text NOT NULL DEFAULT current_user
      );`,
  },
  {
    version: 2,
    description: 'per-statement progress of no-transaction migrations, so they resume after a crash',
    sql: `
      CREATE TABLE @.statement_progress (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        migration_id text NOT NULL,
        checksum text NOT NULL,
        statement_index integer NOT NULL CHECK (statement_index >= 0),
        release text,
        done_at timestamptz NOT NULL DEFAULT now(),
        duration_ms integer NOT NULL CHECK (duration_ms >= 0),
        UNIQUE (migration_id, checksum, statement_index)
      );`,
  },
  {
    version: 3,
    description: 'pool-budget checks run by apply --phase expand, for status',
    // IF NOT EXISTS: bgmigrate 0.1 development builds created this table outside the versioning.
    sql: `
      CREATE TABLE IF NOT EXISTS @.pool_checks (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        checked_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        checked_by text NOT NULL DEFAULT current_user,
        release text,
        outcome text NOT NULL CHECK (outcome IN ('fits', 'over-budget', 'skipped')),
        budget jsonb
      );`,
  },
  {
    version: 4,
    description: 'why a release was retired; when a statement that commits as it goes was started',
    sql: `
      ALTER TABLE @.release_events ADD COLUMN reason text;
      CREATE TABLE @.statement_starts (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        migration_id text NOT NULL,
        checksum text NOT NULL,
        statement_index integer NOT NULL CHECK (statement_index >= 0),
        started_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE @.no_traffic_applies (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        migration_ids jsonb NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        by text NOT NULL DEFAULT current_user
      );`,
  },
  {
    version: 5,
    description: 'migrations recorded from another tool\'s history (ledger baseline); withdrawn deprecations',
    sql: `
      ALTER TABLE @.migrations
        ADD COLUMN source text NOT NULL DEFAULT 'apply' CHECK (source IN ('apply', 'baseline')),
        ADD COLUMN baseline_from text;
      CREATE TABLE @.deprecation_withdrawals (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        deprecation_seq bigint NOT NULL UNIQUE REFERENCES @.deprecations (seq),
        reason text NOT NULL CHECK (reason <> ''),
        at timestamptz NOT NULL DEFAULT now(),
        by text NOT NULL DEFAULT current_user
      );`,
  },
  {
    version: 6,
    description: 'usage evidence: pg_stat_statements snapshots, and the overrides of usage refusals',
    sql: `
      CREATE TABLE @.usage_snapshots (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        taken_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        by text NOT NULL DEFAULT current_user,
        release text,
        server text NOT NULL,
        reason text NOT NULL CHECK (reason IN ('ship', 'manual')),
        stats_reset timestamptz,
        dealloc bigint
      );
      CREATE TABLE @.usage_snapshot_entries (
        snapshot_seq bigint NOT NULL REFERENCES @.usage_snapshots (seq),
        queryid bigint NOT NULL,
        dbid oid NOT NULL,
        userid oid NOT NULL,
        calls bigint NOT NULL,
        query_hash text NOT NULL,
        PRIMARY KEY (snapshot_seq, queryid, dbid, userid)
      );
      CREATE TABLE @.usage_overrides (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        object text NOT NULL,
        reason text NOT NULL CHECK (reason <> ''),
        migration_id text,
        at timestamptz NOT NULL DEFAULT now(),
        by text NOT NULL DEFAULT current_user
      );`,
  },
  {
    version: 7,
    description: 'backfill checkpoints: the last key done and the rows done, committed with each batch',
    sql: `
      CREATE TABLE @.backfill_progress (
        migration_id text NOT NULL,
        checksum text NOT NULL,
        key_column text NOT NULL,
        last_key text,
        rows_done bigint NOT NULL DEFAULT 0,
        batches integer NOT NULL DEFAULT 0,
        estimate bigint,
        started_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        PRIMARY KEY (migration_id, checksum)
      );`,
  },
];

/** The ledger version this bgmigrate writes. */
export const LEDGER_VERSION = LEDGER_MIGRATIONS[LEDGER_MIGRATIONS.length - 1].version;

/** The schema name, checked (it is interpolated into SQL). */
export function ledgerSchema(options: LedgerOptions = {}): string {
  const schema = options.schema ?? DEFAULT_LEDGER_SCHEMA;
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) {
    throw new UsageError(`ledger schema must be a lower-case SQL identifier, got "${schema}"`);
  }
  return schema;
}

/** `"schema"` for SQL text. */
export function quoted(schema: string): string {
  return `"${schema}"`;
}

/**
 * Serialises writers of one ledger (creation, upgrades, release transitions) for the rest of
 * the current transaction. Two int4 keys, so it cannot collide with the runner's bigint lock.
 */
export function ledgerLockSql(schema: string): string {
  return `SELECT pg_advisory_xact_lock(1650943340, hashtext('${schema}'))`;
}

/** The ledger's current version, or 0 when it does not exist yet. Two catalog-cheap queries. */
export async function ledgerVersion(client: pg.ClientBase, options: LedgerOptions = {}): Promise<number> {
  const schema = ledgerSchema(options);
  try {
    if (!(await relationExists(client, `${quoted(schema)}.schema_version`))) return 0;
    const result = await client.query<{ version: number | null }>(
      `SELECT max(version) AS version FROM ${quoted(schema)}.schema_version`,
    );
    return result.rows[0].version ?? 0;
  } catch (error) {
    throw ledgerError(error, schema, 'read');
  }
}

/** Refuses a ledger written by a newer bgmigrate, whose tables this one does not know. */
export function checkNotNewer(version: number, schema: string): void {
  if (version > LEDGER_VERSION) {
    throw new UsageError(
      `the ledger in schema "${schema}" is at version ${version}, newer than this bgmigrate understands (${LEDGER_VERSION}); upgrade bgmigrate`,
    );
  }
}

/** What {@link ensureLedger} did. */
export interface EnsureLedgerResult {
  /** The ledger's version before the call (0: it did not exist). */
  from: number;
  /** Its version now. */
  to: number;
}

/**
 * Creates the ledger schema and tables on first use and upgrades an older ledger in place.
 * Safe to call concurrently and on every run: when the ledger is current it costs two cheap
 * reads and takes no lock. Works inside the caller's transaction (the creation then commits or
 * rolls back with it) and outside one (it is then one implicit transaction of its own).
 *
 * @param options.upTo stop at this ledger version (tests of the upgrade path).
 * @throws UsageError when the role may not create the schema, or the ledger is newer than this bgmigrate.
 */
export async function ensureLedger(
  client: pg.ClientBase,
  options: LedgerOptions & { upTo?: number } = {},
): Promise<EnsureLedgerResult> {
  const schema = ledgerSchema(options);
  const target = options.upTo ?? LEDGER_VERSION;
  const current = await ledgerVersion(client, options);
  checkNotNewer(current, schema);
  if (current >= target) return { from: current, to: current };

  // One multi-statement query: PostgreSQL runs it as one transaction when none is open, and
  // the advisory lock makes a concurrent creator wait, then find the work done.
  const steps = LEDGER_MIGRATIONS.filter((step) => step.version <= target)
    .map(
      (step) => `
    IF v < ${step.version} THEN
      ${step.sql.replaceAll('@', quoted(schema)).trim()}
      INSERT INTO ${quoted(schema)}.schema_version (version) VALUES (${step.version});
      v := ${step.version};
    END IF;`,
    )
    .join('\n');
  const text = `${ledgerLockSql(schema)};
CREATE SCHEMA IF NOT EXISTS ${quoted(schema)};
CREATE TABLE IF NOT EXISTS ${quoted(schema)}.schema_version (
  version integer PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
);
DO $bgmigrate_ledger$
DECLARE v integer;
BEGIN
  SELECT coalesce(max(version), 0) INTO v FROM ${quoted(schema)}.schema_version;
  IF v > ${LEDGER_VERSION} THEN
    RAISE EXCEPTION 'bgmigrate ledger version % is newer than %', v, ${LEDGER_VERSION};
  END IF;
${steps}
END
$bgmigrate_ledger$;`;
  try {
    // CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema exists.
    if (current > 0) {
      await client.query(text.replace(/CREATE SCHEMA IF NOT EXISTS [^;]*;/, ''));
    } else {
      await client.query(text);
    }
  } catch (error) {
    throw ledgerError(error, schema, 'create');
  }
  return { from: current, to: target };
}

/**
 * One line for a database error met while using the ledger: permission problems say which
 * grant is missing; anything else keeps PostgreSQL's message.
 */
export function ledgerError(error: unknown, schema: string, doing: 'create' | 'read' | 'write'): Error {
  if (error instanceof UsageError) return error;
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === '42501') {
    const need =
      doing === 'create'
        ? `grant CREATE on the database (or create schema "${schema}" for this role)`
        : `grant USAGE on schema "${schema}" and ${doing === 'read' ? 'SELECT' : 'SELECT, INSERT'} on its tables`;
    return new UsageError(`cannot ${doing} the ledger in schema "${schema}": ${message}; ${need}`, { cause: error });
  }
  if (code === '25006') {
    return new UsageError(`cannot ${doing} the ledger in schema "${schema}": the connection is read-only (${message})`, { cause: error });
  }
  return new UsageError(`cannot ${doing} the ledger in schema "${schema}": ${message}`, { cause: error });
}
