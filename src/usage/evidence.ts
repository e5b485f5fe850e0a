/**
 * Usage evidence: the live database's own record of the queries it runs (pg_stat_statements),
 * diffed against snapshots the ledger keeps, so that a contract migration is refused when a
 * query that ran after the deprecating release shipped still uses what it removes.
 *
 * - A snapshot (`release ship`, `usage --snapshot`) records, per (queryid, dbid, userid), the
 *   calls so far and a hash of the text, plus pg_stat_statements_info's reset time and evictions.
 * - For a deprecation at release R, the live queries are those whose calls grew after the latest
 *   snapshot taken at or after R shipped. Each is parsed and resolved (./references.ts).
 * - A reset or evictions since the snapshot make the evidence incomplete; no snapshot, or no
 *   extension, means no evidence. Both are warnings, or refusals with config `usage.require`.
 *
 * Reading never writes to the database and takes no lock beyond catalog reads.
 */
import type pg from 'pg';
import { relationExists } from '../db/sql.js';
import { firstLiveAt, recordUsageSnapshot, snapshotCalls, usageSnapshots, type UsageSnapshotEntry, type UsageSnapshotRow } from '../ledger/usage-snapshots.js';
import type { Effect, LedgerGate, LedgerVerdict } from '../model.js';
import { loadParser } from '../parse/parser.js';
import { queryReferences, type UsageCatalog } from './references.js';

export interface UsageOptions {
  /** The ledger's schema. */
  schema: string;
  /** `usage.require`: missing or incomplete evidence refuses instead of warning. */
  require: boolean;
  /** Objects whose usage refusal is overridden (`apply --ignore-usage`), with the reason. */
  ignore?: ReadonlyMap<string, string>;
}

/** Whether pg_stat_statements can be read in this database, and if not, how to enable it. */
export async function statementsAvailable(client: pg.ClientBase): Promise<{ ok: true } | { ok: false; why: string }> {
  const { rows } = await client.query<{ view: boolean; preloaded: boolean }>(
    // pg_settings rather than current_setting(): a role without pg_read_all_settings sees no row instead of an error.
    `SELECT to_regclass('pg_stat_statements') IS NOT NULL AS view,
            coalesce((SELECT 'pg_stat_statements' = ANY (string_to_array(replace(setting, ' ', ''), ','))
                        FROM pg_settings WHERE name = 'shared_preload_libraries'), false) AS preloaded`,
  );
  if (rows[0].view) return { ok: true };
  return {
    ok: false,
    why: rows[0].preloaded
      ? 'pg_stat_statements is loaded but not created in this database: run CREATE EXTENSION pg_stat_statements'
      : 'pg_stat_statements is not available: add it to shared_preload_libraries, restart the server, then CREATE EXTENSION pg_stat_statements',
  };
}

/**
 * Records a snapshot of pg_stat_statements for the current database in the ledger (one
 * statement, server side). The ledger must exist. Returns the snapshot's number of entries, or
 * undefined when the extension is not there.
 */
export async function takeSnapshot(
  client: pg.ClientBase,
  options: { schema: string; release?: string | null; reason: 'ship' | 'manual'; server?: string },
): Promise<{ entries: number } | undefined> {
  if (!(await statementsAvailable(client)).ok) return undefined;
  const header = { release: options.release ?? null, server: options.server ?? 'primary', reason: options.reason, ...(await statsInfo(client)) };
  return { entries: await recordUsageSnapshot(client, header, 'this-server', { schema: options.schema }) };
}

async function statsInfo(client: pg.ClientBase): Promise<{ statsReset: Date | null; dealloc: number | null }> {
  // pg_stat_statements_info exists from PostgreSQL 14.
  if (!(await relationExists(client, 'pg_stat_statements_info'))) return { statsReset: null, dealloc: null };
  const { rows } = await client.query<{ stats_reset: Date | null; dealloc: string | null }>('SELECT stats_reset, dealloc FROM pg_stat_statements_info');
  return { statsReset: rows[0]?.stats_reset ?? null, dealloc: rows[0]?.dealloc === null || rows[0]?.dealloc === undefined ? null : Number(rows[0].dealloc) };
}

/** One query that ran since a snapshot. */
export interface LiveQuery {
  queryid: string;
  role: string;
  server: string;
  calls: number;
  text: string;
}

