/**
 * Connecting to PostgreSQL with errors a user can act on, and URLs that never show a password.
 */
import pg from 'pg';
import { UsageError } from '../errors.js';

/** The `application_name` bgmigrate's sessions carry, so DBAs can see them in `pg_stat_activity`. */
export const APPLICATION_NAME = 'bgmigrate';

export interface ConnectOptions {
  /** `application_name` for the session; default `bgmigrate`. */
  applicationName?: string;
  /** Give up connecting after this long; default 10 s. */
  connectTimeoutMs?: number;
}

export { redactUrl, resolveDatabaseUrl } from './url.js';
import { redactUrl } from './url.js';

/**
 * Opens one connection. Every failure becomes a {@link UsageError} with one line that names the
 * redacted URL and the cause: server down, unknown host, wrong password, missing database or
 * role, no CONNECT privilege, too many connections.
 *
 * @example
 * const client = await connect(url);
 * try { await client.query('select 1'); } finally { await client.end(); }
 */
export async function connect(url: string, options: ConnectOptions = {}): Promise<pg.Client> {
  let config: pg.ClientConfig;
  try {
    config = clientConfig(url);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`invalid database URL ${redactUrl(url)}: expected postgres://user:password@host:port/database`);
  }
  const client = new pg.Client({
    ...config,
    application_name: options.applicationName ?? APPLICATION_NAME,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
  });
  // Without a listener a server that goes away would crash the process with a stack trace;
  // the query in flight rejects anyway and reports the failure.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new UsageError(connectionErrorMessage(url, error), { cause: error });
  }
  return client;
}

/**
 * The driver's settings for a URL. `sslmode` is read here, as libpq reads it, instead of by the
 * driver (which prints a multi-line deprecation warning for `require` and treats it as
 * `verify-full`): `disable` no TLS; `prefer`/`require` TLS without verifying the certificate;
 * `verify-ca`/`verify-full` TLS with verification.
 */
export function clientConfig(url: string): pg.ClientConfig {
  const parsed = new URL(url);
  const mode = parsed.searchParams.get('sslmode');
  if (mode === null) return { connectionString: url };
  parsed.searchParams.delete('sslmode');
  const connectionString = parsed.toString();
  switch (mode) {
    case 'disable':
    case 'allow':
      return { connectionString, ssl: false };
    case 'prefer':
    case 'require':
      return { connectionString, ssl: { rejectUnauthorized: false } };
    case 'verify-ca':
    case 'verify-full':
      return { connectionString, ssl: { rejectUnauthorized: true } };
    default:
      throw new UsageError(`invalid sslmode "${mode}" in ${redactUrl(url)}: expected disable, prefer, require, verify-ca or verify-full`);
  }
}

/** The PostgreSQL server's major version, e.g. 16 or 18. */
export async function serverVersion(client: pg.ClientBase): Promise<number> {
  const result = await client.query<{ server_version_num: string }>('SHOW server_version_num');
  return Math.floor(Number(result.rows[0].server_version_num) / 10_000);
}

/** SQLSTATE and Node error code of a pg or socket error, when present. */
function errorCode(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

/**
 * One line describing why a connection to `url` failed, with the password removed.
 * Exported so that callers mapping errors later in a session (e.g. a privilege error while
 * creating the ledger) phrase them the same way.
 */
export function connectionErrorMessage(url: string, error: unknown): string {
  const where = `cannot connect to ${redactUrl(url)}`;
  let user = '';
  let database = '';
  let host = '';
  try {
    const parsed = new URL(url);
    user = decodeURIComponent(parsed.username);
    database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
    host = parsed.hostname;
  } catch {
    // Keep the generic wording below.
  }
  const code = errorCode(error);
  const raw = error instanceof Error ? error.message : String(error);
  const why = ((): string => {
    switch (code) {
      case 'ECONNREFUSED':
        return 'connection refused — is the server running?';
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `host ${host ? `"${host}" ` : ''}not found`;
      case 'ETIMEDOUT':
        return 'connection timed out';
      case 'ECONNRESET':
        return 'the server closed the connection';
      case '28P01':
        return `password authentication failed for user "${user}" (wrong password)`;
      case '28000':
        return `not authorized: ${raw}`;
      case '3D000':
        return `database "${database}" does not exist`;
      case '42501':
        return `permission denied: ${raw}`;
      case '53300':
        return 'too many connections (the server has no free connection slot)';
      case '57P03':
        return 'the server is starting up or shutting down; try again';
      default:
        if (/timeout/i.test(raw)) return 'connection timed out';
        return raw;
    }
  })();
  return stripPassword(`${where}: ${why}`, url);
}

/**
 * A message with the password of every connection URL in it masked, found by URL structure
 * (`scheme://user:password@host`), never by searching for the password's text elsewhere: a short
 * password must not mangle ordinary words, and a word-like one must not reveal itself by which
 * words get masked. `url` is accepted for the callers' convenience.
 */
export function stripPassword(message: string, url?: string): string {
  void url;
  return message.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi, (found) => redactUrl(found));
}
