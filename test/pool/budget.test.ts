import { describe, expect, test } from 'vitest';
import { validateConfig } from '../../src/config/config.js';
import { UsageError } from '../../src/errors.js';
import { computeBudget } from '../../src/pool/budget.js';
import { checkPoolBudget, requirePoolConfig } from '../../src/pool/check.js';
import { validatePoolConfig, type PoolConfig } from '../../src/pool/config.js';
import { renderBudget } from '../../src/pool/render.js';
import { offlineSupply, type ServerSupply } from '../../src/pool/supply.js';

const colors2 = (instances: number, poolSize: number) => ({ blue: { instances, poolSize }, green: { instances, poolSize } });

const parse = (raw: unknown): PoolConfig =>
  validatePoolConfig(raw, (message) => {
    throw new UsageError(`pool${message}`);
  });

/** The README's worked example: 4 instances per color × pool 20 against max_connections 100. */
const worked = parse({
  colors: { blue: { instances: 4, poolSize: 20 }, green: { instances: 4, poolSize: 20 } },
  others: [{ name: 'workers', connections: 10 }],
  role: 'app',
  headroomPercent: 10,
});

describe('offline budget (--max-connections)', () => {
  test('the worked example fails on the server limit and says why and what fits', () => {
    const budget = computeBudget(worked, offlineSupply({ maxConnections: 100 }));
    expect(budget.demand.map((l) => [l.name, l.connections, l.detail])).toEqual([
      ['blue', 80, '4 instances × pool 20'],
      ['green', 80, '4 instances × pool 20'],
      ['workers', 10, 'configured'],
      ['bgmigrate', 2, 'migration runner: advisory-lock session + statement session'],
    ]);
    expect(budget.checks).toEqual([
      {
        limit: 'server',
        label: '--max-connections 100 − 3 reserved',
        capacity: 97,
        headroom: 10,
        allowed: 87,
        demand: 172,
        remaining: -85,
        ok: false,
        lines: ['blue', 'green', 'workers', 'bgmigrate'],
      },
    ]);
    expect(budget.ok).toBe(false);
    expect(budget.verdict).toBe('over-budget');
    expect(budget.binding).toBe('server');
    expect(budget.suggestion).toEqual({
      poolSize: 9,
      instances: 1,
      text: 'the largest pool size per instance that fits is 9; at the configured pool size at most 1 instance per color fits',
    });
    expect(budget.summary).toBe(
      'pool budget exceeded: 172 connections needed but --max-connections 100 − 3 reserved minus 10% headroom allows 87; ' +
        'the largest pool size per instance that fits is 9; at the configured pool size at most 1 instance per color fits',
    );
  });

  test('the suggested pool size and instance count fit when recomputed, one more does not', () => {
    const supply = offlineSupply({ maxConnections: 100 });
    const { suggestion } = computeBudget(worked, supply);
    const withPool = (p: number) => ({ ...worked, colors: { blue: { instances: 4, poolSize: p }, green: { instances: 4, poolSize: p } } });
    const withInstances = (n: number) => ({ ...worked, colors: { blue: { instances: n, poolSize: 20 }, green: { instances: n, poolSize: 20 } } });
    expect(computeBudget(withPool(9), supply).checks[0].demand).toBe(84);
    expect(computeBudget(withPool(suggestion!.poolSize!), supply).ok).toBe(true);
    expect(computeBudget(withPool(suggestion!.poolSize! + 1), supply).ok).toBe(false);
    expect(computeBudget(withInstances(suggestion!.instances!), supply).ok).toBe(true);
    expect(computeBudget(withInstances(suggestion!.instances! + 1), supply).ok).toBe(false);
  });

  test('the verdict flips at exactly the boundary, both ways', () => {
    const supply = offlineSupply({ maxConnections: 20 }); // 17 usable
    const config = (workers: number) =>
      parse({
        colors: { blue: { instances: 3, poolSize: 2 }, green: { instances: 3, poolSize: 2 } },
        others: [{ name: 'workers', connections: workers }],
        headroomPercent: 0,
      });
    const at = computeBudget(config(3), supply);
    expect([at.ok, at.checks[0].demand, at.checks[0].allowed, at.checks[0].remaining]).toEqual([true, 17, 17, 0]);
    expect(at.suggestion).toBeUndefined();
    const over = computeBudget(config(4), supply);
    expect([over.ok, over.checks[0].demand, over.checks[0].remaining]).toEqual([false, 18, -1]);
    expect(over.suggestion).toMatchObject({ poolSize: 1, instances: 2 });
    // And back: one fewer connection fits again.
    expect(computeBudget(config(3), supply).ok).toBe(true);
  });

  test('--reserved replaces the default 3 reserved slots', () => {
    const budget = computeBudget(worked, offlineSupply({ maxConnections: 200, reserved: 10 }));
    expect(budget.checks[0]).toMatchObject({ label: '--max-connections 200 − 10 reserved', capacity: 190, allowed: 171, demand: 172, ok: false });
    expect(computeBudget(worked, offlineSupply({ maxConnections: 200, reserved: 9 })).checks[0]).toMatchObject({ capacity: 191, allowed: 171 });
    expect(computeBudget(worked, offlineSupply({ maxConnections: 201, reserved: 9 })).checks[0]).toMatchObject({ capacity: 192, allowed: 172, ok: true });
  });

  test('headroom is floored without float error', () => {
    const config = parse({ colors: { blue: { instances: 1, poolSize: 1 } }, headroomPercent: 10 });
    expect(computeBudget(config, offlineSupply({ maxConnections: 103 })).checks[0]).toMatchObject({ capacity: 100, allowed: 90, headroom: 10 });
    const seven = parse({ colors: { blue: { instances: 1, poolSize: 1 } }, headroomPercent: 7.5 });
    expect(computeBudget(seven, offlineSupply({ maxConnections: 43 })).checks[0]).toMatchObject({ capacity: 40, allowed: 37, headroom: 3 });
  });

  test('colors may differ: green scaled up before blue scales down', () => {
    const config = parse({ colors: { blue: { instances: 2, poolSize: 10 }, green: { instances: 5, poolSize: 10 } }, headroomPercent: 0 });
    const budget = computeBudget(config, offlineSupply({ maxConnections: 75 }));
    expect(budget.checks[0]).toMatchObject({ capacity: 72, demand: 72, ok: true });
    // 71 usable: 7 instances × p + 2 ≤ 71 ⇒ p = 9; n per color × 20 × 2 + 2 ≤ 71 ⇒ n = 3.
    expect(computeBudget(config, offlineSupply({ maxConnections: 74 })).suggestion).toMatchObject({ poolSize: 9, instances: 3 });
  });

  test('a listed "bgmigrate" entry replaces the implicit runner line, with a note when it is below 2', () => {
    const config = parse({
      colors: { blue: { instances: 1, poolSize: 5 } },
      others: [{ name: 'bgmigrate', connections: 1 }],
      headroomPercent: 0,
    });
    const budget = computeBudget(config, offlineSupply({ maxConnections: 100 }));
    expect(budget.demand.map((l) => [l.name, l.kind, l.connections])).toEqual([
      ['blue', 'color', 5],
      ['bgmigrate', 'runner', 1],
    ]);
    expect(budget.notes).toContain('others: "bgmigrate" lists 1, but bgmigrate apply holds 2 connections while it runs');
  });

  test('when nothing fits, the suggestion says so', () => {
    const config = parse({ colors: { blue: { instances: 1, poolSize: 1 } }, others: [{ name: 'etl', connections: 20 }], headroomPercent: 0 });
    const budget = computeBudget(config, offlineSupply({ maxConnections: 20 }));
    expect(budget.suggestion).toEqual({
      poolSize: null,
      instances: null,
      text: 'no pool size or instance count fits: the other lines alone exceed the limit (lower them or raise the limit)',
    });
  });

  test('the pretty table lists each demand line, the limit, the verdict and the fix', () => {
    const text = renderBudget(computeBudget(worked, offlineSupply({ maxConnections: 100 })), { color: false });
    expect(text).toBe(
      [
        'Connection-pool budget (offline)',
        '',
        '  demand                                                                  connections',
        '  blue       4 instances × pool 20                                                 80',
        '  green      4 instances × pool 20                                                 80',
        '  workers    configured                                                            10',
        '  bgmigrate  migration runner: advisory-lock session + statement session            2',
        '  total      server connections                                                   172',
        '',
        '  limit   from                                capacity  headroom 10%  allowed  demand  remaining',
        '  server  --max-connections 100 − 3 reserved        97            10       87     172        -85  OVER, binds',
        '',
        'pool budget exceeded: 172 connections needed but --max-connections 100 − 3 reserved minus 10% headroom allows 87; ' +
          'the largest pool size per instance that fits is 9; at the configured pool size at most 1 instance per color fits',
        'note: offline: role and database connection limits and the connections open now were not read',
        '',
      ].join('\n'),
    );
  });

  test('colored output paints the failing limit and the verdict red', () => {
    const text = renderBudget(computeBudget(worked, offlineSupply({ maxConnections: 100 })), { color: true });
    expect(text).toContain('\u001b[31mpool budget exceeded');
    expect(text).toContain('\u001b[31m  server  --max-connections 100');
  });

  test('the JSON form is the budget object, versioned', async () => {
    const budget = await checkPoolBudget({ pool: worked, maxConnections: 100 });
    const json = JSON.parse(JSON.stringify(budget));
    expect(Object.keys(json).sort()).toEqual(
      ['binding', 'checks', 'demand', 'headroomPercent', 'mode', 'notes', 'ok', 'source', 'suggestion', 'summary', 'supply', 'verdict', 'version'],
    );
    expect(json).toMatchObject({ version: 1, mode: 'direct', source: 'offline', ok: false, verdict: 'over-budget', binding: 'server', suggestion: { poolSize: 9, instances: 1 } });
  });
});

