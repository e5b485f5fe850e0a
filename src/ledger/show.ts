/**
 * `ledger show` / `status`: the whole ledger, read without writing.
 */
import type pg from 'pg';
import { appliedMigrations, listDeprecations, type LedgerMigration, type Deprecation } from './record.js';
import { listReleases, releaseEvents, type ReleaseEvent, type ReleaseInfo, type WindowOptions } from './releases.js';
import { ledgerSchema, ledgerVersion } from './schema.js';

/** The ledger's contents. */
export interface LedgerContents {
  schema: string;
  /** 0 when the ledger does not exist yet (then every list is empty). */
  version: number;
  migrations: LedgerMigration[];
  releases: ReleaseInfo[];
  events: ReleaseEvent[];
  deprecations: Deprecation[];
}

/**
 * Reads the whole ledger in one REPEATABLE READ, READ ONLY transaction of its own (the client
 * must not be in a transaction). Never creates it.
 */
export async function showLedger(client: pg.ClientBase, options: WindowOptions): Promise<LedgerContents> {
  const schema = ledgerSchema(options);
  await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const version = await ledgerVersion(client, options);
    const contents: LedgerContents = {
      schema,
      version,
      migrations: await appliedMigrations(client, options),
      releases: await listReleases(client, options),
      events: await releaseEvents(client, options),
      deprecations: await listDeprecations(client, options),
    };
    await client.query('COMMIT');
    return contents;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
