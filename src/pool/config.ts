/** The `pool` section of the config: what both colors and every other client demand. */
export interface PoolConfig {
  colors: Record<string, { instances: number; poolSize: number }>;
  others: { name: string; connections: number }[];
  /** The application role whose `rolconnlimit` may bind. */
  role?: string;
  headroomPercent: number;
}

/**
 * Validates the raw `pool` section. `fail` receives a message that starts with the key path
 * below `pool` (for example `.colors.blue.poolSize: …`) and throws.
 */
export function validatePoolConfig(raw: unknown, fail: (message: string) => never): PoolConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(': expected an object');
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!['colors', 'others', 'role', 'headroomPercent'].includes(key)) fail(`: unknown key "pool.${key}"`);
  }
  const count = (value: unknown, key: string, min: number): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      fail(`.${key}: expected an integer ≥ ${min}, got ${JSON.stringify(value)}`);
    }
    return value as number;
  };

  if (obj.colors === null || typeof obj.colors !== 'object' || Array.isArray(obj.colors)) {
    fail('.colors: expected an object such as {"blue": {"instances": 4, "poolSize": 20}, "green": {…}}');
  }
  const colors: PoolConfig['colors'] = {};
  for (const [name, color] of Object.entries(obj.colors as Record<string, unknown>)) {
    if (color === null || typeof color !== 'object') fail(`.colors.${name}: expected {"instances", "poolSize"}`);
    const c = color as Record<string, unknown>;
    for (const key of Object.keys(c)) {
      if (!['instances', 'poolSize'].includes(key)) fail(`.colors.${name}: unknown key "${key}"`);
    }
    colors[name] = {
      instances: count(c.instances, `colors.${name}.instances`, 0),
      poolSize: count(c.poolSize, `colors.${name}.poolSize`, 0),
    };
  }
  if (Object.keys(colors).length === 0) fail('.colors: name at least one color');

  const others: PoolConfig['others'] = [];
  if (obj.others !== undefined) {
    if (!Array.isArray(obj.others)) fail('.others: expected a list of {"name", "connections"}');
    (obj.others as unknown[]).forEach((other, i) => {
      const o = (other ?? {}) as Record<string, unknown>;
      if (typeof o.name !== 'string' || o.name === '') fail(`.others[${i}].name: expected a non-empty string`);
      others.push({ name: o.name as string, connections: count(o.connections, `others[${i}].connections`, 0) });
    });
  }

  if (obj.role !== undefined && (typeof obj.role !== 'string' || obj.role === '')) {
    fail('.role: expected a role name');
  }
  const headroomPercent = obj.headroomPercent === undefined ? 10 : Number(obj.headroomPercent);
  if (!Number.isFinite(headroomPercent) || headroomPercent < 0 || headroomPercent >= 100) {
    fail(`.headroomPercent: expected a number from 0 to 99, got ${JSON.stringify(obj.headroomPercent)}`);
  }
  return { colors, others, role: obj.role as string | undefined, headroomPercent };
}
