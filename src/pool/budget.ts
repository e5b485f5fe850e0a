import type { PoolConfig } from './config.js';
import type { ServerSupply } from './supply.js';

/** Connections the migration runner holds while it applies: one advisory-lock session, one statement session. */
export const RUNNER_CONNECTIONS = 2;
/** The `others` entry name that, when present, replaces the implicit runner line. */
export const RUNNER_NAME = 'bgmigrate';

export type DemandKind = 'color' | 'pgbouncer' | 'other' | 'runner' | 'unlisted' | 'hidden';

/** One line of demand: a color, PgBouncer's server pools, another client, or connections open now. */
export interface DemandLine {
  name: string;
  kind: DemandKind;
  connections: number;
  /** How the number was reached, e.g. `4 instances × pool 20`. */
  detail: string;
  /** `pgbouncer-client`: the line connects to PgBouncer, not to the server. */
  side: 'server' | 'pgbouncer-client';
  /** Role the line connects as, when known. */
  role?: string;
  /** Counted against the app role's CONNECTION LIMIT. */
  countsTowardRole: boolean;
  /** Connected to the budgeted database (counted against its CONNECTION LIMIT). */
  inDatabase: boolean;
}

/** Which limit a check is about. */
export type LimitName = 'server' | 'database' | 'role' | 'pgbouncer-client';

/** One limit and the demand that falls under it. */
export interface LimitCheck {
  limit: LimitName;
  /** Where the capacity comes from, in the user's words. */
  label: string;
  capacity: number;
  /** Slots kept free: `capacity − allowed`. */
  headroom: number;
  /** `floor(capacity × (100 − headroomPercent) / 100)`. */
  allowed: number;
  demand: number;
  /** `allowed − demand`; negative when over budget. */
  remaining: number;
  ok: boolean;
  /** Names of the demand lines this limit counts. */
  lines: string[];
}

/** A change that would make an over-budget config fit, verified by recomputing the budget. */
export interface Suggestion {
  /** Largest pool size per instance (same for every color, instances unchanged) that fits; null when none does. */
  poolSize: number | null;
  /** Largest instance count per color at the configured pool sizes that fits; null when none does. */
  instances: number | null;
  /** PgBouncer mode: largest `default_pool_size` that fits; null when none does. */
  pgbouncerDefaultPoolSize?: number | null;
  /** One sentence for the terminal. */
  text: string;
}

/** The connection-pool budget: every demand line, every limit, which one binds, and the verdict. */
export interface PoolBudget {
  version: 1;
  mode: 'direct' | 'pgbouncer';
  source: 'server' | 'offline';
  headroomPercent: number;
  demand: DemandLine[];
  checks: LimitCheck[];
  /** The limit with the least room (the first to fail, or the one failing by most). */
  binding: LimitName;
  ok: boolean;
  verdict: 'fits' | 'over-budget';
  /** One line that says the verdict and why. */
  summary: string;
  suggestion?: Suggestion;
  notes: string[];
  supply: ServerSupply;
}

const TIE_ORDER: LimitName[] = ['role', 'database', 'pgbouncer-client', 'server'];

/**
 * Computes the budget: the config's demand (every color at once, others, the runner) plus the
 * connections open now that the config does not list, against each limit that applies. Pure.
 *
 * @example const budget = computeBudget(config.pool, offlineSupply({ maxConnections: 100 }));
 */
export function computeBudget(pool: PoolConfig, supply: ServerSupply): PoolBudget {
  const budget = evaluate(pool, supply);
  if (!budget.ok) {
    budget.suggestion = suggest(pool, supply, budget);
    budget.summary += `; ${budget.suggestion.text}`;
  }
  return budget;
}

