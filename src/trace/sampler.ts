/**
 * Watching a statement that cannot run in a transaction (CONCURRENTLY, VACUUM): its locks are
 * gone when it returns, so a second session samples them while it runs.
 */
import type pg from 'pg';
import type { Effect } from '../model.js';
import { relationNames } from './classify.js';
import { sampleLocks, takeSnapshot, type LockRow, type Snapshot } from './observe.js';
import { errorText, millis, quoteIdent, runOne } from './session.js';

export interface SampledRun {
  failure?: string;
  /** Includes the wait the sampler imposed (a few milliseconds). */
  durationMs: number;
  before: Snapshot;
  after: Snapshot;
  /** Every relation lock seen on the runner while the statement ran (granted or waited for). */
  samples: LockRow[];
}

export interface Sampler {
  /** Runs the statement on `runner` (outside any transaction block) while watching backend `runnerPid`. */
  run(runner: pg.Client, runnerPid: number, stmt: SampledStatement, url: string): Promise<SampledRun>;
}

/** What the sampler needs of a statement: its text, what the analysis predicted, and its parse tree when known. */
export interface SampledStatement {
  text: string;
  effects: readonly Effect[];
  kind?: string;
  node?: Record<string, unknown>;
}

/**
 * A sampler on session `watcher` (same database as the runner). For each statement it first
 * holds SHARE UPDATE EXCLUSIVE on the tables the statement names — the weakest mode that every
 * DDL lock request conflicts with — so the statement's first lock request on them waits and is
 * seen for sure however fast the statement is; after two samples of it waiting (or a second
 * without) it lets go, and keeps sampling until the statement ends.
 */
export function openSampler(watcher: pg.Client): Sampler {
  return {
    async run(runner, runnerPid, stmt, url) {
      const { text } = stmt;
      const before = await takeSnapshot(watcher, runnerPid, false);
      let blocking = await holdTables(watcher, stmt);

      let done = false;
      let failure: string | undefined;
      let durationMs = 0;
      const start = process.hrtime.bigint();
      const running = runOne(runner, text)
        .catch((error: unknown) => {
          failure = errorText(error, url);
        })
        .finally(() => {
          durationMs = millis(start);
          done = true;
        });
      const samples: LockRow[] = [];
      let waitingSeen = 0;
      while (!done) {
        const sample = await sampleLocks(watcher, runnerPid);
        samples.push(...sample.locks);
        if (blocking && ((sample.waiting && ++waitingSeen >= 2) || millis(start) > 1_000)) {
          await watcher.query('ROLLBACK');
          blocking = false;
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await running;
      if (blocking) await watcher.query('ROLLBACK');
      const after = await takeSnapshot(watcher, runnerPid, false);
      return { failure, durationMs, before, after, samples };
    },
  };
}

/**
 * Opens a transaction on `watcher` holding SHARE UPDATE EXCLUSIVE on the tables (indexes stand
 * for their tables) the statement names. False, with no transaction open, when there are none.
 */
async function holdTables(watcher: pg.Client, stmt: SampledStatement): Promise<boolean> {
  const names = new Set(relationNames(stmt.text, stmt.kind !== undefined && stmt.node ? { kind: stmt.kind, node: stmt.node } : undefined));
  for (const effect of stmt.effects) {
    if (effect.table) names.add(effect.table.split('.').map((part) => quoteIdent(part)).join('.'));
  }
  await watcher.query('BEGIN');
  try {
    const { rows } = await watcher.query<{ rel: string }>(
      `SELECT DISTINCT coalesce(i.indrelid, c.oid)::regclass::text AS rel
         FROM unnest($1::text[]) AS n
         JOIN pg_class c ON c.oid = to_regclass(n)
         LEFT JOIN pg_index i ON i.indexrelid = c.oid
        WHERE coalesce(i.indrelid, c.oid) IN (SELECT oid FROM pg_class WHERE relkind IN ('r', 'p'))`,
      [[...names]],
    );
    if (rows.length > 0) {
      await watcher.query(`LOCK TABLE ${rows.map((r) => r.rel).join(', ')} IN SHARE UPDATE EXCLUSIVE MODE`);
      return true;
    }
  } catch {
    // A name that does not resolve is simply not held.
  }
  await watcher.query('ROLLBACK');
  return false;
}
