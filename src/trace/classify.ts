/**
 * Decides how trace may run a statement without changing the target: inside its rolled-back
 * transaction, on a throwaway database, not at all (skipped), or never (refused).
 */
import { quoteIdent } from '../db/sql.js';
import { parseSql, scanSql } from '../parse/parser.js';

/** How trace handles one statement. */
export type Handling =
  /**
   * Runs inside trace's transaction on the target; rolled back at the end. `shared`: it changes
   * what all databases of the server share (roles, database settings, shared-object privileges),
   * so on a copy too it runs in a transaction that is rolled back at once, never committed.
   */
  | { kind: 'transaction'; shared?: string }
  /**
   * Cannot run in a transaction block but acts only on the current database: runs on a
   * throwaway database. `transactionalForm` is the same statement without CONCURRENTLY, replayed
   * in the target's transaction so later statements see its objects (null: nothing to replay).
   */
  | { kind: 'throwaway'; what: string; transactionalForm: string | null }
  /** Not executed; the note says why. */
  | { kind: 'skip'; note: string }
  /** Acts on the whole server or outside the database; trace never runs it. */
  | { kind: 'refuse'; what: string };

export interface Classified {
  /** libpg-query node type (`AlterTableStmt`), or `Unknown` when the text does not parse. */
  nodeType: string;
  handling: Handling;
}

type Node = Record<string, unknown>;

function defNames(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((item) => String(((item as Node).DefElem as Node | undefined)?.defname ?? ''));
}

/** The text without its CONCURRENTLY keyword (located by PostgreSQL's own scanner). */
function withoutConcurrently(text: string): string | null {
  const bytes = Buffer.from(text, 'utf8');
  const token = scanSql(text)?.find((t) => t.text.toUpperCase() === 'CONCURRENTLY');
  if (!token) return null;
  return Buffer.concat([bytes.subarray(0, token.start), bytes.subarray(token.end)]).toString('utf8');
}

/**
 * Classifies one statement, from the parse tree the linter kept (`tree`), else by parsing its
 * text (call `loadParser()`, src/parse/parser.ts, first). Text that does not parse is run in the
 * transaction: PostgreSQL will reject it there, which is what trace should report.
 */