describe('supply as a server reports it', () => {
  const server = (over: Partial<ServerSupply>): ServerSupply => ({
    source: 'server',
    serverVersionNum: 150008,
    maxConnections: 50,
    superuserReservedConnections: 3,
    reservedConnections: null,
    database: { name: 'shop', connLimit: null },
    role: { name: 'app', connLimit: null, superuser: false },
    runnerRole: 'migrator',
    ownSessions: 1,
    unlisted: [],
    hidden: [],
    countHidden: false,
    ...over,
  });
  const pool = parse({ colors: colors2(2, 10), others: [{ name: 'workers', connections: 5 }], role: 'app', headroomPercent: 0 });

  test('before PostgreSQL 16 there is no reserved_connections: not subtracted, and a note says so', () => {
    const budget = computeBudget(pool, server({}));
    expect(budget.checks[0]).toMatchObject({ label: 'max_connections 50 − superuser_reserved_connections 3', capacity: 47 });
    expect(budget.notes).toContain('the server has no reserved_connections setting (PostgreSQL before 16)');
  });

  test('a superuser app role has no connection limit to check', () => {
    const budget = computeBudget(pool, server({ role: { name: 'app', connLimit: 5, superuser: true } }));
    expect(budget.checks.map((c) => c.limit)).toEqual(['server']);
    expect(budget.notes).toContain('role "app" is a superuser: its CONNECTION LIMIT does not apply');
  });

  test('the runner counts against the role limit only when it connects as the app role', () => {
    const other = computeBudget(pool, server({ role: { name: 'app', connLimit: 45, superuser: false } }));
    expect(other.checks.find((c) => c.limit === 'role')).toMatchObject({ demand: 45, lines: ['blue', 'green', 'workers'] });
    const same = computeBudget(pool, server({ runnerRole: 'app', role: { name: 'app', connLimit: 45, superuser: false } }));
    expect(same.checks.find((c) => c.limit === 'role')).toMatchObject({ demand: 47, ok: false, lines: ['blue', 'green', 'workers', 'bgmigrate'] });
  });

  test('on a tie the narrower limit binds', () => {
    // server 47 − 47 = 0; role 45 − 45 = 0 (runner is another role); database 47 − 47 = 0.
    const budget = computeBudget(pool, server({ role: { name: 'app', connLimit: 45, superuser: false }, database: { name: 'shop', connLimit: 47 } }));
    expect(budget.checks.map((c) => [c.limit, c.remaining])).toEqual([
      ['server', 0],
      ['database', 0],
      ['role', 0],
    ]);
    expect(budget.binding).toBe('role');
  });
});

