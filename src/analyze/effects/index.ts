/**
 * Statements → effects. Every statement becomes one or more effects on named objects, each with
 * its class (additive / contract / neutral), the table lock it takes, and whether it rewrites or
 * scans. Locks follow the PostgreSQL 18.4 measurements that `bgmigrate trace` checks (test/trace/cases.ts)
 * (Appendix A). Fail closed: what is not understood becomes an `unknown` effect.
 *
 * One file per statement family holds both what its statements do and what they change in the
 * schema model. The tables below say which: `HANDLERS` by parse-node kind, `DROPS` and `RENAMES`
 * by object type, `ALTER_TABLE_COMMANDS` by ALTER TABLE subcommand. A kind no table lists is an
 * `unknown` effect. Handlers are function declarations: the family files import `classify` from
 * here (nested statements), and hoisting lets these tables refer to them while that cycle loads.
 */
import type { ParsedStatement } from '../../parse/statements.js';
import { part } from '../../object-name.js';
import type { SchemaModel, SchemaView } from '../schema.js';
import type { SessionState } from '../session.js';
import { addColumn, alterColumnOptions, alterColumnStorage, alterColumnType, alterIdentity, columnDefault, dropColumn, dropIdentity, dropNotNull, renameColumn, setNotNull } from './column.js';
import { addConstraint, alterConstraint, dropConstraint, renameConstraint, validateConstraint } from './constraint.js';
import { AEL, effect, unknown, type CommandHandler, type Ctx, type DropHandler, type DropOptions, type Node, type RenameHandler, type StatementHandler } from './context.js';
import { alterDatabase, renameDatabase, serverWide } from './database.js';
import { copy, insert, lockTable, merge, select, updateOrDelete } from './dml.js';
import { alterExtension, createExtension, dropExtension } from './extension.js';
import { createIndex, dropIndex, reindex, renameIndex } from './indexes.js';
import type { AnalyzedEffect } from './kinds.js';
import { cluster, vacuum } from './maintenance.js';
import { createSchema, dropSchema, renameSchema, setSchema } from './namespace.js';
import { comment, dropNeutral, dropOther, neutralDdl, renameNeutral, renameOnTable, renameOther } from './other.js';
import { createPolicy, dropPolicy, rowSecurity } from './policy.js';
import { alterOwner, alterRole, changeOwner, createRole, defaultPrivileges, dropOwned, grant, grantRole, reassignOwned, renameRole } from './privilege.js';
import { alterRoutine, callRoutine, createRoutine, doBlock, dropRoutine, dynamicExecute, renameRoutine } from './routine.js';
import { alterSequenceStmt, createSequence, dropSequence, renameSequence } from './sequence.js';
import { discard, execute, prepare, sessionCalls, sessionOnly, setVariable, transaction } from './session.js';
import { alterTable, alterTableOther, attachPartition, changeInheritance, createForeignTable, createTable, createTableAs, detachPartition, dropTable, moveAllTablespace, renameTable, setAccessMethod, setPersistence, setStorageParams, setTablespace, truncate } from './table.js';
import { createRule, createTrigger, dropRule, dropTrigger, enableTrigger, renameTrigger } from './trigger.js';
import { alterDomain, alterEnum, createType, defineType, dropType, renameAttribute, renameType } from './type.js';
import { createView, dropView, refreshMatview, renameView } from './view.js';

export { EFFECT_KINDS, type AnalyzedEffect, type ColumnFacts, type DefaultKind, type EffectDetail, type EffectKind } from './kinds.js';
export { columnFacts } from './column.js';

/** Result of analysing one statement. */
export interface StatementAnalysis {
  effects: AnalyzedEffect[];
  cannotRunInTransaction: boolean;
  /** Session state after the statement. */
  session: SessionState;
  /** Changes to the schema model, applied in order after the statement. */
  mutations: ((model: SchemaModel) => void)[];
}

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

/** Records the effects of one statement (or of a statement nested in it) on `ctx`. */
export function classify(stmt: ParsedStatement, ctx: Ctx): void {
  const handler = lookup(HANDLERS, stmt.kind);
  if (handler) handler(ctx, stmt.node, stmt);
  else unknown(ctx, stmt.kind, stmt.node);
}

