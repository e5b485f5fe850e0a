/**
 * The budget against real servers started with small limits: PostgreSQL 18 with max_connections
 * 20 (superuser_reserved_connections 3 by default) and PostgreSQL 16 with max_connections 50,
 * superuser_reserved_connections 2 and reserved_connections 5.
 */
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { computeBudget } from '../../src/pool/budget.js';
import { checkPoolBudget } from '../../src/pool/check.js';
import { validatePoolConfig, type PoolConfig } from '../../src/pool/config.js';
import { readServerSupply } from '../../src/pool/supply.js';
import { startPoolServer, type PoolTestServer } from './server.js';

const parse = (raw: unknown): PoolConfig =>
  validatePoolConfig(raw, (message) => {
    throw new UsageError(`pool${message}`);
  });

const colors = (instances: number, poolSize: number, green = poolSize) => ({
  blue: { instances, poolSize },
  green: { instances, poolSize: green },
});

/**
 * Opens sessions for one test and closes them all. The first session of a test waits until it is
 * alone on the server, so that backends of the last test, which exit asynchronously, never count.
 */
function sessions(server: () => PoolTestServer) {
  const open: pg.Client[] = [];
  return {
    async open(options: Parameters<PoolTestServer['client']>[0] = {}): Promise<pg.Client> {
      const client = await server().client(options);
      if (open.length === 0) await server().settle(0, client);
      open.push(client);
      return client;
    },
    async close(client: pg.Client): Promise<void> {
      open.splice(open.indexOf(client), 1);
      await client.end();
      if (open.length > 0) await server().settle(open.length - 1, open[0]);
    },
    async closeAll(): Promise<void> {
      for (const client of open.splice(0)) await client.end();
    },
  };
}

async function expectRefusedConnection(server: PoolTestServer, user: string, message: string): Promise<void> {
  await expect(server.client({ user, password: user })).rejects.toThrow(message);
}