describe('PgBouncer shared by both colors', () => {
  const bouncer = (maxClientConn: number, defaultPoolSize: number, extra: Record<string, number> = {}) =>
    parse({
      colors: { blue: { instances: 4, poolSize: 20 }, green: { instances: 4, poolSize: 20 } },
      others: [{ name: 'workers', connections: 10 }],
      role: 'app',
      headroomPercent: 10,
      pgbouncer: { maxClientConn, defaultPoolSize, ...extra },
    });

  test('the worked example fits through one PgBouncer: colors do not double server connections', () => {
    const budget = computeBudget(bouncer(200, 40), offlineSupply({ maxConnections: 100 }));
    expect(budget.mode).toBe('pgbouncer');
    expect(budget.demand.map((l) => [l.name, l.side, l.connections])).toEqual([
      ['blue', 'pgbouncer-client', 80],
      ['green', 'pgbouncer-client', 80],
      ['pgbouncer', 'server', 40],
      ['workers', 'server', 10],
      ['bgmigrate', 'server', 2],
    ]);
    expect(budget.checks.map((c) => [c.limit, c.capacity, c.allowed, c.demand, c.ok])).toEqual([
      ['server', 97, 87, 52, true],
      ['pgbouncer-client', 200, 180, 160, true],
    ]);
    expect(budget.ok).toBe(true);
    // The client side has the least room (20 against the server's 35), so it binds.
    expect(budget.binding).toBe('pgbouncer-client');
  });

  test('client side: max_client_conn against both colors pools, with a pool-size fix', () => {
    const budget = computeBudget(bouncer(100, 20), offlineSupply({ maxConnections: 100 }));
    expect(budget.checks.map((c) => [c.limit, c.demand, c.allowed, c.ok])).toEqual([
      ['server', 32, 87, true],
      ['pgbouncer-client', 160, 90, false],
    ]);
    expect(budget.binding).toBe('pgbouncer-client');
    expect(budget.suggestion).toMatchObject({ poolSize: 11, instances: 2, pgbouncerDefaultPoolSize: null });
  });

  test('server side: pool sizes (with reserve, capped by max_db_connections) against max_connections', () => {
    const over = computeBudget(bouncer(1000, 40, { reservePoolSize: 5, pools: 2 }), offlineSupply({ maxConnections: 100 }));
    expect(over.demand.find((l) => l.name === 'pgbouncer')).toMatchObject({
      connections: 90,
      detail: '2 pools × (default_pool_size 40 + reserve_pool_size 5)',
    });
    expect(over.checks[0]).toMatchObject({ limit: 'server', demand: 102, allowed: 87, ok: false });
    // Only PgBouncer's pools can fix the server side: 2 × (d + 5) + 12 ≤ 87 ⇒ d = 32.
    expect(over.suggestion).toMatchObject({ poolSize: null, instances: null, pgbouncerDefaultPoolSize: 32 });
    const capped = computeBudget(bouncer(1000, 40, { reservePoolSize: 5, pools: 2, maxDbConnections: 75 }), offlineSupply({ maxConnections: 100 }));
    expect(capped.demand.find((l) => l.name === 'pgbouncer')).toMatchObject({
      connections: 75,
      detail: '2 pools × (default_pool_size 40 + reserve_pool_size 5), capped by max_db_connections 75',
    });
    expect(capped.checks[0]).toMatchObject({ demand: 87, allowed: 87, ok: true });
  });
});

