/**
 * Where trace runs the statements, chosen so that the target database is never changed:
 *
 * - `copy` (preferred): a copy of the target (CREATE DATABASE … TEMPLATE target), possible when
 *   the role may create databases, nobody else is connected to the target and it is small
 *   (default ≤ 256 MB: a copy is a file copy). The target is not written at all.
 * - `target`: the target itself, inside a transaction that run.ts always rolls back. Statements
 *   that cannot run in a transaction then need a throwaway database: a copy of the target when
 *   one can be made, else an empty one (from template0) into which the traced statements before
 *   them are replayed. Without CREATEDB, trace refuses them.
 *
 * Scratch databases are named `bgmigrate_trace_…` and dropped (WITH FORCE) by `close()`.
 * CREATE/DROP DATABASE go through short-lived sessions on a maintenance database that is not the
 * target (`postgres`, or `template1` when the target is `postgres`): a session left on template1
 * would stop everyone else from creating databases.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { connect } from '../db/connect.js';
import { UsageError } from '../errors.js';
import { APP, backendPid, databaseName, errorText, quoteIdent, withDatabase } from './session.js';

export interface VenueOptions {
  url: string;
  venue?: 'auto' | 'target';
  copyLimitBytes?: number;
}

/** A statement that needs a throwaway database, for the refusal message. */
export interface NeedsThrowaway {
  what: string;
  location: string;
}

export interface Venue {
  kind: 'copy' | 'target';
  /** The session the statements run on, and its backend pid. */
  main: pg.Client;
  mainPid: number;
  /** URL of the database `main` is connected to. */
  url: string;
  /** Why the target was not copied, when it was not. */
  reason?: string;
  /** With `kind: 'target'`, where non-transactional statements run. */
  throwaway?: { url: string; source: 'template' | 'replay' };
  serverMajor: number;
  /** Opens another session, closed by `close()`. */
  open(url: string, applicationName?: string): Promise<pg.Client>;
  /** Closes every session and drops every scratch database. Never throws. */
  close(): Promise<void>;
}

interface TargetInfo {
  major: number;
  can_create: boolean;
  role: string;
  db: string;
  others: number;
  size: string;
}

/**
 * Opens the venue for a trace of `options.url`. Throws UsageError when a statement needs a
 * throwaway database that the role cannot create, and for connection failures.
 */
export async function openVenue(options: VenueOptions, needsThrowaway: NeedsThrowaway | undefined): Promise<Venue> {
  const opened = new Set<pg.Client>();
  const scratchDbs: string[] = [];
  const targetDb = databaseName(options.url);

  const open = async (url: string, applicationName = APP): Promise<pg.Client> => {
    const client = await connect(url, { applicationName });
    opened.add(client);
    return client;
  };
  const end = async (client: pg.Client): Promise<void> => {
    opened.delete(client);
    await client.end().catch(() => undefined);
  };
  const maintenance = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T | undefined> => {
    for (const db of ['postgres', 'template1'].filter((d) => d !== targetDb)) {
      const client = await connect(withDatabase(options.url, db), { applicationName: APP }).catch(() => undefined);
      if (!client) continue;
      try {
        return await fn(client);
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    return undefined;
  };
  const close = async (): Promise<void> => {
    for (const client of [...opened].reverse()) await end(client);
    if (scratchDbs.length === 0) return;
    await maintenance(async (client) => {
      for (const name of scratchDbs) await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    }).catch(() => undefined);
  };
  const scratchName = (what: string) => `bgmigrate_trace_${what}_${process.pid}_${randomBytes(3).toString('hex')}`;

  try {
    const probe = await open(options.url);
    const info = (
      await probe.query<TargetInfo>(
        `SELECT current_setting('server_version_num')::int / 10000 AS major,
                (SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user) AS can_create,
                current_user AS role, current_database() AS db,
                (SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()) AS others,
                pg_database_size(current_database())::text AS size`,
      )
    ).rows[0]!;

    // A copy of the target, if one can be made and is wanted.
    let copy: string | undefined;
    let reason: string | undefined;
    const limit = options.copyLimitBytes ?? 256 * 1024 * 1024;
    if (!info.can_create) reason = `role "${info.role}" cannot create databases`;
    else if (info.others > 0) reason = `${info.others} other session(s) are connected to it`;
    else if (Number(info.size) > limit) reason = `it is larger than ${Math.round(limit / 1048576)} MB`;
    else if (options.venue !== 'target' || needsThrowaway) {
      await end(probe); // a copy needs nobody connected to the original, trace included
      const name = scratchName('copy');
      try {
        const made = await maintenance(async (client) => {
          await client.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(info.db)}`);
          return true;
        });
        if (made) {
          scratchDbs.push(name);
          copy = name;
        } else {
          reason = 'no maintenance database (postgres, template1) to connect to';
        }
      } catch (error) {
        reason = `could not copy it: ${errorText(error, options.url)}`;
      }
    }
    const base = { serverMajor: info.major, open, close };

    if (options.venue !== 'target' && copy) {
      const url = withDatabase(options.url, copy);
      const main = await open(url);
      return { ...base, kind: 'copy', main, mainPid: await backendPid(main), url };
    }

    if (needsThrowaway && !info.can_create) {
      throw new UsageError(
        `${needsThrowaway.location}: ${needsThrowaway.what} cannot run inside a transaction, and role "${info.role}" cannot create a throwaway database to run it in (it needs CREATEDB); trace refuses to run it against database "${info.db}"`,
        { location: needsThrowaway.location },
      );
    }
    const main = opened.has(probe) ? probe : await open(options.url);
    let throwaway: Venue['throwaway'];
    if (needsThrowaway && copy) throwaway = { url: withDatabase(options.url, copy), source: 'template' };
    else if (needsThrowaway) {
      const name = scratchName('replay');
      await main.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0`);
      scratchDbs.push(name);
      throwaway = { url: withDatabase(options.url, name), source: 'replay' };
    }
    return {
      ...base,
      kind: 'target',
      main,
      mainPid: await backendPid(main),
      url: options.url,
      reason: options.venue === 'target' ? 'asked to run on the target' : reason,
      throwaway,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
