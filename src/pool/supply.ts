import type pg from 'pg';
import { configName } from '../config/config.js';
import { UsageError } from '../errors.js';
import type { PoolConfig } from './config.js';

/** Connections that are open now and that no line of the config accounts for. */
export interface UnlistedClients {
  role: string;
  applicationName: string;
  /** Database they are connected to. */
  database: string;
  /** True when that database is the one being budgeted (its `datconnlimit` counts them). */
  inDatabase: boolean;
  connections: number;
}

/** Sessions whose backend type the reading role may not see (other roles, no `pg_read_all_stats`). */
export interface HiddenSessions {
  role: string;
  applicationName: string;
  database: string;
  inDatabase: boolean;
  sessions: number;
}

/** What the server offers, read once; `computeBudget` turns it and the config into a verdict. */
export interface ServerSupply {
  source: 'server' | 'offline';
  /** `server_version_num`, when read from a server. */
  serverVersionNum?: number;
  maxConnections: number;
  superuserReservedConnections: number;
  /** `reserved_connections` (PostgreSQL 16+); null when the server has no such setting. */
  reservedConnections: number | null;
  /** The database budgeted (the one connected to) and its `datconnlimit` (null: no limit). */
  database?: { name: string; connLimit: number | null };
  /** The app role (`pool.role`) and its `rolconnlimit` (null: no limit). */
  role?: { name: string; connLimit: number | null; superuser: boolean };
  /** Role of the session that read the supply: the role the migration runner connects as. */
  runnerRole?: string;
  /** Client sessions excluded as our own (the reading session and `ownPids`). */
  ownSessions: number;
  /** Open connections not accounted for by the config, grouped by role, application and database. */
  unlisted: UnlistedClients[];
  /** Sessions that could not be classified; counted as connections only with `hiddenSessions: 'count'`. */
  hidden: HiddenSessions[];
  /** Whether `hidden` sessions are counted as demand. */
  countHidden: boolean;
}

export interface ReadSupplyOptions {
  /** Backend pids of our other sessions (the runner's lock session, …): not "other clients". */
  ownPids?: number[];
  /**
   * What to do when pg_stat_activity hides the backend type of other roles' sessions:
   * `refuse` throws a UsageError naming them; `count` counts each as a connection. Default:
   * `count` when the config sets `pool.countHiddenSessions`, else `refuse`.
   */
  hiddenSessions?: 'refuse' | 'count';
  /** The config file the `pool` section came from, for messages (see configName). */
  configSource?: string;
}

interface ActivityRow {
  pid: number;
  usename: string | null;
  application_name: string | null;
  datname: string | null;
  backend_type: string | null;
  hidden: boolean;
}

/**
 * Reads the connection supply from a live server: limits (`max_connections`, the reserved
 * slots, the app role's and the database's connection limits) and the client connections open
 * now that the config does not account for.
 *
 * A current connection is accounted for by the config when its role is the app role or the role
 * of an `others` entry, or its `application_name` is one a color or other entry names; those
 * lines already count their maximum. Only `client backend` sessions use `max_connections` slots
 * (autovacuum, WAL senders and background workers have their own).
 *
 * @throws UsageError when `pool.role` does not exist, or when the reading role cannot see the
 *   backend type of other roles' sessions (unless `hiddenSessions: 'count'`).
 * @example const supply = await readServerSupply(client, config.pool);
 */
