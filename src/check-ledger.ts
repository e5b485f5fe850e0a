/**
 * What `check --database` reads before linting: the server's version and the phase ledger.
 * Apart from check.ts so that offline checks never load the database driver or Kysely.
 */
import type { Config } from './config/config.js';
import { connect, serverVersion } from './db/connect.js';
import { DriftError } from './errors.js';
// Not ./ledger/index.js: the gate and drift modules avoid loading Kysely (~150 ms) for a read.
import { describeDrift } from './ledger/drift.js';
import { ledgerGate } from './ledger/gate.js';
import { catalogObjects } from './ledger/objects.js';
import type { Effect, LedgerGate, MigrationFile } from './model.js';

/** What `check --database` reads from the server before linting. */
export interface LedgerReading {
  /** The server's major version: the default target of the lint. */
  serverMajor: number;
  /** The ledger rule, read once in a READ ONLY transaction. */
  gate: LedgerGate;
  /** Every object the database has that a deprecation may name (src/ledger/objects.ts). */
  catalog: Set<string>;
}

/**
 * Reads the server's version and the phase ledger for `check --database`, never writing, and
 * stops (RefusalError, exit 1) when an applied migration's file changed since it was applied.
 *
 * @example const { gate, serverMajor } = await readLedgerForCheck(url, config, migrations);
 */
export async function readLedgerForCheck(
  url: string,
  config: Config,
  migrations: readonly MigrationFile[],
): Promise<LedgerReading> {
  const client = await connect(url, { applicationName: 'bgmigrate check' });
  try {
    const serverMajor = await serverVersion(client);
    const gate = await ledgerGate(client, {
      schema: config.ledger.schema,
      rollbackWindowMs: config.ledger.rollbackWindowMs,
      // The server compares checksums and sends back only the changed files.
      files: migrations,
      driftKinds: 'changed',
    });
    const changed = gate.drift(migrations).filter((d) => d.kind === 'changed');
    if (changed.length > 0) {
      const count = changed.length === 1 ? '1 applied migration has' : `${changed.length} applied migrations have`;
      throw new DriftError(
        `${count} changed since it was applied; restore the file or deal with "bgmigrate ledger verify" first\n` +
          changed.map((d) => `  ${describeDrift(d)}`).join('\n'),
      );
    }
    return { serverMajor, gate, catalog: await catalogObjects(client) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * `check --database`: the ledger gate wrapped with the usage evidence (read-only): an effect the
 * ledger allows is refused while a live query still uses its object.
 */
export async function readUsageGate(
  url: string,
  config: Config,
  gate: LedgerGate,
  effects: readonly Effect[],
): Promise<{ gate: LedgerGate; warnings: string[] }> {
  const client = await connect(url, { applicationName: 'bgmigrate check' });
  try {
    const { usageGate, usageReader, connectUsageServers } = await import('./usage/evidence.js');
    const schema = config.ledger.schema;
    const others = await connectUsageServers(config.usage.servers);
    try {
      const usage = await usageGate(gate, await usageReader(client, { schema, servers: others.servers }), effects, { schema, require: config.usage.require });
      return { gate: usage.gate, warnings: usage.warnings };
    } finally {
      await others.close();
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
