/**
 * The code a statement runs besides its own work: the functions it calls (built-in ones only when
 * they reach beyond the statement: terminating backends, sleeping) and, for a routine the
 * migrations created, the statements of its body as if written here.
 */
import { part } from '../../object-name.js';
import { IMMUTABLE_BUILTINS, STABLE_BUILTINS, VOLATILE_BUILTINS } from '../builtins.js';
import { qualify, strings } from '../names.js';
import type { RoutineInfo } from '../schema.js';
import { splitIdentifiers } from '../session.js';
import { constText, effect, isConst, stmtLike, type Ctx, type Node } from './context.js';
import { classify } from './index.js';
import { sequenceValues } from './sequence.js';

/**
 * Every function call in a parse tree (`FuncCall` nodes, and a CALL statement's `funccall`), in
 * tree order. Iterative: expressions can nest deeper than the call stack allows.
 */
export function funcCalls(root: unknown): Node[] {
  const out: Node[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (!v || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push(v[i]);
      continue;
    }
    const o = v as Node;
    const fc = (o.FuncCall ?? o.funccall) as Node | undefined;
    if (fc && Array.isArray(fc.funcname)) out.push(fc);
    const children = Object.values(o);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return out;
}

/** A call PostgreSQL resolves to one of its own functions (pg_catalog is searched first). */
export function isBuiltinCall(parts: readonly string[]): boolean {
  const name = parts[parts.length - 1] ?? '';
  return (parts.length === 1 || parts[0] === 'pg_catalog') && (VOLATILE_BUILTINS.has(name) || STABLE_BUILTINS.has(name) || IMMUTABLE_BUILTINS.has(name));
}

/** Built-in functions whose call changes more than the statement's rows. */
const TERMINATES = new Set(['pg_terminate_backend', 'pg_cancel_backend']);
const SLEEPS = new Set(['pg_sleep', 'pg_sleep_for', 'pg_sleep_until']);
/** Functions of common extensions that only compute a value. */
const HARMLESS_EXTENSION_FUNCTIONS = new Set([
  'uuid_generate_v1', 'uuid_generate_v1mc', 'uuid_generate_v3', 'uuid_generate_v4', 'uuid_generate_v5', 'uuid_nil',
  'gen_random_bytes', 'gen_salt', 'crypt', 'digest', 'hmac', 'encrypt', 'decrypt', 'pgp_sym_encrypt', 'pgp_sym_decrypt',
  'unaccent', 'similarity', 'word_similarity', 'citext', 'hstore', 'earth_distance', 'll_to_earth',
]);

/** Every function a statement calls (top-level statements, DML and queries: they run). */
export function calls(ctx: Ctx, node: unknown): void {
  for (const fc of funcCalls(node)) call(ctx, fc);
}

function call(ctx: Ctx, fc: Node): void {
  const parts = strings(fc.funcname as Node[]);
  const name = parts[parts.length - 1] ?? '';
  const unqualifiedOrCatalog = parts.length === 1 || parts[0] === 'pg_catalog';
  if (unqualifiedOrCatalog && name === 'set_config') return; // followed by sessionCalls
  if (unqualifiedOrCatalog && TERMINATES.has(name)) {
    effect(ctx, 'terminate-backend', name, 'neutral', null, { detail: { subtype: name } });
    return;
  }
  if (unqualifiedOrCatalog && name === 'setval') {
    // Moves the sequence wherever its argument says: below the keys in use, inserts collide.
    const arg = ((fc.args ?? []) as Node[])[0];
    const seq = arg && isConst(arg) ? (splitIdentifiers(constText(arg)) ?? []) : [];
    const target = seq.length > 1 ? seq.slice(-2).map(part).join('.') : seq.length === 1 ? qualify(undefined, seq[0], ctx.session, ctx.schema) : 'setval()';
    sequenceValues(ctx, target, ['setval()']);
    return;
  }
  if (unqualifiedOrCatalog && SLEEPS.has(name)) {
    effect(ctx, 'sleep', name, 'neutral', null, { detail: { subtype: name } });
    return;
  }
  if (isBuiltinCall(parts)) return;
  const found = findRoutine(ctx, parts);
  if (!found && parts.length === 1 && HARMLESS_EXTENSION_FUNCTIONS.has(name)) return;
  runRoutine(ctx, found?.name ?? qualify(parts.length > 1 ? parts[parts.length - 2] : undefined, name, ctx.session), `${name}()`);
}

/**
 * Analyses what a called routine (or trigger function) runs, as if its statements were written
 * here: from its body when the migrations created it, else an unknown effect that fails closed.
 */
export function runRoutine(ctx: Ctx, name: string, what: string): void {
  const routine = ctx.schema.object(name)?.routine;
  if (!routine || 'unknown' in routine.body) {
    const reason = routine && 'unknown' in routine.body ? routine.body.unknown : 'bgmigrate has not seen its body (it was not created by these migrations)';
    effect(ctx, 'dynamic-sql', name, 'neutral', null, { detail: { dynamicSql: `${what}: ${reason}`, subtype: what.startsWith('trigger ') ? 'trigger' : 'call' } });
    return;
  }
  if (ctx.via.includes(name) || ctx.via.length >= 8) return;
  const body = routine.body;
  const saved = { inDoBlock: ctx.inDoBlock, via: ctx.via };
  // A routine's statements may run zero or many times, like a DO block's.
  ctx.inDoBlock = true;
  ctx.via = [...ctx.via, name];
  const first = ctx.effects.length;
  try {
    for (const b of body) classify(stmtLike(b.kind, b.node), ctx);
  } finally {
    ctx.inDoBlock = saved.inDoBlock;
    ctx.via = saved.via;
  }
  for (const e of ctx.effects.slice(first)) e.detail.via ??= name;
}

/**
 * The routine a call names, as the model knows it: a qualified name directly, else the first
 * schema of the search path that has it. Built-in functions win for unqualified names
 * (pg_catalog is searched first), so those are not looked up.
 */
export function findRoutine(ctx: Ctx, parts: string[]): { name: string; routine?: RoutineInfo } | undefined {
  if (parts.length >= 2) {
    const name = parts.slice(-2).join('.');
    const o = ctx.schema.object(name);
    return o?.kind === 'routine' ? { name, routine: o.routine } : undefined;
  }
  for (const s of ctx.session.searchPath ?? []) {
    const name = `${part(s)}.${part(parts[0])}`;
    const o = ctx.schema.object(name);
    if (o?.kind === 'routine') return { name, routine: o.routine };
  }
  return undefined;
}

/** Routines and sequences an expression calls: what `DROP … CASCADE` of them would take with it. */
export function usedNames(ctx: Ctx, expr: unknown): string[] {
  const out = new Set<string>();
  for (const fc of funcCalls(expr)) {
    const parts = strings(fc.funcname as Node[]);
    const name = parts[parts.length - 1] ?? '';
    const arg = ((fc.args ?? []) as Node[])[0];
    if (['nextval', 'currval', 'setval'].includes(name) && arg && isConst(arg)) {
      const seq = splitIdentifiers(constText(arg)) ?? [];
      if (seq.length > 0) out.add(seq.length > 1 ? seq.slice(-2).map(part).join('.') : qualify(undefined, seq[0], ctx.session, ctx.schema));
    } else if (!isBuiltinCall(parts)) {
      out.add(findRoutine(ctx, parts)?.name ?? qualify(parts.length > 1 ? parts[parts.length - 2] : undefined, name, ctx.session));
    }
  }
  return [...out];
}
