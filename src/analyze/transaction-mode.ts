/**
 * Which statements PostgreSQL refuses to run inside a transaction block. This decides, before
 * any statement is analysed, whether the runner wraps a migration in one transaction (see
 * `runnerWrapsInTransaction` in src/lint.ts): that in turn decides what `SET LOCAL`, `COMMIT`
 * and `ROLLBACK` do to the session. It depends on the statement alone, never on the schema.
 */
type Node = Record<string, unknown>;

const ALWAYS_OUTSIDE = new Set([
  'VacuumStmt', // VACUUM (ANALYZE alone may run in a transaction: see below)
  'CreatedbStmt',
  'DropdbStmt',
  'AlterDatabaseStmt',
  'AlterSystemStmt',
  'CreateTableSpaceStmt',
  'DropTableSpaceStmt',
  'CreateSubscriptionStmt',
  'DropSubscriptionStmt',
]);

/** PostgreSQL refuses to run this statement inside a transaction block. */
export function cannotRunInTransaction(kind: string, node: Node, pgVersion: number): boolean {
  if (ALWAYS_OUTSIDE.has(kind)) return kind !== 'VacuumStmt' || Boolean(node.is_vacuumcmd);
  switch (kind) {
    case 'IndexStmt':
      return Boolean(node.concurrent);
    case 'DropStmt':
      return Boolean(node.concurrent);
    case 'ReindexStmt': {
      const k = String(node.kind ?? '');
      return hasOption(node.params, 'concurrently') || k === 'REINDEX_OBJECT_SCHEMA' || k === 'REINDEX_OBJECT_DATABASE' || k === 'REINDEX_OBJECT_SYSTEM';
    }
    case 'AlterTableStmt':
      return ((node.cmds ?? []) as Node[]).some((c) => {
        const cmd = (c.AlterTableCmd ?? {}) as Node;
        if (cmd.subtype === 'AT_DetachPartitionFinalize') return true;
        return cmd.subtype === 'AT_DetachPartition' && Boolean(((cmd.def as Node | undefined)?.PartitionCmd as Node | undefined)?.concurrent);
      });
    case 'AlterEnumStmt':
      return node.oldVal === undefined && pgVersion < 12;
    case 'ClusterStmt':
      return !node.relation;
    default:
      return false;
  }
}

/** A `DefElem` option is present and not switched off (`(CONCURRENTLY false)`, `FULL off`, `FULL 0`). */
export function hasOption(list: unknown, name: string): boolean {
  for (const d of (list ?? []) as Node[]) {
    const def = d.DefElem as Node | undefined;
    if (def?.defname !== name) continue;
    return !isOff(def.arg as Node | undefined);
  }
  return false;
}

function isOff(arg: Node | undefined): boolean {
  if (!arg) return false;
  const c = (arg.A_Const ?? arg) as Node;
  const b = c.boolval as Node | undefined;
  if (b) return b.boolval !== true;
  const i = (c.ival ?? arg.Integer) as Node | undefined;
  if (i) return Number(i.ival ?? 0) === 0;
  const s = (c.sval as Node | undefined)?.sval ?? (arg.String as Node | undefined)?.sval;
  if (typeof s === 'string') return ['false', 'off', 'no', '0', 'f', 'n'].includes(s.toLowerCase());
  return false;
}