/** A use of an object by a live query. */
export interface Use {
  kind: 'direct' | 'possible';
  query: LiveQuery;
}

/** What the evidence says about one object deprecated at one release. */
export interface ObjectEvidence {
  object: string;
  release: string;
  /** `none`: no evidence (no extension, no snapshot since the release shipped); `incomplete`: reset or evictions since. */
  status: 'complete' | 'incomplete' | 'none';
  why?: string;
  snapshot?: { seq: number; takenAt: Date };
  uses: Use[];
  /** Live queries that could not be parsed (their text was cut short, or is not SQL bgmigrate reads). */
  unverifiable: LiveQuery[];
}

/** Everything read once, judged per object and release. */
export interface UsageReader {
  evidence(object: string, release: string): Promise<ObjectEvidence>;
  /** The queries that ran since the latest snapshot taken at or after `release` shipped, on every server. */
  liveSince(release: string): Promise<LiveQuery[]>;
}

/** A server whose queries count besides the one holding the ledger (config `usage.servers`: read replicas). */
export interface UsageServer {
  name: string;
  client: pg.ClientBase;
}

/**
 * Reads the evidence: the catalog and the ledger on `client` (the primary), the statistics on it
 * and on every server in `servers` (each keeps its own). Each server's live queries are read once.
 */
export async function usageReader(client: pg.ClientBase, options: { schema: string; servers?: readonly UsageServer[] }): Promise<UsageReader> {
  await loadParser();
  const all: UsageServer[] = [{ name: 'primary', client }, ...(options.servers ?? [])];
  const state = new Map<string, { available: Awaited<ReturnType<typeof statementsAvailable>>; info: { statsReset: Date | null; dealloc: number | null } }>();
  for (const server of all) {
    const available = await statementsAvailable(server.client);
    state.set(server.name, { available, info: available.ok ? await statsInfo(server.client) : { statsReset: null, dealloc: null } });
  }
  const snapshots = await usageSnapshots(client, { schema: options.schema });
  const shipped = await firstLiveAt(client, { schema: options.schema });
  const catalog = await readCatalog(client);
  // bgmigrate's own queries (on its ledger, on pg_stat_statements) are not the application's.
  const own = new RegExp(`(^|[^\\w$])("?${options.schema}"?\\.|pg_stat_statements)`);
  const liveCache = new Map<string, LiveQuery[]>();

  const live = async (server: UsageServer, seq: number): Promise<LiveQuery[]> => {
    const key = `${server.name}#${seq}`;
    if (!liveCache.has(key)) {
      // The snapshot's calls, from the ledger; the server's calls now: diffed here, so any server works.
      const before = await snapshotCalls(client, seq, { schema: options.schema });
      const { rows } = await server.client.query<{ queryid: string; userid: string; role: string | null; calls: string; query: string }>(
        `SELECT s.queryid::text, s.userid::text, r.rolname AS role, sum(s.calls)::text AS calls, min(s.query) AS query
           FROM pg_stat_statements s LEFT JOIN pg_roles r ON r.oid = s.userid
          WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND s.queryid IS NOT NULL
          GROUP BY s.queryid, s.userid, r.rolname`,
      );
      liveCache.set(
        key,
        rows
          .map((r) => ({ queryid: r.queryid, role: r.role ?? '?', server: server.name, calls: Number(r.calls) - (before.get(`${r.queryid}/${r.userid}`) ?? 0), text: r.query }))
          .filter((r) => r.calls > 0 && !own.test(r.text)),
      );
    }
    return liveCache.get(key)!;
  };

  const snapshotFor = (release: string, server: string): UsageSnapshotRow | undefined => {
    const since = shipped.get(release);
    return since ? [...snapshots].reverse().find((s) => s.server === server && s.takenAt.getTime() >= since.getTime()) : undefined;
  };

  return {
    async liveSince(release) {
      const out: LiveQuery[] = [];
      for (const server of all) {
        const snapshot = state.get(server.name)!.available.ok ? snapshotFor(release, server.name) : undefined;
        if (snapshot) out.push(...(await live(server, snapshot.seq)));
      }
      return out;
    },
    async evidence(object, release) {
      const result: ObjectEvidence = { object, release, status: 'complete', uses: [], unverifiable: [] };
      const problems: { level: 'none' | 'incomplete'; why: string }[] = [];
      const where = (server: UsageServer) => (all.length > 1 ? ` (on ${server.name})` : '');
      for (const server of all) {
        const { available, info } = state.get(server.name)!;
        if (!available.ok) {
          problems.push({ level: 'none', why: `${available.why}${where(server)}` });
          continue;
        }
        const snapshot = snapshotFor(release, server.name);
        if (!snapshot) {
          problems.push({ level: 'none', why: `no usage snapshot was taken${where(server)} since release ${release} shipped (release ship takes one; or run bgmigrate usage --snapshot)` });
          continue;
        }
        if (server.name === 'primary') result.snapshot = { seq: snapshot.seq, takenAt: snapshot.takenAt };
        if (info.statsReset && snapshot.statsReset && info.statsReset.getTime() > snapshot.statsReset.getTime()) {
          problems.push({
            level: 'incomplete',
            why: `pg_stat_statements was reset at ${info.statsReset.toISOString()}, after the snapshot of ${snapshot.takenAt.toISOString()}${where(server)}: queries that ran before the reset are not counted`,
          });
        } else if (info.dealloc !== null && snapshot.dealloc !== null && info.dealloc > snapshot.dealloc) {
          problems.push({
            level: 'incomplete',
            why: `pg_stat_statements evicted ${info.dealloc - snapshot.dealloc} entries since the snapshot of ${snapshot.takenAt.toISOString()}${where(server)} (pg_stat_statements.max is too small): some queries are not counted`,
          });
        }
        for (const query of await live(server, snapshot.seq)) {
          const refs = queryReferences(query.text, catalog);
          if (!refs) {
            if (/^\s*(select|insert|update|delete|with|merge)\b/i.test(query.text)) result.unverifiable.push(query);
            continue;
          }
          const parts = object.split('.');
          const table = parts.slice(0, 2).join('.');
          if (refs.columns.has(object) || refs.tables.has(object) || refs.routines.has(object)) result.uses.push({ kind: 'direct', query });
          else if (parts.length === 3 && refs.allColumns.has(table)) result.uses.push({ kind: 'possible', query });
        }
      }
      if (problems.length > 0) {
        result.status = problems.some((p) => p.level === 'none') ? 'none' : 'incomplete';
        result.why = problems.map((p) => p.why).join('; ');
      }
      return result;
    },
  };
}

