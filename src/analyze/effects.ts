/**
 * Statements → effects. Every statement becomes one or more effects on named objects, each with
 * its class (additive / contract / neutral), the table lock it takes, and whether it rewrites or
 * scans. Locks follow the PostgreSQL 18.4 measurements that `bgmigrate trace` checks (test/trace/cases.ts)
 * (Appendix A). Fail closed: what is not understood becomes an `unknown` effect.
 */
import type { Effect, EffectClass, LockMode } from '../model.js';
import { routineBody, type ParsedStatement } from '../parse/statements.js';
import { hasOption } from './transaction-mode.js';
import { IMMUTABLE_BUILTINS, STABLE_BUILTINS, VOLATILE_BUILTINS } from './builtins.js';
import { part } from '../object-name.js';
import { creationListName, creationName, listName, qualify, rangeVarName, strings } from './names.js';
import type { ConstraintInfo, ConstraintType, RoutineInfo, SchemaModel, SchemaView, Use } from './schema.js';
import { applySetting, applyTransaction, resetAll, splitIdentifiers, unknownSettings, type SessionState } from './session.js';
import { isMetadataOnlyTypeChange, typeFacts } from './types.js';

type Node = Record<string, unknown>;

/** Every effect kind the analyser produces. */
export const EFFECT_KINDS = [
  // tables
  'create-table', 'drop-table', 'rename-table', 'set-schema', 'truncate-table',
  'create-partition', 'attach-partition', 'detach-partition',
  'set-persistence', 'set-access-method', 'set-tablespace', 'set-storage-params', 'alter-table',
  // columns
  'add-column', 'drop-column', 'rename-column', 'change-column-type', 'set-not-null', 'drop-not-null',
  'set-default', 'drop-default', 'add-identity', 'alter-column',
  // constraints
  'add-constraint', 'validate-constraint', 'drop-constraint', 'rename-constraint', 'alter-constraint',
  // indexes
  'create-index', 'drop-index', 'reindex', 'rename-index', 'alter-index',
  // views
  'create-view', 'drop-view', 'rename-view', 'refresh-matview',
  // other objects
  'create-routine', 'drop-routine', 'rename-routine', 'alter-routine',
  'create-type', 'drop-type', 'rename-type', 'add-enum-value', 'rename-enum-value', 'alter-type', 'alter-domain',
  'create-sequence', 'drop-sequence', 'rename-sequence', 'alter-sequence',
  'create-schema', 'drop-schema', 'rename-schema',
  'create-trigger', 'drop-trigger', 'alter-trigger',
  'create-extension', 'drop-extension', 'alter-extension', 'drop-unique-index', 'drop-object', 'rename-other',
  'create-policy', 'alter-policy', 'drop-policy', 'row-security', 'create-rule', 'alter-type-attribute', 'tighten-domain',
  // roles, databases and other sessions: shared with the running release
  'drop-owned', 'change-role', 'change-database', 'terminate-backend', 'sleep',
  // data and session
  'insert', 'update', 'delete', 'select', 'copy', 'lock-table',
  'set', 'transaction', 'comment', 'grant', 'revoke', 'vacuum', 'analyze', 'cluster', 'do-block',
  'neutral-ddl',
  // a lock the statement also takes on a related table: a partition, a table whose foreign key
  // points here (or that this key points to), a table with a column of an altered domain
  'related-lock',
  // analysis limits
  'dynamic-sql', 'unknown',
] as const;

export type EffectKind = (typeof EFFECT_KINDS)[number];

/** Volatility of a column default: decides whether ADD COLUMN rewrites the table. */
export type DefaultKind = 'constant' | 'stable' | 'volatile' | 'unknown';

/** A column definition (CREATE TABLE or ADD COLUMN). */
export interface ColumnFacts {
  name: string;
  /** Normalised type (`int4`, `varchar(40)`, …); serials are reported as their integer type. */
  type: string;
  /** Base type without modifiers: `varchar`, `bpchar` is reported as `char`. */
  baseType: string;
  serial: boolean;
  identity: boolean;
  /** `GENERATED ALWAYS AS (…) STORED` / `VIRTUAL` (PG 18's default kind). */
  generated?: 'stored' | 'virtual';
  notNull: boolean;
  primaryKey: boolean;
  unique: boolean;
  /** Inline CHECK constraint. */
  check: boolean;
  /** Inline REFERENCES: the referenced table (as written) and its columns (empty = primary key). */
  references?: string;
  referencesColumns?: string[];
  /** The inline REFERENCES has ON DELETE CASCADE / SET NULL / SET DEFAULT. */
  referencesActions?: boolean;
  /** The column's type is a domain with a CHECK (known to the schema model): adding it rewrites. */
  domainWithCheck?: boolean;
  default?: DefaultKind;
}

/** Details rules need beyond the shared `Effect` shape. */
export interface EffectDetail {
  /** The statement's relation was created earlier in this file (or by this statement). */
  newInFile?: boolean;
  /** …by a statement that really created it (not an IF NOT EXISTS that may have found one): no release uses it. */
  certainlyNew?: boolean;
  /** A migration seen by the model created the relation (else it predates them: assume it exists and is large). */
  known?: boolean;
  column?: string;
  columnFacts?: ColumnFacts;
  /** The routine (or trigger function) whose body produced this effect. */
  via?: string;
  /** DELETE/UPDATE that touches every row (no WHERE, a constant true one, MERGE … DELETE). */
  allRows?: boolean;
  /** CREATE TABLE: its columns. */
  columns?: ColumnFacts[];
  concurrently?: boolean;
  ifExists?: boolean;
  ifNotExists?: boolean;
  cascade?: boolean;
  constraintType?: ConstraintType;
  constraintName?: string;
  notValid?: boolean;
  usingIndex?: boolean;
  /** FK and REFERENCES: the other table. */
  referencedTable?: string;
  oldType?: string;
  newType?: string;
  /** ALTER COLUMN TYPE with USING or COLLATE. */
  using?: boolean;
  collate?: boolean;
  /** SET NOT NULL: skipped scan thanks to a valid CHECK (c IS NOT NULL) (PG ≥ 12). */
  provenByCheck?: boolean;
  newName?: string;
  /** UPDATE / DELETE: has a WHERE clause. */
  hasWhere?: boolean;
  /** CREATE INDEX: UNIQUE; ON ONLY parent. */
  unique?: boolean;
  only?: boolean;
  /** REINDEX target kind, VACUUM FULL, ALTER TABLE subcommand, SET name, … */
  subtype?: string;
  /** SET: setting and value; TRANSACTION: begin/commit/rollback/savepoint/…; LOCK: mode. */
  setting?: string;
  value?: string;
  transaction?: 'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollback-to' | 'prepare' | 'other';
  /** EXECUTE of a computed string / CALL: the expression or procedure. */
  dynamicSql?: string;
  /** `unknown`: the node type that could not be classified. */
  nodeKind?: string;
  /** ADD VALUE: BEFORE/AFTER given. */
  ordered?: boolean;
  /** Relation kind from the model, when known. */
  partitioned?: boolean;
  /** Dropped (or truncated) only because a CASCADE from this object reached it. */
  cascadeFrom?: string;
  /** DROP COLUMN / ALTER COLUMN TYPE: views known to read the column. */
  usedByViews?: string[];
  /** ADD COLUMN IF NOT EXISTS of a column the model already knows: a no-op. */
  alreadyExists?: boolean;
  /** A drop of an object this file renamed earlier: the rename carries the contract effect. */
  renamedInFile?: boolean;
  /** A drop undone later in the same transaction (DROP + CREATE of the same routine, view or type; DROP DEFAULT + SET DEFAULT). */
  restoredInFile?: boolean;
}

/** An effect as the analyser produces it: the shared `Effect` plus details for rules. */
export interface AnalyzedEffect extends Effect {
  kind: EffectKind;
  detail: EffectDetail;
}

/** Result of analysing one statement. */
export interface StatementAnalysis {
  effects: AnalyzedEffect[];
  cannotRunInTransaction: boolean;
  /** Session state after the statement. */
  session: SessionState;
  /** Changes to the schema model, applied in order after the statement. */
  mutations: ((model: SchemaModel) => void)[];
}

interface Ctx {
  schema: SchemaView;
  session: SessionState;
  pgVersion: number;
  effects: AnalyzedEffect[];
  mutations: ((model: SchemaModel) => void)[];
  cannotRunInTransaction: boolean;
  /** Where the statement starts, for messages. */
  line?: number;
  /** Static SQL inside a DO block: it may run zero or many times. */
  inDoBlock?: boolean;
  /** Statements prepared earlier in the file (`PREPARE name AS …`), for `EXECUTE name`. */
  prepared?: Map<string, { kind: string; node: Node }>;
  /** Routines whose bodies are being analysed (a call inside a call), outermost first. */
  via: string[];
}

const AEL: LockMode = 'AccessExclusiveLock';
const SUE: LockMode = 'ShareUpdateExclusiveLock';
const SHR: LockMode = 'ShareLock';
const SRE: LockMode = 'ShareRowExclusiveLock';

/**
 * Analyses one statement against the schema model as it stands before it. Does not change the
 * model: apply `mutations` for that.
 */
export function analyzeStatement(
  stmt: ParsedStatement,
  schema: SchemaView,
  session: SessionState,
  pgVersion: number,
  file: { prepared: Map<string, { kind: string; node: Record<string, unknown> }> } = { prepared: new Map() },
): StatementAnalysis {
  const ctx: Ctx = {
    schema,
    session,
    pgVersion,
    effects: [],
    mutations: [],
    cannotRunInTransaction: false,
    line: stmt.span.line,
    inDoBlock: stmt.inDoBlock,
    prepared: file.prepared,
    via: [],
  };
  try {
    classify(stmt, ctx);
    // Walking the whole tree is only worth it when the text can hold a call.
    if (stmt.kind !== 'SelectStmt' && (stmt.text === '' || /set_config/i.test(stmt.text))) sessionCalls(ctx, stmt.node, false);
  } catch {
    // A node shape we did not expect: never assume it safe.
    ctx.effects.length = 0;
    ctx.mutations.length = 0;
    unknown(ctx, stmt.kind, stmt.node);
  }
  return { effects: ctx.effects, cannotRunInTransaction: ctx.cannotRunInTransaction, session: ctx.session, mutations: ctx.mutations };
}

function effect(
  ctx: Ctx,
  kind: EffectKind,
  object: string,
  cls: EffectClass,
  lock: LockMode | null,
  opts: { table?: string; rewrites?: boolean; scans?: boolean; detail?: EffectDetail } = {},
): AnalyzedEffect {
  const table = opts.table;
  const detail: EffectDetail = { ...opts.detail };
  if (table !== undefined) {
    const t = ctx.schema.table(table);
    detail.known ??= t?.createdIn !== undefined || ctx.schema.object(table)?.createdIn !== undefined;
    detail.newInFile ??= ctx.schema.isNewInFile(table);
    detail.certainlyNew = ctx.schema.isCertainlyNewInFile(table);
    if (t?.kind === 'partitioned-table') detail.partitioned = true;
  }
  // No color uses an object created earlier in this same file: changing it breaks nothing. Only
  // a create that really created it counts (IF NOT EXISTS / OR REPLACE may have found an old one).
  if (cls === 'contract' && ctx.schema.isCertainlyNewInFile(table ?? object)) cls = 'neutral';
  // A column this file added is unknown to the old color: dropping, renaming or retyping it is
  // safe (tightening it is not: the old color's inserts omit it).
  if (cls === 'contract' && table !== undefined && detail.column !== undefined && COLUMN_USE.has(kind)) {
    const c = ctx.schema.column(table, detail.column);
    if (c?.addedIn !== undefined && c.addedIn === ctx.schema.currentFile && !c.mayHaveExisted) cls = 'neutral';
  }
  // Dropping what this file renamed away (Prisma's enum swap): the rename was the contract effect.
  if (cls === 'contract' && kind.startsWith('drop-') && ctx.schema.wasRenamedInFile(object)) {
    cls = 'neutral';
    detail.renamedInFile = true;
  }
  const e: AnalyzedEffect = { kind, object, class: cls, lock, rewrites: opts.rewrites ?? false, scans: opts.scans ?? false, detail };
  if (table !== undefined) e.table = table;
  ctx.effects.push(e);
  return e;
}

const COLUMN_USE: ReadonlySet<EffectKind> = new Set(['drop-column', 'rename-column', 'change-column-type']);

function unknown(ctx: Ctx, kind: string, node: Node): void {
  const rel = findRangeVar(node);
  const table = rel ? rangeVarName(rel, ctx.session, ctx.schema) : undefined;
  effect(ctx, 'unknown', table ?? kind, 'neutral', table ? AEL : null, { table, detail: { nodeKind: kind } });
}

