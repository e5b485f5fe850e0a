/**
 * Releases and their state changes. The state of a release is derived from its append-only
 * event history (`release_events`): nothing is updated away.
 *
 *   deployed ──ship──▶ live ──(next ship)──▶ standby ──retire──▶ retired
 *                        ▲                      │  └─(window passes)─▶ counts as retired
 *                        └──────rollback────────┘      (and the live one becomes rolled-back)
 */
import type pg from 'pg';
import { relationExists } from '../db/sql.js';
import { RefusalError, UsageError } from '../errors.js';
import { checkReleaseName, registerRelease } from './record.js';
import {
  decodeReleaseRows,
  formatInstant,
  releaseInfo,
  releaseRowsSql,
  type ReleaseEvent,
  type ReleaseInfo,
  type ReleaseJson,
  type ReleaseRow,
  type WindowOptions,
} from './state.js';

export {
  decodeReleaseRows,
  formatInstant,
  releaseInfo,
  releaseRowsSql,
  type ReleaseEvent,
  type ReleaseInfo,
  type ReleaseJson,
  type ReleaseRow,
  type WindowOptions,
} from './state.js';
import {
  ensureLedger,
  ledgerDb,
  ledgerError,
  ledgerLockSql,
  ledgerSchema,
  type LedgerOptions,
  type ReleaseColor,
} from './schema.js';

/** Reads every release's facts in ONE query, whatever the history's length. */
export async function readReleaseRows(client: pg.ClientBase, options: LedgerOptions = {}): Promise<ReleaseRow[]> {
  const { rows } = await client.query<{ releases: ReleaseJson[] }>(`SELECT ${releaseRowsSql(ledgerSchema(options))} AS releases`);
  return decodeReleaseRows(rows[0].releases);
}

async function serverNow(client: pg.ClientBase): Promise<Date> {
  const result = await client.query<{ now: Date }>('SELECT now() AS now');
  return result.rows[0].now;
}

/** The releases that have ever shipped (gone live) on this database, by name. */
export async function shippedReleases(client: pg.ClientBase, options: LedgerOptions = {}): Promise<string[]> {
  const { rows } = await client.query<{ release: string }>(
    `SELECT DISTINCT release FROM "${ledgerSchema(options)}".release_events WHERE state = 'live' ORDER BY release`,
  );
  return rows.map((r) => r.release);
}

/**
 * Every release, oldest first, with its derived state; empty when the ledger does not exist.
 */
export async function listReleases(client: pg.ClientBase, options: WindowOptions): Promise<ReleaseInfo[]> {
  const schema = ledgerSchema(options);
  try {
    if (!(await relationExists(client, `"${schema}".releases`))) return [];
    const now = options.now ?? (await serverNow(client));
    return (await readReleaseRows(client, options)).map((row) => releaseInfo(row, options.rollbackWindowMs, now));
  } catch (error) {
    throw ledgerError(error, schema, 'read');
  }
}

/** Every release state change, oldest first. */
export async function releaseEvents(client: pg.ClientBase, options: LedgerOptions = {}): Promise<ReleaseEvent[]> {
  const schema = ledgerSchema(options);
  try {
    if (!(await relationExists(client, `"${schema}".release_events`))) return [];
    const rows = await ledgerDb(client, options).selectFrom('release_events').selectAll().orderBy('seq').execute();
    return rows.map((row) => ({ release: row.release, state: row.state, color: row.color, at: row.at, by: row.by }));
  } catch (error) {
    throw ledgerError(error, schema, 'read');
  }
}

/**
 * Runs `work` in a transaction of its own that holds the ledger's writer lock, after making
 * sure the ledger exists. The client must not be inside a transaction.
 */
async function inLedgerTransaction<T>(
  client: pg.ClientBase,
  options: LedgerOptions,
  work: (rows: ReleaseRow[], now: Date) => Promise<T>,
): Promise<T> {
  const schema = ledgerSchema(options);
  await ensureLedger(client, options);
  try {
    await client.query('BEGIN');
    await client.query(ledgerLockSql(schema));
    const rows = await readReleaseRows(client, options);
    const result = await work(rows, await serverNow(client));
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (error instanceof RefusalError || error instanceof UsageError) throw error;
    throw ledgerError(error, schema, 'write');
  }
}

/** What `release ship` did. */
export interface ShipResult {
  release: string;
  color: ReleaseColor | null;
  /** The release that was live before and is now standby, if any. */
  previous: string | null;
}