export function classifyStatement(text: string, tree?: { kind: string; node: Node }): Classified {
  let nodeType: string;
  let node: Node;
  if (tree) {
    ({ kind: nodeType, node } = tree);
  } else {
    const parsed = parseSql(text);
    if ('error' in parsed) return { nodeType: 'Unknown', handling: { kind: 'transaction' } };
    const stmt = parsed.stmts[0]?.stmt as Node | undefined;
    if (!stmt) return { nodeType: 'Empty', handling: { kind: 'skip', note: 'empty statement' } };
    nodeType = Object.keys(stmt)[0] ?? 'Unknown';
    node = (stmt[nodeType] ?? {}) as Node;
  }
  const at = (handling: Handling): Classified => ({ nodeType, handling });

  switch (nodeType) {
    case 'TransactionStmt':
      return at({ kind: 'skip', note: 'transaction control is not executed: trace runs everything in its own transaction' });
    case 'CopyStmt':
      return at({ kind: 'skip', note: 'COPY is not executed: it reads or writes outside the database' });
    case 'CreatedbStmt':
      return at({ kind: 'refuse', what: 'CREATE DATABASE' });
    case 'DropdbStmt':
      return at({ kind: 'refuse', what: 'DROP DATABASE' });
    case 'AlterSystemStmt':
      return at({ kind: 'refuse', what: 'ALTER SYSTEM' });
    case 'CreateTableSpaceStmt':
      return at({ kind: 'refuse', what: 'CREATE TABLESPACE' });
    case 'DropTableSpaceStmt':
      return at({ kind: 'refuse', what: 'DROP TABLESPACE' });
    case 'CreateSubscriptionStmt':
    case 'AlterSubscriptionStmt':
    case 'DropSubscriptionStmt':
      return at({ kind: 'refuse', what: 'a SUBSCRIPTION command' });
    case 'AlterDatabaseStmt':
      return defNames(node.options).includes('tablespace')
        ? at({ kind: 'refuse', what: 'ALTER DATABASE … SET TABLESPACE' })
        : at({ kind: 'transaction', shared: 'ALTER DATABASE' });
    case 'AlterDatabaseSetStmt':
    case 'AlterDatabaseRefreshCollStmt':
      return at({ kind: 'transaction', shared: 'ALTER DATABASE' });
    case 'CreateRoleStmt':
      return at({ kind: 'transaction', shared: 'CREATE ROLE' });
    case 'AlterRoleStmt':
    case 'AlterRoleSetStmt':
      return at({ kind: 'transaction', shared: 'ALTER ROLE' });
    case 'DropRoleStmt':
      return at({ kind: 'transaction', shared: 'DROP ROLE' });
    case 'GrantRoleStmt':
      return at({ kind: 'transaction', shared: node.is_grant ? 'GRANT role' : 'REVOKE role' });
    case 'ReassignOwnedStmt':
    case 'DropOwnedStmt':
      return at({ kind: 'transaction', shared: nodeType === 'DropOwnedStmt' ? 'DROP OWNED' : 'REASSIGN OWNED' });
    case 'RenameStmt':
    case 'CommentStmt':
    case 'SecLabelStmt':
    case 'AlterOwnerStmt': {
      const objectType = String(node.renameType ?? node.objtype ?? node.objectType ?? '');
      return ['OBJECT_ROLE', 'OBJECT_DATABASE', 'OBJECT_TABLESPACE'].includes(objectType)
        ? at({ kind: 'transaction', shared: `${nodeType.replace('Stmt', '')} on a ${objectType.replace('OBJECT_', '').toLowerCase()}` })
        : at({ kind: 'transaction' });
    }
    case 'GrantStmt':
      return ['OBJECT_DATABASE', 'OBJECT_TABLESPACE', 'OBJECT_PARAMETER_ACL'].includes(String(node.objtype))
        ? at({ kind: 'transaction', shared: `${node.is_grant ? 'GRANT' : 'REVOKE'} on a ${String(node.objtype).replace('OBJECT_', '').toLowerCase()}` })
        : at({ kind: 'transaction' });
    case 'VacuumStmt':
      return node.is_vacuumcmd === true
        ? at({ kind: 'throwaway', what: 'VACUUM', transactionalForm: null })
        : at({ kind: 'transaction' }); // ANALYZE runs in a transaction
    case 'IndexStmt':
      return node.concurrent === true
        ? at({ kind: 'throwaway', what: 'CREATE INDEX CONCURRENTLY', transactionalForm: withoutConcurrently(text) })
        : at({ kind: 'transaction' });
    case 'DropStmt':
      return node.concurrent === true
        ? at({ kind: 'throwaway', what: 'DROP INDEX CONCURRENTLY', transactionalForm: withoutConcurrently(text) })
        : at({ kind: 'transaction' });
    case 'ReindexStmt': {
      const concurrent = defNames(node.params).includes('concurrently');
      const wide = node.kind === 'REINDEX_OBJECT_SYSTEM' || node.kind === 'REINDEX_OBJECT_DATABASE' || node.kind === 'REINDEX_OBJECT_SCHEMA';
      return concurrent || wide
        ? at({ kind: 'throwaway', what: concurrent ? 'REINDEX CONCURRENTLY' : 'REINDEX SCHEMA/DATABASE/SYSTEM', transactionalForm: null })
        : at({ kind: 'transaction' });
    }
    case 'ClusterStmt':
      return node.relation === undefined
        ? at({ kind: 'throwaway', what: 'CLUSTER of every table', transactionalForm: null })
        : at({ kind: 'transaction' });
    case 'AlterTableStmt': {
      const cmds = Array.isArray(node.cmds) ? (node.cmds as Node[]) : [];
      const detach = cmds.some((c) => {
        const cmd = c.AlterTableCmd as Node | undefined;
        const part = (cmd?.def as Node | undefined)?.PartitionCmd as Node | undefined;
        return cmd?.subtype === 'AT_DetachPartition' && part?.concurrent === true;
      });
      return detach
        ? at({ kind: 'throwaway', what: 'DETACH PARTITION CONCURRENTLY', transactionalForm: withoutConcurrently(text) })
        : at({ kind: 'transaction' });
    }
    default:
      return at({ kind: 'transaction' });
  }
}


/**
 * Every relation a statement names (tables, indexes, views), quoted for `to_regclass`: the
 * throwaway sampler holds ACCESS SHARE on them so the statement waits where it would in
 * production.
 */
export function relationNames(text: string, parsed?: { kind: string; node: Node }): string[] {
  let tree: unknown = parsed ? { [parsed.kind]: parsed.node } : undefined;
  if (!tree) {
    const parsed = parseSql(text);
    if ('error' in parsed) return [];
    tree = parsed.stmts[0]?.stmt;
  }
  const out = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item);
      return;
    }
    if (!value || typeof value !== 'object') return;
    const node = value as Node;
    if (typeof node.relname === 'string') {
      out.add((typeof node.schemaname === 'string' ? quoteIdent(node.schemaname) + '.' : '') + quoteIdent(node.relname));
    }
    const drop = node.DropStmt as Node | undefined;
    if (drop && Array.isArray(drop.objects)) {
      for (const object of drop.objects as Node[]) {
        const items = ((object.List as Node | undefined)?.items ?? []) as Node[];
        const parts = items.map((i) => (i.String as Node | undefined)?.sval).filter((s): s is string => typeof s === 'string');
        if (parts.length) out.add(parts.map(quoteIdent).join('.'));
      }
    }
    for (const child of Object.values(node)) walk(child);
  };
  walk(tree);
  return [...out];
}