/** A table's entry for `key`, never one inherited from `Object.prototype`. */
function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Each statement node kind bgmigrate understands, and the family handling it. */
const HANDLERS: Readonly<Record<string, StatementHandler>> = {
  // tables (./table.ts)
  CreateStmt: createTable,
  CreateTableAsStmt: createTableAs,
  CreateForeignTableStmt: createForeignTable,
  AlterTableStmt: alterTable,
  AlterTableMoveAllStmt: moveAllTablespace,
  TruncateStmt: truncate,
  // any object: DROPS and RENAMES below
  DropStmt: drop,
  RenameStmt: rename,
  // views (./view.ts)
  ViewStmt: createView,
  RefreshMatViewStmt: refreshMatview,
  // indexes (./indexes.ts)
  IndexStmt: createIndex,
  ReindexStmt: reindex,
  // routines (./routine.ts)
  CreateFunctionStmt: createRoutine,
  AlterFunctionStmt: alterRoutine,
  CallStmt: callRoutine,
  DoStmt: doBlock,
  DynamicExecute: dynamicExecute,
  // triggers and rewrite rules (./trigger.ts)
  CreateTrigStmt: createTrigger,
  RuleStmt: createRule,
  // types and domains (./type.ts)
  CreateEnumStmt: createType,
  CompositeTypeStmt: createType,
  CreateRangeStmt: createType,
  CreateDomainStmt: createType,
  DefineStmt: defineType,
  AlterEnumStmt: alterEnum,
  AlterDomainStmt: alterDomain,
  // sequences (./sequence.ts)
  CreateSeqStmt: createSequence,
  AlterSeqStmt: alterSequenceStmt,
  // schemas (./namespace.ts)
  CreateSchemaStmt: createSchema,
  AlterObjectSchemaStmt: setSchema,
  // extensions (./extension.ts)
  CreateExtensionStmt: createExtension,
  AlterExtensionStmt: alterExtension,
  AlterExtensionContentsStmt: alterExtension,
  // row security (./policy.ts)
  CreatePolicyStmt: createPolicy,
  AlterPolicyStmt: createPolicy,
  // data (./dml.ts)
  InsertStmt: insert,
  UpdateStmt: updateOrDelete,
  DeleteStmt: updateOrDelete,
  MergeStmt: merge,
  SelectStmt: select,
  CopyStmt: copy,
  LockStmt: lockTable,
  // session (./session.ts)
  VariableSetStmt: setVariable,
  VariableShowStmt: sessionOnly,
  ExplainStmt: sessionOnly,
  DeallocateStmt: sessionOnly,
  NotifyStmt: sessionOnly,
  ListenStmt: sessionOnly,
  UnlistenStmt: sessionOnly,
  CheckPointStmt: sessionOnly,
  LoadStmt: sessionOnly,
  DiscardStmt: discard,
  TransactionStmt: transaction,
  PrepareStmt: prepare,
  ExecuteStmt: execute,
  // privileges and roles (./privilege.ts)
  GrantStmt: grant,
  AlterDefaultPrivilegesStmt: defaultPrivileges,
  GrantRoleStmt: grantRole,
  CreateRoleStmt: createRole,
  AlterRoleStmt: alterRole,
  AlterRoleSetStmt: alterRole,
  DropRoleStmt: alterRole,
  DropOwnedStmt: dropOwned,
  // databases and the server (./database.ts)
  AlterDatabaseStmt: alterDatabase,
  AlterDatabaseSetStmt: alterDatabase,
  DropdbStmt: alterDatabase,
  AlterSystemStmt: serverWide,
  CreatedbStmt: serverWide,
  CreateTableSpaceStmt: serverWide,
  DropTableSpaceStmt: serverWide,
  CreateSubscriptionStmt: serverWide,
  DropSubscriptionStmt: serverWide,
  // maintenance (./maintenance.ts)
  VacuumStmt: vacuum,
  ClusterStmt: cluster,
  // the rest (./other.ts)
  CommentStmt: comment,
  AlterOwnerStmt: alterOwner,
  CreateStatsStmt: neutralDdl,
  AlterStatsStmt: neutralDdl,
  CreateCastStmt: neutralDdl,
  CreateOpClassStmt: neutralDdl,
  CreateConversionStmt: neutralDdl,
  CreateEventTrigStmt: neutralDdl,
  AlterEventTrigStmt: neutralDdl,
  CreatePublicationStmt: neutralDdl,
  AlterPublicationStmt: neutralDdl,
  AlterSubscriptionStmt: neutralDdl,
  CreateForeignServerStmt: neutralDdl,
  CreateFdwStmt: neutralDdl,
  CreateUserMappingStmt: neutralDdl,
  ImportForeignSchemaStmt: neutralDdl,
  SecLabelStmt: neutralDdl,
  AlterCollationStmt: neutralDdl,
  AlterTSConfigurationStmt: neutralDdl,
  AlterTSDictionaryStmt: neutralDdl,
  ReassignOwnedStmt: reassignOwned,
};

