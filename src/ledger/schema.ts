/**
 * The ledger's tables as Kysely types, and typed queries on a caller's pg client. The DDL,
 * versions and creation live in ./ddl.ts (re-exported here).
 */
import { Kysely, PostgresDialect, type ColumnType, type PostgresPool, type PostgresPoolClient } from 'kysely';
import type pg from 'pg';
import { ledgerSchema, type DeprecationSource, type LedgerOptions, type MigrationSource, type ReleaseColor, type ReleaseState } from './ddl.js';

export * from './ddl.js';

type Timestamp = ColumnType<Date, Date | string | undefined, never>;
/** bigint identity columns: pg returns them as strings. */
type Identity = ColumnType<string, never, never>;
type Json<T> = ColumnType<T, string, never>;

export interface SchemaVersionTable {
  version: number;
  applied_at: Timestamp;
}

export interface MigrationsTable {
  seq: Identity;
  id: string;
  checksum: string;
  phase: 'expand' | 'contract';
  release: string | null;
  applied_at: Timestamp;
  applied_by: ColumnType<string, string | undefined, never>;
  duration_ms: number;
  effects: Json<unknown[]>;
  suppressions: Json<unknown[]>;
  /** `baseline`: recorded by `ledger baseline` from another tool's history, not run by bgmigrate. */
  source: ColumnType<MigrationSource, MigrationSource | undefined, never>;
  /** With `baseline`: the tool whose history it came from, or `up-to`. */
  baseline_from: ColumnType<string | null, string | null | undefined, never>;
}

export interface StatementProgressTable {
  seq: Identity;
  migration_id: string;
  checksum: string;
  statement_index: number;
  release: string | null;
  done_at: Timestamp;
  duration_ms: number;
}

export interface ReleasesTable {
  release: string;
  seq: Identity;
  created_at: Timestamp;
}

export interface ReleaseEventsTable {
  seq: Identity;
  release: string;
  state: ReleaseState;
  color: ReleaseColor | null;
  at: Timestamp;
  by: ColumnType<string, string | undefined, never>;
  reason: ColumnType<string | null, string | null | undefined, never>;
}

export interface DeprecationsTable {
  seq: Identity;
  object: string;
  release: string;
  source: DeprecationSource;
  migration_id: string | null;
  at: Timestamp;
  by: ColumnType<string, string | undefined, never>;
}

export interface DeprecationWithdrawalsTable {
  seq: Identity;
  deprecation_seq: string;
  reason: string;
  at: Timestamp;
  by: ColumnType<string, string | undefined, never>;
}

/** The ledger's tables as Kysely sees them (unqualified; queries use `withSchema`). */
export interface LedgerTables {
  schema_version: SchemaVersionTable;
  migrations: MigrationsTable;
  statement_progress: StatementProgressTable;
  releases: ReleasesTable;
  release_events: ReleaseEventsTable;
  deprecations: DeprecationsTable;
  deprecation_withdrawals: DeprecationWithdrawalsTable;
}

/**
 * A Kysely instance that runs every query on `client` (a caller-held connection, possibly
 * inside the caller's transaction). Nothing is pooled and `destroy()` never closes the client.
 */
export function ledgerDb(client: pg.ClientBase, options: LedgerOptions = {}): Kysely<LedgerTables> {
  const pool: PostgresPool = {
    connect: async () =>
      ({
        query: (sql: string, parameters: readonly unknown[]) => client.query(sql, [...parameters]),
        release: () => undefined,
      }) as unknown as PostgresPoolClient,
    end: async () => undefined,
  };
  return new Kysely<LedgerTables>({ dialect: new PostgresDialect({ pool }) }).withSchema(ledgerSchema(options));
}

