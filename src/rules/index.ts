/**
 * The rule registry: a plain list. Add a rule by importing its file and appending it.
 * The order here is the order of the generated docs within each category.
 */
import type { Rule } from './rule.js';

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
  // errors
  addRequiredColumn,
  phaseMismatch,
  parseError,
  // hygiene
  emptyMigration,
  // lock, hygiene and limit rules from "lint-rules":
];

/** Every rule id users may name in config and suppressions. */
export const RULE_IDS: readonly string[] = RULES.map((r) => r.id);
