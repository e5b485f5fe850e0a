import type pg from 'pg';
import { RefusalError, UsageError } from '../errors.js';
import { configName } from '../config/config.js';
import { insertPoolCheck, lastPoolCheck, type PoolCheckRow } from '../ledger/pool-checks.js';
import { computeBudget, type PoolBudget } from './budget.js';
import type { PoolConfig } from './config.js';
import { offlineSupply, readServerSupply, type ReadSupplyOptions } from './supply.js';

/** Thrown when the budget does not fit (exit 1); carries the budget so the CLI can print the table. */
export class PoolBudgetRefusal extends RefusalError {
  readonly budget: PoolBudget;

  constructor(budget: PoolBudget) {
    super(budget.summary);
    this.name = 'PoolBudgetRefusal';
    this.budget = budget;
  }
}

/** The `pool` section, or a UsageError (exit 2) naming the config file and saying how to add one. */
export function requirePoolConfig(pool: PoolConfig | undefined, configSource?: string): PoolConfig {
  if (pool === undefined) {
    throw new UsageError(
      `${noPoolSection(configSource)}: add one such as {"pool": {"colors": {"blue": {"instances": 4, "poolSize": 20}, "green": {"instances": 4, "poolSize": 20}}, "role": "app"}}`,
    );
  }
  return pool;
}

function noPoolSection(configSource: string | undefined): string {
  return configSource === undefined ? `${configName(undefined)}, so no "pool" section` : `${configName(configSource)} has no "pool" section`;
}

/**
 * Computes the budget against a live server (`client`) or offline (`maxConnections`). Returns the
 * budget whatever the verdict; `budget.ok` says whether it fits.
 *
 * @throws UsageError for a missing `pool` section, an unknown role, hidden sessions, bad offline numbers.
 * @example const budget = await checkPoolBudget({ pool: config.pool, client });
 */
export async function checkPoolBudget(
  source:
    | ({ pool: PoolConfig | undefined; client: pg.Client } & ReadSupplyOptions)
    | { pool: PoolConfig | undefined; maxConnections: number; reserved?: number },
): Promise<PoolBudget> {
  const pool = requirePoolConfig(source.pool);
  const supply =
    'client' in source
      ? await readServerSupply(source.client, pool, { ownPids: source.ownPids, hiddenSessions: source.hiddenSessions, configSource: source.configSource })
      : offlineSupply({ maxConnections: source.maxConnections, reserved: source.reserved });
  return computeBudget(pool, supply);
}

/** What the expand gate did. */
export type PoolGateResult =
  | { outcome: 'fits'; budget: PoolBudget; message: string }
  | { outcome: 'skipped'; message: string }
  | { outcome: 'not-configured'; message: string };

/**
 * The gate `apply --phase expand` runs before it applies anything (green is about to start).
 * Computes the budget on `client`, records the outcome in `<ledgerSchema>.pool_checks` (so
 * `status` can show it), and throws `PoolBudgetRefusal` (exit 1) when it does not fit.
 * `skip` (`--skip-pool-check`) records a skipped check and returns. A config without a `pool`
 * section returns `not-configured` (nothing to check, nothing recorded).
 *
 * @throws PoolBudgetRefusal when over budget; UsageError for an unknown role or hidden sessions.
 * @example await poolGate(client, config, { release: 'v43', ownPids: [lockSessionPid] });
 */
export async function poolGate(
  client: pg.Client,
  config: { pool?: PoolConfig; ledger: { schema: string }; source?: string },
  options: { skip?: boolean; release?: string; record?: boolean } & ReadSupplyOptions = {},
): Promise<PoolGateResult> {
  const record = options.record ?? true;
  if (config.pool === undefined) {
    return {
      outcome: 'not-configured',
      message: `pool budget not checked: ${noPoolSection(config.source)} (add one to check that both colors' pools fit the server's max_connections)`,
    };
  }
  if (options.skip) {
    if (record) await recordPoolCheck(client, config.ledger.schema, { outcome: 'skipped', release: options.release });
    return { outcome: 'skipped', message: 'pool budget not checked: --skip-pool-check' };
  }
  const budget = computeBudget(
    config.pool,
    await readServerSupply(client, config.pool, { ownPids: options.ownPids, hiddenSessions: options.hiddenSessions, configSource: config.source }),
  );
  if (record) await recordPoolCheck(client, config.ledger.schema, { outcome: budget.verdict, release: options.release, budget });
  if (!budget.ok) throw new PoolBudgetRefusal(budget);
  return { outcome: 'fits', budget, message: budget.summary };
}

/** A recorded pool check, as `status` shows it. */
export type PoolCheckRecord = PoolCheckRow<PoolBudget>;

/** Appends one pool check to the ledger (src/ledger/pool-checks.ts owns the table). */
export async function recordPoolCheck(
  client: pg.ClientBase,
  schema: string,
  check: { outcome: PoolCheckRecord['outcome']; release?: string; budget?: PoolBudget },
): Promise<void> {
  await insertPoolCheck(client, check, { schema });
}

/** The last recorded pool check, or undefined when none was recorded. Read-only. */
export async function readLastPoolCheck(client: pg.ClientBase, schema: string): Promise<PoolCheckRecord | undefined> {
  return lastPoolCheck<PoolBudget>(client, { schema });
}

/**
 * One line for `status`: when the last pool check ran, for which release, and its verdict.
 *
 * @example describePoolCheck(await readLastPoolCheck(client, 'bgmigrate'))
 */
export function describePoolCheck(record: PoolCheckRecord | undefined): string {
  if (record === undefined) return 'pool budget: never checked (apply --phase expand checks it)';
  const when = record.checkedAt.toISOString().replace(/:\d\d\.\d+Z$/, 'Z');
  const release = record.release === null ? '' : ` for release ${record.release}`;
  if (record.outcome === 'skipped' || record.budget === null) return `pool budget: skipped at ${when}${release} (--skip-pool-check)`;
  return `pool budget at ${when}${release}: ${record.budget.summary}`;
}