function evaluate(pool: PoolConfig, supply: ServerSupply): PoolBudget {
  const demand = demandLines(pool, supply);
  const h = pool.headroomPercent;
  const checks: LimitCheck[] = [];
  const add = (limit: LimitName, label: string, capacity: number, counted: DemandLine[]) => {
    // The epsilon keeps e.g. 100 × 0.9 from flooring to 89 through float error.
    const allowed = Math.max(0, Math.floor((capacity * (100 - h)) / 100 + 1e-9));
    const total = counted.reduce((n, line) => n + line.connections, 0);
    checks.push({
      limit,
      label,
      capacity,
      headroom: capacity - allowed,
      allowed,
      demand: total,
      remaining: allowed - total,
      ok: total <= allowed,
      lines: counted.map((line) => line.name),
    });
  };

  const server = demand.filter((line) => line.side === 'server');
  const reserved = supply.reservedConnections ?? 0;
  const serverLabel =
    supply.source === 'offline'
      ? `--max-connections ${supply.maxConnections} − ${supply.superuserReservedConnections} reserved`
      : `max_connections ${supply.maxConnections} − superuser_reserved_connections ${supply.superuserReservedConnections}` +
        (supply.reservedConnections === null ? '' : ` − reserved_connections ${reserved}`);
  add('server', serverLabel, Math.max(0, supply.maxConnections - supply.superuserReservedConnections - reserved), server);

  if (supply.database && supply.database.connLimit !== null) {
    add(
      'database',
      `database "${supply.database.name}" CONNECTION LIMIT ${supply.database.connLimit}`,
      supply.database.connLimit,
      server.filter((line) => line.inDatabase),
    );
  }
  if (supply.role && supply.role.connLimit !== null && !supply.role.superuser) {
    add(
      'role',
      `role "${supply.role.name}" CONNECTION LIMIT ${supply.role.connLimit}`,
      supply.role.connLimit,
      server.filter((line) => line.countsTowardRole),
    );
  }
  if (pool.pgbouncer) {
    add(
      'pgbouncer-client',
      `PgBouncer max_client_conn ${pool.pgbouncer.maxClientConn}`,
      pool.pgbouncer.maxClientConn,
      demand.filter((line) => line.side === 'pgbouncer-client'),
    );
  }

  const binding = [...checks].sort(
    (a, b) => a.remaining - b.remaining || TIE_ORDER.indexOf(a.limit) - TIE_ORDER.indexOf(b.limit),
  )[0];
  const ok = checks.every((check) => check.ok);
  const headroomText = h === 0 ? '' : ` minus ${h}% headroom`;
  const summary = ok
    ? `pool budget fits: ${binding.demand} of ${binding.allowed} allowed connections under ${binding.label}${headroomText}, ${binding.remaining} to spare`
    : `pool budget exceeded: ${binding.demand} connections needed but ${binding.label}${headroomText} allows ${binding.allowed}`;

  return {
    version: 1,
    mode: pool.pgbouncer ? 'pgbouncer' : 'direct',
    source: supply.source,
    headroomPercent: h,
    demand,
    checks,
    binding: binding.limit,
    ok,
    verdict: ok ? 'fits' : 'over-budget',
    summary,
    notes: notes(pool, supply, demand),
    supply,
  };
}

function demandLines(pool: PoolConfig, supply: ServerSupply): DemandLine[] {
  const lines: DemandLine[] = [];
  const appRole = pool.role;
  const viaBouncer = pool.pgbouncer !== undefined;
  for (const [name, color] of Object.entries(pool.colors)) {
    lines.push({
      name,
      kind: 'color',
      connections: color.instances * color.poolSize,
      detail: `${color.instances} instance${color.instances === 1 ? '' : 's'} × pool ${color.poolSize}${viaBouncer ? ', to PgBouncer' : ''}`,
      side: viaBouncer ? 'pgbouncer-client' : 'server',
      ...(appRole !== undefined ? { role: appRole } : {}),
      countsTowardRole: !viaBouncer && appRole !== undefined,
      inDatabase: true,
    });
  }
  if (pool.pgbouncer) {
    const b = pool.pgbouncer;
    const open = b.pools * (b.defaultPoolSize + b.reservePoolSize);
    const capped = b.maxDbConnections > 0 ? Math.min(open, b.maxDbConnections) : open;
    lines.push({
      name: 'pgbouncer',
      kind: 'pgbouncer',
      connections: capped,
      detail:
        `${b.pools} pool${b.pools === 1 ? '' : 's'} × (default_pool_size ${b.defaultPoolSize} + reserve_pool_size ${b.reservePoolSize})` +
        (capped < open ? `, capped by max_db_connections ${b.maxDbConnections}` : ''),
      side: 'server',
      ...(appRole !== undefined ? { role: appRole } : {}),
      countsTowardRole: appRole !== undefined,
      inDatabase: true,
    });
  }
  const runnerListed = pool.others.some((other) => other.name === RUNNER_NAME);
  for (const other of pool.others) {
    const role = other.role ?? (other.name === RUNNER_NAME ? supply.runnerRole : appRole);
    lines.push({
      name: other.name,
      kind: other.name === RUNNER_NAME ? 'runner' : 'other',
      connections: other.connections,
      detail: other.name === RUNNER_NAME ? 'migration runner, as configured' : 'configured',
      side: 'server',
      ...(role !== undefined ? { role } : {}),
      countsTowardRole: appRole !== undefined && role === appRole,
      inDatabase: true,
    });
  }
  if (!runnerListed) {
    const role = supply.runnerRole;
    lines.push({
      name: RUNNER_NAME,
      kind: 'runner',
      connections: RUNNER_CONNECTIONS,
      detail: 'migration runner: advisory-lock session + statement session',
      side: 'server',
      ...(role !== undefined ? { role } : {}),
      countsTowardRole: appRole !== undefined && role === appRole,
      inDatabase: true,
    });
  }
  for (const u of supply.unlisted) {
    lines.push({
      name: openName(u.role, u.applicationName, u.inDatabase ? undefined : u.database),
      kind: 'unlisted',
      connections: u.connections,
      detail: 'open now, not in the config',
      side: 'server',
      role: u.role,
      countsTowardRole: appRole !== undefined && u.role === appRole,
      inDatabase: u.inDatabase,
    });
  }
  if (supply.countHidden) {
    for (const hidden of supply.hidden) {
      lines.push({
        name: openName(hidden.role, hidden.applicationName, hidden.inDatabase ? undefined : hidden.database),
        kind: 'hidden',
        connections: hidden.sessions,
        detail: 'open now, backend type hidden, counted as connections',
        side: 'server',
        role: hidden.role,
        countsTowardRole: appRole !== undefined && hidden.role === appRole,
        inDatabase: hidden.inDatabase,
      });
    }
  }
  return lines;
}

