import { defineRule } from './support/rule.js';

/** A short name for the statement PostgreSQL refuses to run in a transaction block. */
const NAMES: Record<string, string> = {
  IndexStmt: 'CREATE INDEX CONCURRENTLY',
  DropStmt: 'DROP INDEX CONCURRENTLY',
  ReindexStmt: 'REINDEX',
  VacuumStmt: 'VACUUM',
  AlterTableStmt: 'DETACH PARTITION CONCURRENTLY',
  AlterEnumStmt: 'ALTER TYPE … ADD VALUE',
  ClusterStmt: 'CLUSTER',
  CreatedbStmt: 'CREATE DATABASE',
  DropdbStmt: 'DROP DATABASE',
  AlterSystemStmt: 'ALTER SYSTEM',
  CreateTableSpaceStmt: 'CREATE TABLESPACE',
  DropTableSpaceStmt: 'DROP TABLESPACE',
};

/** CONCURRENTLY statements and VACUUM where PostgreSQL will find a transaction block around them. */
export default defineRule({
  id: 'concurrently-in-transaction',
  category: 'lock',
  defaultLevel: 'error',
  summary:
    'A `CONCURRENTLY` statement (or `VACUUM`) inside an explicit transaction block, or in a migration the ' +
    'runner would wrap in one transaction together with other statements',
  why:
    'PostgreSQL refuses CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY, DETACH PARTITION CONCURRENTLY ' +
    'and VACUUM inside a transaction block, so the deploy fails midway, after the statements before it ' +
    'have run. A DO block is always one transaction.',
  help:
    'Put each such statement in a migration of its own, or mark the migration `-- bgmigrate: no-transaction` ' +
    'so the runner applies it statement by statement; never wrap it in BEGIN … COMMIT.',
  versionNotes:
    '`ALTER TYPE … ADD VALUE` also cannot run in a transaction block before PostgreSQL 12, and is judged the same way there.',
  check(ctx) {
    const s = ctx.statement;
    if (!s.cannotRunInTransaction) return;
    const name = NAMES[s.kind] ?? s.kind.replace(/Stmt$/, '');
    const object = ctx.effects.find((e) => e.kind !== 'unknown')?.object;
    if (s.inDoBlock) {
      return { object, message: `${name} inside a DO block: a DO block is one transaction, and PostgreSQL refuses it there` };
    }
    if (s.inTransactionBlock) {
      return {
        object,
        message: `${name} inside an explicit BEGIN … COMMIT transaction block: PostgreSQL refuses it and the migration fails midway`,
      };
    }
    if (ctx.file.directives.noTransaction) return;
    const others = ctx.file.statements.filter(
      (o) => !o.inDoBlock && o.index !== s.index && o.kind !== 'TransactionStmt',
    ).length;
    if (others === 0) return;
    return {
      object,
      message: `${name} shares its migration with ${others} other statement${others === 1 ? '' : 's'} and no \`-- bgmigrate: no-transaction\` directive: a runner that wraps the file in one transaction fails on it, and bgmigrate can only run the file statement by statement, not atomically`,
    };
  },
});
