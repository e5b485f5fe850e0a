/**
 * Statements that change the session rather than the schema (its state is tracked in
 * ../session.ts): SET / RESET, SHOW and other session-only statements, DISCARD, transaction
 * control, PREPARE / EXECUTE, and `set_config()` calls anywhere in a statement.
 */
import type { ParsedStatement } from '../../parse/statements.js';
import { strings } from '../names.js';
import { applySetting, applyTransaction, resetAll, unknownSettings } from '../session.js';
import { constText, effect, isConst, stmtLike, type Ctx, type Node } from './context.js';
import { classify } from './index.js';
import { funcCalls } from './calls.js';
import type { EffectDetail } from './kinds.js';

/** SET [LOCAL] / RESET [ALL]. */
export function setVariable(ctx: Ctx, n: Node): void {
  const name = String(n.name ?? '');
  const kind = String(n.kind);
  const args = ((n.args ?? []) as Node[]).map(constText);
  const local = Boolean(n.is_local);
  // Inside a DO block a SET may run zero or many times: what it leaves is unknown.
  if (ctx.inDoBlock && kind !== 'VAR_SET_MULTI') ctx.session = applySetting(ctx.session, name || 'search_path', { kind: 'unknown', because: `SET inside a DO block at line ${ctx.line}` }, local);
  else if (kind === 'VAR_RESET_ALL') ctx.session = resetAll(ctx.session);
  else if (kind === 'VAR_SET_VALUE') ctx.session = applySetting(ctx.session, name, { kind: 'args', args }, local);
  else if (kind === 'VAR_SET_DEFAULT' || kind === 'VAR_RESET') ctx.session = applySetting(ctx.session, name, { kind: 'default' }, local);
  effect(ctx, 'set', name || kind, 'neutral', null, {
    detail: { setting: name, value: kind === 'VAR_SET_VALUE' ? args.join(', ') : undefined, subtype: local ? 'local' : 'session' },
  });
}

/** SHOW, EXPLAIN, DEALLOCATE, NOTIFY, LISTEN, CHECKPOINT, LOAD: nothing a release sees. */
export function sessionOnly(ctx: Ctx, n: Node, stmt: ParsedStatement): void {
  effect(ctx, 'set', stmt.kind, 'neutral', null, { detail: { subtype: stmt.kind } });
}

export function discard(ctx: Ctx, n: Node, stmt: ParsedStatement): void {
  if (n.target === 'DISCARD_ALL') ctx.session = resetAll(ctx.session);
  effect(ctx, 'set', stmt.kind, 'neutral', null, { detail: { subtype: stmt.kind } });
}

/** BEGIN / COMMIT / ROLLBACK / savepoints / PREPARE TRANSACTION: what SET LOCAL and the runner see. */
export function transaction(ctx: Ctx, n: Node): void {
  const k = String(n.kind);
  const [step, command] = TRANSACTION_COMMANDS[k] ?? [];
  if (step === 'begin' || step === 'commit' || step === 'rollback') ctx.session = applyTransaction(ctx.session, { kind: step });
  else if (step === 'prepare') ctx.session = applyTransaction(ctx.session, { kind: 'commit' });
  else if (step === 'savepoint' || step === 'release' || step === 'rollback-to') ctx.session = applyTransaction(ctx.session, { kind: step, name: String(n.savepoint_name ?? '') });
  if (k === 'TRANS_STMT_COMMIT' && n.chain) ctx.session = applyTransaction(ctx.session, { kind: 'begin' });
  effect(ctx, 'transaction', step ?? 'other', 'neutral', null, { detail: { transaction: step ?? 'other', command, chain: Boolean(n.chain) } });
}