/**
 * A snapshot of each server in `servers` (read replicas), kept in the ledger on `ledger` under the
 * server's name. Servers without pg_stat_statements are skipped (their evidence is then missing).
 */
export async function snapshotServers(
  ledger: pg.ClientBase,
  servers: readonly UsageServer[],
  options: { schema: string; release?: string | null; reason: 'ship' | 'manual' },
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const server of servers) {
    if (!(await statementsAvailable(server.client)).ok) continue;
    const info = await statsInfo(server.client);
    const { rows } = await server.client.query<UsageSnapshotEntry>(
      `SELECT queryid::text, dbid::text, userid::text, sum(calls)::text AS calls, md5(min(query)) AS hash
         FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND queryid IS NOT NULL
        GROUP BY queryid, dbid, userid`,
    );
    const header = { release: options.release ?? null, server: server.name, reason: options.reason, ...info };
    counts.set(server.name, await recordUsageSnapshot(ledger, header, rows, { schema: options.schema }));
  }
  return counts;
}

async function readCatalog(client: pg.ClientBase): Promise<UsageCatalog> {
  const { rows } = await client.query<{ relation: string; columns: string[] }>(
    `SELECT n.nspname || '.' || c.relname AS relation, coalesce(array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE a.attnum > 0 AND NOT a.attisdropped), '{}') AS columns
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_attribute a ON a.attrelid = c.oid
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
      GROUP BY 1`,
  );
  const routines = await client.query<{ name: string }>(
    `SELECT DISTINCT n.nspname || '.' || p.proname AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')`,
  );
  const path = await client.query<{ schemas: string[] }>('SELECT current_schemas(false)::text[] AS schemas');
  return {
    relations: new Map(rows.map((r) => [r.relation, new Set(r.columns)])),
    routines: new Set(routines.rows.map((r) => r.name)),
    searchPath: path.rows[0].schemas,
  };
}

/** The first 200 characters of a query, on one line. */
export function queryExcerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

