/**
 * Fills a ledger with a large synthetic history, for measuring the ledger gate's cost
 * (`check --database` against 10,000 applied migrations and 1,000 releases).
 */
import type pg from 'pg';
import { ensureLedger, ledgerSchema, type LedgerOptions } from './schema.js';

export interface FillOptions extends LedgerOptions {
  /** Applied migrations to add (default 10,000): ids `bench/000001.sql`, …, phase alternating. */
  migrations?: number;
  /** Releases to add (default 1,000): `bench-v1` … ; all retired except the last two (standby, live). */
  releases?: number;
  /** Deprecations to add (default 1,000): `public.bench_table_<n>.old_column` at release n. */
  deprecations?: number;
}

/**
 * Creates the ledger if needed and appends a synthetic history with a handful of
 * `INSERT … SELECT generate_series` statements (about a second for the defaults). Run it on a
 * throwaway database; the rows are indistinguishable from real history.
 *
 * @returns the counts inserted.
 */
export async function fillLedger(
  client: pg.ClientBase,
  options: FillOptions = {},
): Promise<{ migrations: number; releases: number; events: number; deprecations: number }> {
  const schema = `"${ledgerSchema(options)}"`;
  const migrations = options.migrations ?? 10_000;
  const releases = options.releases ?? 1_000;
  const deprecations = Math.min(options.deprecations ?? 1_000, releases);
  await ensureLedger(client, options);
  await client.query('BEGIN');
  try {
    await client.query(
      `INSERT INTO ${schema}.releases (release, created_at)
       SELECT 'bench-v' || n, now() - make_interval(hours => $1 - n) FROM generate_series(1, $1::int) AS n`,
      [releases],
    );
    // Every release was deployed, went live, then stood by; all but the newest two were retired.
    const events = await client.query(
      `INSERT INTO ${schema}.release_events (release, state, color, at)
       SELECT 'bench-v' || n, s.state, CASE WHEN s.state = 'live' THEN (CASE WHEN n % 2 = 0 THEN 'blue' ELSE 'green' END) END,
              now() - make_interval(hours => $1 - n) + make_interval(mins => s.step)
       FROM generate_series(1, $1::int) AS n
       CROSS JOIN (VALUES (1, 'deployed'), (2, 'live'), (3, 'standby'), (4, 'retired')) AS s(step, state)
       WHERE (n <= $1 - 2) OR (n = $1 - 1 AND s.step <= 3) OR (n = $1 AND s.step <= 2)
       ORDER BY n, s.step`,
      [releases],
    );
    await client.query(
      `INSERT INTO ${schema}.migrations (id, checksum, phase, release, applied_at, duration_ms, effects)
       SELECT 'bench/' || lpad(n::text, 6, '0') || '.sql',
              encode(sha256(convert_to('bench ' || n, 'UTF8')), 'hex'),
              CASE WHEN n % 3 = 0 THEN 'contract' ELSE 'expand' END,
              'bench-v' || (1 + (n - 1) * $2 / $1),
              now() - make_interval(secs => $1 - n),
              n % 500,
              jsonb_build_array(jsonb_build_object('kind', 'add-column', 'object', 'public.bench_table_' || n || '.c', 'class', 'additive'))
       FROM generate_series(1, $1::int) AS n
       ORDER BY n`,
      [migrations, releases],
    );
    await client.query(
      `INSERT INTO ${schema}.deprecations (object, release, source)
       SELECT 'public.bench_table_' || n || '.old_column', 'bench-v' || n, 'command'
       FROM generate_series(1, $1::int) AS n ORDER BY n`,
      [deprecations],
    );
    await client.query('COMMIT');
    return { migrations, releases, events: events.rowCount ?? 0, deprecations };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
