import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, makeServerTempDir, startEmbedded, startPostgresServer } from '../../src/db/embedded.js';
import { UsageError } from '../../src/errors.js';
import { testPgMajor } from '../support/major.js';
import { withClient } from '../support/db.js';
import { thrown } from './helpers.js';
import { spawn } from 'node:child_process';
import { CLI } from '../support/cli.js';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

describe('embedded PostgreSQL', () => {
  it('says which port is taken instead of failing with undefined', async () => {
    const port = await freePort();
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    const dir = makeServerTempDir();
    try {
      const error = await thrown(() => startPostgresServer({ dataDir: path.join(dir, 'data'), port, major: testPgMajor(), fast: true }));
      expect(error).toBeInstanceOf(UsageError);
      expect(error.message).toBe(`cannot start embedded PostgreSQL: port ${port} is already in use by another program`);
    } finally {
      squatter.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.runIf(isRoot)('says which directory the postgres user cannot enter', async () => {
    const dir = makeServerTempDir();
    const closed = path.join(dir, 'closed');
    fs.mkdirSync(closed, { mode: 0o700 });
    fs.chmodSync(closed, 0o700);
    try {
      const error = await thrown(() => startPostgresServer({ dataDir: path.join(closed, 'pg', 'data'), major: testPgMajor(), fast: true }));
      expect(error).toBeInstanceOf(UsageError);
      expect(error.message).toBe(
        `PostgreSQL runs as the "postgres" user, which cannot enter ${closed} (mode 700); allow it with "chmod o+x ${closed}" or move the project out of that directory`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--database embedded: starts once, is reused by a second caller, keeps its data', async () => {
    const dir = makeServerTempDir();
    const pgDir = path.join(dir, '.bgmigrate', 'pg');
    try {
      const first = await startEmbedded({ dir: pgDir, major: testPgMajor() });
      try {
        expect(first.reused).toBe(false);
        const record = JSON.parse(fs.readFileSync(path.join(pgDir, 'server.json'), 'utf8')) as { port: number; ownerPid: number };
        expect(first.url).toBe(`postgres://postgres:password@127.0.0.1:${record.port}/postgres`);
        expect(record.ownerPid).toBe(process.pid);
        // The data never ends up in the project's git.
        expect(fs.readFileSync(path.join(dir, '.bgmigrate', '.gitignore'), 'utf8')).toBe('# bgmigrate: the embedded PostgreSQL server and its data\n*\n');
        await withClient(first.url, (c) => c.query('CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)'));

        const second = await startEmbedded({ dir: pgDir });
        expect(second).toMatchObject({ url: first.url, reused: true });
        await second.stop(); // a reuser does not stop the owner's server
        expect(await withClient(first.url, (c) => c.query('SELECT n FROM kept')).then((r) => r.rows)).toEqual([{ n: 42 }]);
      } finally {
        await first.stop();
      }
      expect(fs.existsSync(path.join(pgDir, 'server.json'))).toBe(false);

      // Started again on the same directory: the data is still there.
      const again = await startEmbedded({ dir: pgDir });
      try {
        expect(again.reused).toBe(false);
        expect(await withClient(again.url, (c) => c.query('SELECT n FROM kept')).then((r) => r.rows)).toEqual([{ n: 42 }]);
      } finally {
        await again.stop();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('--database embedded, two processes at once', () => {
  function run(cwd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, BGMIGRATE_DATABASE_URL: undefined, DATABASE_URL: undefined } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('the second waits for the first, then applies what is left; both exit 0', async () => {
    const cwd = makeServerTempDir('bgmigrate-embedded-twice-');
    try {
      fs.mkdirSync(path.join(cwd, 'migrations'));
      fs.writeFileSync(path.join(cwd, 'migrations', '001_a.sql'), 'CREATE TABLE a (id int);\n');
      fs.writeFileSync(path.join(cwd, 'migrations', '002_b.sql'), 'CREATE TABLE b (id int);\n');
      const args = ['--database', 'embedded', 'apply', '--phase', 'expand'];
      const [one, two] = await Promise.all([run(cwd, args), run(cwd, args)]);
      expect([one.stderr, two.stderr].join('').replace(/^(waiting for bgmigrate pid \d+, |pool budget not checked: ).*\n/gm, '')).toBe('');
      expect([one.code, two.code]).toEqual([0, 0]);
      const outputs = [one.stdout, two.stdout].sort();
      expect(outputs[1]).toBe('apply --phase expand: nothing to apply\n');
      expect(outputs[0]).toMatch(/^applied migrations\/001_a\.sql \(\d+ms\)\napplied migrations\/002_b\.sql \(\d+ms\)\napply --phase expand: 2 migrations applied\n$/);
      const waited = [one.stderr, two.stderr].filter((e) => /^waiting for bgmigrate pid \d+, which is using the embedded PostgreSQL server \(\.bgmigrate\/pg\)$/m.test(e));
      expect(waited).toHaveLength(1);
      expect(fs.existsSync(path.join(cwd, '.bgmigrate', 'pg', 'in-use'))).toBe(false);
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  }, 120_000);
});