/** A use, as a refusal's reason says it. */
export function describeUse(object: string, use: Use): string {
  return `${use.kind === 'direct' ? 'used' : 'possibly used (SELECT * or an INSERT without a column list)'} by a query that ran ${use.query.calls} time${use.query.calls === 1 ? '' : 's'} since the snapshot, as role ${use.query.role} on ${use.query.server}: ${queryExcerpt(use.query.text)}`;
}

/**
 * A ledger gate that also consults the evidence: an effect the ledger allows is refused while a
 * live query uses its object (`byUsage` on the verdict), unless `ignore` overrides it. Missing or
 * incomplete evidence refuses with `require`, else is a warning. Warnings are collected in `warnings`.
 */
export async function usageGate(
  base: LedgerGate,
  reader: UsageReader,
  effects: readonly Effect[],
  options: UsageOptions,
): Promise<{ gate: LedgerGate; warnings: string[]; overridden: Map<string, string> }> {
  const warnings: string[] = [];
  const overridden = new Map<string, string>();
  const verdicts = new Map<string, LedgerVerdict>();
  // Read everything the effects need before judging (judging is synchronous).
  for (const effect of effects) {
    if (effect.class !== 'contract') continue;
    const verdict = base.judge(effect);
    if (!verdict.allowed || verdict.allowedBy === undefined) continue;
    const key = `${effect.object}@${verdict.allowedBy}`;
    if (verdicts.has(key)) continue;
    const evidence = await reader.evidence(effect.object, verdict.allowedBy);
    const direct = evidence.uses.find((u) => u.kind === 'direct');
    const ignore = options.ignore?.get(effect.object);
    let refusal: string | undefined;
    if (direct) refusal = `${effect.object} is deprecated since ${verdict.allowedBy}, but is still ${describeUse(effect.object, direct)}`;
    else if (evidence.status !== 'complete' && options.require) refusal = `usage evidence for ${effect.object} is ${evidence.status === 'none' ? 'missing' : 'incomplete'} and usage.require is set: ${evidence.why}`;
    if (refusal && ignore !== undefined) {
      overridden.set(effect.object, ignore);
      warnings.push(`usage refusal of ${effect.object} overridden (--ignore-usage): ${ignore}`);
      refusal = undefined;
    }
    if (!refusal) {
      for (const use of evidence.uses.filter((u) => u.kind === 'possible')) warnings.push(`${effect.object}: ${describeUse(effect.object, use)}`);
      if (evidence.status !== 'complete') warnings.push(`usage evidence for ${effect.object} is ${evidence.status === 'none' ? 'missing' : 'incomplete'}: ${evidence.why}`);
      for (const q of evidence.unverifiable) warnings.push(`${effect.object}: a query that ran since the snapshot could not be read (unverifiable): ${queryExcerpt(q.text)}`);
    }
    verdicts.set(key, refusal ? { allowed: false, reason: refusal, byUsage: true } : verdict);
  }
  const gate: LedgerGate = {
    judge(effect) {
      const verdict = base.judge(effect);
      if (!verdict.allowed || verdict.allowedBy === undefined) return verdict;
      return verdicts.get(`${effect.object}@${verdict.allowedBy}`) ?? verdict;
    },
  };
  return { gate, warnings: [...new Set(warnings)], overridden };
}

/**
 * Connects to config `usage.servers` (a `$NAME` url is read from the environment). The caller
 * closes them with `close()`.
 * @throws UsageError for an unset variable; connection errors as `connect` words them.
 */
export async function connectUsageServers(servers: readonly { name: string; url: string }[]): Promise<{ servers: UsageServer[]; close: () => Promise<void> }> {
  const { connect } = await import('../db/connect.js');
  const { UsageError } = await import('../errors.js');
  const open: UsageServer[] = [];
  const close = async () => {
    await Promise.all(open.map((s) => (s.client as pg.Client).end().catch(() => undefined)));
  };
  try {
    for (const server of servers) {
      const url = server.url.startsWith('$') ? process.env[server.url.slice(1)] : server.url;
      if (!url) throw new UsageError(`usage.servers: ${server.name}: the environment variable ${server.url.slice(1)} is not set`);
      open.push({ name: server.name, client: await connect(url, { applicationName: 'bgmigrate usage' }) });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { servers: open, close };
}