/** DROP: each object it names, by the handler of its type (`dropOther`: a contract effect). */
function drop(ctx: Ctx, n: Node): void {
  const type = String(n.removeType);
  const cascade = n.behavior === 'DROP_CASCADE';
  const options: DropOptions = { type, cascade, concurrently: Boolean(n.concurrent), detail: { cascade, ifExists: Boolean(n.missing_ok) } };
  const handler = lookup(DROPS, type) ?? dropOther;
  for (const o of (n.objects ?? []) as Node[]) handler(ctx, o, options);
}

const DROPS: Readonly<Record<string, DropHandler>> = {
  OBJECT_TABLE: dropTable,
  OBJECT_FOREIGN_TABLE: dropTable,
  OBJECT_VIEW: dropView,
  OBJECT_MATVIEW: dropView,
  OBJECT_INDEX: dropIndex,
  OBJECT_FUNCTION: dropRoutine,
  OBJECT_PROCEDURE: dropRoutine,
  OBJECT_ROUTINE: dropRoutine,
  OBJECT_AGGREGATE: dropRoutine,
  OBJECT_TYPE: dropType,
  OBJECT_DOMAIN: dropType,
  OBJECT_SEQUENCE: dropSequence,
  OBJECT_SCHEMA: dropSchema,
  OBJECT_TRIGGER: dropTrigger,
  OBJECT_RULE: dropRule,
  OBJECT_POLICY: dropPolicy,
  OBJECT_EXTENSION: dropExtension,
  OBJECT_STATISTIC_EXT: dropNeutral,
  OBJECT_EVENT_TRIGGER: dropNeutral,
  OBJECT_PUBLICATION: dropNeutral,
  OBJECT_SUBSCRIPTION: dropNeutral,
  OBJECT_TABLESPACE: dropNeutral,
};

/** RENAME, by the handler of the object's type (`renameOther`: a contract effect). */
function rename(ctx: Ctx, n: Node): void {
  const type = String(n.renameType);
  (lookup(RENAMES, type) ?? renameOther)(ctx, n, type, String(n.newname));
}

const RENAMES: Readonly<Record<string, RenameHandler>> = {
  OBJECT_TABLE: renameTable,
  OBJECT_FOREIGN_TABLE: renameTable,
  OBJECT_COLUMN: renameColumn,
  OBJECT_VIEW: renameView,
  OBJECT_MATVIEW: renameView,
  OBJECT_INDEX: renameIndex,
  OBJECT_SEQUENCE: renameSequence,
  OBJECT_TABCONSTRAINT: renameConstraint,
  OBJECT_DOMCONSTRAINT: renameConstraint,
  OBJECT_TRIGGER: renameTrigger,
  OBJECT_FUNCTION: renameRoutine,
  OBJECT_PROCEDURE: renameRoutine,
  OBJECT_ROUTINE: renameRoutine,
  OBJECT_AGGREGATE: renameRoutine,
  OBJECT_TYPE: renameType,
  OBJECT_DOMAIN: renameType,
  OBJECT_ATTRIBUTE: renameAttribute,
  OBJECT_SCHEMA: renameSchema,
  OBJECT_POLICY: renameOnTable,
  OBJECT_RULE: renameOnTable,
  OBJECT_ROLE: renameRole,
  OBJECT_DATABASE: renameDatabase,
  OBJECT_TABLESPACE: renameNeutral,
  OBJECT_EVENT_TRIGGER: renameNeutral,
  OBJECT_PUBLICATION: renameNeutral,
  OBJECT_SUBSCRIPTION: renameNeutral,
  OBJECT_STATISTIC_EXT: renameNeutral,
};

