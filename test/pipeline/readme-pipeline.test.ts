/**
 * The README's deploy and rollback workflows, run word for word: every `run:` line of the two
 * YAML blocks marked `<!-- pipeline:deploy -->` and `<!-- pipeline:rollback -->` is executed with
 * bash, as GitHub Actions runs it (`bash -e`, `$GITHUB_ENV` carried to later steps), against a
 * real server, over four deploys and a rollback. `npx bgmigrate` is the built CLI; `deploy/*.sh`
 * are stand-ins that log what they were asked to do.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../support/cli.js';
import { createTestDatabase, withClient, type TestDatabase } from '../support/db.js';

/** The single-line `run:` steps of the README's YAML block after `marker`, without `npm ci`. */
function workflowSteps(marker: string): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`<!-- pipeline:${marker} -->`);
  if (start < 0) throw new Error(`README has no <!-- pipeline:${marker} --> block`);
  const block = readme.slice(start).split('```yaml\n')[1].split('```')[0];
  return block
    .split('\n')
    .map((line) => /^\s+- run: (.+)$/.exec(line)?.[1])
    .filter((cmd): cmd is string => cmd !== undefined && cmd !== 'npm ci');
}

let db: TestDatabase;
let project: string;
let shims: string;

const MIGRATIONS: Record<string, Record<string, string>> = {
  v1: { '001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, name text);\n' },
  v2: {
    '002_full_name.sql': 'ALTER TABLE users ADD COLUMN full_name text;\n',
    '003_deprecate_name.sql': "-- bgmigrate: deprecates public.users.name\nCOMMENT ON COLUMN users.name IS 'deprecated: read full_name';\n",
  },
  v3: { '004_drop_name.sql': '-- bgmigrate: phase=contract\nALTER TABLE users DROP COLUMN name;\n' },
  v4: {},
};

beforeAll(async () => {
  db = await createTestDatabase('readme_pipeline');
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'bgmigrate-pipeline-'));
  fs.mkdirSync(path.join(project, 'migrations'));
  fs.mkdirSync(path.join(project, 'deploy'));
  // A short rollback window, so that a later deploy finds the standby expired.
  fs.writeFileSync(path.join(project, 'bgmigrate.config.json'), JSON.stringify({ ledger: { rollbackWindow: '3s' } }));
  for (const script of ['start.sh', 'switch-traffic.sh']) {
    fs.writeFileSync(path.join(project, 'deploy', script), `#!/bin/sh\necho "${script} $*" >> "$(dirname "$0")/calls.log"\n`, { mode: 0o755 });
  }
  shims = fs.mkdtempSync(path.join(os.tmpdir(), 'bgmigrate-shims-'));
  fs.writeFileSync(path.join(shims, 'npx'), `#!/bin/sh\n[ "$1" = bgmigrate ] || exit 127\nshift\nexec "${process.execPath}" "${CLI}" "$@"\n`, { mode: 0o755 });
});

afterAll(async () => {
  await db.drop();
  fs.rmSync(project, { recursive: true, force: true });
  fs.rmSync(shims, { recursive: true, force: true });
});

