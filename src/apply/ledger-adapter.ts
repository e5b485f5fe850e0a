/**
 * The runner's ledger operations, on src/ledger's functions. Everything runs on the caller's
 * client, inside the caller's transaction when there is one.
 */
import type pg from 'pg';
import type { Config } from '../config/config.js';
import {
  appliedMigrations,
  ensureLedger,
  gateFromSnapshot,
  readLedgerSnapshot,
  recordDeprecations,
  recordMigration,
  recordStatementProgress,
  statementProgress,
} from '../ledger/index.js';
import { registerRelease } from '../ledger/record.js';
import { ledgerDb, ledgerLockSql, ledgerSchema, ledgerVersion } from '../ledger/schema.js';
import type { LedgerPort, PartialRecord } from './ledger-port.js';

export function ledgerPort(config: Config): LedgerPort {
  const options = { schema: config.ledger.schema };
  const ledgerSchemaName = ledgerSchema(options);
  return {
    schema: ledgerSchemaName,
    async exists(client) {
      return (await ledgerVersion(client, options)) > 0;
    },
    async ensure(client) {
      await ensureLedger(client, options);
    },
    async applied(client) {
      return (await appliedMigrations(client, options)).map((m) => ({
        id: m.id,
        checksum: m.checksum,
        phase: m.phase,
        release: m.release,
        appliedAt: m.appliedAt,
      }));
    },
    async partial(client, ids) {
      const found: PartialRecord[] = [];
      for (const id of ids) {
        const rows = await statementProgress(client, id, options);
        if (rows.length === 0) continue;
        // Progress made with different file contents shows up as a checksum of its own.
        const byChecksum = new Map<string, number[]>();
        for (const row of rows) byChecksum.set(row.checksum, [...(byChecksum.get(row.checksum) ?? []), row.statementIndex]);
        for (const [checksum, done] of byChecksum) found.push({ id, checksum, doneStatements: [...new Set(done)] });
      }
      return found;
    },
    async recordMigration(client, record) {
      await recordMigration(client, record, options);
    },
    async shippedReleases(client) {
      const { rows } = await client.query<{ release: string }>(
        `SELECT DISTINCT release FROM "${ledgerSchemaName}".release_events WHERE state = 'live' ORDER BY release`,
      );
      return rows.map((r) => r.release);
    },
    async recordNoTraffic(client, migrationIds) {
      await client.query(`INSERT INTO "${ledgerSchemaName}".no_traffic_applies (migration_ids) VALUES ($1)`, [JSON.stringify(migrationIds)]);
    },
    async recordStart(client, start) {
      await client.query(`INSERT INTO "${ledgerSchemaName}".statement_starts (migration_id, checksum, statement_index) VALUES ($1, $2, $3)`, [start.id, start.checksum, start.index]);
    },
    async starts(client, id, checksum) {
      const { rows } = await client.query<{ index: number; at: Date }>(
        `SELECT statement_index AS index, started_at AS at FROM "${ledgerSchemaName}".statement_starts WHERE migration_id = $1 AND checksum = $2 ORDER BY seq`,
        [id, checksum],
      );
      return rows;
    },
    async recordStatement(client, progress) {
      await recordStatementProgress(
        client,
        {
          migrationId: progress.id,
          checksum: progress.checksum,
          statementIndex: progress.index,
          durationMs: progress.durationMs,
          release: progress.release,
        },
        options,
      );
    },
    async recordDeprecations(client, deprecation) {
      await recordDeprecations(client, deprecation.objects, deprecation.release, {
        ...options,
        source: 'directive',
        migrationId: deprecation.migrationId,
      });
    },
    async recordDeployed(client, release) {
      await registerRelease(ledgerDb(client as pg.ClientBase, options), release, { deployed: true });
    },
    async gate(client, now) {
      const snapshot = await readLedgerSnapshot(client, { ...options, applied: false });
      return gateFromSnapshot(snapshot, { ...options, rollbackWindowMs: config.ledger.rollbackWindowMs, now });
    },
    async lockedGate(client, now) {
      await client.query(ledgerLockSql(config.ledger.schema));
      return this.gate(client, now);
    },
  };
}