function openName(role: string, applicationName: string, otherDatabase?: string): string {
  return `role ${role}` + (applicationName ? ` "${applicationName}"` : '') + (otherDatabase ? ` in ${otherDatabase}` : '');
}

function notes(pool: PoolConfig, supply: ServerSupply, demand: DemandLine[]): string[] {
  const out: string[] = [];
  if (supply.source === 'offline') {
    out.push('offline: role and database connection limits and the connections open now were not read');
  } else {
    if (supply.reservedConnections === null) out.push('the server has no reserved_connections setting (PostgreSQL before 16)');
    if (pool.role === undefined) {
      out.push('pool.role is not set: no role limit is checked, and open connections count as other clients unless their application_name is in the config');
    }
    if (supply.role?.superuser) out.push(`role "${supply.role.name}" is a superuser: its CONNECTION LIMIT does not apply`);
    if (supply.ownSessions > 0) out.push(`${supply.ownSessions} session(s) of this bgmigrate run are counted in the ${RUNNER_NAME} line, not as other clients`);
    const hidden = supply.hidden.reduce((n, h) => n + h.sessions, 0);
    if (hidden > 0) out.push(`${hidden} session(s) of other roles with a hidden backend type were counted as connections`);
  }
  const runner = pool.others.find((other) => other.name === RUNNER_NAME);
  if (runner && runner.connections < RUNNER_CONNECTIONS) {
    out.push(`others: "${RUNNER_NAME}" lists ${runner.connections}, but bgmigrate apply holds ${RUNNER_CONNECTIONS} connections while it runs`);
  }
  if (pool.pgbouncer) {
    out.push('colors connect through one PgBouncer: their pools count against max_client_conn; the server sees only PgBouncer\'s server pools, others and the runner');
  }
  if (demand.some((line) => line.kind === 'color' && line.connections === 0)) {
    out.push('a color with no connections (0 instances or pool 0) is budgeted as not running');
  }
  return out;
}

/** Largest value in [1, hi] for which `fits` holds, assuming it is monotone (true then false); null if none. */
function largest(hi: number, fits: (n: number) => boolean): number | null {
  if (hi < 1 || !fits(1)) return null;
  let lo = 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function suggest(pool: PoolConfig, supply: ServerSupply, budget: PoolBudget): Suggestion {
  const colors = Object.entries(pool.colors);
  const hi = Math.max(...budget.checks.map((check) => check.capacity), 1);
  const withColors = (change: (c: PoolConfig['colors'][string]) => PoolConfig['colors'][string]): PoolConfig => ({
    ...pool,
    colors: Object.fromEntries(colors.map(([name, c]) => [name, change(c)])),
  });
  const fits = (candidate: PoolConfig) => evaluate(candidate, supply).ok;

  const anyInstances = colors.some(([, c]) => c.instances > 0);
  const anyPool = colors.some(([, c]) => c.poolSize > 0);
  const poolSize = anyInstances ? largest(hi, (p) => fits(withColors((c) => ({ ...c, poolSize: p })))) : null;
  const instances = anyPool ? largest(hi, (n) => fits(withColors((c) => ({ ...c, instances: n })))) : null;
  const suggestion: Suggestion = { poolSize, instances, text: '' };

  let bouncer: number | null | undefined;
  if (pool.pgbouncer) {
    const b = pool.pgbouncer;
    bouncer = largest(hi, (d) => fits({ ...pool, pgbouncer: { ...b, defaultPoolSize: d } }));
    suggestion.pgbouncerDefaultPoolSize = bouncer;
  }

  const parts: string[] = [];
  if (poolSize !== null) parts.push(`the largest pool size per instance that fits is ${poolSize}`);
  if (instances !== null) parts.push(`at the configured pool size at most ${instances} instance${instances === 1 ? '' : 's'} per color fit${instances === 1 ? 's' : ''}`);
  if (bouncer !== undefined && bouncer !== null && bouncer !== pool.pgbouncer?.defaultPoolSize) {
    parts.push(`PgBouncer default_pool_size ${bouncer} fits`);
  }
  suggestion.text =
    parts.length > 0
      ? parts.join('; ')
      : 'no pool size or instance count fits: the other lines alone exceed the limit (lower them or raise the limit)';
  return suggestion;
}