export async function readServerSupply(
  client: pg.Client,
  pool: PoolConfig,
  options: ReadSupplyOptions = {},
): Promise<ServerSupply> {
  const settings = await client.query<{
    max: string;
    su: string;
    reserved: string | null;
    version: string;
    db: string;
    datconnlimit: number;
    me: string;
    pid: number;
  }>(
    `SELECT current_setting('max_connections') AS max,
            current_setting('superuser_reserved_connections') AS su,
            current_setting('reserved_connections', true) AS reserved,
            current_setting('server_version_num') AS version,
            d.datname AS db, d.datconnlimit, current_user AS me, pg_backend_pid() AS pid
       FROM pg_database d WHERE d.datname = current_database()`,
  );
  const s = settings.rows[0];

  let role: ServerSupply['role'];
  if (pool.role !== undefined) {
    const r = await client.query<{ rolconnlimit: number; rolsuper: boolean }>(
      'SELECT rolconnlimit, rolsuper FROM pg_roles WHERE rolname = $1',
      [pool.role],
    );
    if (r.rows.length === 0) {
      throw new UsageError(`${configName(options.configSource)}: pool.role: role "${pool.role}" does not exist on the server (check the role name)`);
    }
    role = { name: pool.role, connLimit: limitOrNull(r.rows[0].rolconnlimit), superuser: r.rows[0].rolsuper };
  }

  // A session's backend type is hidden from roles without pg_read_all_stats (or membership in
  // the session's role); a session without a user or a database is never a client backend.
  const activity = await client.query<ActivityRow>(
    `SELECT pid, usename, application_name, datname, backend_type,
            (backend_type IS NULL AND usesysid IS NOT NULL AND datid IS NOT NULL) AS hidden
       FROM pg_stat_activity`,
  );
  const own = new Set([s.pid, ...(options.ownPids ?? [])]);
  const configured = configuredIdentities(pool);
  const unlisted = new Map<string, UnlistedClients>();
  const hidden = new Map<string, HiddenSessions>();
  let ownSessions = 0;
  for (const row of activity.rows) {
    if (own.has(row.pid)) {
      ownSessions += 1;
      continue;
    }
    if (!row.hidden && row.backend_type !== 'client backend') continue;
    const roleName = row.usename ?? '';
    const app = row.application_name ?? '';
    if (configured.roles.has(roleName) || (app !== '' && configured.applicationNames.has(app))) continue;
    const database = row.datname ?? '';
    const key = JSON.stringify([roleName, app, database]);
    if (row.hidden) {
      const h = hidden.get(key) ?? { role: roleName, applicationName: app, database, inDatabase: database === s.db, sessions: 0 };
      h.sessions += 1;
      hidden.set(key, h);
    } else {
      const u = unlisted.get(key) ?? { role: roleName, applicationName: app, database, inDatabase: database === s.db, connections: 0 };
      u.connections += 1;
      unlisted.set(key, u);
    }
  }

  const byName = (a: { role: string; applicationName: string; database: string }, b: typeof a) =>
    a.role.localeCompare(b.role) || a.applicationName.localeCompare(b.applicationName) || a.database.localeCompare(b.database);
  const hiddenSorted = [...hidden.values()].sort(byName);
  const countHidden = (options.hiddenSessions ?? (pool.countHiddenSessions ? 'count' : 'refuse')) === 'count';
  if (hiddenSorted.length > 0 && !countHidden) {
    const total = hiddenSorted.reduce((n, h) => n + h.sessions, 0);
    const who = hiddenSorted.map((h) => `${h.sessions}× role ${h.role}${h.applicationName ? ` (${h.applicationName})` : ''}`).join(', ');
    throw new UsageError(
      `pool: role "${s.me}" cannot see whether ${total} session(s) of other roles are client connections ` +
        `(pg_stat_activity hides their backend type): ${who} — not counted; grant pg_read_all_stats to "${s.me}", ` +
        `connect as a role that has it, or count each as a connection (--count-hidden-sessions, or pool.countHiddenSessions in ${configName(options.configSource)})`,
    );
  }

  return {
    source: 'server',
    serverVersionNum: Number(s.version),
    maxConnections: Number(s.max),
    superuserReservedConnections: Number(s.su),
    reservedConnections: s.reserved === null || s.reserved === '' ? null : Number(s.reserved),
    database: { name: s.db, connLimit: limitOrNull(s.datconnlimit) },
    ...(role ? { role } : {}),
    runnerRole: s.me,
    ownSessions,
    unlisted: [...unlisted.values()].sort(byName),
    hidden: hiddenSorted,
    countHidden,
  };
}

/**
 * The supply without a server, for CI checks of the config alone: `maxConnections` minus
 * `reserved` slots (default 3, PostgreSQL's `superuser_reserved_connections` default; pass the
 * sum of every reserved slot, including `reserved_connections` and a platform's own).
 */
export function offlineSupply(options: { maxConnections: number; reserved?: number }): ServerSupply {
  const check = (value: number, what: string, min: number) => {
    if (!Number.isInteger(value) || value < min) throw new UsageError(`${what}: expected an integer ≥ ${min}, got ${value}`);
  };
  check(options.maxConnections, '--max-connections', 1);
  const reserved = options.reserved ?? 3;
  check(reserved, '--reserved', 0);
  if (reserved >= options.maxConnections) {
    throw new UsageError(`--reserved ${reserved} leaves no connections of --max-connections ${options.maxConnections}`);
  }
  return {
    source: 'offline',
    maxConnections: options.maxConnections,
    superuserReservedConnections: reserved,
    reservedConnections: 0,
    ownSessions: 0,
    unlisted: [],
    hidden: [],
    countHidden: false,
  };
}

function limitOrNull(value: number): number | null {
  return value < 0 ? null : value;
}

function configuredIdentities(pool: PoolConfig): { roles: Set<string>; applicationNames: Set<string> } {
  const roles = new Set<string>();
  const applicationNames = new Set<string>();
  if (pool.role !== undefined) roles.add(pool.role);
  for (const other of pool.others) {
    if (other.role !== undefined) roles.add(other.role);
    if (other.applicationName !== undefined) applicationNames.add(other.applicationName);
  }
  for (const color of Object.values(pool.colors)) {
    if (color.applicationName !== undefined) applicationNames.add(color.applicationName);
  }
  return { roles, applicationNames };
}