describe('PostgreSQL 18, max_connections 20', () => {
  let server: PoolTestServer;
  const s = sessions(() => server);

  beforeAll(async () => {
    server = await startPoolServer({ max_connections: 20 }, 18);
    const admin = await server.client();
    await admin.query("CREATE ROLE app LOGIN PASSWORD 'app'");
    await admin.query("CREATE ROLE other LOGIN PASSWORD 'other'");
    await admin.end();
  });
  afterEach(() => s.closeAll());
  afterAll(() => server?.stop());

  test('reads the limits from the server', async () => {
    const reader = await s.open();
    const supply = await readServerSupply(reader, parse({ colors: colors(1, 1), role: 'app' }));
    expect(supply.serverVersionNum).toBeGreaterThanOrEqual(180000);
    expect({ ...supply, serverVersionNum: 0 }).toEqual({
      source: 'server',
      serverVersionNum: 0,
      maxConnections: 20,
      superuserReservedConnections: 3,
      reservedConnections: 0,
      database: { name: 'postgres', connLimit: null },
      role: { name: 'app', connLimit: null, superuser: false },
      runnerRole: 'postgres',
      ownSessions: 1,
      unlisted: [],
      hidden: [],
      countHidden: false,
    });
  });

  test('the verdict flips at exactly the boundary, both ways, and open connections count', async () => {
    const reader = await s.open();
    const at = parse({ colors: colors(3, 2), others: [{ name: 'workers', connections: 3 }], role: 'app', headroomPercent: 0 });
    // 12 (colors) + 3 (workers) + 2 (runner) = 17 = 20 − 3.
    const fits = await checkPoolBudget({ pool: at, client: reader });
    expect(fits.checks).toEqual([
      {
        limit: 'server',
        label: 'max_connections 20 − superuser_reserved_connections 3 − reserved_connections 0',
        capacity: 17,
        headroom: 0,
        allowed: 17,
        demand: 17,
        remaining: 0,
        ok: true,
        lines: ['blue', 'green', 'workers', 'bgmigrate'],
      },
    ]);
    expect(fits.ok).toBe(true);

    const over = await checkPoolBudget({ pool: { ...at, others: [{ name: 'workers', connections: 4 }] }, client: reader });
    expect([over.ok, over.checks[0].demand, over.checks[0].remaining, over.binding]).toEqual([false, 18, -1, 'server']);

    // An idle session of a role the config does not know is another client: one too many.
    const idle = await s.open({ user: 'other', password: 'other', applicationName: 'psql' });
    const crowded = await checkPoolBudget({ pool: at, client: reader });
    expect(crowded.demand.at(-1)).toEqual({
      name: 'role other "psql"',
      kind: 'unlisted',
      connections: 1,
      detail: 'open now, not in the config',
      side: 'server',
      role: 'other',
      countsTowardRole: false,
      inDatabase: true,
    });
    expect([crowded.ok, crowded.checks[0].demand, crowded.checks[0].remaining]).toEqual([false, 18, -1]);
    expect(crowded.suggestion).toMatchObject({ poolSize: 1, instances: 2 });

    await s.close(idle);
    const again = await checkPoolBudget({ pool: at, client: reader });
    expect([again.ok, again.checks[0].demand]).toEqual([true, 17]);
  });

  test('the server admits exactly the capacity the budget uses: max − superuser_reserved − reserved', async () => {
    await s.open(); // the checking session takes one of the 17
    for (let i = 0; i < 16; i++) await s.open({ user: 'app', password: 'app' });
    await expectRefusedConnection(server, 'app', 'remaining connection slots are reserved for roles with the SUPERUSER attribute');
  });

  test('the suggested pool size really fits: every line opened as real sessions succeeds', async () => {
    const reader = await s.open();
    const pool = parse({ colors: colors(2, 6), others: [{ name: 'workers', connections: 2 }], role: 'app', headroomPercent: 0 });
    const budget = await checkPoolBudget({ pool, client: reader });
    expect([budget.ok, budget.checks[0].demand]).toEqual([false, 28]);
    // 4 instances × p + 2 + 2 ≤ 17 ⇒ p = 3.
    expect(budget.suggestion?.poolSize).toBe(3);
    const fixed = await checkPoolBudget({ pool: { ...pool, colors: colors(2, 3) }, client: reader });
    expect([fixed.ok, fixed.checks[0].demand, fixed.checks[0].remaining]).toEqual([true, 16, 1]);
    const tooBig = await checkPoolBudget({ pool: { ...pool, colors: colors(2, 4) }, client: reader });
    expect(tooBig.ok).toBe(false);

    // Open what the fixed config demands: 4 instances × 3 + 2 workers as app, the runner's second session.
    await s.open({ applicationName: 'bgmigrate statements' });
    for (let i = 0; i < 4 * 3 + 2; i++) await s.open({ user: 'app', password: 'app' });
    // 16 open; the one slot of room left is really there, and then no more.
    await s.open({ user: 'app', password: 'app' });
    await expectRefusedConnection(server, 'app', 'remaining connection slots are reserved');
  });

  test('our own other sessions (ownPids) count in the runner line, not as other clients', async () => {
    const reader = await s.open();
    const lock = await s.open({ applicationName: 'bgmigrate lock' });
    const pid = (await lock.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    const pool = parse({ colors: colors(1, 1), role: 'app' });
    const withOwn = await readServerSupply(reader, pool, { ownPids: [pid] });
    expect([withOwn.ownSessions, withOwn.unlisted]).toEqual([2, []]);
    const without = await readServerSupply(reader, pool);
    expect([without.ownSessions, without.unlisted]).toEqual([
      1,
      [{ role: 'postgres', applicationName: 'bgmigrate lock', database: 'postgres', inDatabase: true, connections: 1 }],
    ]);
  });
});

describe('PostgreSQL 16, max_connections 50, superuser_reserved_connections 2, reserved_connections 5', () => {
  let server: PoolTestServer;
  const s = sessions(() => server);

  beforeAll(async () => {
    server = await startPoolServer({ max_connections: 50, superuser_reserved_connections: 2, reserved_connections: 5 }, 16);
    const admin = await server.client();
    for (const role of ['app', 'other', 'monitor']) await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${role}'`);
    await admin.query('CREATE DATABASE shop CONNECTION LIMIT 12');
    await admin.end();
  });
  afterEach(() => s.closeAll());
  afterAll(() => server?.stop());

  test('reserved_connections is read and subtracted', async () => {
    const reader = await s.open();
    const budget = await checkPoolBudget({ pool: parse({ colors: colors(1, 1), role: 'app' }), client: reader });
    expect(budget.supply).toMatchObject({ maxConnections: 50, superuserReservedConnections: 2, reservedConnections: 5 });
    expect(budget.supply.serverVersionNum! / 10000 | 0).toBe(16);
    expect(budget.checks[0]).toMatchObject({
      label: 'max_connections 50 − superuser_reserved_connections 2 − reserved_connections 5',
      capacity: 43,
      allowed: 38,
      headroom: 5,
    });
  });

  test('the server admits exactly 43 ordinary connections', async () => {
    await s.open();
    for (let i = 0; i < 42; i++) await s.open({ user: 'app', password: 'app' });
    await expectRefusedConnection(server, 'app', 'remaining connection slots are reserved for roles with privileges of the "pg_use_reserved_connections" role');
  });

  test('with 10% headroom the verdict flips at 38, both ways', async () => {
    const reader = await s.open();
    const pool = (workers: number) => parse({ colors: colors(4, 4), others: [{ name: 'workers', connections: workers }], role: 'app' });
    // 32 + workers + 2 against floor(43 × 0.9) = 38.
    const fits = await checkPoolBudget({ pool: pool(4), client: reader });
    expect([fits.ok, fits.checks[0].demand, fits.checks[0].allowed]).toEqual([true, 38, 38]);
    const over = await checkPoolBudget({ pool: pool(5), client: reader });
    expect([over.ok, over.checks[0].demand, over.checks[0].remaining]).toEqual([false, 39, -1]);
    // 8 instances × p + 5 + 2 ≤ 38 ⇒ p = 3; 2n × 4 + 7 ≤ 38 ⇒ n = 3.
    expect(over.suggestion).toMatchObject({ poolSize: 3, instances: 3 });
    expect((await checkPoolBudget({ pool: pool(4), client: reader })).ok).toBe(true);
  });

  test('a role with CONNECTION LIMIT binds, and is named', async () => {
    const reader = await s.open();
    await reader.query('ALTER ROLE app CONNECTION LIMIT 10');
    try {
      const pool = (green: number) =>
        parse({ colors: colors(2, 2, green), others: [{ name: 'workers', connections: 2 }], role: 'app', headroomPercent: 0 });
      const fits = await checkPoolBudget({ pool: pool(2), client: reader });
      expect(fits.checks.map((c) => [c.limit, c.capacity, c.demand, c.remaining])).toEqual([
        ['server', 43, 12, 31],
        ['role', 10, 10, 0],
      ]);
      expect(fits.checks[1].lines).toEqual(['blue', 'green', 'workers']);
      expect([fits.ok, fits.binding]).toEqual([true, 'role']);

      const over = await checkPoolBudget({ pool: pool(3), client: reader });
      expect([over.ok, over.binding]).toEqual([false, 'role']);
      expect(over.summary).toBe(
        'pool budget exceeded: 12 connections needed but role "app" CONNECTION LIMIT 10 allows 10; ' +
          'the largest pool size per instance that fits is 2; at the configured pool size at most 1 instance per color fits',
      // (2n + 3n + 2 workers ≤ 10 ⇒ n = 1)
      );
    } finally {
      await reader.query('ALTER ROLE app CONNECTION LIMIT -1');
    }
  });

  test('a database with a connection limit binds, and counts only sessions in that database', async () => {
    const reader = await s.open({ database: 'shop' });
    const pool = parse({ colors: colors(2, 2), others: [{ name: 'workers', connections: 2 }], role: 'app', headroomPercent: 0 });
    const fits = await checkPoolBudget({ pool, client: reader });
    expect(fits.checks.map((c) => [c.limit, c.label, c.capacity, c.demand, c.ok])).toEqual([
      ['server', 'max_connections 50 − superuser_reserved_connections 2 − reserved_connections 5', 43, 12, true],
      ['database', 'database "shop" CONNECTION LIMIT 12', 12, 12, true],
    ]);
    expect(fits.binding).toBe('database');

    await s.open({ user: 'other', password: 'other', applicationName: 'psql' }); // in database postgres
    const elsewhere = await checkPoolBudget({ pool, client: reader });
    expect(elsewhere.demand.at(-1)).toMatchObject({ name: 'role other "psql" in postgres', connections: 1, inDatabase: false });
    expect(elsewhere.checks.map((c) => [c.limit, c.demand, c.ok])).toEqual([
      ['server', 13, true],
      ['database', 12, true],
    ]);

    await s.open({ user: 'other', password: 'other', applicationName: 'psql', database: 'shop' });
    const inShop = await checkPoolBudget({ pool, client: reader });
    expect(inShop.checks.map((c) => [c.limit, c.demand, c.ok])).toEqual([
      ['server', 14, true],
      ['database', 13, false],
    ]);
    expect([inShop.ok, inShop.binding]).toEqual([false, 'database']);
    expect(inShop.summary).toContain('13 connections needed but database "shop" CONNECTION LIMIT 12 allows 12');
  });

  test('idle connections opened by the test are counted as other clients, grouped by role and application', async () => {
    const reader = await s.open();
    for (let i = 0; i < 3; i++) await s.open({ user: 'other', password: 'other', applicationName: 'psql' });
    await s.open({ user: 'other', password: 'other', applicationName: 'report' });
    await s.open({ user: 'monitor', password: 'monitor', applicationName: 'psql' });
    await s.open({ user: 'app', password: 'app', applicationName: 'blue-web' }); // the app role: in the config
    const budget = await checkPoolBudget({ pool: parse({ colors: colors(1, 5), role: 'app', headroomPercent: 0 }), client: reader });
    expect(budget.demand.filter((l) => l.kind === 'unlisted').map((l) => [l.name, l.connections])).toEqual([
      ['role monitor "psql"', 1],
      ['role other "psql"', 3],
      ['role other "report"', 1],
    ]);
    expect(budget.checks[0].demand).toBe(10 + 2 + 5);
  });

  test('application names in the config claim live sessions of other roles', async () => {
    const reader = await s.open();
    await s.open({ user: 'other', password: 'other', applicationName: 'shop-blue' });
    await s.open({ user: 'other', password: 'other', applicationName: 'nightly' });
    const pool = parse({
      colors: { blue: { instances: 1, poolSize: 1, applicationName: 'shop-blue' } },
      others: [{ name: 'cron', connections: 1, role: 'monitor', applicationName: 'nightly' }],
      role: 'app',
    });
    const supply = await readServerSupply(reader, pool);
    expect(supply.unlisted).toEqual([]);
    const budget = computeBudget(pool, supply);
    expect(budget.demand.find((l) => l.name === 'cron')).toMatchObject({ role: 'monitor', countsTowardRole: false });
  });

  test('without pool.role, sessions of the app role are other clients, and a note says so', async () => {
    const reader = await s.open();
    await s.open({ user: 'app', password: 'app', applicationName: 'web' });
    const budget = await checkPoolBudget({ pool: parse({ colors: colors(1, 1) }), client: reader });
    expect(budget.demand.at(-1)).toMatchObject({ name: 'role app "web"', connections: 1 });
    expect(budget.checks.map((c) => c.limit)).toEqual(['server']);
    expect(budget.notes).toContain(
      'pool.role is not set: no role limit is checked, and open connections count as other clients unless their application_name is in the config',
    );
  });

  test('an unknown role is a usage error', async () => {
    const reader = await s.open();
    const error = await checkPoolBudget({ pool: parse({ colors: colors(1, 1), role: 'ghost' }), client: reader }).catch((e) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe('no config file (looked for bgmigrate.config.json, .bgmigraterc.json and package.json "bgmigrate"): pool.role: role "ghost" does not exist on the server (check the role name)');
  });

  test('a role that cannot see other roles\' sessions says exactly what it could not count', async () => {
    const admin = await s.open({ applicationName: 'admin' });
    await s.open({ user: 'other', password: 'other', applicationName: 'psql' });
    await s.open({ user: 'other', password: 'other', applicationName: 'psql' });
    const reader = await s.open({ user: 'monitor', password: 'monitor' });
    const pool = parse({ colors: colors(1, 1), role: 'app', headroomPercent: 0 });
    const error = await checkPoolBudget({ pool, client: reader }).catch((e) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe(
      'pool: role "monitor" cannot see whether 3 session(s) of other roles are client connections ' +
        '(pg_stat_activity hides their backend type): 2× role other (psql), 1× role postgres (admin) — not counted; ' +
        'grant pg_read_all_stats to "monitor", connect as a role that has it, or count each as a connection (--count-hidden-sessions, or pool.countHiddenSessions in no config file (looked for bgmigrate.config.json, .bgmigraterc.json and package.json "bgmigrate"))',
    );

    const counted = await checkPoolBudget({ pool, client: reader, hiddenSessions: 'count' });
    const byConfig = await checkPoolBudget({ pool: { ...pool, countHiddenSessions: true }, client: reader });
    expect(byConfig.demand).toEqual(counted.demand);
    expect(counted.demand.filter((l) => l.kind === 'hidden').map((l) => [l.name, l.connections])).toEqual([
      ['role other "psql"', 2],
      ['role postgres "admin"', 1],
    ]);
    expect(counted.checks[0].demand).toBe(2 + 2 + 3);
    expect(counted.notes).toContain('3 session(s) of other roles with a hidden backend type were counted as connections');

    await admin.query('GRANT pg_read_all_stats TO monitor');
    try {
      const granted = await checkPoolBudget({ pool, client: reader });
      expect(granted.demand.filter((l) => l.kind === 'unlisted').map((l) => [l.name, l.connections])).toEqual([
        ['role other "psql"', 2],
        ['role postgres "admin"', 1],
      ]);
      expect(granted.supply.hidden).toEqual([]);
    } finally {
      await admin.query('REVOKE pg_read_all_stats FROM monitor');
    }
  });
});
