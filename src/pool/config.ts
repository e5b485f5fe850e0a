/** One color (blue, green, …): how many instances run and how large each one's pool is. */
export interface PoolColor {
  instances: number;
  /** Connections each instance's pool may open (its maximum, not its idle minimum). */
  poolSize: number;
  /** The `application_name` this color's connections carry, so that live ones are recognised. */
  applicationName?: string;
}

/** Another client of the database that is not a color: workers, cron, consoles, the runner. */
export interface PoolOther {
  name: string;
  connections: number;
  /** Role it connects as; absent means the app role (`pool.role`), the usual case for workers. */
  role?: string;
  applicationName?: string;
}

/**
 * One PgBouncer shared by every color. The colors connect to PgBouncer (client side); PgBouncer
 * opens at most `pools × (defaultPoolSize + reservePoolSize)` server connections, capped by
 * `maxDbConnections` when that is set. Others and the runner still connect directly.
 */
export interface PgBouncerConfig {
  /** `max_client_conn`. */
  maxClientConn: number;
  /** `default_pool_size` (PgBouncer's default is 20). */
  defaultPoolSize: number;
  /** `reserve_pool_size` (default 0). */
  reservePoolSize: number;
  /** How many (database, user) pools PgBouncer opens to this database (default 1). */
  pools: number;
  /** `max_db_connections`; 0 means unlimited (the default). */
  maxDbConnections: number;
}

/** The `pool` section of the config: what both colors and every other client demand. */
export interface PoolConfig {
  colors: Record<string, PoolColor>;
  others: PoolOther[];
  /** The application role whose `rolconnlimit` may bind. */
  role?: string;
  headroomPercent: number;
  pgbouncer?: PgBouncerConfig;
  /**
   * Count sessions whose backend type pg_stat_activity hides (other roles, no
   * `pg_read_all_stats`) as connections instead of refusing; default false.
   */
  countHiddenSessions?: boolean;
}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * Validates the raw `pool` section. `fail` receives a message that starts with the key path
 * below `pool` (for example `.colors.blue.poolSize: …`) and throws.
 */
export function validatePoolConfig(raw: unknown, fail: (message: string) => never): PoolConfig {
  const object = (value: unknown, key: string, example: string): Record<string, unknown> => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`${key}: expected an object such as ${example}`);
    return value as Record<string, unknown>;
  };
  const keys = (obj: Record<string, unknown>, key: string, allowed: string[]): void => {
    for (const k of Object.keys(obj)) {
      if (!allowed.includes(k)) fail(`${key}: unknown key "${k}" (allowed: ${allowed.join(', ')})`);
    }
  };
  const count = (value: unknown, key: string, min: number): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      fail(`.${key}: expected an integer ≥ ${min}, got ${JSON.stringify(value) ?? 'nothing'}`);
    }
    return value as number;
  };
  const text = (value: unknown, key: string): string | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '') fail(`.${key}: expected a non-empty string`);
    return value as string;
  };

  const obj = object(raw, '', '{"colors": {…}, "others": […], "role": "app", "headroomPercent": 10}');
  keys(obj, '', ['colors', 'others', 'role', 'headroomPercent', 'pgbouncer', 'countHiddenSessions']);

  const colorsObj = object(obj.colors, '.colors', '{"blue": {"instances": 4, "poolSize": 20}, "green": {…}}');
  const colors: PoolConfig['colors'] = {};
  for (const [name, color] of Object.entries(colorsObj)) {
    if (!NAME.test(name)) fail(`.colors: "${name}" is not a usable color name`);
    const c = object(color, `.colors.${name}`, '{"instances": 4, "poolSize": 20}');
    keys(c, `.colors.${name}`, ['instances', 'poolSize', 'applicationName']);
    colors[name] = {
      instances: count(c.instances, `colors.${name}.instances`, 0),
      poolSize: count(c.poolSize, `colors.${name}.poolSize`, 0),
    };
    const applicationName = text(c.applicationName, `colors.${name}.applicationName`);
    if (applicationName !== undefined) colors[name].applicationName = applicationName;
  }
  if (Object.keys(colors).length === 0) fail('.colors: name at least one color');

  const others: PoolOther[] = [];
  if (obj.others !== undefined) {
    if (!Array.isArray(obj.others)) fail('.others: expected a list of {"name", "connections"}');
    (obj.others as unknown[]).forEach((other, i) => {
      const o = object(other, `.others[${i}]`, '{"name": "workers", "connections": 10}');
      keys(o, `.others[${i}]`, ['name', 'connections', 'role', 'applicationName']);
      const name = text(o.name, `others[${i}].name`);
      if (name === undefined) fail(`.others[${i}].name: expected a non-empty string`);
      if (others.some((x) => x.name === name) || name in colors) fail(`.others[${i}].name: "${name}" is listed twice`);
      const entry: PoolOther = { name: name as string, connections: count(o.connections, `others[${i}].connections`, 0) };
      const role = text(o.role, `others[${i}].role`);
      if (role !== undefined) entry.role = role;
      const applicationName = text(o.applicationName, `others[${i}].applicationName`);
      if (applicationName !== undefined) entry.applicationName = applicationName;
      others.push(entry);
    });
  }

  const role = text(obj.role, 'role');
  let headroomPercent = 10;
  if (obj.headroomPercent !== undefined) {
    const h = obj.headroomPercent;
    if (typeof h !== 'number' || !Number.isFinite(h) || h < 0 || h >= 100) {
      fail(`.headroomPercent: expected a number from 0 to 99, got ${JSON.stringify(h)}`);
    }
    headroomPercent = h as number;
  }

  const config: PoolConfig = { colors, others, headroomPercent };
  if (role !== undefined) config.role = role;
  if (obj.countHiddenSessions !== undefined) {
    if (typeof obj.countHiddenSessions !== 'boolean') fail(`.countHiddenSessions: expected true or false, got ${JSON.stringify(obj.countHiddenSessions)}`);
    config.countHiddenSessions = obj.countHiddenSessions as boolean;
  }

  if (obj.pgbouncer !== undefined) {
    const b = object(obj.pgbouncer, '.pgbouncer', '{"maxClientConn": 1000, "defaultPoolSize": 20}');
    keys(b, '.pgbouncer', ['maxClientConn', 'defaultPoolSize', 'reservePoolSize', 'pools', 'maxDbConnections']);
    config.pgbouncer = {
      maxClientConn: count(b.maxClientConn, 'pgbouncer.maxClientConn', 1),
      defaultPoolSize: b.defaultPoolSize === undefined ? 20 : count(b.defaultPoolSize, 'pgbouncer.defaultPoolSize', 1),
      reservePoolSize: b.reservePoolSize === undefined ? 0 : count(b.reservePoolSize, 'pgbouncer.reservePoolSize', 0),
      pools: b.pools === undefined ? 1 : count(b.pools, 'pgbouncer.pools', 1),
      maxDbConnections: b.maxDbConnections === undefined ? 0 : count(b.maxDbConnections, 'pgbouncer.maxDbConnections', 0),
    };
  }
  return config;
}
