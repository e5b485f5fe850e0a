/**
 * Row security: CREATE / ALTER / DROP POLICY and ENABLE / FORCE ROW LEVEL SECURITY, each also a
 * `row-security` effect (which rows the old release sees or may write changes under it).
 */
import { part } from '../../object-name.js';
import { AEL, effect, onTable, rel, type Ctx, type DropOptions, type Node, type TableCommand } from './context.js';
import type { ParsedStatement } from '../../parse/statements.js';

/** CREATE POLICY and ALTER POLICY. */
export function createPolicy(ctx: Ctx, n: Node, stmt: ParsedStatement): void {
  const table = rel(ctx, n.table);
  const kind = stmt.kind === 'CreatePolicyStmt' ? 'create-policy' : 'alter-policy';
  effect(ctx, kind, `${table}.${part(n.policy_name)}`, 'neutral', AEL, { table, detail: { subtype: n.permissive === false ? 'restrictive' : 'permissive' } });
  // Which rows the old release sees or may write changes under it.
  effect(ctx, 'row-security', table, 'neutral', AEL, { table, detail: { subtype: kind === 'create-policy' ? (n.permissive === false ? 'restrictive policy' : 'new policy') : 'altered policy', value: String(n.policy_name) } });
}

/** ENABLE / FORCE ROW LEVEL SECURITY. */
export function rowSecurity(ctx: Ctx, table: string, { sub }: TableCommand): void {
  // From now on the old release sees only the rows some policy grants it: often none.
  effect(ctx, 'row-security', table, 'neutral', AEL, { table, detail: { subtype: sub === 'AT_EnableRowSecurity' ? 'enable' : 'force' } });
}

export function dropPolicy(ctx: Ctx, o: Node, { detail }: DropOptions): void {
  const { table, name } = onTable(ctx, o);
  effect(ctx, 'drop-policy', `${table}.${part(name)}`, 'neutral', AEL, { table, detail });
  effect(ctx, 'row-security', table, 'neutral', AEL, { table, detail: { subtype: 'dropped policy', value: name } });
}
