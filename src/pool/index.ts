/** The connection-pool budget: demand from config, supply from the server, a verdict. See docs/pool.md. */
export { validatePoolConfig, type PoolConfig, type PoolColor, type PoolOther, type PgBouncerConfig } from './config.js';
export {
  readServerSupply,
  offlineSupply,
  type ServerSupply,
  type ReadSupplyOptions,
  type UnlistedClients,
  type HiddenSessions,
} from './supply.js';
export {
  computeBudget,
  RUNNER_CONNECTIONS,
  RUNNER_NAME,
  type PoolBudget,
  type DemandLine,
  type DemandKind,
  type LimitCheck,
  type LimitName,
  type Suggestion,
} from './budget.js';
export { renderBudget } from './render.js';
export {
  checkPoolBudget,
  poolGate,
  requirePoolConfig,
  recordPoolCheck,
  readLastPoolCheck,
  describePoolCheck,
  PoolBudgetRefusal,
  type PoolGateResult,
  type PoolCheckRecord,
} from './check.js';