function findRangeVar(node: unknown): Node | undefined {
  if (!node || typeof node !== 'object') return undefined;
  if (Array.isArray(node)) {
    for (const x of node) {
      const r = findRangeVar(x);
      if (r) return r;
    }
    return undefined;
  }
  const n = node as Node;
  if (typeof n.relname === 'string') return n;
  for (const v of Object.values(n)) {
    const r = findRangeVar(v);
    if (r) return r;
  }
  return undefined;
}

const rel = (ctx: Ctx, rv: unknown) => rangeVarName(rv as Node, ctx.session, ctx.schema);

function classify(stmt: ParsedStatement, ctx: Ctx): void {
  const n = stmt.node;
  switch (stmt.kind) {
    case 'CreateStmt':
      return createTable(ctx, n);
    case 'CreateTableAsStmt': {
      const into = (n.into as Node).rel as Node;
      const name = creationName(into, ctx.session);
      const matview = n.objtype === 'OBJECT_MATVIEW';
      const mayExist = Boolean(n.if_not_exists) && !name.startsWith('pg_temp.');
      if (mayExist && ctx.schema.table(name)) {
        effect(ctx, matview ? 'create-view' : 'create-table', name, 'neutral', null, { table: name, detail: { subtype: 'exists' } });
        return;
      }
      calls(ctx, n.query);
      effect(ctx, matview ? 'create-view' : 'create-table', name, 'additive', AEL, { table: name, detail: { newInFile: true, known: true, subtype: matview ? 'materialized-view' : 'table-as' } });
      ctx.mutations.push((m) => m.createTable(name, matview ? 'materialized-view' : 'table', [], mayExist));
      if (matview) {
        const reads = viewReads(ctx, n.query);
        const routines = usedNames(ctx, n.query);
        ctx.mutations.push((m) => {
          m.setView(name, reads);
          m.setUses({ kind: 'view', table: name }, routines);
        });
      }
      return;
    }
    case 'ViewStmt': {
      const name = creationName(n.view as Node, ctx.session);
      effect(ctx, 'create-view', name, 'additive', n.replace ? AEL : null, { table: name, detail: { subtype: n.replace ? 'replace' : 'create' } });
      // OR REPLACE of a view the migrations never created replaces one assumed in use.
      if (!ctx.schema.table(name)) ctx.mutations.push((m) => m.createTable(name, 'view', [], Boolean(n.replace) && !name.startsWith('pg_temp.')));
      const reads = viewReads(ctx, n.query);
      const routines = usedNames(ctx, n.query);
      ctx.mutations.push((m) => {
        m.setView(name, reads);
        m.setUses({ kind: 'view', table: name }, routines);
      });
      return;
    }
    case 'AlterTableStmt':
      return alterTable(ctx, n);
    case 'RenameStmt':
      return rename(ctx, n);
    case 'AlterObjectSchemaStmt': {
      const name = n.relation ? rel(ctx, n.relation) : objectName(ctx, n.object as Node, String(n.objectType));
      const isRel = Boolean(n.relation);
      effect(ctx, 'set-schema', name, 'contract', isRel ? AEL : null, {
        table: isRel ? name : undefined,
        detail: { newName: `${part(String(n.newschema))}.${name.split('.').pop()}`, subtype: String(n.objectType) },
      });
      if (isRel) ctx.mutations.push((m) => m.renameTable(name, `${part(String(n.newschema))}.${name.split('.').pop()}`));
      return;
    }
    case 'DropStmt':
      return drop(ctx, n);
    case 'TruncateStmt': {
      const cascade = n.behavior === 'DROP_CASCADE';
      const named = ((n.relations ?? []) as Node[]).map((r) => rel(ctx, r));
      for (const name of named) effect(ctx, 'truncate-table', name, 'contract', AEL, { table: name, rewrites: true, detail: { cascade } });
      if (cascade) {
        // CASCADE truncates every table whose foreign key points at a truncated one.
        const seen = new Set(named);
        const queue = [...named];
        while (queue.length > 0) {
          const from = queue.shift()!;
          for (const r of ctx.schema.referencing(from)) {
            if (seen.has(r.table)) continue;
            seen.add(r.table);
            queue.push(r.table);
            effect(ctx, 'truncate-table', r.table, 'contract', AEL, { table: r.table, rewrites: true, detail: { cascade, subtype: 'cascade', value: from } });
          }
        }
      }
      return;
    }
    case 'IndexStmt':
      return createIndex(ctx, n);
    case 'ReindexStmt': {
      const concurrently = hasOption(n.params as Node[] | undefined, 'concurrently');
      const kind = String(n.kind ?? '');
      let table: string | undefined;
      let object: string;
      if (n.relation) {
        object = rel(ctx, n.relation);
        table = kind === 'REINDEX_OBJECT_INDEX' ? ctx.schema.indexTable(object) ?? object : object;
      } else {
        object = String(n.name ?? kind);
      }
      if (concurrently) ctx.cannotRunInTransaction = true;
      if (kind === 'REINDEX_OBJECT_SCHEMA' || kind === 'REINDEX_OBJECT_DATABASE' || kind === 'REINDEX_OBJECT_SYSTEM') ctx.cannotRunInTransaction = true;
      effect(ctx, 'reindex', object, 'neutral', concurrently ? SUE : SHR, {
        table: table ?? object,
        scans: true,
        detail: { concurrently, subtype: kind.replace('REINDEX_OBJECT_', '').toLowerCase() },
      });
      return;
    }
    case 'RefreshMatViewStmt': {
      const name = rel(ctx, n.relation);
      effect(ctx, 'refresh-matview', name, 'neutral', n.concurrent ? 'ExclusiveLock' : AEL, {
        table: name,
        rewrites: !n.concurrent,
        scans: true,
        detail: { concurrently: Boolean(n.concurrent) },
      });
      return;
    }
    case 'CreateFunctionStmt': {
      const name = creationListName(n.funcname as Node[], ctx.session);
      effect(ctx, 'create-routine', name, 'additive', null, { detail: { subtype: n.replace ? 'replace' : 'create' } });
      // OR REPLACE of a routine the model has (or never saw) keeps its origin: it is not new.
      const known = ctx.schema.object(name);
      const routine = routineInfo(stmt, n);
      if (n.replace && known) ctx.mutations.push((m) => m.replaceRoutine(name, routine));
      else ctx.mutations.push((m) => m.createObject(name, 'routine', Boolean(n.replace), routine));
      return;
    }
    case 'AlterFunctionStmt':
      effect(ctx, 'alter-routine', objectName(ctx, { ObjectWithArgs: n.func } as Node, 'OBJECT_FUNCTION'), 'neutral', null);
      return;
    case 'CreateTrigStmt': {
      const table = rel(ctx, n.relation);
      const routine = listName(n.funcname as Node[], ctx.session, ctx.schema);
      effect(ctx, 'create-trigger', `${table}.${part(n.trigname)}`, 'additive', SRE, { table });
      ctx.mutations.push((m) => m.addTrigger(table, String(n.trigname), routine));
      return;
    }
    case 'CreateEnumStmt':
    case 'CompositeTypeStmt':
    case 'CreateRangeStmt':
    case 'CreateDomainStmt': {
      // A domain's `typeName` is its base type; its own name is `domainname`.
      const names = ((stmt.kind === 'CreateDomainStmt' ? n.domainname : n.typeName) ?? (n.typevar ? undefined : [])) as Node[] | undefined;
      const name = names ? creationListName(names, ctx.session) : creationName(n.typevar as Node, ctx.session);
      effect(ctx, 'create-type', name, 'additive', null, { detail: { subtype: stmt.kind } });
      // A domain with a CHECK: adding a column of it rewrites the table (table-rewrite).
      const checked = ((n.constraints ?? []) as Node[]).some((c) => (c.Constraint as Node | undefined)?.contype === 'CONSTR_CHECK');
      ctx.mutations.push((m) => m.createObject(name, checked ? 'checked-domain' : 'type'));
      return;
    }
    case 'DefineStmt': {
      const name = listName(n.defnames as Node[], ctx.session);
      effect(ctx, n.kind === 'OBJECT_TYPE' ? 'create-type' : 'neutral-ddl', name, 'additive', null, { detail: { subtype: String(n.kind) } });
      return;
    }
    case 'AlterEnumStmt': {
      const name = listName(n.typeName as Node[], ctx.session);
      if (n.oldVal !== undefined) {
        effect(ctx, 'rename-enum-value', `${name}.${part(n.oldVal)}`, 'contract', null, { detail: { newName: String(n.newVal) } });
      } else {
        if (ctx.pgVersion < 12) ctx.cannotRunInTransaction = true;
        effect(ctx, 'add-enum-value', name, 'additive', null, { detail: { value: String(n.newVal), ordered: n.newValNeighbor !== undefined, ifNotExists: Boolean(n.skipIfNewValExists) } });
      }
      return;
    }
    case 'AlterDomainStmt': {
      const name = listName(n.typeName as Node[], ctx.session);
      const def = (n.def as Node | undefined)?.Constraint as Node | undefined;
      const addCheck = n.subtype === 'C' && def?.contype === 'CONSTR_CHECK';
      const notValid = Boolean(def?.skip_validation);
      // SET NOT NULL, a new CHECK (valid or not: new rows are checked) and a dropped default
      // tighten what the old release may write into every column of the domain.
      const tightens = n.subtype === 'O' || addCheck || (n.subtype === 'T' && (n.def === undefined || isNullConst(n.def as Node)));
      if (tightens) {
        const what = n.subtype === 'O' ? 'set-not-null' : addCheck ? 'add-check' : 'drop-default';
        effect(ctx, 'tighten-domain', name, 'contract', null, { detail: { subtype: what } });
      }
      effect(ctx, 'alter-domain', name, 'neutral', addCheck && !notValid ? SHR : null, {
        scans: (addCheck && !notValid) || n.subtype === 'V',
        detail: { subtype: String(n.subtype), notValid, constraintType: addCheck ? 'check' : undefined },
      });
      // A new CHECK is verified on every column of the domain: ShareLock and a scan of each table.
      // So is SET NOT NULL (subtype O).
      if ((addCheck && !notValid) || n.subtype === 'O') for (const t of ctx.schema.tablesUsingType(name)) relatedLock(ctx, { lock: SHR, rewrites: false, scans: true }, t, 'domain-user');
      if (addCheck) ctx.mutations.push((m) => m.setObjectKind(name, 'checked-domain'));
      return;
    }
    case 'CreateSeqStmt': {
      const name = creationName(n.sequence as Node, ctx.session);
      effect(ctx, 'create-sequence', name, 'additive', null, { detail: { ifNotExists: Boolean(n.if_not_exists) } });
      if (!(n.if_not_exists && ctx.schema.object(name))) ctx.mutations.push((m) => m.createObject(name, 'sequence', Boolean(n.if_not_exists)));
      return;
    }
    case 'AlterSeqStmt':
      effect(ctx, 'alter-sequence', rel(ctx, n.sequence), 'neutral', null);
      return;
    case 'CreateSchemaStmt': {
      const name = String(n.schemaname ?? (n.authrole as Node | undefined)?.rolename ?? '?');
      effect(ctx, 'create-schema', name, 'additive', null, { detail: { ifNotExists: Boolean(n.if_not_exists) } });
      if (!(n.if_not_exists && ctx.schema.object(name))) ctx.mutations.push((m) => m.createObject(name, 'schema', Boolean(n.if_not_exists)));
      for (const el of (n.schemaElts ?? []) as Node[]) {
        const [k, body] = Object.entries(el)[0] as [string, Node];
        const inner: Ctx = { ...ctx, session: { ...ctx.session, searchPath: [name] } };
        classify({ ...stmtLike(k, body) }, inner);
        ctx.cannotRunInTransaction ||= inner.cannotRunInTransaction;
      }
      return;
    }
    case 'CreateExtensionStmt': {
      const name = String(n.extname);
      effect(ctx, 'create-extension', name, 'additive', null, { detail: { ifNotExists: Boolean(n.if_not_exists) } });
      if (!(n.if_not_exists && ctx.schema.object(name))) ctx.mutations.push((m) => m.createObject(name, 'extension', Boolean(n.if_not_exists)));
      return;
    }
    case 'AlterExtensionStmt':
    case 'AlterExtensionContentsStmt':
      effect(ctx, 'alter-extension', String(n.extname), 'neutral', null);
      return;
    case 'CreatePolicyStmt':
    case 'AlterPolicyStmt': {
      const table = rel(ctx, n.table);
      const kind = stmt.kind === 'CreatePolicyStmt' ? 'create-policy' : 'alter-policy';
      effect(ctx, kind, `${table}.${part(n.policy_name)}`, 'neutral', AEL, { table, detail: { subtype: n.permissive === false ? 'restrictive' : 'permissive' } });
      // Which rows the old release sees or may write changes under it.
      effect(ctx, 'row-security', table, 'neutral', AEL, { table, detail: { subtype: kind === 'create-policy' ? (n.permissive === false ? 'restrictive policy' : 'new policy') : 'altered policy', value: String(n.policy_name) } });
      return;
    }
    case 'InsertStmt': {
      const table = rel(ctx, n.relation);
      effect(ctx, 'insert', table, 'neutral', 'RowExclusiveLock', { table });
      return dataStatement(ctx, n, table);
    }
    case 'UpdateStmt':
    case 'DeleteStmt': {
      const table = rel(ctx, n.relation);
      const hasWhere = n.whereClause !== undefined;
      // `WHERE true` (or any constant true) filters nothing.
      const allRows = !hasWhere || isTrueConst(n.whereClause as Node);
      // Deleting every row of a table the old release reads is destructive, like TRUNCATE.
      const cls = stmt.kind === 'DeleteStmt' && allRows ? 'contract' : 'neutral';
      effect(ctx, stmt.kind === 'UpdateStmt' ? 'update' : 'delete', table, cls, 'RowExclusiveLock', { table, scans: allRows, detail: { hasWhere: !allRows, allRows } });
      return dataStatement(ctx, n, table);
    }
    case 'MergeStmt': {
      const table = rel(ctx, n.relation);
      effect(ctx, 'update', table, 'neutral', 'RowExclusiveLock', { table, scans: true, detail: { hasWhere: true, subtype: 'merge' } });
      // WHEN … THEN DELETE may remove every row of the target.
      const deletes = ((n.mergeWhenClauses ?? []) as Node[]).some((w) => (w.MergeWhenClause as Node | undefined)?.commandType === 'CMD_DELETE');
      if (deletes) effect(ctx, 'delete', table, 'contract', 'RowExclusiveLock', { table, scans: true, detail: { hasWhere: false, allRows: true, subtype: 'merge' } });
      return dataStatement(ctx, n, table);
    }
    case 'PrepareStmt': {
      const query = (n.query ?? {}) as Node;
      const [k, body] = Object.entries(query)[0] ?? ['', {}];
      ctx.prepared?.set(String(n.name), { kind: k, node: body as Node });
      effect(ctx, 'set', 'PREPARE', 'neutral', null, { detail: { subtype: 'PrepareStmt', value: String(n.name) } });
      return;
    }
    case 'ExecuteStmt': {
      const prepared = ctx.prepared?.get(String(n.name));
      if (!prepared) {
        effect(ctx, 'dynamic-sql', `EXECUTE ${n.name}`, 'neutral', null, { detail: { dynamicSql: `EXECUTE ${n.name}`, subtype: 'execute' } });
        return;
      }
      // What runs is the prepared statement (its parameters do not change which objects it touches).
      return classify(stmtLike(prepared.kind, prepared.node), ctx);
    }
    case 'SelectStmt': {
      if (n.intoClause) {
        const name = creationName((n.intoClause as Node).rel as Node, ctx.session);
        effect(ctx, 'create-table', name, 'additive', AEL, { table: name, detail: { newInFile: true, known: true, subtype: 'select-into' } });
        ctx.mutations.push((m) => m.createTable(name, 'table', []));
        return;
      }
      const certain = stmt.text === '' || /set_config/i.test(stmt.text) ? sessionCalls(ctx, stmt.node, true) : false;
      effect(ctx, 'select', 'query', 'neutral', null, { detail: certain ? { subtype: 'set_config' } : {} });
      return dataStatement(ctx, n);
    }
    case 'CopyStmt': {
      // COPY … PROGRAM runs a shell command on the database server: nothing bgmigrate can see.
      if (n.is_program) {
        effect(ctx, 'dynamic-sql', 'COPY … PROGRAM', 'neutral', null, { detail: { dynamicSql: `COPY … PROGRAM '${String(n.filename ?? '')}' runs a command on the database server`, subtype: 'call' } });
      }
      if (n.query) calls(ctx, n.query);
      const table = n.relation ? rel(ctx, n.relation) : 'query';
      effect(ctx, 'copy', table, 'neutral', n.is_from ? 'RowExclusiveLock' : 'AccessShareLock', { table: n.relation ? table : undefined });
      return;
    }
    case 'VariableSetStmt': {
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
      return;
    }
    case 'VariableShowStmt':
    case 'ExplainStmt':
    case 'PrepareStmt':
    case 'DeallocateStmt':
    case 'NotifyStmt':
    case 'ListenStmt':
    case 'UnlistenStmt':
    case 'CheckPointStmt':
    case 'LoadStmt':
      effect(ctx, 'set', stmt.kind, 'neutral', null, { detail: { subtype: stmt.kind } });
      return;
    case 'DiscardStmt':
      if (n.target === 'DISCARD_ALL') ctx.session = resetAll(ctx.session);
      effect(ctx, 'set', stmt.kind, 'neutral', null, { detail: { subtype: stmt.kind } });
      return;
    case 'TransactionStmt': {
      const k = String(n.kind);
      const map: Record<string, EffectDetail['transaction']> = {
        TRANS_STMT_BEGIN: 'begin',
        TRANS_STMT_START: 'begin',
        TRANS_STMT_COMMIT: 'commit',
        TRANS_STMT_ROLLBACK: 'rollback',
        TRANS_STMT_SAVEPOINT: 'savepoint',
        TRANS_STMT_RELEASE: 'release',
        TRANS_STMT_ROLLBACK_TO: 'rollback-to',
        TRANS_STMT_PREPARE: 'prepare',
        TRANS_STMT_COMMIT_PREPARED: 'commit',
        TRANS_STMT_ROLLBACK_PREPARED: 'rollback',
      };
      const step = map[k];
      if (step === 'begin' || step === 'commit' || step === 'rollback') ctx.session = applyTransaction(ctx.session, { kind: step });
      else if (step === 'prepare') ctx.session = applyTransaction(ctx.session, { kind: 'commit' });
      else if (step === 'savepoint' || step === 'release' || step === 'rollback-to') ctx.session = applyTransaction(ctx.session, { kind: step, name: String(n.savepoint_name ?? '') });
      if (k === 'TRANS_STMT_COMMIT' && n.chain) ctx.session = applyTransaction(ctx.session, { kind: 'begin' });
      effect(ctx, 'transaction', step ?? 'other', 'neutral', null, { detail: { transaction: step ?? 'other' } });
      return;
    }
    case 'CommentStmt': {
      const isRel = ['OBJECT_TABLE', 'OBJECT_COLUMN', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_INDEX'].includes(String(n.objtype));
      const obj = objectName(ctx, n.object as Node, String(n.objtype));
      const table = n.objtype === 'OBJECT_COLUMN' ? obj.split('.').slice(0, -1).join('.') : isRel ? obj : undefined;
      effect(ctx, 'comment', obj, 'neutral', table ? SUE : null, { table });
      return;
    }
    case 'GrantStmt': {
      const objs = ((n.objects ?? []) as Node[]).map((o) => (o.RangeVar ? rel(ctx, o) : objectName(ctx, o, String(n.objtype))));
      if (n.is_grant) {
        effect(ctx, 'grant', objs.join(', ') || String(n.objtype), 'neutral', null);
        return;
      }
      // The running release may be the role losing the privilege.
      if (objs.length === 0) effect(ctx, 'revoke', `${String(n.objtype).replace('OBJECT_', '').toLowerCase()} (all in schema)`, 'contract', null, { detail: { subtype: 'all-in-schema' } });
      for (const o of objs) effect(ctx, 'revoke', o, 'contract', null, { detail: { subtype: String(n.objtype) } });
      return;
    }
    case 'AlterDefaultPrivilegesStmt': {
      const action = (n.action ?? {}) as Node;
      if (action.is_grant) effect(ctx, 'grant', 'default privileges', 'neutral', null, { detail: { subtype: stmt.kind } });
      else effect(ctx, 'revoke', 'default privileges', 'contract', null, { detail: { subtype: 'default-privileges' } });
      return;
    }
    case 'GrantRoleStmt': {
      const roles = ((n.granted_roles ?? []) as Node[]).map((r) => String((r.AccessPriv as Node | undefined)?.priv_name ?? '?'));
      if (n.is_grant) effect(ctx, 'grant', roles.join(', '), 'neutral', null, { detail: { subtype: 'role' } });
      else for (const r of roles) effect(ctx, 'revoke', `role ${r}`, 'contract', null, { detail: { subtype: 'role-membership' } });
      return;
    }
    case 'CreateRoleStmt': {
      const role = String(n.role ?? '?');
      effect(ctx, 'neutral-ddl', `role ${role}`, 'neutral', null, { detail: { subtype: stmt.kind } });
      ctx.mutations.push((m) => m.createObject(`role ${role}`, 'role'));
      return;
    }
    case 'AlterRoleStmt':
    case 'AlterRoleSetStmt':
    case 'DropRoleStmt': {
      const specs = stmt.kind === 'DropRoleStmt' ? ((n.roles ?? []) as Node[]).map((r) => (r.RoleSpec ?? r) as Node) : [(n.role ?? {}) as Node];
      for (const spec of specs) {
        const role = spec.roletype === 'ROLESPEC_CSTRING' ? String(spec.rolename) : String(spec.roletype ?? 'ALL').replace('ROLESPEC_', '').toLowerCase();
        const harmless = stmt.kind === 'AlterRoleStmt' && roleChangeIsHarmless(n);
        // Roles are shared with the running release: it may be the role that can no longer log in.
        effect(ctx, 'change-role', `role ${role}`, 'neutral', null, { detail: { subtype: harmless ? 'harmless' : stmt.kind } });
      }
      return;
    }
    case 'DropOwnedStmt':
      effect(ctx, 'drop-owned', ((n.roles ?? []) as Node[]).map((r) => `role ${(r.RoleSpec as Node | undefined)?.rolename ?? '?'}`).join(', '), 'neutral', null);
      return;
    case 'AlterOwnerStmt':
    case 'CreateStatsStmt':
    case 'AlterStatsStmt':
    case 'CreateCastStmt':
    case 'CreateOpClassStmt':
    case 'CreateConversionStmt':
    case 'CreateEventTrigStmt':
    case 'AlterEventTrigStmt':
    case 'CreatePublicationStmt':
    case 'AlterPublicationStmt':
    case 'AlterSubscriptionStmt':
    case 'CreateForeignServerStmt':
    case 'CreateFdwStmt':
    case 'CreateUserMappingStmt':
    case 'ImportForeignSchemaStmt':
    case 'SecLabelStmt':
    case 'AlterCollationStmt':
    case 'AlterTSConfigurationStmt':
    case 'AlterTSDictionaryStmt':
    case 'ReassignOwnedStmt': {
      const table = stmt.kind === 'CreateStatsStmt' ? firstFromRel(ctx, n) : undefined;
      effect(ctx, 'neutral-ddl', table ?? stmt.kind, 'neutral', table ? SUE : null, { table, detail: { subtype: stmt.kind } });
      return;
    }
    case 'AlterDatabaseStmt':
    case 'AlterDatabaseSetStmt':
    case 'DropdbStmt': {
      if (stmt.kind !== 'AlterDatabaseSetStmt') ctx.cannotRunInTransaction = true;
      // A database's settings and limits apply to the running release's connections too.
      const harmless = stmt.kind === 'AlterDatabaseStmt' && ((n.options ?? []) as Node[]).every((o) => (o.DefElem as Node | undefined)?.defname === 'tablespace');
      effect(ctx, 'change-database', `database ${String(n.dbname ?? '?')}`, 'neutral', null, { detail: { subtype: harmless ? 'harmless' : stmt.kind } });
      return;
    }
    case 'AlterSystemStmt':
    case 'CreatedbStmt':
    case 'CreateTableSpaceStmt':
    case 'DropTableSpaceStmt':
    case 'CreateSubscriptionStmt':
    case 'DropSubscriptionStmt': {
      ctx.cannotRunInTransaction = true;
      effect(ctx, 'neutral-ddl', String(n.dbname ?? stmt.kind), 'neutral', null, { detail: { subtype: stmt.kind } });
      return;
    }
    case 'VacuumStmt': {
      const isVacuum = Boolean(n.is_vacuumcmd);
      // `FULL false` / `FULL off` / `FULL 0` is a plain VACUUM.
      const full = hasOption(n.options as Node[] | undefined, 'full');
      const rels = ((n.rels ?? []) as Node[]).map((r) => rel(ctx, (r.VacuumRelation as Node).relation));
      if (isVacuum) ctx.cannotRunInTransaction = true;
      const kind: EffectKind = isVacuum ? 'vacuum' : 'analyze';
      const lock = full ? AEL : SUE;
      if (rels.length === 0) effect(ctx, kind, 'database', 'neutral', null, { rewrites: full, scans: true, detail: { subtype: full ? 'full' : undefined } });
      for (const t of rels) effect(ctx, kind, t, 'neutral', lock, { table: t, rewrites: full, scans: true, detail: { subtype: full ? 'full' : undefined } });
      return;
    }
    case 'ClusterStmt': {
      if (!n.relation) {
        effect(ctx, 'cluster', 'database', 'neutral', null, { rewrites: true, scans: true });
        ctx.cannotRunInTransaction = true;
        return;
      }
      const t = rel(ctx, n.relation);
      effect(ctx, 'cluster', t, 'neutral', AEL, { table: t, rewrites: true, scans: true });
      return;
    }
    case 'LockStmt': {
      const modes: LockMode[] = ['AccessShareLock', 'AccessShareLock', 'RowShareLock', 'RowExclusiveLock', SUE, SHR, SRE, 'ExclusiveLock', AEL];
      const mode = modes[Number(n.mode ?? 8)] ?? AEL;
      for (const r of (n.relations ?? []) as Node[]) {
        const t = rel(ctx, r);
        effect(ctx, 'lock-table', t, 'neutral', mode, { table: t, detail: { value: mode } });
      }
      return;
    }
    case 'DoStmt':
      if (stmt.commits) ctx.cannotRunInTransaction = true;
      effect(ctx, 'do-block', 'DO', 'neutral', null, stmt.commits ? { detail: { subtype: 'commits' } } : {});
      return;
    case 'DynamicExecute':
      effect(ctx, 'dynamic-sql', 'EXECUTE', 'neutral', null, { detail: { dynamicSql: stmt.dynamicSql ?? stmt.text } });
      return;
    case 'CallStmt':
      return calls(ctx, n);
    case 'CreateForeignTableStmt': {
      const base = (n.base ?? {}) as Node;
      const name = creationName(base.relation as Node, ctx.session);
      const mayExist = Boolean(base.if_not_exists);
      effect(ctx, 'create-table', name, 'additive', null, { table: name, detail: { newInFile: !mayExist, known: true, subtype: 'foreign' } });
      if (!(mayExist && ctx.schema.table(name))) ctx.mutations.push((m) => m.createTable(name, 'table', [], mayExist));
      return;
    }
    case 'AlterTableMoveAllStmt':
      effect(ctx, 'set-tablespace', String(n.orig_tablespacename), 'neutral', AEL, { rewrites: true });
      return;
    case 'RuleStmt': {
      // A rule rewrites the old release's own queries on the table (DO INSTEAD replaces them).
      const t = rel(ctx, n.relation);
      effect(ctx, 'create-rule', `${t}.${part(n.rulename)}`, 'neutral', AEL, { table: t, detail: { subtype: n.instead ? 'instead' : 'also', value: String(n.event ?? '') } });
      return;
    }
    default:
      unknown(ctx, stmt.kind, n);
  }
}

/**
 * What a view's query reads: each table in it, with every column name the query mentions
 * (`all` when it selects `*`). Aliases are not resolved, so a column name counts for every
 * table of the query: it errs towards "used".
 */
function viewReads(ctx: Ctx, query: unknown): Map<string, ReadonlySet<string> | 'all'> {
  const tables = new Set<string>();
  const columns = new Set<string>();
  let star = false;
  const visit = (v: unknown): void => {
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach(visit);
    const o = v as Node;
    if (o.RangeVar) tables.add(rel(ctx, o.RangeVar));
    if (o.ColumnRef) {
      const fields = ((o.ColumnRef as Node).fields ?? []) as Node[];
      const last = fields[fields.length - 1];
      if (last?.A_Star) star = true;
      else if (last?.String) columns.add(String((last.String as Node).sval));
    }
    for (const x of Object.values(o)) visit(x);
  };
  visit(query);
  const out = new Map<string, ReadonlySet<string> | 'all'>();
  for (const t of tables) out.set(t, star ? 'all' : columns);
  return out;
}

/**
 * ALTER ROLE options that cannot lock the running release out: granting abilities. Anything
 * else (NOLOGIN, CONNECTION LIMIT, a new PASSWORD, VALID UNTIL, NOINHERIT, …) may.
 */
function roleChangeIsHarmless(n: Node): boolean {
  const opts = (n.options ?? []) as Node[];
  if (opts.length === 0) return false;
  return opts.every((o) => {
    const d = (o.DefElem ?? {}) as Node;
    const on = (d.arg as Node | undefined)?.Boolean as Node | undefined;
    const granted = on?.boolval === true;
    return ['canlogin', 'createdb', 'createrole', 'inherit', 'replication', 'bypassrls', 'superuser', 'isreplication'].includes(String(d.defname)) && granted;
  });
}

/** A session TimeZone with a zero offset (PostgreSQL only skips the rewrite then). */
function isUtc(zone: string | undefined): boolean {
  return zone !== undefined && /^(utc|etc\/utc|utc0|zulu|z|gmt|etc\/gmt|gmt0|etc\/universal|universal)$/i.test(zone.trim());
}

function stmtLike(kind: string, node: Node): ParsedStatement {
  return { index: 0, kind, node, text: '', span: { line: 1, column: 1, endLine: 1, endColumn: 1 }, start: 0, end: 0, inDoBlock: false };
}

function firstFromRel(ctx: Ctx, n: Node): string | undefined {
  const rv = findRangeVar(n.relations ?? n);
  return rv ? rel(ctx, rv) : undefined;
}


function constText(node: Node): string {
  const c = (node.A_Const ?? node) as Node;
  if (c.sval) return String((c.sval as Node).sval ?? '');
  if (c.ival) return String((c.ival as Node).ival ?? 0);
  if (c.fval) return String((c.fval as Node).fval ?? '');
  if (c.boolval) return String((c.boolval as Node).boolval ?? false);
  if (node.TypeCast) return constText(((node.TypeCast as Node).arg ?? {}) as Node);
  return '';
}

/**
 * Every function call in a parse tree (`FuncCall` nodes, and a CALL statement's `funccall`), in
 * tree order. Iterative: expressions can nest deeper than the call stack allows.
 */
function funcCalls(root: unknown): Node[] {
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
function isBuiltinCall(parts: readonly string[]): boolean {
  const name = parts[parts.length - 1] ?? '';
  return (parts.length === 1 || parts[0] === 'pg_catalog') && (VOLATILE_BUILTINS.has(name) || STABLE_BUILTINS.has(name) || IMMUTABLE_BUILTINS.has(name));
}

/**
 * Follows `set_config(name, value, is_local)` calls anywhere in a statement. Only a plain
 * `SELECT set_config('const', 'const', const)` (no FROM, WHERE, CTE, set operation or LIMIT: it
 * runs exactly once) has a certain effect; any other call may run zero or many times, or with a
 * computed value, so the setting it names becomes unknown (every tracked setting, when the name
 * itself is computed). Returns whether a certain call was applied.
 */
function sessionCalls(ctx: Ctx, node: Node, selectStatement: boolean): boolean {
  const calls = funcCalls(node).filter((fc) => strings(fc.funcname as Node[]).pop() === 'set_config');
  if (calls.length === 0) return false;
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
    if (direct.has(fc) && isConst(args[1]) && isConst(args[2])) {
      const local = /^(t|true|on|1|yes|y)$/i.test(constText(args[2]));
      ctx.session = applySetting(ctx.session, name, { kind: 'string', text: constText(args[1]) }, local);
      certain = true;
    } else {
      ctx.session = applySetting(ctx.session, name, { kind: 'unknown', because });
    }
  }
  return certain;
}

/** A USING expression that is the column itself, possibly cast to the new type. */
function isPlainUsing(expr: Node, column: string, newType: string): boolean {
  const cast = expr.TypeCast as Node | undefined;
  if (cast) return typeFacts(cast.typeName as Node).type === newType && isPlainUsing((cast.arg ?? {}) as Node, column, newType);
  const ref = expr.ColumnRef as Node | undefined;
  const fields = strings((ref?.fields ?? []) as Node[]);
  return fields.length === 1 && fields[0] === column;
}

function isNullConst(node: Node): boolean {
  if (node.A_Const) return (node.A_Const as Node).isnull === true;
  const cast = node.TypeCast as Node | undefined;
  return cast !== undefined && isNullConst((cast.arg ?? {}) as Node);
}

function isConst(node: Node): boolean {
  if (node.A_Const) return (node.A_Const as Node).isnull !== true;
  const cast = node.TypeCast as Node | undefined;
  return cast !== undefined && isConst((cast.arg ?? {}) as Node);
}

/** A generic object reference (`List` of names, `String`, `TypeName`, `ObjectWithArgs`) → name. */
function objectName(ctx: Ctx, o: Node, objtype: string): string {
  if (!o) return '?';
  if (o.List) {
    const items = strings((o.List as Node).items as Node[]);
    if (objtype === 'OBJECT_COLUMN') {
      const col = items.pop()!;
      return `${qualify(items.length > 1 ? items[0] : undefined, items[items.length - 1] ?? '?', ctx.session, ctx.schema)}.${part(col)}`;
    }
    if (items.length === 1) return qualify(undefined, items[0], ctx.session, ctx.schema);
    return items.slice(-2).join('.');
  }
  if (o.String) return String((o.String as Node).sval);
  if (o.TypeName) {
    const tn = o.TypeName as Node;
    return listName(tn.names as Node[], ctx.session, ctx.schema);
  }
  if (o.ObjectWithArgs) return listName((o.ObjectWithArgs as Node).objname as Node[], ctx.session, ctx.schema);
  if (o.RangeVar) return rel(ctx, o);
  return '?';
}

// ---- CREATE TABLE ------------------------------------------------------------------------

function defaultKind(expr: unknown, routineVolatility?: (name: string[]) => DefaultKind | undefined): DefaultKind {
  let result: DefaultKind = 'constant';
  const rank = { constant: 0, stable: 1, unknown: 2, volatile: 3 } as const;
  const bump = (k: DefaultKind) => {
    if (rank[k] > rank[result]) result = k;
  };
  const visit = (v: unknown): void => {
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach(visit);
    const n = v as Node;
    if (n.FuncCall) {
      const fc = n.FuncCall as Node;
      const parts = strings(fc.funcname as Node[]);
      const name = parts[parts.length - 1] ?? '';
      const builtin = parts.length === 1 || parts[0] === 'pg_catalog';
      const known = routineVolatility?.(parts);
      if (known) bump(known);
      else if (VOLATILE.has(name)) bump('volatile');
      else if (!builtin) bump('unknown');
      else bump(VOLATILE_BUILTINS.has(name) ? 'volatile' : STABLE_BUILTINS.has(name) ? 'stable' : IMMUTABLE_BUILTINS.has(name) ? 'constant' : 'unknown');
    }
    if (n.SQLValueFunction) bump('stable');
    if (n.SubLink) bump('unknown');
    for (const x of Object.values(n)) visit(x);
  };
  visit(expr);
  return result;
}

// ---- code the statement runs: CTEs, routine calls, triggers ------------------------------

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
function calls(ctx: Ctx, node: unknown): void {
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
function runRoutine(ctx: Ctx, name: string, what: string): void {
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

/** What a routine created here runs when called, and its declared volatility (VOLATILE unless said). */
function routineInfo(stmt: ParsedStatement, n: Node): RoutineInfo {
  let volatility: RoutineInfo['volatility'] = 'volatile';
  for (const o of (n.options ?? []) as Node[]) {
    const d = (o.DefElem ?? {}) as Node;
    if (d.defname === 'volatility') volatility = String(((d.arg as Node | undefined)?.String as Node | undefined)?.sval ?? 'volatile') as RoutineInfo['volatility'];
  }
  // Parsed when the routine is first called: most routines a migration creates never are.
  let body: RoutineInfo['body'] | undefined;
  const text = stmt.text;
  return {
    volatility,
    get body() {
      if (body === undefined) {
        const read = text ? routineBody(text, n) : { unknown: 'its body was not read' };
        body = 'unknown' in read ? read : read.statements;
      }
      return body;
    },
  };
}

/** Routines and sequences an expression calls: what `DROP … CASCADE` of them would take with it. */
function usedNames(ctx: Ctx, expr: unknown): string[] {
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

/** What a column definition's default and generation expression use (a serial's own sequence included). */
function columnUses(ctx: Ctx, table: string, cd: Node): { default: string[]; generated: string[] } {
  const out = { default: [] as string[], generated: [] as string[] };
  for (const c of (cd.constraints ?? []) as Node[]) {
    const k = (c.Constraint ?? {}) as Node;
    if (k.contype === 'CONSTR_DEFAULT') out.default.push(...usedNames(ctx, k.raw_expr));
    if (k.contype === 'CONSTR_GENERATED') out.generated.push(...usedNames(ctx, k.raw_expr));
  }
  const type = strings(((cd.typeName as Node | undefined)?.names ?? []) as Node[]).pop() ?? '';
  if (/^(small|big)?serial[248]?$/.test(type)) out.default.push(`${table.split('.')[0]}.${part(`${table.split('.').pop()}_${cd.colname}_seq`)}`);
  return out;
}

function recordColumnUses(ctx: Ctx, table: string, cd: Node): void {
  const uses = columnUses(ctx, table, cd);
  // Most columns use nothing: no model change to record (a dropped column's old uses are
  // filtered out by usesOf; at worst a re-added column keeps them, which over-reports).
  if (uses.default.length === 0 && uses.generated.length === 0) return;
  const column = String(cd.colname);
  ctx.mutations.push((m) => {
    m.setUses({ kind: 'default', table, column }, uses.default);
    m.setUses({ kind: 'generated', table, column }, uses.generated);
  });
}

/** A column's default volatility with the routines the migrations created; unknown ⇒ volatile. */
function resolvedDefault(ctx: Ctx, cd: Node): DefaultKind | undefined {
  const def = ((cd.constraints ?? []) as Node[]).map((c) => c.Constraint as Node | undefined).find((k) => k?.contype === 'CONSTR_DEFAULT');
  if (!def) return undefined;
  const kind = defaultKind(def.raw_expr, (parts) => {
    const routine = findRoutine(ctx, parts);
    if (!routine?.routine) return undefined;
    return routine.routine.volatility === 'immutable' ? 'constant' : routine.routine.volatility;
  });
  return kind === 'unknown' ? 'volatile' : kind;
}

/**
 * The routine a call names, as the model knows it: a qualified name directly, else the first
 * schema of the search path that has it. Built-in functions win for unqualified names
 * (pg_catalog is searched first), so those are not looked up.
 */
function findRoutine(ctx: Ctx, parts: string[]): { name: string; routine?: RoutineInfo } | undefined {
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

/** Volatile functions of common extensions (pg_catalog's own come from builtins.ts). */
const VOLATILE = new Set(['uuid_generate_v1', 'uuid_generate_v1mc', 'uuid_generate_v4', 'gen_random_bytes', 'gen_random_uuid', 'nextval']);

/** Facts about a column definition node. */
export function columnFacts(def: Node, pgVersion: number, tableConstraints: Node[] = []): ColumnFacts {
  const tf = typeFacts(def.typeName as Node);
  const facts: ColumnFacts = {
    name: String(def.colname ?? '?'),
    type: tf.type,
    baseType: tf.base,
    serial: tf.serial,
    identity: false,
    notNull: Boolean(def.is_not_null),
    primaryKey: false,
    unique: false,
    check: false,
  };
  for (const c of (def.constraints ?? []) as Node[]) {
    const k = (c.Constraint ?? {}) as Node;
    switch (k.contype) {
      case 'CONSTR_NOTNULL':
        facts.notNull = true;
        break;
      case 'CONSTR_DEFAULT':
        facts.default = defaultKind(k.raw_expr);
        break;
      case 'CONSTR_IDENTITY':
        facts.identity = true;
        break;
      case 'CONSTR_GENERATED':
        facts.generated = k.generated_kind === 's' || (k.generated_kind === undefined && pgVersion < 18) ? 'stored' : 'virtual';
        break;
      case 'CONSTR_PRIMARY':
        facts.primaryKey = true;
        facts.notNull = true;
        break;
      case 'CONSTR_UNIQUE':
        facts.unique = true;
        break;
      case 'CONSTR_CHECK':
        facts.check = true;
        break;
      case 'CONSTR_FOREIGN':
        facts.references = String(((k.pktable ?? {}) as Node).relname ?? '?');
        facts.referencesColumns = strings(k.pk_attrs as Node[]);
        facts.referencesActions = k.fk_del_action === 'c' || k.fk_del_action === 'n' || k.fk_del_action === 'd';
        if ((k.pktable as Node | undefined)?.schemaname) facts.references = `${(k.pktable as Node).schemaname}.${part(facts.references)}`;
        break;
    }
  }
  for (const c of tableConstraints) {
    const k = (c.Constraint ?? {}) as Node;
    const keys = strings(k.keys as Node[]);
    if (k.contype === 'CONSTR_PRIMARY' && keys.includes(facts.name)) {
      facts.primaryKey = true;
      facts.notNull = true;
    }
  }
  if (facts.serial) facts.notNull = true;
  return facts;
}

function createTable(ctx: Ctx, n: Node): void {
  const name = creationName(n.relation as Node, ctx.session);
  const elts = (n.tableElts ?? []) as Node[];
  const tableConstraints = elts.filter((e) => e.Constraint);
  const columns = elts.filter((e) => e.ColumnDef).map((e) => columnFacts(e.ColumnDef as Node, ctx.pgVersion, tableConstraints));
  const parents = ((n.inhRelations ?? []) as Node[]).map((r) => rel(ctx, r));
  const partitionOf = n.partbound !== undefined;
  const exists = ctx.schema.table(name) !== undefined;
  const ifNotExists = Boolean(n.if_not_exists);
  // IF NOT EXISTS makes nothing new unless the model knows the table is absent: a table the
  // migrations never created is assumed to exist (and be in use). Temporary tables are new.
  const mayExist = ifNotExists && !name.startsWith('pg_temp.');
  effect(ctx, 'create-table', name, 'additive', AEL, {
    table: name,
    detail: { newInFile: !(exists && ifNotExists) || ctx.schema.isNewInFile(name), known: true, columns, ifNotExists, partitioned: n.partspec !== undefined },
  });
  for (const p of parents) {
    effect(ctx, partitionOf ? 'create-partition' : 'alter-table', p, 'neutral', AEL, { table: p, detail: { subtype: partitionOf ? 'partition-of' : 'inherits' } });
  }
  const refs = new Set<string>();
  for (const c of columns) if (c.references) refs.add(qualifyRef(ctx, c.references));
  for (const c of tableConstraints) {
    const k = c.Constraint as Node;
    if (k.contype === 'CONSTR_FOREIGN') refs.add(rel(ctx, k.pktable));
  }
  if (!(exists && ifNotExists)) for (const e of elts) if (e.ColumnDef) recordColumnUses(ctx, name, e.ColumnDef as Node);
  for (const r of refs) {
    if (r === name) continue;
    effect(ctx, 'add-constraint', `${r}`, 'additive', SRE, { table: r, detail: { constraintType: 'foreign-key', referencedTable: r, subtype: 'referenced' } });
  }
  if (exists && ifNotExists) return;
  const bare = name.split('.').pop();
  const infos: ConstraintInfo[] = [];
  for (const c of tableConstraints) {
    const k = c.Constraint as Node;
    const info = constraintInfo(ctx, k, defaultConstraintName(bare!, k, (n) => infos.some((i) => i.name === n)));
    if (info) infos.push({ ...info, valid: true });
  }
  for (const c of columns) {
    if (c.references) infos.push(inlineForeignKey(ctx, bare!, c));
    if (c.primaryKey && !infos.some((i) => i.type === 'primary-key')) infos.push({ name: `${bare}_pkey`, type: 'primary-key', valid: true, columns: [c.name] });
  }
  ctx.mutations.push((m) => {
    m.createTable(name, n.partspec !== undefined ? 'partitioned-table' : 'table', columns.map((c) => ({ name: c.name, type: c.type, notNull: c.notNull, hasDefault: c.default !== undefined || c.serial || c.identity })), mayExist);
    for (const info of infos) m.addConstraint(name, info);
    if (partitionOf) for (const p of parents) m.addPartition(p, name);
  });
}

/**
 * What dropping a relation does to others: its foreign keys' triggers on the tables they point
 * at are dropped (AccessExclusiveLock there); with CASCADE, foreign keys pointing at it are
 * dropped (AccessExclusiveLock on their tables) and the views reading it are dropped too.
 */
function dropDependents(ctx: Ctx, name: string, cascade: boolean): void {
  for (const fk of ctx.schema.foreignKeysOf(name)) {
    if (fk.references && fk.references !== name) relatedLock(ctx, { lock: AEL, rewrites: false, scans: false }, fk.references, 'referenced-table');
  }
  if (!cascade) return;
  const seen = new Set<string>();
  for (const r of ctx.schema.referencing(name)) {
    if (seen.has(r.table)) continue;
    seen.add(r.table);
    relatedLock(ctx, { lock: AEL, rewrites: false, scans: false }, r.table, 'referencing-table');
  }
  for (const view of ctx.schema.viewsOn(name)) {
    const kind = ctx.schema.table(view)?.kind === 'materialized-view' ? 'materialized-view' : 'view';
    effect(ctx, 'drop-view', view, 'contract', AEL, { table: view, detail: { cascade, cascadeFrom: name, subtype: kind } });
    ctx.mutations.push((m) => m.dropTable(view));
  }
}

/**
 * What `DROP … CASCADE` of a routine or sequence removes besides it: views calling it, column
 * defaults using it (the columns stay, without their default) and generated columns computed
 * by it. Each is a contract effect of its own, judged by the ledger like a direct drop.
 */
function dropUsers(ctx: Ctx, name: string): void {
  for (const u of ctx.schema.usesOf(name)) {
    if (u.kind === 'view') {
      const kind = ctx.schema.table(u.table)?.kind === 'materialized-view' ? 'materialized-view' : 'view';
      effect(ctx, 'drop-view', u.table, 'contract', AEL, { table: u.table, detail: { cascade: true, cascadeFrom: name, subtype: kind } });
      ctx.mutations.push((m) => m.dropTable(u.table));
      dropDependents(ctx, u.table, true);
    } else if (u.kind === 'default') {
      effect(ctx, 'drop-default', `${u.table}.${part(u.column)}`, 'contract', AEL, { table: u.table, detail: { column: u.column, cascade: true, cascadeFrom: name } });
      ctx.mutations.push((m) => m.updateColumn(u.table, u.column!, { hasDefault: false }));
    } else {
      effect(ctx, 'drop-column', `${u.table}.${part(u.column)}`, 'contract', AEL, { table: u.table, detail: { column: u.column, cascade: true, cascadeFrom: name, subtype: 'generated' } });
      ctx.mutations.push((m) => m.dropColumn(u.table, u.column!));
    }
  }
}

/** `DROP SCHEMA … CASCADE`: everything the model knows in it, and what depends on that elsewhere. */
function dropSchemaContents(ctx: Ctx, schema: string): void {
  const { relations, objects } = ctx.schema.inSchema(schema);
  const detail = { cascade: true, cascadeFrom: schema };
  for (const t of relations) {
    if (t.kind === 'view' || t.kind === 'materialized-view') effect(ctx, 'drop-view', t.name, 'contract', AEL, { table: t.name, detail: { ...detail, subtype: t.kind } });
    else effect(ctx, 'drop-table', t.name, 'contract', AEL, { table: t.name, detail });
  }
  const inside = new Set(relations.map((t) => t.name));
  for (const t of relations) {
    // Views in other schemas that read a table in this one go too.
    for (const v of ctx.schema.viewsOn(t.name)) {
      if (inside.has(v)) continue;
      inside.add(v);
      effect(ctx, 'drop-view', v, 'contract', AEL, { table: v, detail: { cascade: true, cascadeFrom: t.name } });
    }
  }
  for (const o of objects) {
    if (o.kind === 'routine') effect(ctx, 'drop-routine', o.name, 'contract', null, { detail });
    else if (o.kind === 'sequence') effect(ctx, 'drop-sequence', o.name, 'contract', null, { detail });
    else if (o.kind === 'type' || o.kind === 'checked-domain') effect(ctx, 'drop-type', o.name, 'contract', null, { detail });
    else continue;
    if (o.kind === 'routine' || o.kind === 'sequence') {
      for (const u of ctx.schema.usesOf(o.name)) if (!inside.has(u.table)) dropUsersOne(ctx, o.name, u);
    } else {
      for (const c of ctx.schema.columnsOfType(o.name)) if (!inside.has(c.table)) effect(ctx, 'drop-column', `${c.table}.${part(c.column)}`, 'contract', AEL, { table: c.table, detail: { column: c.column, cascade: true, cascadeFrom: o.name } });
    }
  }
}

function dropUsersOne(ctx: Ctx, name: string, u: Use): void {
  if (u.kind === 'view') effect(ctx, 'drop-view', u.table, 'contract', AEL, { table: u.table, detail: { cascade: true, cascadeFrom: name } });
  else if (u.kind === 'default') effect(ctx, 'drop-default', `${u.table}.${part(u.column)}`, 'contract', AEL, { table: u.table, detail: { column: u.column, cascade: true, cascadeFrom: name } });
  else effect(ctx, 'drop-column', `${u.table}.${part(u.column)}`, 'contract', AEL, { table: u.table, detail: { column: u.column, cascade: true, cascadeFrom: name, subtype: 'generated' } });
}

/** The constraint an inline `REFERENCES` creates (named as PostgreSQL names it). */
function inlineForeignKey(ctx: Ctx, table: string, c: ColumnFacts): ConstraintInfo {
  return {
    name: `${table}_${c.name}_fkey`,
    type: 'foreign-key',
    valid: true,
    references: qualifyRef(ctx, c.references!),
    columns: [c.name],
    referencedColumns: c.referencesColumns ?? [],
    actions: c.referencesActions,
  };
}

/** Every known partition below `table`, partitions of partitions included. */
function allPartitions(ctx: Ctx, table: string): string[] {
  const out: string[] = [];
  const visit = (t: string) => {
    for (const p of ctx.schema.partitionsOf(t)) {
      if (out.includes(p)) continue;
      out.push(p);
      visit(p);
    }
  };
  visit(table);
  return out;
}

/** The lock `e` takes on its table, taken on `table` too (rewrites and scans included). */
function relatedLock(ctx: Ctx, e: Pick<AnalyzedEffect, 'lock' | 'rewrites' | 'scans'>, table: string, subtype: string, object = table): void {
  effect(ctx, 'related-lock', object, 'neutral', e.lock, { table, rewrites: e.rewrites, scans: e.scans, detail: { subtype } });
}

function qualifyRef(ctx: Ctx, ref: string): string {
  return ref.includes('.') ? ref : qualify(undefined, ref, ctx.session, ctx.schema);
}

const CONTYPES: Record<string, ConstraintType> = {
  CONSTR_CHECK: 'check',
  CONSTR_FOREIGN: 'foreign-key',
  CONSTR_UNIQUE: 'unique',
  CONSTR_PRIMARY: 'primary-key',
  CONSTR_EXCLUSION: 'exclusion',
  CONSTR_NOTNULL: 'not-null',
};

const NAME_SUFFIX: Record<ConstraintType, string> = {
  'primary-key': 'pkey',
  unique: 'key',
  'foreign-key': 'fkey',
  check: 'check',
  exclusion: 'excl',
  'not-null': 'not_null',
};

/**
 * The name PostgreSQL gives an unnamed constraint: `<table>_<columns>_<suffix>` (`_pkey` and
 * `_check` without columns here), numbered when the name is taken. Two unnamed foreign keys of
 * one table must not collapse into one, or the model loses the second one's referenced table.
 */
function defaultConstraintName(table: string, k: Node, taken: (name: string) => boolean): string {
  const type = CONTYPES[String(k.contype)];
  const suffix = type ? NAME_SUFFIX[type] : String(k.contype).toLowerCase();
  const columns = type === 'foreign-key' ? strings(k.fk_attrs as Node[]) : type === 'unique' || type === 'exclusion' ? strings(k.keys as Node[]) : [];
  const base = [table, ...columns, suffix].join('_');
  let name = base;
  for (let i = 1; taken(name); i++) name = `${base}${i}`;
  return name;
}

function constraintInfo(ctx: Ctx, k: Node, fallbackName: string): ConstraintInfo | undefined {
  const type = CONTYPES[String(k.contype)];
  if (!type) return undefined;
  if (type === 'foreign-key') {
    return {
      name: String(k.conname ?? fallbackName),
      type,
      valid: !k.skip_validation,
      references: rel(ctx, k.pktable),
      columns: strings(k.fk_attrs as Node[]),
      referencedColumns: strings(k.pk_attrs as Node[]),
      // ON DELETE CASCADE / SET NULL / SET DEFAULT do work the application relies on when it deletes.
      // ON UPDATE actions only matter when a referenced key changes, which applications rarely do.
      actions: k.fk_del_action === 'c' || k.fk_del_action === 'n' || k.fk_del_action === 'd',
    };
  }
  let notNullColumn: string | undefined;
  if (type === 'not-null') notNullColumn = strings(k.keys as Node[])[0];
  if (type === 'check') {
    const e = k.raw_expr as Node | undefined;
    const nt = e?.NullTest as Node | undefined;
    if (nt && nt.nulltesttype === 'IS_NOT_NULL') {
      const cr = (nt.arg as Node | undefined)?.ColumnRef as Node | undefined;
      const f = strings(cr?.fields as Node[]);
      if (f.length === 1) notNullColumn = f[0];
    }
  }
  const columns = type === 'primary-key' || type === 'unique' ? strings(k.keys as Node[]) : undefined;
  return { name: String(k.conname ?? fallbackName), type, valid: !k.skip_validation, notNullColumn, columns };
}

// ---- CREATE INDEX ------------------------------------------------------------------------

function createIndex(ctx: Ctx, n: Node): void {
  const table = rel(ctx, n.relation);
  const schemaName = table.split('.')[0];
  const idx = n.idxname ? `${schemaName}.${part(n.idxname)}` : `${table}(${indexCols(n)})`;
  const concurrently = Boolean(n.concurrent);
  // Index expressions and predicates are evaluated for every row while the index is built.
  calls(ctx, [n.indexParams, n.whereClause]);
  if (concurrently) ctx.cannotRunInTransaction = true;
  // libpg-query leaves `inh` out for `ON ONLY`.
  const only = (n.relation as Node).inh !== true;
  effect(ctx, 'create-index', idx, 'additive', concurrently ? SUE : SHR, {
    table,
    scans: !only || !ctx.schema.table(table),
    detail: { concurrently, unique: Boolean(n.unique), only, ifNotExists: Boolean(n.if_not_exists) },
  });
  if (!only) {
    // An index on a partitioned table is built on every partition.
    for (const p of allPartitions(ctx, table)) relatedLock(ctx, { lock: concurrently ? SUE : SHR, rewrites: false, scans: true }, p, 'partition');
  }
  ctx.mutations.push((m) => m.addIndex(table, idx, Boolean(n.unique)));
}

function indexCols(n: Node): string {
  return ((n.indexParams ?? []) as Node[])
    .map((p) => String(((p.IndexElem ?? {}) as Node).name ?? 'expr'))
    .join(', ');
}

// ---- DROP --------------------------------------------------------------------------------

function drop(ctx: Ctx, n: Node): void {
  const type = String(n.removeType);
  const cascade = n.behavior === 'DROP_CASCADE';
  const ifExists = Boolean(n.missing_ok);
  const detail = { cascade, ifExists };
  for (const o of (n.objects ?? []) as Node[]) {
    switch (type) {
      case 'OBJECT_TABLE':
      case 'OBJECT_FOREIGN_TABLE': {
        const name = objectName(ctx, o, type);
        effect(ctx, 'drop-table', name, 'contract', AEL, { table: name, detail });
        ctx.mutations.push((m) => m.dropTable(name));
        dropDependents(ctx, name, cascade);
        break;
      }
      case 'OBJECT_VIEW':
      case 'OBJECT_MATVIEW': {
        const name = objectName(ctx, o, type);
        effect(ctx, 'drop-view', name, 'contract', AEL, { table: name, detail: { ...detail, subtype: type === 'OBJECT_MATVIEW' ? 'materialized-view' : 'view' } });
        ctx.mutations.push((m) => m.dropTable(name));
        if (cascade) dropDependents(ctx, name, cascade);
        break;
      }
      case 'OBJECT_INDEX': {
        const name = objectName(ctx, o, type);
        const table = ctx.schema.indexTable(name);
        const concurrently = Boolean(n.concurrent);
        if (concurrently) ctx.cannotRunInTransaction = true;
        const e = effect(ctx, 'drop-index', name, 'neutral', concurrently ? SUE : AEL, { table: table ?? name, detail: { ...detail, concurrently } });
        if (!table) {
          // Unknown index: its table is unknown, so treat it as existing and large.
          e.detail.known = false;
          e.detail.newInFile = false;
        }
        // A UNIQUE index (or one bgmigrate does not know) may be what the old release's
        // `INSERT … ON CONFLICT` needs.
        const unique = ctx.schema.isUniqueIndex(name);
        if (unique !== false) effect(ctx, 'drop-unique-index', name, 'contract', null, { table: table ?? undefined, detail: { ...detail, known: unique !== undefined } });
        ctx.mutations.push((m) => m.dropIndex(name));
        break;
      }
      case 'OBJECT_FUNCTION':
      case 'OBJECT_PROCEDURE':
      case 'OBJECT_ROUTINE':
      case 'OBJECT_AGGREGATE': {
        const name = objectName(ctx, o, type);
        effect(ctx, 'drop-routine', name, 'contract', null, { detail: { ...detail, subtype: type } });
        ctx.mutations.push((m) => m.dropObject(name));
        if (cascade) dropUsers(ctx, name);
        if (cascade) {
          // CASCADE drops the triggers that call it (AccessExclusiveLock on their tables).
          for (const t of ctx.schema.triggersUsing(name)) {
            effect(ctx, 'drop-trigger', `${t.table}.${part(t.trigger)}`, 'neutral', AEL, { table: t.table, detail: { cascade, cascadeFrom: name } });
            ctx.mutations.push((m) => m.dropTrigger(t.table, t.trigger));
          }
        }
        break;
      }
      case 'OBJECT_TYPE':
      case 'OBJECT_DOMAIN': {
        const name = objectName(ctx, o, type);
        effect(ctx, 'drop-type', name, 'contract', null, { detail: { ...detail, subtype: type } });
        ctx.mutations.push((m) => m.dropObject(name));
        if (cascade) {
          // CASCADE drops every column of the type.
          for (const c of ctx.schema.columnsOfType(name)) {
            effect(ctx, 'drop-column', `${c.table}.${part(c.column)}`, 'contract', AEL, { table: c.table, detail: { column: c.column, cascade, cascadeFrom: name } });
            ctx.mutations.push((m) => m.dropColumn(c.table, c.column));
          }
        }
        break;
      }
      case 'OBJECT_SEQUENCE': {
        const name = objectName(ctx, o, type);
        effect(ctx, 'drop-sequence', name, 'contract', null, { detail });
        ctx.mutations.push((m) => m.dropObject(name));
        if (cascade) dropUsers(ctx, name);
        break;
      }
      case 'OBJECT_SCHEMA': {
        const name = objectName(ctx, o, type);
        effect(ctx, 'drop-schema', name, 'contract', null, { detail });
        if (cascade) dropSchemaContents(ctx, name);
        ctx.mutations.push((m) => m.dropSchema(name));
        break;
      }
      case 'OBJECT_TRIGGER':
      case 'OBJECT_POLICY':
      case 'OBJECT_RULE': {
        const items = strings(((o.List ?? {}) as Node).items as Node[]);
        const objName = items.pop() ?? '?';
        const table = items.length > 1 ? items.join('.') : qualify(undefined, items[0] ?? '?', ctx.session, ctx.schema);
        const kind: EffectKind = type === 'OBJECT_TRIGGER' ? 'drop-trigger' : type === 'OBJECT_POLICY' ? 'drop-policy' : 'neutral-ddl';
        effect(ctx, kind, `${table}.${part(objName)}`, 'neutral', AEL, { table, detail: type === 'OBJECT_RULE' ? { ...detail, subtype: 'drop-rule' } : detail });
        if (type === 'OBJECT_POLICY') effect(ctx, 'row-security', table, 'neutral', AEL, { table, detail: { subtype: 'dropped policy', value: objName } });
        if (type === 'OBJECT_TRIGGER') ctx.mutations.push((m) => m.dropTrigger(table, objName));
        break;
      }
      case 'OBJECT_EXTENSION':
        // Its types, functions and operators go with it, whatever the old release uses of them.
        effect(ctx, 'drop-extension', objectName(ctx, o, type), 'contract', null, { detail });
        break;
      case 'OBJECT_STATISTIC_EXT':
      case 'OBJECT_EVENT_TRIGGER':
      case 'OBJECT_PUBLICATION':
      case 'OBJECT_SUBSCRIPTION':
      case 'OBJECT_TABLESPACE':
        effect(ctx, 'neutral-ddl', objectName(ctx, o, type), 'neutral', null, { detail: { ...detail, subtype: `drop ${type}` } });
        break;
      default:
        // Operators, casts, collations, text search objects, languages, servers…: the old
        // release's queries may use any of them.
        effect(ctx, 'drop-object', objectName(ctx, o, type), 'contract', null, { detail: { ...detail, subtype: type.replace('OBJECT_', '').toLowerCase().replace(/_/g, ' ') } });
    }
  }
}

// ---- RENAME ------------------------------------------------------------------------------

function rename(ctx: Ctx, n: Node): void {
  const type = String(n.renameType);
  const newName = String(n.newname);
  switch (type) {
    case 'OBJECT_TABLE':
    case 'OBJECT_FOREIGN_TABLE': {
      const name = rel(ctx, n.relation);
      const to = `${name.split('.')[0]}.${part(newName)}`;
      effect(ctx, 'rename-table', name, 'contract', AEL, { table: name, detail: { newName: to } });
      ctx.mutations.push((m) => m.renameTable(name, to));
      return;
    }
    case 'OBJECT_COLUMN': {
      const table = rel(ctx, n.relation);
      const col = String(n.subname);
      const isView = n.relationType === 'OBJECT_VIEW' || n.relationType === 'OBJECT_MATVIEW';
      effect(ctx, isView ? 'rename-view' : 'rename-column', `${table}.${part(col)}`, 'contract', AEL, { table, detail: { column: col, newName } });
      ctx.mutations.push((m) => m.renameColumn(table, col, newName));
      return;
    }
    case 'OBJECT_VIEW':
    case 'OBJECT_MATVIEW': {
      const name = rel(ctx, n.relation);
      const to = `${name.split('.')[0]}.${part(newName)}`;
      effect(ctx, 'rename-view', name, 'contract', AEL, { table: name, detail: { newName: to } });
      ctx.mutations.push((m) => m.renameTable(name, to));
      return;
    }
    case 'OBJECT_INDEX': {
      const name = rel(ctx, n.relation);
      const to = `${name.split('.')[0]}.${part(newName)}`;
      effect(ctx, 'rename-index', name, 'neutral', null, { detail: { newName: to } });
      ctx.mutations.push((m) => m.renameIndex(name, to));
      return;
    }
    case 'OBJECT_SEQUENCE': {
      const name = rel(ctx, n.relation);
      const to = `${name.split('.')[0]}.${part(newName)}`;
      effect(ctx, 'rename-sequence', name, 'contract', null, { detail: { newName: to } });
      ctx.mutations.push((m) => m.renameObject(name, to, 'sequence'));
      return;
    }
    case 'OBJECT_TABCONSTRAINT':
    case 'OBJECT_DOMCONSTRAINT': {
      const table = n.relation ? rel(ctx, n.relation) : objectName(ctx, n.object as Node, type);
      effect(ctx, 'rename-constraint', `${table}.${part(n.subname)}`, 'neutral', n.relation ? AEL : null, { table: n.relation ? table : undefined, detail: { newName } });
      return;
    }
    case 'OBJECT_TRIGGER': {
      const table = rel(ctx, n.relation);
      effect(ctx, 'alter-trigger', `${table}.${part(n.subname)}`, 'neutral', AEL, { table, detail: { newName, subtype: 'rename' } });
      return;
    }
    case 'OBJECT_FUNCTION':
    case 'OBJECT_PROCEDURE':
    case 'OBJECT_ROUTINE':
    case 'OBJECT_AGGREGATE': {
      const name = objectName(ctx, n.object as Node, type);
      const to = `${name.split('.')[0]}.${part(newName)}`;
      effect(ctx, 'rename-routine', name, 'contract', null, { detail: { newName: to } });
      ctx.mutations.push((m) => m.renameObject(name, to, 'routine'));
      return;
    }
    case 'OBJECT_TYPE':
    case 'OBJECT_DOMAIN': {
      const name = objectName(ctx, n.object as Node, type);
      const to = `${name.split('.')[0]}.${part(newName)}`;
      effect(ctx, 'rename-type', name, 'contract', null, { detail: { newName: to } });
      ctx.mutations.push((m) => m.renameObject(name, to, 'type'));
      return;
    }
    case 'OBJECT_SCHEMA':
      effect(ctx, 'rename-schema', String(n.subname), 'contract', null, { detail: { newName } });
      return;
    case 'OBJECT_ATTRIBUTE':
      effect(ctx, 'rename-type', `${rel(ctx, n.relation)}.${part(n.subname)}`, 'contract', null, { detail: { newName, subtype: 'attribute' } });
      return;
    case 'OBJECT_POLICY':
    case 'OBJECT_RULE': {
      const table = rel(ctx, n.relation);
      effect(ctx, 'neutral-ddl', `${table}.${part(n.subname)}`, 'neutral', AEL, { table, detail: { newName, subtype: `rename ${type}` } });
      return;
    }
    case 'OBJECT_ROLE':
      effect(ctx, 'change-role', `role ${n.subname}`, 'neutral', null, { detail: { newName, subtype: 'rename' } });
      return;
    case 'OBJECT_DATABASE':
      effect(ctx, 'change-database', `database ${n.subname}`, 'neutral', null, { detail: { newName, subtype: 'rename' } });
      return;
    case 'OBJECT_TABLESPACE':
    case 'OBJECT_EVENT_TRIGGER':
    case 'OBJECT_PUBLICATION':
    case 'OBJECT_SUBSCRIPTION':
    case 'OBJECT_STATISTIC_EXT':
      effect(ctx, 'neutral-ddl', String(n.subname ?? type), 'neutral', null, { detail: { newName, subtype: `rename ${type}` } });
      return;
    default: {
      // Collations, conversions, text search objects, operator classes, languages, servers…:
      // the old release may name them.
      const name = n.object ? objectName(ctx, n.object as Node, type) : String(n.subname ?? type);
      effect(ctx, 'rename-other', name, 'contract', null, { detail: { newName, subtype: type.replace('OBJECT_', '').toLowerCase().replace(/_/g, ' ') } });
    }
  }
}

// ---- ALTER TABLE -------------------------------------------------------------------------

function alterTable(ctx: Ctx, n: Node): void {
  const objtype = String(n.objtype ?? 'OBJECT_TABLE');
  const table = rel(ctx, n.relation);
  if (objtype === 'OBJECT_INDEX') {
    for (const c of (n.cmds ?? []) as Node[]) {
      const cmd = (c.AlterTableCmd ?? {}) as Node;
      const sub = String(cmd.subtype);
      const owner = ctx.schema.indexTable(table);
      // Storage parameters of an index lock the index alone (measured), not its table.
      const lock = sub === 'AT_AttachPartition' ? SUE : sub === 'AT_SetRelOptions' || sub === 'AT_ResetRelOptions' ? null : AEL;
      effect(ctx, 'alter-index', table, 'neutral', lock, { table: owner ?? table, detail: { subtype: sub } });
    }
    return;
  }
  if (objtype === 'OBJECT_SEQUENCE') {
    effect(ctx, 'alter-sequence', table, 'neutral', null);
    return;
  }
  if (objtype === 'OBJECT_VIEW' || objtype === 'OBJECT_MATVIEW') {
    effect(ctx, 'neutral-ddl', table, 'neutral', AEL, { table, detail: { subtype: objtype } });
    return;
  }
  if (objtype === 'OBJECT_TYPE') {
    // ADD ATTRIBUTE adds; DROP ATTRIBUTE and ALTER ATTRIBUTE … TYPE change what the old release reads.
    for (const c of (n.cmds ?? []) as Node[]) {
      const cmd = (c.AlterTableCmd ?? {}) as Node;
      const sub = String(cmd.subtype);
      if (sub === 'AT_DropColumn' || sub === 'AT_AlterColumnType') {
        effect(ctx, 'alter-type-attribute', `${table}.${part(cmd.name)}`, 'contract', null, { detail: { subtype: sub === 'AT_DropColumn' ? 'drop' : 'type', column: String(cmd.name) } });
      } else {
        effect(ctx, 'alter-type', table, 'neutral', null, { detail: { subtype: sub } });
      }
    }
    return;
  }
  const first = ctx.effects.length;
  for (const c of (n.cmds ?? []) as Node[]) alterTableCmd(ctx, table, (c.AlterTableCmd ?? {}) as Node);
  if ((n.relation as Node).inh !== true) return;
  // ALTER TABLE on a partitioned table recurses to every partition (ONLY stops it).
  const parts = allPartitions(ctx, table);
  if (parts.length === 0) return;
  const own = ctx.effects.slice(first).filter((e) => e.table === table && e.lock !== null && !NO_RECURSION.has(e.kind));
  for (const e of own) for (const p of parts) relatedLock(ctx, e, p, 'partition');
}

const NO_RECURSION: ReadonlySet<EffectKind> = new Set(['attach-partition', 'detach-partition', 'related-lock', 'rename-table', 'set-schema']);

function alterTableCmd(ctx: Ctx, table: string, cmd: Node): void {
  const sub = String(cmd.subtype);
  const col = cmd.name !== undefined ? String(cmd.name) : undefined;
  const colObj = `${table}.${part(col)}`;
  const def = (cmd.def ?? {}) as Node;
  switch (sub) {
    case 'AT_AddColumn':
    case 'AT_AddColumnToView': {
      const cd = (def.ColumnDef ?? {}) as Node;
      const f = columnFacts(cd, ctx.pgVersion);
      // A default calling a routine whose volatility is not known is treated as volatile: the
      // server evaluates it per row (a rewrite) unless it is declared STABLE or IMMUTABLE.
      if (f.default !== undefined) f.default = resolvedDefault(ctx, cd) ?? f.default;
      const baseType = f.type.replace(/\[\]$/, '');
      const domain = baseType.includes('.') ? baseType : qualify(undefined, baseType, ctx.session, ctx.schema);
      if (ctx.schema.object(domain)?.kind === 'checked-domain') f.domainWithCheck = true;
      const volatileDefault = f.default === 'volatile' || (f.default !== undefined && ctx.pgVersion < 11);
      const rewrites = volatileDefault || f.serial || f.identity || f.generated === 'stored' || Boolean(f.domainWithCheck);
      const scans = rewrites || f.check || f.unique || f.primaryKey;
      // ADD COLUMN IF NOT EXISTS of a column the model already has does nothing; on a table the
      // migrations did not create (its columns are not all known) the column may exist already.
      const alreadyExists = Boolean(cmd.missing_ok) && ctx.schema.column(table, f.name) !== undefined;
      const t = ctx.schema.table(table);
      const mayExist = Boolean(cmd.missing_ok) && (t?.createdIn === undefined || Boolean(t.mayHaveExisted));
      effect(ctx, 'add-column', `${table}.${part(f.name)}`, alreadyExists ? 'neutral' : 'additive', AEL, {
        table,
        rewrites: rewrites && !alreadyExists,
        scans: scans && !alreadyExists,
        detail: { column: f.name, columnFacts: f, ifNotExists: Boolean(cmd.missing_ok), alreadyExists },
      });
      if (f.references) {
        const r = qualifyRef(ctx, f.references);
        effect(ctx, 'add-constraint', `${table}.${part(f.name)}`, 'additive', SRE, { table: r, detail: { constraintType: 'foreign-key', referencedTable: r, subtype: 'referenced' } });
      }
      const fk = f.references && !alreadyExists ? inlineForeignKey(ctx, table.split('.').pop()!, f) : undefined;
      if (!alreadyExists) {
        recordColumnUses(ctx, table, cd);
        ctx.mutations.push((m) => {
          m.setColumn(table, { name: f.name, type: f.type, notNull: f.notNull, hasDefault: f.default !== undefined || f.serial || f.identity }, mayExist);
          if (fk) m.addConstraint(table, fk);
        });
      }
      return;
    }
    case 'AT_DropColumn':
      effect(ctx, 'drop-column', colObj, 'contract', AEL, {
        table,
        detail: { column: col, cascade: cmd.behavior === 'DROP_CASCADE', ifExists: Boolean(cmd.missing_ok), usedByViews: ctx.schema.viewsUsing(table, col!) },
      });
      // CASCADE drops the views that read the column.
      if (cmd.behavior === 'DROP_CASCADE') {
        for (const view of ctx.schema.viewsUsing(table, col!)) {
          effect(ctx, 'drop-view', view, 'contract', AEL, { table: view, detail: { cascade: true, cascadeFrom: colObj } });
          ctx.mutations.push((m) => m.dropTable(view));
          dropDependents(ctx, view, true);
        }
      }
      // A column in a foreign key takes the key (and its triggers on the referenced table) with it.
      for (const fk of ctx.schema.foreignKeysOf(table, col)) {
        if (fk.references && fk.references !== table) relatedLock(ctx, { lock: AEL, rewrites: false, scans: false }, fk.references, 'referenced-table');
      }
      ctx.mutations.push((m) => m.dropColumn(table, col!));
      return;
    case 'AT_AlterColumnType': {
      const cd = (def.ColumnDef ?? {}) as Node;
      const tf = typeFacts(cd.typeName as Node);
      const oldType = ctx.schema.columnType(table, col!);
      // `USING col` (or `USING col::newtype`) is the conversion PostgreSQL does without USING.
      const using = cd.raw_default !== undefined && !isPlainUsing(cd.raw_default as Node, col!, tf.type);
      // The USING expression runs once per row: the routines it calls run with it.
      if (using) calls(ctx, cd.raw_default);
      const collate = cd.collClause !== undefined;
      const metadataOnly = !using && !collate && isMetadataOnlyTypeChange(oldType, tf.type);
      // Only the column's indexes are rebuilt (the table is not): a collation change of the
      // same type, and timestamp → timestamptz under a UTC session on PostgreSQL ≥ 12.
      const indexOnly =
        !using &&
        oldType !== undefined &&
        ((collate && oldType === tf.type) || (oldType === 'timestamp' && tf.type === 'timestamptz' && ctx.pgVersion >= 12 && isUtc(ctx.session.timeZone)));
      effect(ctx, 'change-column-type', colObj, metadataOnly ? 'additive' : 'contract', AEL, {
        table,
        rewrites: !metadataOnly && !indexOnly,
        scans: !metadataOnly,
        detail: { column: col, oldType, newType: tf.type, using, collate, usedByViews: ctx.schema.viewsUsing(table, col!) },
      });
      // Foreign keys pointing at the column are rebuilt: AccessExclusiveLock on their tables.
      if (!metadataOnly) {
        for (const r of ctx.schema.referencing(table, col)) relatedLock(ctx, { lock: AEL, rewrites: false, scans: false }, r.table, 'referencing-table');
      }
      // This column's own foreign keys are re-created even when the type does not change (measured
      // by trace: `ALTER COLUMN fk TYPE int` on an int column): AccessExclusiveLock on the referenced table.
      for (const fk of ctx.schema.foreignKeysOf(table, col)) {
        if (fk.references && fk.references !== table) relatedLock(ctx, { lock: AEL, rewrites: false, scans: false }, fk.references, 'referenced-table');
      }
      ctx.mutations.push((m) => m.updateColumn(table, col!, { type: tf.type }));
      return;
    }
    case 'AT_SetNotNull': {
      const proven = ctx.pgVersion >= 12 && ctx.schema.hasValidNotNullCheck(table, col!);
      effect(ctx, 'set-not-null', colObj, 'contract', AEL, { table, scans: !proven, detail: { column: col, provenByCheck: proven } });
      ctx.mutations.push((m) => m.updateColumn(table, col!, { notNull: true }));
      return;
    }
    case 'AT_DropNotNull':
      effect(ctx, 'drop-not-null', colObj, 'additive', AEL, { table, detail: { column: col } });
      ctx.mutations.push((m) => m.updateColumn(table, col!, { notNull: false }));
      return;
    case 'AT_ColumnDefault':
      // SET DEFAULT NULL drops the default as surely as DROP DEFAULT.
      if (cmd.def === undefined || isNullConst(cmd.def as Node)) {
        effect(ctx, 'drop-default', colObj, 'contract', AEL, { table, detail: { column: col } });
        ctx.mutations.push((m) => {
          m.updateColumn(table, col!, { hasDefault: false });
          m.setUses({ kind: 'default', table, column: col! }, []);
        });
      } else {
        effect(ctx, 'set-default', colObj, 'additive', AEL, { table, detail: { column: col } });
        const uses = usedNames(ctx, cmd.def);
        ctx.mutations.push((m) => {
          m.updateColumn(table, col!, { hasDefault: true });
          m.setUses({ kind: 'default', table, column: col! }, uses);
        });
      }
      return;
    case 'AT_AddIdentity':
    case 'AT_SetIdentity':
      effect(ctx, 'add-identity', colObj, 'neutral', AEL, { table, detail: { column: col, subtype: sub } });
      return;
    case 'AT_DropIdentity':
      // The column loses the value the old release's inserts relied on: a dropped default.
      effect(ctx, 'drop-default', colObj, 'contract', AEL, { table, detail: { column: col, subtype: 'identity' } });
      ctx.mutations.push((m) => m.updateColumn(table, col!, { hasDefault: false }));
      return;
    case 'AT_SetStatistics':
    case 'AT_SetOptions':
    case 'AT_ResetOptions':
      effect(ctx, 'alter-column', colObj, 'neutral', SUE, { table, detail: { column: col, subtype: sub } });
      return;
    case 'AT_SetStorage':
    case 'AT_SetCompression':
    case 'AT_SetExpression':
    case 'AT_DropExpression':
    case 'AT_AlterColumnGenericOptions':
      effect(ctx, 'alter-column', colObj, 'neutral', AEL, { table, rewrites: sub === 'AT_SetExpression', scans: sub === 'AT_SetExpression', detail: { column: col, subtype: sub } });
      return;
    case 'AT_AddConstraint':
      return addConstraint(ctx, table, (def.Constraint ?? {}) as Node);
    case 'AT_ValidateConstraint': {
      const name = String(cmd.name);
      effect(ctx, 'validate-constraint', `${table}.${part(name)}`, 'additive', SUE, { table, scans: true, detail: { constraintName: name, constraintType: ctx.schema.table(table)?.constraints.get(name)?.type } });
      ctx.mutations.push((m) => m.validateConstraint(table, name));
      return;
    }
    case 'AT_DropConstraint': {
      const name = String(cmd.name);
      const known = ctx.schema.table(table)?.constraints.get(name);
      // What the old release may rely on: a primary key or unique constraint (ON CONFLICT needs
      // it), an exclusion constraint, a foreign key's ON DELETE/UPDATE action. A plain foreign key
      // or CHECK only loosens what is accepted. An unknown constraint may be any of these.
      const relied = known === undefined || known.type === 'primary-key' || known.type === 'unique' || known.type === 'exclusion' || Boolean(known.actions);
      effect(ctx, 'drop-constraint', `${table}.${part(name)}`, relied ? 'contract' : 'neutral', AEL, {
        table,
        detail: { constraintName: name, constraintType: known?.type, cascade: cmd.behavior === 'DROP_CASCADE', ifExists: Boolean(cmd.missing_ok) },
      });
      // Dropping a foreign key drops its triggers on the referenced table too.
      if (known?.references && known.references !== table) relatedLock(ctx, { lock: AEL, rewrites: false, scans: false }, known.references, 'referenced-table');
      ctx.mutations.push((m) => m.dropConstraint(table, name));
      return;
    }
    case 'AT_AlterConstraint': {
      const ac = (def.ATAlterConstraint ?? def.Constraint) as Node | undefined;
      const name = String(ac?.conname ?? '?');
      effect(ctx, 'alter-constraint', `${table}.${part(name)}`, 'neutral', AEL, { table, detail: { constraintName: name, subtype: sub } });
      return;
    }
    case 'AT_SetLogged':
    case 'AT_SetUnLogged':
      effect(ctx, 'set-persistence', table, 'neutral', AEL, { table, rewrites: true, scans: true, detail: { subtype: sub === 'AT_SetLogged' ? 'logged' : 'unlogged' } });
      return;
    case 'AT_SetAccessMethod':
      effect(ctx, 'set-access-method', table, 'neutral', AEL, { table, rewrites: true, scans: true, detail: { value: String(cmd.name ?? '') } });
      return;
    case 'AT_SetTableSpace':
      effect(ctx, 'set-tablespace', table, 'neutral', AEL, { table, rewrites: true, scans: true, detail: { value: String(cmd.name ?? '') } });
      return;
    case 'AT_SetRelOptions':
    case 'AT_ResetRelOptions':
    case 'AT_ReplaceRelOptions':
      effect(ctx, 'set-storage-params', table, 'neutral', SUE, { table, detail: { subtype: sub } });
      return;
    case 'AT_AttachPartition': {
      const part = rel(ctx, (def.PartitionCmd as Node).name);
      effect(ctx, 'attach-partition', part, 'additive', SUE, { table, detail: { subtype: 'parent' } });
      effect(ctx, 'attach-partition', part, 'additive', AEL, { table: part, scans: true, detail: { subtype: 'partition' } });
      ctx.mutations.push((m) => m.addPartition(table, part));
      return;
    }
    case 'AT_DetachPartition':
    case 'AT_DetachPartitionFinalize': {
      const pc = (def.PartitionCmd ?? {}) as Node;
      const part = rel(ctx, pc.name);
      const concurrently = Boolean(pc.concurrent) || sub === 'AT_DetachPartitionFinalize';
      if (concurrently) ctx.cannotRunInTransaction = true;
      effect(ctx, 'detach-partition', part, 'neutral', concurrently ? SUE : AEL, { table, detail: { concurrently, subtype: sub } });
      if (!concurrently) relatedLock(ctx, { lock: AEL, rewrites: false, scans: false }, part, 'partition');
      ctx.mutations.push((m) => m.removePartition(table, part));
      return;
    }
    case 'AT_EnableTrig':
    case 'AT_DisableTrig':
    case 'AT_EnableAlwaysTrig':
    case 'AT_EnableReplicaTrig':
    case 'AT_EnableTrigAll':
    case 'AT_DisableTrigAll':
    case 'AT_EnableTrigUser':
    case 'AT_DisableTrigUser':
      effect(ctx, 'alter-trigger', `${table}.${part(cmd.name ?? 'all')}`, 'neutral', SRE, { table, detail: { subtype: sub } });
      return;
    case 'AT_EnableRowSecurity':
    case 'AT_ForceRowSecurity':
      // From now on the old release sees only the rows some policy grants it: often none.
      effect(ctx, 'row-security', table, 'neutral', AEL, { table, detail: { subtype: sub === 'AT_EnableRowSecurity' ? 'enable' : 'force' } });
      return;
    case 'AT_ChangeOwner':
    case 'AT_DisableRowSecurity':
    case 'AT_NoForceRowSecurity':
    case 'AT_ReplicaIdentity':
    case 'AT_AddInherit':
    case 'AT_DropInherit':
    case 'AT_AddOf':
    case 'AT_DropOf':
    case 'AT_EnableRule':
    case 'AT_DisableRule':
    case 'AT_EnableAlwaysRule':
    case 'AT_EnableReplicaRule':
    case 'AT_GenericOptions':
    case 'AT_ClusterOn':
    case 'AT_DropCluster':
      effect(ctx, 'alter-table', table, 'neutral', sub === 'AT_ClusterOn' || sub === 'AT_DropCluster' ? SUE : AEL, { table, detail: { subtype: sub } });
      return;
    default:
      effect(ctx, 'unknown', table, 'neutral', AEL, { table, detail: { nodeKind: `AlterTableStmt ${sub}`, subtype: sub } });
  }
}

function addConstraint(ctx: Ctx, table: string, k: Node): void {
  const type = CONTYPES[String(k.contype)];
  const name = k.conname !== undefined ? String(k.conname) : undefined;
  const object = `${table}.${part(name ?? type ?? 'constraint')}`;
  const notValid = Boolean(k.skip_validation);
  // A CHECK is evaluated for every existing row unless NOT VALID: the routines it calls run too.
  if (type === 'check' && !notValid) calls(ctx, k.raw_expr);
  const usingIndex = k.indexname !== undefined;
  const detail: EffectDetail = { constraintType: type, constraintName: name, notValid, usingIndex };
  switch (type) {
    case 'foreign-key': {
      const ref = rel(ctx, k.pktable);
      detail.referencedTable = ref;
      effect(ctx, 'add-constraint', object, 'additive', SRE, { table, scans: !notValid, detail });
      if (ref !== table) effect(ctx, 'add-constraint', object, 'additive', SRE, { table: ref, detail: { ...detail, subtype: 'referenced' } });
      break;
    }
    case 'check':
    case 'not-null':
      effect(ctx, 'add-constraint', object, 'additive', AEL, { table, scans: !notValid, detail });
      break;
    case 'unique':
    case 'primary-key':
      effect(ctx, 'add-constraint', object, 'additive', AEL, {
        table,
        scans: !usingIndex || type === 'primary-key',
        detail,
      });
      break;
    case 'exclusion':
      effect(ctx, 'add-constraint', object, 'additive', AEL, { table, scans: true, detail });
      break;
    default:
      effect(ctx, 'unknown', object, 'neutral', AEL, { table, detail: { ...detail, nodeKind: `Constraint ${k.contype}` } });
      return;
  }
  const info = constraintInfo(ctx, k, defaultConstraintName(table.split('.').pop()!, k, (n) => ctx.schema.table(table)?.constraints.has(n) ?? false));
  if (info) {
    ctx.mutations.push((m) => {
      m.addConstraint(table, info);
      if (type === 'primary-key') for (const c of strings(k.keys as Node[])) m.updateColumn(table, c, { notNull: true });
      if (info.notNullColumn && type === 'not-null' && info.valid) m.updateColumn(table, info.notNullColumn, { notNull: true });
    });
  }
}
