/**
 * The ledger's record of connection-pool checks (`<schema>.pool_checks`, ledger version 3): what
 * `apply --phase expand`'s budget gate found (src/pool/check.ts), for `status` to show. The budget
 * is stored as src/pool/budget.ts computed it; this module only keeps it.
 */
import type pg from 'pg';
import { relationExists } from '../db/sql.js';
import { ensureLedger, ledgerSchema, quoted, type LedgerOptions } from './ddl.js';

export type PoolCheckOutcome = 'fits' | 'over-budget' | 'skipped';

/** One recorded pool check; `Budget` is the budget's type as the pool module defines it. */
export interface PoolCheckRow<Budget = unknown> {
  checkedAt: Date;
  outcome: PoolCheckOutcome;
  release: string | null;
  checkedBy: string;
  /** Null for a skipped check. */
  budget: Budget | null;
}

/** Appends one pool check (append-only like the rest of the ledger); creates or upgrades the ledger if needed. */
export async function insertPoolCheck(
  client: pg.ClientBase,
  check: { outcome: PoolCheckOutcome; release?: string; budget?: unknown },
  options: LedgerOptions = {},
): Promise<void> {
  const table = `${quoted(ledgerSchema(options))}.pool_checks`;
  await ensureLedger(client, options);
  await client.query(`INSERT INTO ${table} (release, outcome, budget) VALUES ($1, $2, $3)`, [
    check.release ?? null,
    check.outcome,
    check.budget === undefined ? null : JSON.stringify(check.budget),
  ]);
}

/**
 * The last recorded pool check, or undefined when none was recorded (or the table does not exist
 * yet). Read-only: safe inside `status`'s READ ONLY transaction.
 */
export async function lastPoolCheck<Budget = unknown>(client: pg.ClientBase, options: LedgerOptions = {}): Promise<PoolCheckRow<Budget> | undefined> {
  const table = `${quoted(ledgerSchema(options))}.pool_checks`;
  if (!(await relationExists(client, table))) return undefined;
  const { rows } = await client.query<{ checked_at: Date; outcome: PoolCheckOutcome; release: string | null; checked_by: string; budget: Budget | null }>(
    `SELECT checked_at, outcome, release, checked_by, budget FROM ${table} ORDER BY id DESC LIMIT 1`,
  );
  const row = rows[0];
  if (!row) return undefined;
  return { checkedAt: row.checked_at, outcome: row.outcome, release: row.release, checkedBy: row.checked_by, budget: row.budget };
}
