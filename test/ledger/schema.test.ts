import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { UsageError } from '../../src/errors.js';
import { ensureLedger, LEDGER_VERSION, ledgerVersion, recordMigration } from '../../src/ledger/index.js';
import { createTestDatabase, withClient, withDatabase, type TestDatabase } from '../support/db.js';
import { client, freshSchema, thrown } from './helpers.js';

let db: TestDatabase;
let c: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase('ledger_schema');
  c = await client(db.url);
});
afterAll(async () => {
  await c.end();
  await db.drop();
});

async function tables(schema: string): Promise<string[]> {
  const { rows } = await c.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`,
    [schema],
  );
  return rows.map((row) => row.name);
}

async function versions(schema: string): Promise<number[]> {
  const { rows } = await c.query<{ version: number }>(`SELECT version FROM "${schema}".schema_version ORDER BY version`);
  return rows.map((row) => row.version);
}

describe('ensureLedger', () => {
  it('creates the schema, its tables and its version on first use', async () => {
    const schema = freshSchema();
    expect(await ledgerVersion(c, { schema })).toBe(0);
    expect(await ensureLedger(c, { schema })).toEqual({ from: 0, to: 7 });
    expect(LEDGER_VERSION).toBe(7);
    expect(await tables(schema)).toEqual([
      'backfill_progress',
      'deprecation_withdrawals',
      'deprecations',
      'migrations',
      'no_traffic_applies',
      'pool_checks',
      'release_events',
      'releases',
      'schema_version',
      'statement_progress',
      'statement_starts',
      'usage_overrides',
      'usage_snapshot_entries',
      'usage_snapshots',
    ]);
    expect(await versions(schema)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('uses the default schema bgmigrate', async () => {
    await ensureLedger(c);
    expect(await ledgerVersion(c)).toBe(7);
    expect((await tables('bgmigrate')).length).toBe(14);
  });

  it('is idempotent: a second call changes nothing', async () => {
    const schema = freshSchema();
    await ensureLedger(c, { schema });
    expect(await ensureLedger(c, { schema })).toEqual({ from: 7, to: 7 });
    expect(await versions(schema)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('is safe when many processes create the ledger at once', async () => {
    const schema = freshSchema();
    const clients = await Promise.all(Array.from({ length: 6 }, () => client(db.url)));
    try {
      const results = await Promise.all(clients.map((each) => ensureLedger(each, { schema })));
      expect(results.filter((r) => r.from === 0).length).toBeGreaterThanOrEqual(1);
      expect(results.every((r) => r.to === 7)).toBe(true);
    } finally {
      await Promise.all(clients.map((each) => each.end()));
    }
    expect(await versions(schema)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('upgrades an older ledger in place, keeping its history', async () => {
    const schema = freshSchema();
    expect(await ensureLedger(c, { schema, upTo: 1 })).toEqual({ from: 0, to: 1 });
    expect(await tables(schema)).not.toContain('statement_progress');
    await recordMigration(c, { id: '001.sql', checksum: 'a'.repeat(64), phase: 'expand', durationMs: 5 }, { schema });
    expect(await ensureLedger(c, { schema })).toEqual({ from: 1, to: 7 });
    expect(await versions(schema)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await tables(schema)).toContain('statement_progress');
    const { rows } = await c.query(`SELECT id FROM "${schema}".migrations`);
    expect(rows).toEqual([{ id: '001.sql' }]);
  });

  it('refuses a ledger written by a newer bgmigrate', async () => {
    const schema = freshSchema();
    await ensureLedger(c, { schema });
    await c.query(`INSERT INTO "${schema}".schema_version (version) VALUES (99)`);
    const error = await thrown(() => ensureLedger(c, { schema }));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe(
      `the ledger in schema "${schema}" is at version 99, newer than this bgmigrate understands (7); upgrade bgmigrate`,
    );
  });

  it('rolls back with the caller’s transaction', async () => {
    const schema = freshSchema();
    await c.query('BEGIN');
    await ensureLedger(c, { schema });
    expect(await ledgerVersion(c, { schema })).toBe(7);
    await c.query('ROLLBACK');
    expect(await ledgerVersion(c, { schema })).toBe(0);
  });

  it('rejects a schema name that is not a plain identifier', async () => {
    const error = await thrown(() => ensureLedger(c, { schema: 'x"; drop table y; --' }));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe('ledger schema must be a lower-case SQL identifier, got "x"; drop table y; --"');
  });

  describe('a role without CREATE on the database', () => {
    const role = `bgm_nocreate_${process.pid}`;
    beforeAll(async () => {
      await c.query(`CREATE ROLE ${role} LOGIN PASSWORD 'pw_nocreate_1'`);
      await c.query(`REVOKE CREATE ON DATABASE "${db.name}" FROM PUBLIC`);
    });
    afterAll(async () => {
      await withClient(withDatabase(db.url, 'postgres'), async (admin) => {
        await admin.query(`DROP OWNED BY ${role}`).catch(() => undefined);
      });
      await c.query(`DROP OWNED BY ${role}`);
      await c.query(`DROP ROLE ${role}`);
    });

    it('gets one line saying which grant is missing', async () => {
      const limited = await client(withDatabase(db.url, db.name, { user: role, password: 'pw_nocreate_1' }));
      try {
        const error = await thrown(() => ensureLedger(limited, { schema: freshSchema() }));
        expect(error).toBeInstanceOf(UsageError);
        expect(error.message).toMatch(
          /^cannot create the ledger in schema "ledger_\d+_\d+": permission denied for database bgm_ledger_schema_[0-9a-f]+; grant CREATE on the database \(or create schema "ledger_\d+_\d+" for this role\)$/,
        );
      } finally {
        await limited.end();
      }
    });

    it('can still use a ledger someone else created and granted', async () => {
      const schema = freshSchema();
      await ensureLedger(c, { schema });
      await c.query(`GRANT USAGE ON SCHEMA "${schema}" TO ${role}`);
      await c.query(`GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA "${schema}" TO ${role}`);
      const limited = await client(withDatabase(db.url, db.name, { user: role, password: 'pw_nocreate_1' }));
      try {
        expect(await ensureLedger(limited, { schema })).toEqual({ from: 7, to: 7 });
        const row = await recordMigration(limited, { id: 'x.sql', checksum: 'c', phase: 'expand', durationMs: 1 }, { schema });
        expect(row.appliedBy).toBe(role);
      } finally {
        await limited.end();
      }
    });

    it('says which grant is missing when it may not read the ledger', async () => {
      const schema = freshSchema();
      await ensureLedger(c, { schema });
      await c.query(`GRANT USAGE ON SCHEMA "${schema}" TO ${role}`);
      const limited = await client(withDatabase(db.url, db.name, { user: role, password: 'pw_nocreate_1' }));
      try {
        const error = await thrown(() => recordMigration(limited, { id: 'x.sql', checksum: 'c', phase: 'expand', durationMs: 1 }, { schema }));
        expect(error).toBeInstanceOf(UsageError);
        expect(error.message).toBe(
          `cannot write the ledger in schema "${schema}": permission denied for table migrations; grant USAGE on schema "${schema}" and SELECT, INSERT on its tables`,
        );
      } finally {
        await limited.end();
      }
    });
  });
});
