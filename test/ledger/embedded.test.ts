import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, makeServerTempDir, startEmbedded, startPostgresServer } from '../../src/db/embedded.js';
import { UsageError } from '../../src/errors.js';
import { testPgMajor } from '../support/major.js';
import { withClient } from '../support/db.js';
import { thrown } from './helpers.js';

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