/**
 * `release ship R`: R becomes live; the release live until now becomes standby (a rollback
 * target for the rollback window). Without `color`, R takes the other color of the live release
 * (unknown if that one has none), or blue when nothing is live.
 *
 * @throws RefusalError when R is already live or retired; UsageError on a bad name or color.
 */
export async function shipRelease(
  client: pg.ClientBase,
  release: string,
  options: LedgerOptions & { color?: string; register?: boolean } = {},
): Promise<ShipResult> {
  const name = checkReleaseName(release);
  if (options.color !== undefined && options.color !== 'blue' && options.color !== 'green') {
    throw new UsageError(`invalid color "${options.color}": expected blue or green`);
  }
  return inLedgerTransaction(client, options, async (rows) => {
    const self = rows.find((row) => row.release === name);
    // A release the ledger never saw deployed is most often a typo (v43 for v34), and shipping it
    // would retire the real one's predecessor as a rollback target. `register` says it is meant.
    if (!self && options.register === false) {
      throw new RefusalError(
        `release ${name} was never deployed (no apply --release ${name} recorded it${closestRelease(name, rows)}); ship it after its expand, or pass --register if it is deployed by other means`,
      );
    }
    if (self?.state === 'live') throw new RefusalError(`release ${name} is already live`);
    if (self?.state === 'retired') {
      throw new RefusalError(`release ${name} is retired and can never receive traffic again; ship a new release`);
    }
    if (self) await refuseSealed(client, options, rows, self, 'ship');
    const live = rows.find((row) => row.state === 'live');
    // The other color than the live one's; blue for the first release (as `release color --next` says).
    const color: ReleaseColor | null =
      (options.color as ReleaseColor | undefined) ?? (live ? (live.color ? (live.color === 'blue' ? 'green' : 'blue') : null) : 'blue');
    const db = ledgerDb(client, options);
    await registerRelease(db, name, { deployed: false });
    await db.insertInto('release_events').values({ release: name, state: 'live', color }).execute();
    if (live) await db.insertInto('release_events').values({ release: live.release, state: 'standby', color: null }).execute();
    return { release: name, color, previous: live?.release ?? null };
  });
}

/**
 * `release retire R`: R can never receive traffic again. A standby stops being a rollback
 * target; a deployed release that never shipped, or a rolled-back one, stops blocking contract
 * migrations (it needs a `reason`, recorded with the event: it is a decision about code that
 * may still use what they remove).
 *
 * @throws UsageError when R is unknown, or a deployed / rolled-back R comes without a reason;
 *   RefusalError when R is live or already retired.
 */
export async function retireRelease(client: pg.ClientBase, release: string, options: LedgerOptions & { reason?: string } = {}): Promise<void> {
  const name = checkReleaseName(release);
  const reason = options.reason?.trim() || undefined;
  await inLedgerTransaction(client, options, async (rows) => {
    const self = rows.find((row) => row.release === name);
    if (!self) throw new UsageError(`release ${name} is not in the ledger`);
    switch (self.state) {
      case 'live':
        throw new RefusalError(`release ${name} is live: ship its successor first, then retire it`);
      case 'retired':
        throw new RefusalError(`release ${name} is already retired`);
      case 'deployed':
      case 'rolled-back':
        if (!reason) {
          throw new UsageError(
            `release ${name} ${self.state === 'deployed' ? 'was deployed but never shipped' : 'was rolled back'}: retiring it needs --reason (why it will never serve traffic), which the ledger records`,
          );
        }
        break;
      case 'standby':
        break;
    }
    await ledgerDb(client, options).insertInto('release_events').values({ release: name, state: 'retired', color: null, reason: reason ?? null }).execute();
  });
}

/**
 * `release retire --expired`: retires every standby whose rollback window has passed (they
 * already count as retired; this records it, so they can never be shipped again by mistake).
 * Returns the releases retired.
 */
export async function retireExpired(client: pg.ClientBase, options: WindowOptions): Promise<string[]> {
  return inLedgerTransaction(client, options, async (rows, serverTime) => {
    const now = options.now ?? serverTime;
    const expired = rows.filter((row) => releaseInfo(row, options.rollbackWindowMs, now).retiredByWindow);
    const db = ledgerDb(client, options);
    for (const row of expired) {
      await db
        .insertInto('release_events')
        .values({ release: row.release, state: 'retired', color: null, reason: `rollback window ended ${formatInstant(releaseInfo(row, options.rollbackWindowMs, now).rollbackTargetUntil!, 'up')}` })
        .execute();
    }
    return expired.map((row) => row.release);
  });
}

