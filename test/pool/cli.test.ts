/** `bgmigrate pool` as users run it: the built binary, its exit code, stdout and stderr. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli, tempProject } from '../support/cli.js';
import { startPoolServer, type PoolTestServer } from './server.js';

const WORKED = {
  colors: { blue: { instances: 4, poolSize: 20 }, green: { instances: 4, poolSize: 20 } },
  others: [{ name: 'workers', connections: 10 }],
  role: 'app',
  headroomPercent: 10,
};

const project = (pool: unknown) => tempProject({ 'bgmigrate.config.json': JSON.stringify(pool === undefined ? {} : { pool }) });
const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

describe('bgmigrate pool --max-connections (offline)', () => {
  test('the worked example: exit 1, the table, why, and the fix', () => {
    const run = runCli(['pool', '--max-connections', '100'], { cwd: project(WORKED) });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    expect(lines(run.stdout)).toEqual([
      'Connection-pool budget (offline)',
      '  demand                                                                  connections',
      '  blue       4 instances × pool 20                                                 80',
      '  green      4 instances × pool 20                                                 80',
      '  workers    configured                                                            10',
      '  bgmigrate  migration runner: advisory-lock session + statement session            2',
      '  total      server connections                                                   172',
      '  limit   from                                capacity  headroom 10%  allowed  demand  remaining',
      '  server  --max-connections 100 − 3 reserved        97            10       87     172        -85  OVER, binds',
      'pool budget exceeded: 172 connections needed but --max-connections 100 − 3 reserved minus 10% headroom allows 87; ' +
        'the largest pool size per instance that fits is 9; at the configured pool size at most 1 instance per color fits',
      'note: offline: role and database connection limits and the connections open now were not read',
    ]);
  });

  test('the fix fits: exit 0', () => {
    const fixed = { ...WORKED, colors: { blue: { instances: 4, poolSize: 9 }, green: { instances: 4, poolSize: 9 } } };
    const run = runCli(['pool', '--max-connections', '100'], { cwd: project(fixed) });
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toContain(
      'pool budget fits: 84 of 87 allowed connections under --max-connections 100 − 3 reserved minus 10% headroom, 3 to spare',
    );
  });

  test('--reserved and --format json', () => {
    const run = runCli(['pool', '--max-connections', '200', '--reserved', '10', '--format', 'json'], { cwd: project(WORKED) });
    expect(run.code).toBe(1);
    const budget = JSON.parse(run.stdout);
    expect(budget).toMatchObject({ version: 1, mode: 'direct', source: 'offline', ok: false, verdict: 'over-budget', binding: 'server' });
    expect(budget.checks[0]).toMatchObject({ capacity: 190, allowed: 171, demand: 172, remaining: -1 });
    expect(budget.suggestion).toMatchObject({ poolSize: 19, instances: 3 });
  });

  test('through one PgBouncer the worked example fits', () => {
    const run = runCli(['pool', '--max-connections', '100', '--format', 'json'], {
      cwd: project({ ...WORKED, pgbouncer: { maxClientConn: 200, defaultPoolSize: 40 } }),
    });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).checks.map((c: { limit: string; demand: number; allowed: number }) => [c.limit, c.demand, c.allowed])).toEqual([
      ['server', 52, 87],
      ['pgbouncer-client', 160, 180],
    ]);
  });

  test.each([
    [undefined, ['pool', '--max-connections', '100'], 'bgmigrate: bgmigrate.config.json has no "pool" section: add one such as'],
    [{ colors: { blue: { instances: 4, poolSize: -1 } } }, ['pool', '--max-connections', '100'], 'pool.colors.blue.poolSize: expected an integer ≥ 0, got -1'],
    [WORKED, ['pool', '--max-connections', 'lots'], 'bgmigrate: --max-connections: expected a whole number, got "lots"'],
    [WORKED, ['pool', '--max-connections', '3', '--reserved', '3'], 'bgmigrate: --reserved 3 leaves no connections of --max-connections 3'],
    [WORKED, ['pool', '--reserved', '3'], 'bgmigrate: --reserved needs --max-connections (offline mode)'],
    [WORKED, ['pool'], 'bgmigrate: pool needs a database: pass --database <url>'],
  ])('bad input %# is one line, exit 2', (pool, args, message) => {
    const run = runCli(args, { cwd: project(pool) });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toContain(message);
  });
});

describe('bgmigrate pool --database', () => {
  let server: PoolTestServer;

  beforeAll(async () => {
    server = await startPoolServer({ max_connections: 40 }, 18);
    const admin = await server.client();
    await admin.query("CREATE ROLE app LOGIN PASSWORD 'app' CONNECTION LIMIT 30");
    await admin.end();
  });
  afterAll(() => server?.stop());

  test('reads the server: the role limit binds', () => {
    const cwd = project({ ...WORKED, colors: { blue: { instances: 2, poolSize: 8 }, green: { instances: 2, poolSize: 8 } } });
    const run = runCli(['pool', '--database', server.url(), '--format', 'json'], { cwd });
    expect(run.code).toBe(1);
    const budget = JSON.parse(run.stdout);
    // Role app: 32 (colors) + 10 (workers) against floor(30 × 0.9) = 27; server: 44 against floor(37 × 0.9) = 33.
    expect(budget.checks.map((c: { limit: string; capacity: number; allowed: number; demand: number }) => [c.limit, c.capacity, c.allowed, c.demand])).toEqual([
      ['server', 37, 33, 44],
      ['role', 30, 27, 42],
    ]);
    expect(budget.binding).toBe('role');
    // The role binds the fix too: 4p + 10 ≤ 27 ⇒ p = 4 (the server alone would allow 5).
    expect(budget.suggestion).toMatchObject({ poolSize: 4, instances: 1 });
  });

  test('an unknown role: exit 2, one line, no password', () => {
    const run = runCli(['pool', '--database', server.url()], { cwd: project({ ...WORKED, role: 'ghost' }) });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('bgmigrate: bgmigrate.config.json: pool.role: role "ghost" does not exist on the server (check the role name)\n');
  });

  test('a config file can live elsewhere (--config)', () => {
    const dir = project(WORKED);
    const run = runCli(['pool', '--config', path.join(dir, 'bgmigrate.config.json'), '--max-connections', '1000'], { cwd: tempProject() });
    expect(run.code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'bgmigrate.config.json'))).toBe(true);
  });
});
