/**
 * Syntax that libpg-query (PostgreSQL 18's parser) accepts but an older target server rejects:
 * reported as `parse-error`, because the target's parser would refuse the migration.
 */
import type { ParsedStatement } from '../parse/statements.js';

type Node = Record<string, unknown>;

/** Why `stmt` cannot run on PostgreSQL `pgVersion`, or undefined. */
export function versionProblem(stmt: ParsedStatement, pgVersion: number): string | undefined {
  const need = (feature: string, major: number) =>
    pgVersion < major ? `${feature} needs PostgreSQL ${major} or later (target is ${pgVersion})` : undefined;
  const n = stmt.node;
  switch (stmt.kind) {
    case 'AlterTableStmt':
      for (const c of (n.cmds ?? []) as Node[]) {
        const cmd = (c.AlterTableCmd ?? {}) as Node;
        const def = (cmd.def ?? {}) as Node;
        const con = def.Constraint as Node | undefined;
        if (cmd.subtype === 'AT_AddConstraint' && con?.contype === 'CONSTR_NOTNULL') return need('ADD CONSTRAINT … NOT NULL', 18);
        if (cmd.subtype === 'AT_AddColumn' && virtualColumn(def.ColumnDef as Node | undefined)) return need('a VIRTUAL generated column (GENERATED … AS without STORED)', 18);
        if (cmd.subtype === 'AT_SetAccessMethod') return need('SET ACCESS METHOD', 15);
        if (cmd.subtype === 'AT_DetachPartition' && (def.PartitionCmd as Node | undefined)?.concurrent) return need('DETACH PARTITION … CONCURRENTLY', 14);
        if (cmd.subtype === 'AT_DetachPartitionFinalize') return need('DETACH PARTITION … FINALIZE', 14);
      }
      return undefined;
    case 'CreateStmt':
      for (const e of (n.tableElts ?? []) as Node[]) if (virtualColumn(e.ColumnDef as Node | undefined)) return need('a VIRTUAL generated column (GENERATED … AS without STORED)', 18);
      return undefined;
    case 'ReindexStmt':
      return ((n.params ?? []) as Node[]).some((d) => (d.DefElem as Node | undefined)?.defname === 'concurrently')
        ? need('REINDEX CONCURRENTLY', 12)
        : undefined;
    case 'MergeStmt':
      return need('MERGE', 15);
    default:
      return undefined;
  }
}

function virtualColumn(def: Node | undefined): boolean {
  return ((def?.constraints ?? []) as Node[]).some((c) => {
    const k = (c.Constraint ?? {}) as Node;
    // Without STORED or VIRTUAL, PostgreSQL 18 makes it virtual and older servers refuse it.
    return k.contype === 'CONSTR_GENERATED' && k.generated_kind !== 's';
  });
}