describe('bad input: one clear line, exit 2', () => {
  const root = { root: '/tmp', knownRules: [] as string[] };
  const failure = (pool: unknown) => {
    try {
      validateConfig({ pool }, root);
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).exitCode).toBe(2);
      return (error as Error).message;
    }
    throw new Error('expected a UsageError');
  };

  test.each([
    [[], 'config: pool: expected an object such as {"colors": {…}, "others": […], "role": "app", "headroomPercent": 10}'],
    [{}, 'config: pool.colors: expected an object such as {"blue": {"instances": 4, "poolSize": 20}, "green": {…}}'],
    [{ colors: {} }, 'config: pool.colors: name at least one color'],
    [{ colors: { blue: { instances: 4, poolSize: -1 } } }, 'config: pool.colors.blue.poolSize: expected an integer ≥ 0, got -1'],
    [{ colors: { blue: { instances: 2.5, poolSize: 1 } } }, 'config: pool.colors.blue.instances: expected an integer ≥ 0, got 2.5'],
    [{ colors: { blue: { instances: '4', poolSize: 1 } } }, 'config: pool.colors.blue.instances: expected an integer ≥ 0, got "4"'],
    [{ colors: { blue: { instances: 4 } } }, 'config: pool.colors.blue.poolSize: expected an integer ≥ 0, got nothing'],
    [{ colors: { blue: { instances: 4, poolSize: 1, max: 3 } } }, 'config: pool.colors.blue: unknown key "max" (allowed: instances, poolSize, applicationName)'],
    [{ colors: { blue: 4 } }, 'config: pool.colors.blue: expected an object such as {"instances": 4, "poolSize": 20}'],
    [{ colors: { blue: { instances: 1, poolSize: 1 } }, others: {} }, 'config: pool.others: expected a list of {"name", "connections"}'],
    [{ colors: { blue: { instances: 1, poolSize: 1 } }, others: [{ name: 'cron', connections: -2 }] }, 'config: pool.others[0].connections: expected an integer ≥ 0, got -2'],
    [{ colors: { blue: { instances: 1, poolSize: 1 } }, others: [{ connections: 2 }] }, 'config: pool.others[0].name: expected a non-empty string'],
    [{ colors: { blue: { instances: 1, poolSize: 1 } }, others: [{ name: 'a', connections: 1 }, { name: 'a', connections: 1 }] }, 'config: pool.others[1].name: "a" is listed twice'],
    [{ colors: { blue: { instances: 1, poolSize: 1 } }, role: 5 }, 'config: pool.role: expected a non-empty string'],
    [{ colors: { blue: { instances: 1, poolSize: 1 } }, headroomPercent: 100 }, 'config: pool.headroomPercent: expected a number from 0 to 99, got 100'],
    [{ colors: { blue: { instances: 1, poolSize: 1 } }, headroomPercent: '10' }, 'config: pool.headroomPercent: expected a number from 0 to 99, got "10"'],
    [{ colors: { blue: { instances: 1, poolSize: 1 } }, poolSize: 3 }, 'config: pool: unknown key "poolSize" (allowed: colors, others, role, headroomPercent, pgbouncer, countHiddenSessions)'],
    [{ colors: { blue: { instances: 1, poolSize: 1 } }, pgbouncer: { defaultPoolSize: 20 } }, 'config: pool.pgbouncer.maxClientConn: expected an integer ≥ 1, got nothing'],
    [{ colors: { blue: { instances: 1, poolSize: 1 } }, pgbouncer: { maxClientConn: 100, defaultPoolSize: 0 } }, 'config: pool.pgbouncer.defaultPoolSize: expected an integer ≥ 1, got 0'],
    [{ colors: { blue: { instances: 1, poolSize: 1 } }, pgbouncer: { maxClientConn: 100, poolMode: 'transaction' } }, 'config: pool.pgbouncer: unknown key "poolMode" (allowed: maxClientConn, defaultPoolSize, reservePoolSize, pools, maxDbConnections)'],
    [{ colors: { blue: { instances: 1, poolSize: 1 } }, countHiddenSessions: 'yes' }, 'config: pool.countHiddenSessions: expected true or false, got "yes"'],
  ])('%j', (pool, message) => {
    expect(failure(pool)).toBe(message);
  });

  test('PgBouncer defaults follow pgbouncer.ini', () => {
    expect(parse({ colors: { blue: { instances: 1, poolSize: 1 } }, pgbouncer: { maxClientConn: 100 } }).pgbouncer).toEqual({
      maxClientConn: 100,
      defaultPoolSize: 20,
      reservePoolSize: 0,
      pools: 1,
      maxDbConnections: 0,
    });
  });

  test('a missing pool section', async () => {
    expect(() => requirePoolConfig(undefined)).toThrow(UsageError);
    await expect(checkPoolBudget({ pool: undefined, maxConnections: 100 })).rejects.toThrow(
      'no config file (looked for bgmigrate.config.json, .bgmigraterc.json and package.json "bgmigrate"), so no "pool" section: add one such as {"pool": {"colors": {"blue": {"instances": 4, "poolSize": 20}, "green": {"instances": 4, "poolSize": 20}}, "role": "app"}}',
    );
  });

  test.each([
    [{ maxConnections: 0 }, '--max-connections: expected an integer ≥ 1, got 0'],
    [{ maxConnections: 10.5 }, '--max-connections: expected an integer ≥ 1, got 10.5'],
    [{ maxConnections: 100, reserved: -1 }, '--reserved: expected an integer ≥ 0, got -1'],
    [{ maxConnections: 3, reserved: 3 }, '--reserved 3 leaves no connections of --max-connections 3'],
  ])('offline numbers %j', (options, message) => {
    expect(() => offlineSupply(options)).toThrow(new UsageError(message));
  });
});