interface StepRun {
  command: string;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a workflow's steps in order, stopping at the first failure as a job does. */
function runWorkflow(marker: string, env: Record<string, string>): StepRun[] {
  const githubEnv = path.join(project, `.github-env-${marker}`);
  fs.writeFileSync(githubEnv, '');
  const runs: StepRun[] = [];
  for (const command of workflowSteps(marker)) {
    const carried = Object.fromEntries(
      fs.readFileSync(githubEnv, 'utf8').split('\n').filter(Boolean).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    const result = spawnSync('bash', ['-e', '-c', command], {
      cwd: project,
      encoding: 'utf8',
      env: {
        PATH: `${shims}:${process.env.PATH}`,
        HOME: process.env.HOME,
        NO_COLOR: '1',
        BGMIGRATE_DATABASE_URL: db.url,
        GITHUB_ENV: githubEnv,
        ...env,
        ...carried,
      },
    });
    runs.push({ command, code: result.status, stdout: result.stdout, stderr: result.stderr });
    if (result.status !== 0) break;
  }
  return runs;
}

function deploy(release: string): StepRun[] {
  for (const [name, sql] of Object.entries(MIGRATIONS[release])) fs.writeFileSync(path.join(project, 'migrations', name), sql);
  return runWorkflow('deploy', { RELEASE: release });
}

const output = (runs: StepRun[], prefix: string) => runs.find((r) => r.command.startsWith(prefix))!;
const calls = () => fs.readFileSync(path.join(project, 'deploy', 'calls.log'), 'utf8').trim().split('\n');

async function releases(): Promise<[string, string, string | null][]> {
  const run = spawnSync(process.execPath, [CLI, 'release', 'list', '--format', 'json'], { cwd: project, encoding: 'utf8', env: { ...process.env, BGMIGRATE_DATABASE_URL: db.url } });
  return (JSON.parse(run.stdout) as { releases: { release: string; state: string; color: string | null }[] }).releases.map((r) => [r.release, r.state, r.color]);
}

const nameColumn = () =>
  withClient(db.url, async (c) => (await c.query(`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'name'`)).rows[0].n);

describe("the README's deploy pipeline, word for word", () => {
  it('has the steps the README documents', () => {
    expect(workflowSteps('deploy')).toEqual([
      'npx bgmigrate release retire --expired',
      'npx bgmigrate apply --phase expand --release "$RELEASE"',
      'echo "COLOR=$(npx bgmigrate release color --next)" >> "$GITHUB_ENV"',
      './deploy/start.sh "$RELEASE" "$COLOR"',
      './deploy/switch-traffic.sh "$COLOR"',
      'npx bgmigrate release ship "$RELEASE"',
      'npx bgmigrate apply --phase contract --release "$RELEASE"',
    ]);
    expect(workflowSteps('rollback')).toEqual(['./deploy/switch-traffic.sh "$(npx bgmigrate release color --next)"', 'npx bgmigrate release rollback']);
  });

  it('deploy v1: blue, live', async () => {
    const runs = deploy('v1');
    expect(runs.map((r) => [r.code, r.stderr.includes('bgmigrate:') ? r.stderr : ''])).toEqual(runs.map(() => [0, '']));
    expect(runs).toHaveLength(7);
    expect(output(runs, 'npx bgmigrate release retire').stdout).toBe('no standby release is past the rollback window\n');
    expect(output(runs, 'npx bgmigrate apply --phase expand').stdout).toMatch(/^applied migrations\/001_users\.sql \(\d+ms\)\napply --phase expand --release v1: 1 migration applied\n$/);
    expect(output(runs, 'npx bgmigrate release ship').stdout).toBe('v1 is live (blue)\n');
    expect(output(runs, 'npx bgmigrate apply --phase contract').stdout).toBe('apply --phase contract --release v1: nothing to apply\n');
    expect(calls()).toEqual(['start.sh v1 blue', 'switch-traffic.sh blue']);
    expect(await releases()).toEqual([['v1', 'live', 'blue']]);
  });

  it('deploy v2: green; v1 becomes the standby; the deprecation is recorded', async () => {
    const runs = deploy('v2');
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(output(runs, 'npx bgmigrate release ship').stdout).toMatch(/^v2 is live \(green\); v1 is standby, a rollback target until \S+ or until "bgmigrate release retire v1"\n$/);
    expect(calls().slice(2)).toEqual(['start.sh v2 green', 'switch-traffic.sh green']);
    expect(await releases()).toEqual([
      ['v1', 'standby', 'blue'],
      ['v2', 'live', 'green'],
    ]);
  });

  it('rollback: traffic back to blue, v1 live again, v2 rolled back', async () => {
    const runs = runWorkflow('rollback', {});
    expect(runs.map((r) => [r.code, r.stdout])).toEqual([
      [0, ''],
      [0, 'rolled back: v1 is live again (blue); v2 is rolled-back\n'],
    ]);
    expect(calls().slice(4)).toEqual(['switch-traffic.sh blue']);
    expect(await releases()).toEqual([
      ['v1', 'live', 'blue'],
      ['v2', 'rolled-back', 'green'],
    ]);
  });

  it('deploy v3: the contract migration waits while v1 is a rollback target, and the deploy succeeds', async () => {
    const runs = deploy('v3');
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    const contract = output(runs, 'npx bgmigrate apply --phase contract');
    expect(contract.stdout.split('\n')[0]).toBe('waiting migrations/004_drop_name.sql: the ledger does not allow it yet');
    expect(contract.stdout).toMatch(/drop-column: release v1 still uses public\.users\.name and is a rollback target until/);
    expect(contract.stdout).toContain('apply --phase contract --release v3: nothing applied, 1 waiting for the ledger (run it again once it allows them)\n');
    expect(calls().slice(5)).toEqual(['start.sh v3 green', 'switch-traffic.sh green']);
    expect(await nameColumn()).toBe(1);
  });

  it('deploy v4, after the rollback window: v1 is retired as expired and the contract migration applies', async () => {
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    const runs = deploy('v4');
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(output(runs, 'npx bgmigrate release retire').stdout).toBe('retired (rollback window passed): v1\n');
    expect(output(runs, 'npx bgmigrate apply --phase contract').stdout).toMatch(
      /^applied migrations\/004_drop_name\.sql \(\d+ms\)\napply --phase contract --release v4: 1 migration applied\n$/,
    );
    expect(calls().slice(7)).toEqual(['start.sh v4 blue', 'switch-traffic.sh blue']);
    expect(await nameColumn()).toBe(0);
    expect(await releases()).toEqual([
      ['v1', 'retired', 'blue'],
      ['v2', 'rolled-back', 'green'],
      ['v3', 'standby', 'green'],
      ['v4', 'live', 'blue'],
    ]);
    const ledger = await withClient(db.url, async (c) => (await c.query('SELECT id, phase, release FROM bgmigrate.migrations ORDER BY seq')).rows);
    expect(ledger).toEqual([
      { id: '001_users.sql', phase: 'expand', release: 'v1' },
      { id: '002_full_name.sql', phase: 'expand', release: 'v2' },
      { id: '003_deprecate_name.sql', phase: 'expand', release: 'v2' },
      { id: '004_drop_name.sql', phase: 'contract', release: 'v4' },
    ]);
    const status = spawnSync(process.execPath, [CLI, 'status', '--format', 'json'], { cwd: project, encoding: 'utf8', env: { ...process.env, BGMIGRATE_DATABASE_URL: db.url } });
    expect(JSON.parse(status.stdout).colors).toEqual({ blue: { release: 'v4', state: 'live' }, green: { release: 'v3', state: 'standby' } });
  });
});