/** Each transaction command: the step the session (and src/lint.ts's numbering) follows, and its SQL words. */
const TRANSACTION_COMMANDS: Record<string, [NonNullable<EffectDetail['transaction']>, string]> = {
  TRANS_STMT_BEGIN: ['begin', 'BEGIN'],
  TRANS_STMT_START: ['begin', 'START TRANSACTION'],
  TRANS_STMT_COMMIT: ['commit', 'COMMIT'],
  TRANS_STMT_ROLLBACK: ['rollback', 'ROLLBACK'],
  TRANS_STMT_SAVEPOINT: ['savepoint', 'SAVEPOINT'],
  TRANS_STMT_RELEASE: ['release', 'RELEASE SAVEPOINT'],
  TRANS_STMT_ROLLBACK_TO: ['rollback-to', 'ROLLBACK TO SAVEPOINT'],
  TRANS_STMT_PREPARE: ['prepare', 'PREPARE TRANSACTION'],
  TRANS_STMT_COMMIT_PREPARED: ['commit', 'COMMIT PREPARED'],
  TRANS_STMT_ROLLBACK_PREPARED: ['rollback', 'ROLLBACK PREPARED'],
};

/** PREPARE: remembered for EXECUTE later in the file. */
export function prepare(ctx: Ctx, n: Node): void {
  const query = (n.query ?? {}) as Node;
  const [k, body] = Object.entries(query)[0] ?? ['', {}];
  ctx.prepared?.set(String(n.name), { kind: k, node: body as Node });
  effect(ctx, 'set', 'PREPARE', 'neutral', null, { detail: { subtype: 'PrepareStmt', value: String(n.name) } });
}

export function execute(ctx: Ctx, n: Node): void {
  const prepared = ctx.prepared?.get(String(n.name));
  if (!prepared) {
    effect(ctx, 'dynamic-sql', `EXECUTE ${n.name}`, 'neutral', null, { detail: { dynamicSql: `EXECUTE ${n.name}`, subtype: 'execute' } });
    return;
  }
  // What runs is the prepared statement (its parameters do not change which objects it touches).
  classify(stmtLike(prepared.kind, prepared.node), ctx);
}

/**
 * Follows `set_config(name, value, is_local)` calls anywhere in a statement. Only a plain
 * `SELECT set_config('const', 'const', const)` (no FROM, WHERE, CTE, set operation or LIMIT: it
 * runs exactly once) has a certain effect; any other call may run zero or many times, or with a
 * computed value, so the setting it names becomes unknown (every tracked setting, when the name
 * itself is computed). Returns whether the statement calls set_config at all, and whether a
 * certain call was applied.
 */
export function sessionCalls(ctx: Ctx, node: Node, selectStatement: boolean): 'none' | 'uncertain' | 'certain' {
  const calls = funcCalls(node).filter((fc) => strings(fc.funcname as Node[]).pop() === 'set_config');
  if (calls.length === 0) return 'none';
  const plain =
    selectStatement &&
    !ctx.inDoBlock &&
    node.fromClause === undefined &&
    node.whereClause === undefined &&
    node.withClause === undefined &&
    node.groupClause === undefined &&
    node.havingClause === undefined &&
    node.limitCount === undefined &&
    node.limitOffset === undefined &&
    node.valuesLists === undefined &&
    node.distinctClause === undefined &&
    (node.op === undefined || node.op === 'SETOP_NONE');
  const direct = new Set(plain ? ((node.targetList ?? []) as Node[]).map((t) => ((t.ResTarget as Node | undefined)?.val as Node | undefined)?.FuncCall) : []);
  let certain = false;
  for (const fc of calls) {
    const args = (fc.args ?? []) as Node[];
    const because = `set_config(…) at line ${ctx.line ?? '?'} may not run exactly once with the written value`;
    if (args.length !== 3 || !isConst(args[0])) {
      ctx.session = unknownSettings(ctx.session, because);
      continue;
    }
    const name = constText(args[0]);
    // The setting it writes, for the rules that judge settings (set-lock-timeout), as a SET would be.
    if (isConst(args[1])) effect(ctx, 'set', name, 'neutral', null, { detail: { setting: name, value: constText(args[1]), subtype: 'set_config' } });
    if (direct.has(fc) && isConst(args[1]) && isConst(args[2])) {
      const local = /^(t|true|on|1|yes|y)$/i.test(constText(args[2]));
      ctx.session = applySetting(ctx.session, name, { kind: 'string', text: constText(args[1]) }, local);
      certain = true;
    } else {
      ctx.session = applySetting(ctx.session, name, { kind: 'unknown', because });
    }
  }
  return certain ? 'certain' : 'uncertain';
}