/** One ALTER TABLE subcommand on `table` (called by `alterTable` in ./table.ts), by its handler. */
export function alterTableCommand(ctx: Ctx, table: string, cmd: Node, objtype: string): void {
  const sub = String(cmd.subtype);
  const col = cmd.name !== undefined ? String(cmd.name) : undefined;
  const handler = lookup(ALTER_TABLE_COMMANDS, sub);
  if (handler) handler(ctx, table, { objtype, cmd, sub, col, colObj: `${table}.${part(col)}`, def: (cmd.def ?? {}) as Node });
  else effect(ctx, 'unknown', table, 'neutral', AEL, { table, detail: { nodeKind: `AlterTableStmt ${sub}`, subtype: sub } });
}

const ALTER_TABLE_COMMANDS: Readonly<Record<string, CommandHandler>> = {
  // columns (./column.ts)
  AT_AddColumn: addColumn,
  AT_AddColumnToView: addColumn,
  AT_DropColumn: dropColumn,
  AT_AlterColumnType: alterColumnType,
  AT_SetNotNull: setNotNull,
  AT_DropNotNull: dropNotNull,
  AT_ColumnDefault: columnDefault,
  AT_AddIdentity: alterIdentity,
  AT_SetIdentity: alterIdentity,
  AT_DropIdentity: dropIdentity,
  AT_SetStatistics: alterColumnOptions,
  AT_SetOptions: alterColumnOptions,
  AT_ResetOptions: alterColumnOptions,
  AT_SetStorage: alterColumnStorage,
  AT_SetCompression: alterColumnStorage,
  AT_SetExpression: alterColumnStorage,
  AT_DropExpression: alterColumnStorage,
  AT_AlterColumnGenericOptions: alterColumnStorage,
  // constraints (./constraint.ts)
  AT_AddConstraint: addConstraint,
  AT_ValidateConstraint: validateConstraint,
  AT_DropConstraint: dropConstraint,
  AT_AlterConstraint: alterConstraint,
  // the table itself (./table.ts)
  AT_SetLogged: setPersistence,
  AT_SetUnLogged: setPersistence,
  AT_SetAccessMethod: setAccessMethod,
  AT_SetTableSpace: setTablespace,
  AT_SetRelOptions: setStorageParams,
  AT_ResetRelOptions: setStorageParams,
  AT_ReplaceRelOptions: setStorageParams,
  AT_AttachPartition: attachPartition,
  AT_DetachPartition: detachPartition,
  AT_DetachPartitionFinalize: detachPartition,
  AT_ChangeOwner: changeOwner,
  AT_DisableRowSecurity: alterTableOther,
  AT_NoForceRowSecurity: alterTableOther,
  AT_ReplicaIdentity: alterTableOther,
  AT_AddInherit: changeInheritance,
  AT_DropInherit: changeInheritance,
  AT_AddOf: alterTableOther,
  AT_DropOf: alterTableOther,
  AT_EnableRule: alterTableOther,
  AT_DisableRule: alterTableOther,
  AT_EnableAlwaysRule: alterTableOther,
  AT_EnableReplicaRule: alterTableOther,
  AT_GenericOptions: alterTableOther,
  AT_ClusterOn: alterTableOther,
  AT_DropCluster: alterTableOther,
  // triggers (./trigger.ts)
  AT_EnableTrig: enableTrigger,
  AT_DisableTrig: enableTrigger,
  AT_EnableAlwaysTrig: enableTrigger,
  AT_EnableReplicaTrig: enableTrigger,
  AT_EnableTrigAll: enableTrigger,
  AT_DisableTrigAll: enableTrigger,
  AT_EnableTrigUser: enableTrigger,
  AT_DisableTrigUser: enableTrigger,
  // row security (./policy.ts)
  AT_EnableRowSecurity: rowSecurity,
  AT_ForceRowSecurity: rowSecurity,
};