/**
 * Why `release` may never take traffic again, if it is sealed: a contract migration was applied
 * on the strength of a deprecation at release R (recorded on each effect as `allowedBy`), and
 * `release` did not first ship after R, so what R stopped using may be what `release` uses.
 */
export async function sealOf(client: pg.ClientBase, options: LedgerOptions, rows: readonly ReleaseRow[], release: ReleaseRow): Promise<string | undefined> {
  const schema = ledgerSchema(options);
  const { rows: applied } = await client.query<{ id: string; object: string; kind: string; allowed_by: string; applied_at: Date }>(
    `SELECT m.id, e->>'object' AS object, e->>'kind' AS kind, e->>'allowedBy' AS allowed_by, m.applied_at
       FROM "${schema}".migrations m CROSS JOIN LATERAL jsonb_array_elements(m.effects) e
      WHERE m.phase = 'contract' AND e ? 'allowedBy' AND e->>'allowedBy' <> $1
      ORDER BY m.seq`,
    [release.release],
  );
  for (const a of applied) {
    const r = rows.find((row) => row.release === a.allowed_by);
    if (!r || r.shippedAt === null) continue;
    const shippedAfter =
      release.shippedAt !== null &&
      (release.shippedAt.getTime() > r.shippedAt.getTime() || (release.shippedAt.getTime() === r.shippedAt.getTime() && release.order > r.order));
    if (!shippedAfter) {
      return `contract migration ${a.id} removed ${a.object} (${a.kind}) on ${formatInstant(a.applied_at)}, allowed by its deprecation at release ${r.release}, and ${release.release} did not ship after ${r.release}`;
    }
  }
  return undefined;
}

async function refuseSealed(client: pg.ClientBase, options: LedgerOptions, rows: readonly ReleaseRow[], release: ReleaseRow, action: 'ship' | 'rollback'): Promise<void> {
  const seal = await sealOf(client, options, rows, release);
  if (seal) {
    throw new RefusalError(`release ${release.release} is sealed and cannot ${action === 'ship' ? 'be shipped' : 'be rolled back to'}: ${seal}; ship a newer release`);
  }
}

/** `; did you mean v43?` when a known release is one edit or transposition away. */
function closestRelease(name: string, rows: readonly ReleaseRow[]): string {
  const near = rows.map((r) => r.release).find((r) => r !== name && r.length === name.length && [...r].sort().join('') === [...name].sort().join(''));
  return near ? `; did you mean ${near}?` : '';
}

/** What `release rollback` did. */
export interface RollbackResult {
  /** The standby release that is live again. */
  live: string;
  /** The release that was live and is now rolled back. */
  rolledBack: string;
  color: ReleaseColor | null;
}

/**
 * `release rollback`: the most recent standby becomes live again and the live release becomes
 * rolled-back. A standby past the rollback window counts as retired and is not a target.
 *
 * @throws RefusalError when nothing is live, or no standby within the window is left.
 */
export async function rollbackRelease(client: pg.ClientBase, options: WindowOptions): Promise<RollbackResult> {
  return inLedgerTransaction(client, options, async (rows, serverTime) => {
    const now = options.now ?? serverTime;
    const live = rows.find((row) => row.state === 'live');
    if (!live) throw new RefusalError('no release is live: there is nothing to roll back');
    const standbys = rows
      .filter((row) => row.state === 'standby')
      .sort((a, b) => (b.standbyAt?.getTime() ?? 0) - (a.standbyAt?.getTime() ?? 0) || b.order - a.order);
    const target = standbys[0];
    if (!target) throw new RefusalError(`release ${live.release} is live and no standby release is left to roll back to`);
    const info = releaseInfo(target, options.rollbackWindowMs, now);
    await refuseSealed(client, options, rows, target, 'rollback');
    if (info.retiredByWindow) {
      throw new RefusalError(
        `release ${target.release} left the rollback window at ${formatInstant(info.rollbackTargetUntil!, 'up')} and counts as retired: ` +
          `contract migrations may already have removed what it uses`,
      );
    }
    const db = ledgerDb(client, options);
    await db.insertInto('release_events').values({ release: target.release, state: 'live', color: target.color }).execute();
    await db.insertInto('release_events').values({ release: live.release, state: 'rolled-back', color: null }).execute();
    return { live: target.release, rolledBack: live.release, color: target.color };
  });
}

