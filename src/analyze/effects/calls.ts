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
import type { EffectKind } from './kinds.js';
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
/** Built-ins that run the SQL text they are given: what it does cannot be seen. */
const RUNS_QUERY_TEXT = new Set(['query_to_xml', 'query_to_xmlschema', 'query_to_xml_and_xmlschema', 'cursor_to_xml', 'cursor_to_xmlschema', 'ts_stat', 'ts_rewrite']);

/**
 * Volatile built-ins whose call changes nothing another session sees, or nothing it depends on:
 * values (random, clock, sequences' next values), notifications, transaction-scoped advisory
 * locks, statistics, sizes and read-only views of the server, large objects read or created,
 * and the functions only PostgreSQL itself calls (handlers, trigger functions). Any other
 * volatile built-in (large objects overwritten or unlinked, session-scoped advisory locks,
 * replication slots and origins, WAL and recovery control, configuration reloads, planner
 * statistics restored or cleared, binary-upgrade internals, and whatever a new PostgreSQL
 * adds to src/analyze/builtins.ts) is an `unknown` effect: it fails closed.
 */
const HARMLESS_VOLATILE = new Set([
  'random', 'random_normal', 'setseed', 'gen_random_uuid', 'uuidv4', 'uuidv7', 'clock_timestamp', 'timeofday',
  'nextval', 'currval', 'lastval', 'pg_notify', 'pg_notification_queue_usage', 'pg_logical_emit_message',
  'pg_advisory_xact_lock', 'pg_advisory_xact_lock_shared', 'pg_try_advisory_xact_lock', 'pg_try_advisory_xact_lock_shared',
  'pg_advisory_unlock', 'pg_advisory_unlock_shared', 'pg_advisory_unlock_all',
  'txid_status', 'pg_xact_status', 'pg_xact_commit_timestamp', 'pg_xact_commit_timestamp_origin', 'pg_last_committed_xact',
  'pg_current_wal_lsn', 'pg_current_wal_flush_lsn', 'pg_current_wal_insert_lsn', 'pg_last_wal_receive_lsn', 'pg_last_wal_replay_lsn',
  'pg_last_xact_replay_timestamp', 'pg_is_in_recovery', 'pg_is_wal_replay_paused', 'pg_get_wal_replay_pause_state',
  'pg_relation_size', 'pg_table_size', 'pg_indexes_size', 'pg_total_relation_size', 'pg_database_size', 'pg_tablespace_size',
  'pg_sequence_last_value', 'pg_get_sequence_data', 'pg_partition_tree', 'pg_partition_ancestors',
  'pg_blocking_pids', 'pg_safe_snapshot_blocking_pids', 'pg_lock_status', 'pg_isolation_test_session_is_blocked', 'pg_prepared_xact',
  'pg_jit_available', 'current_query', 'pg_collation_actual_version', 'pg_database_collation_actual_version',
  'pg_control_checkpoint', 'pg_control_init', 'pg_control_recovery', 'pg_control_system', 'pg_current_logfile',
  'pg_ls_archive_statusdir', 'pg_ls_dir', 'pg_ls_logdir', 'pg_ls_logicalmapdir', 'pg_ls_logicalsnapdir', 'pg_ls_replslotdir',
  'pg_ls_summariesdir', 'pg_ls_tmpdir', 'pg_ls_waldir', 'pg_stat_file', 'pg_read_file', 'pg_read_binary_file',
  'pg_get_aios', 'pg_get_backend_memory_contexts', 'pg_get_loaded_modules', 'pg_get_multixact_members', 'pg_get_shmem_allocations',
  'pg_get_shmem_allocations_numa', 'pg_get_wait_events', 'pg_get_wal_resource_managers', 'pg_get_wal_summarizer_state',
  'pg_available_wal_summaries', 'pg_wal_summary_contents', 'pg_hba_file_rules', 'pg_ident_file_mappings', 'pg_show_all_file_settings',
  'pg_show_replication_origin_status', 'pg_replication_origin_progress', 'pg_replication_origin_session_is_setup',
  'pg_replication_origin_session_progress', 'pg_logical_slot_peek_changes', 'pg_logical_slot_peek_binary_changes',
  'pg_export_snapshot', 'pg_log_backend_memory_contexts', 'pg_log_standby_snapshot', 'pg_extension_config_dump',
  'pg_stat_clear_snapshot', 'pg_stat_force_next_flush', 'pg_stat_have_stats', 'pg_stat_reset', 'pg_stat_reset_backend_stats',
  'pg_stat_reset_replication_slot', 'pg_stat_reset_shared', 'pg_stat_reset_single_function_counters',
  'pg_stat_reset_single_table_counters', 'pg_stat_reset_slru', 'pg_stat_reset_subscription_stats',
  'brin_summarize_new_values', 'brin_summarize_range', 'brin_desummarize_range', 'gin_clean_pending_list',
  'lo_open', 'lo_close', 'loread', 'lo_get', 'lo_lseek', 'lo_lseek64', 'lo_tell', 'lo_tell64', 'lo_creat', 'lo_create', 'lo_from_bytea',
  'lo_import', 'lo_export', 'array_sample', 'array_shuffle',
  'suppress_redundant_updates_trigger', 'tsvector_update_trigger', 'tsvector_update_trigger_column', 'unique_key_recheck',
  'plpgsql_call_handler', 'plpgsql_inline_handler', 'plpgsql_validator', 'amvalidate', 'currtid2', 'dsnowball_init', 'dsnowball_lexize',
  'bernoulli', 'system',
]);

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
  if (unqualifiedOrCatalog && RUNS_QUERY_TEXT.has(name)) {
    effect(ctx, 'dynamic-sql', name, 'neutral', null, { detail: { dynamicSql: `${name}() runs the query text it is given`, subtype: 'call' } });
    return;
  }
  if (unqualifiedOrCatalog && VOLATILE_BUILTINS.has(name) && !HARMLESS_VOLATILE.has(name) && !(name.startsWith('pg_stat_get_') || name.startsWith('RI_FKey_') || name.endsWith('handler'))) {
    // PostgreSQL resolves an unqualified name to pg_catalog first: this is the built-in.
    effect(ctx, 'unknown', `${name}()`, 'neutral', null, { detail: { nodeKind: `a call of the built-in ${name}()` } });
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
export function runRoutine(ctx: Ctx, name: string, what: string, replacement?: RoutineInfo): void {
  const routine = replacement ?? ctx.schema.object(name)?.routine;
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
 * What a body run later by the running release can visibly do that matters here: contract
 * effects (it loses what it uses) and what no ledger makes safe. Its row changes and locks are its
 * own business (they run in its sessions, one write at a time), and what it runs unseen (dynamic
 * SQL, routines bgmigrate has not seen) is not reported: creating or replacing a trigger or a
 * routine is harmless unless its body visibly is not (README, "How the gate fails closed").
 */
const REPORTED_LATER: ReadonlySet<EffectKind> = new Set([
  'row-security', 'create-rule', 'drop-owned', 'change-role', 'change-database', 'terminate-backend', 'alter-sequence', 'alter-table', 'alter-trigger',
]);

/**
 * The effects of a routine body that the running release will run from now on (`what` says how: a
 * trigger created on a table it writes, a routine it may call, replaced): analysed like a call,
 * but nothing of it changes the model or the session of this migration, and only what
 * {@link REPORTED_LATER} keeps is reported, marked `runsLater`. `replacement`: the new body of a
 * routine being replaced.
 */
export function runsLater(ctx: Ctx, name: string, what: string, replacement?: RoutineInfo): void {
  const saved = { mutations: ctx.mutations, session: ctx.session, cannotRunInTransaction: ctx.cannotRunInTransaction };
  const first = ctx.effects.length;
  ctx.mutations = [];
  try {
    runRoutine(ctx, name, what, replacement);
  } finally {
    ctx.mutations = saved.mutations;
    ctx.session = saved.session;
    ctx.cannotRunInTransaction = saved.cannotRunInTransaction;
  }
  const added = ctx.effects.splice(first);
  for (const e of added) {
    if (e.class !== 'contract' && !REPORTED_LATER.has(e.kind)) continue;
    e.detail.runsLater = what;
    // Not taken by this migration: its locks, rewrites and scans happen in the running release's sessions.
    e.lock = null;
    e.rewrites = false;
    e.scans = false;
    ctx.effects.push(e);
  }
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
