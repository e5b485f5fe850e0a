/**
 * Data statements: INSERT, UPDATE, DELETE (of every row: a contract change, like TRUNCATE),
 * MERGE, SELECT (… INTO creates a table), COPY and LOCK, with what they run besides their rows:
 * data-modifying CTEs, the routines they call and the triggers their writes fire.
 */
import type { LockMode } from '../../model.js';
import type { ParsedStatement } from '../../parse/statements.js';
import { creationName, strings } from '../names.js';
import { calls, runRoutine } from './calls.js';
import { AEL, SHR, SRE, SUE, effect, lockPartitions, rel, stmtLike, type Ctx, type Node } from './context.js';
import { classify } from './index.js';
import { sessionCalls } from './session.js';

export function insert(ctx: Ctx, n: Node): void {
  const table = rel(ctx, n.relation);
  const select = (n.selectStmt as Node | undefined)?.SelectStmt as Node | undefined;
  const fromTables = Array.isArray(select?.fromClause) && select.fromClause.length > 0;
  effect(ctx, 'insert', table, 'neutral', 'RowExclusiveLock', { table, detail: { onConflict: n.onConflictClause !== undefined, fromTables } });
  dataStatement(ctx, n, table);
}

/** UPDATE and DELETE. */
export function updateOrDelete(ctx: Ctx, n: Node, stmt: ParsedStatement): void {
  const table = rel(ctx, n.relation);
  const hasWhere = n.whereClause !== undefined;
  // `WHERE true` (or any constant true) filters nothing.
  const allRows = !hasWhere || isTrueConst(n.whereClause as Node);
  // Deleting every row of a table the old release reads is destructive, like TRUNCATE.
  const cls = stmt.kind === 'DeleteStmt' && allRows ? 'contract' : 'neutral';
  effect(ctx, stmt.kind === 'UpdateStmt' ? 'update' : 'delete', table, cls, 'RowExclusiveLock', { table, scans: allRows, detail: { hasWhere: !allRows, whereWritten: hasWhere, allRows } });
  dataStatement(ctx, n, table);
}

export function merge(ctx: Ctx, n: Node): void {
  const table = rel(ctx, n.relation);
  effect(ctx, 'update', table, 'neutral', 'RowExclusiveLock', { table, scans: true, detail: { hasWhere: true, subtype: 'merge' } });
  // WHEN … THEN DELETE may remove every row of the target.
  const deletes = ((n.mergeWhenClauses ?? []) as Node[]).some((w) => (w.MergeWhenClause as Node | undefined)?.commandType === 'CMD_DELETE');
  if (deletes) effect(ctx, 'delete', table, 'contract', 'RowExclusiveLock', { table, scans: true, detail: { hasWhere: false, allRows: true, subtype: 'merge' } });
  dataStatement(ctx, n, table);
}

/** SELECT (… INTO: a new table); a plain `SELECT set_config(…)` changes the session. */
export function select(ctx: Ctx, n: Node, stmt: ParsedStatement): void {
  if (n.intoClause) {
    const name = creationName((n.intoClause as Node).rel as Node, ctx.session);
    effect(ctx, 'create-table', name, 'additive', AEL, { table: name, detail: { newInFile: true, known: true, subtype: 'select-into' } });
    ctx.mutations.push((m) => m.createTable(name, 'table', []));
    return;
  }
  const calls = stmt.text === '' || /set_config/i.test(stmt.text) ? sessionCalls(ctx, stmt.node, true) : 'none';
  const detail = { ...(calls === 'certain' ? { subtype: 'set_config' } : {}), ...(calls !== 'none' ? { setsConfig: true } : {}) };
  effect(ctx, 'select', 'query', 'neutral', null, { detail });
  dataStatement(ctx, n);
}

export function copy(ctx: Ctx, n: Node): void {
  // COPY … PROGRAM runs a shell command on the database server: nothing bgmigrate can see.
  if (n.is_program) {
    effect(ctx, 'dynamic-sql', 'COPY … PROGRAM', 'neutral', null, { detail: { dynamicSql: `COPY … PROGRAM '${String(n.filename ?? '')}' runs a command on the database server`, subtype: 'call' } });
  }
  if (n.query) calls(ctx, n.query);
  const table = n.relation ? rel(ctx, n.relation) : 'query';
  effect(ctx, 'copy', table, 'neutral', n.is_from ? 'RowExclusiveLock' : 'AccessShareLock', { table: n.relation ? table : undefined });
}

/** LOCK TABLE: the mode it names, on each table. */
export function lockTable(ctx: Ctx, n: Node): void {
  const modes: LockMode[] = ['AccessShareLock', 'AccessShareLock', 'RowShareLock', 'RowExclusiveLock', SUE, SHR, SRE, 'ExclusiveLock', AEL];
  const mode = modes[Number(n.mode ?? 8)] ?? AEL;
  for (const r of (n.relations ?? []) as Node[]) {
    const t = rel(ctx, r);
    effect(ctx, 'lock-table', t, 'neutral', mode, { table: t, detail: { value: mode } });
    // Without ONLY, LOCK TABLE takes the same lock on every partition (test/trace/cases.ts, lock_partitioned).
    lockPartitions(ctx, t, { lock: mode, rewrites: false, scans: false }, r);
  }
}

const DML = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'SelectStmt']);

/**
 * What a query or DML statement runs besides its own rows: data-modifying CTEs (`WITH d AS
 * (DELETE …)`), the routines it calls, and the triggers its writes fire on `table`.
 */
function dataStatement(ctx: Ctx, n: Node, table?: string): void {
  for (const cte of (((n.withClause as Node | undefined)?.ctes ?? []) as Node[])) {
    const q = ((cte.CommonTableExpr as Node | undefined)?.ctequery ?? {}) as Node;
    const [k, body] = Object.entries(q)[0] ?? [];
    if (k && DML.has(k) && k !== 'SelectStmt') classify(stmtLike(k, body as Node), ctx);
    else if (k === 'SelectStmt') dataStatement(ctx, body as Node);
  }
  calls(ctx, { ...n, withClause: undefined });
  if (table !== undefined) {
    for (const t of ctx.schema.triggersOn(table)) runRoutine(ctx, t.routine, `trigger ${t.name} on ${table}`);
  }
}

function isTrueConst(node: Node): boolean {
  const c = node.A_Const as Node | undefined;
  if (c) return (c.boolval as Node | undefined)?.boolval === true;
  const cast = node.TypeCast as Node | undefined;
  if (cast) {
    const arg = ((cast.arg as Node | undefined)?.A_Const ?? {}) as Node;
    const text = String((arg.sval as Node | undefined)?.sval ?? '');
    return /^(t|true|on|yes|y|1)$/i.test(text) || isTrueConst((cast.arg ?? {}) as Node);
  }
  const e = node.A_Expr as Node | undefined;
  if (e && e.kind === 'AEXPR_OP' && strings(e.name as Node[])[0] === '=') {
    const l = (e.lexpr as Node | undefined)?.A_Const;
    const r = (e.rexpr as Node | undefined)?.A_Const;
    return l !== undefined && r !== undefined && JSON.stringify({ ...(l as Node), location: 0 }) === JSON.stringify({ ...(r as Node), location: 0 });
  }
  const b = node.BoolExpr as Node | undefined;
  if (b?.boolop === 'OR_EXPR') return ((b.args ?? []) as Node[]).some(isTrueConst);
  return false;
}
