/**
 * The rule registry: a plain list. Add a rule by importing its file and appending it, and add
 * its id to src/rules/ids.ts. The order here is the order of the generated docs within each category.
 */
import { GATE_RULE_IDS, RULE_CATEGORIES, RULE_IDS } from './ids.js';
import dropExtension from './drop-extension.js';
import setLockTimeout from './set-lock-timeout.js';
import commitInBlock from './commit-in-block.js';
import unnamedConcurrentIndex from './unnamed-concurrent-index.js';
import dropUniqueIndex from './drop-unique-index.js';
import dropObject from './drop-object.js';
import dropConstraint from './drop-constraint.js';
import alterTypeAttribute from './alter-type-attribute.js';
import tightenDomain from './tighten-domain.js';
import revokePrivilege from './revoke-privilege.js';
import deleteAllRows from './delete-all-rows.js';
import lockTable from './lock-table.js';
import longStatementUnderLock from './long-statement-under-lock.js';
import { alterSequence, changeDatabase, changeInheritance, changeRole, createRule, disableTriggerAll, dropOwned, enableRowSecurity, terminateBackend } from './forbidden.js';
import type { Rule } from './support/rule.js';

import addRequiredColumn from './add-required-column.js';
import changeColumnType from './change-column-type.js';
import dropColumn from './drop-column.js';
import dropDefault from './drop-default.js';
import dropRoutine from './drop-routine.js';
import dropSchema from './drop-schema.js';
import dropSequence from './drop-sequence.js';
import dropTable from './drop-table.js';
import dropType from './drop-type.js';
import dropView from './drop-view.js';
import emptyMigration from './empty-migration.js';
import parseError from './parse-error.js';
import phaseMismatch from './phase-mismatch.js';
import renameColumn from './rename-column.js';
import renameObject from './rename-object.js';
import renameTable from './rename-table.js';
import setNotNull from './set-not-null.js';
import truncateTable from './truncate-table.js';

// Lock, hygiene and analysis-limit rules (helper "lint-rules") are appended below.
import banChar from './ban-char.js';
import concurrentlyInTransaction from './concurrently-in-transaction.js';
import constraintNotValid from './constraint-not-valid.js';
import defaultPartitionScan from './default-partition-scan.js';
import validateDomainConstraint from './validate-domain-constraint.js';
import detachPartitionNotConcurrent from './detach-partition-not-concurrent.js';
import dropIndexNotConcurrent from './drop-index-not-concurrent.js';
import dynamicSql from './dynamic-sql.js';
import indexNotConcurrent from './index-not-concurrent.js';
import missingLockTimeout from './missing-lock-timeout.js';
import preferBigint from './prefer-bigint.js';
import preferIdentity from './prefer-identity.js';
import preferText from './prefer-text.js';
import preferTimestamptz from './prefer-timestamptz.js';
import refreshMatviewNotConcurrent from './refresh-matview-not-concurrent.js';
import reindexNotConcurrent from './reindex-not-concurrent.js';
import tableRewrite from './table-rewrite.js';
import transactionControl from './transaction-control.js';
import unbatchedDml from './unbatched-dml.js';
import backfillShape from './backfill-shape.js';
import uniqueWithoutIndex from './unique-without-index.js';
import unknownEffect from './unknown-effect.js';

/** Every rule, with its metadata. */
export const RULES: readonly Rule[] = [
  // contract
  dropTable,
  dropColumn,
  dropSchema,
  dropView,
  dropRoutine,
  dropType,
  dropSequence,
  renameTable,
  renameColumn,
  renameObject,
  changeColumnType,
  truncateTable,
  setNotNull,
  dropDefault,
  dropExtension,
  dropConstraint,
  alterTypeAttribute,
  tightenDomain,
  revokePrivilege,
  deleteAllRows,
  dropUniqueIndex,
  dropObject,
  // errors
  addRequiredColumn,
  phaseMismatch,
  parseError,
  transactionControl,
  enableRowSecurity,
  createRule,
  dropOwned,
  changeRole,
  changeDatabase,
  terminateBackend,
  alterSequence,
  changeInheritance,
  disableTriggerAll,
  commitInBlock,
  unnamedConcurrentIndex,
  // hygiene
  emptyMigration,
  // lock, hygiene and limit rules from "lint-rules":
  indexNotConcurrent,
  dropIndexNotConcurrent,
  reindexNotConcurrent,
  constraintNotValid,
  uniqueWithoutIndex,
  tableRewrite,
  refreshMatviewNotConcurrent,
  detachPartitionNotConcurrent,
  defaultPartitionScan,
  validateDomainConstraint,
  concurrentlyInTransaction,
  lockTable,
  longStatementUnderLock,
  unbatchedDml,
  backfillShape,
  missingLockTimeout,
  setLockTimeout,
  preferBigint,
  preferIdentity,
  preferTimestamptz,
  preferText,
  banChar,
  dynamicSql,
  unknownEffect,
];

export { GATE_RULE_IDS, RULE_IDS };

// src/rules/ids.ts lists the ids for code that must not load the rules: the same, in the same order.
if (RULES.length !== RULE_CATEGORIES.size || RULES.some((r, i) => RULE_IDS[i] !== r.id || RULE_CATEGORIES.get(r.id) !== r.category)) {
  throw new Error('src/rules/ids.ts does not list the rules of src/rules/index.ts in their order and categories: update it');
}
