/**
 * Cluster-wide objects shared with the running release: ALTER / DROP / RENAME DATABASE, and
 * ALTER SYSTEM, CREATE DATABASE, tablespaces and subscriptions (none can run in a transaction).
 */
import { effect, type Ctx, type Node } from './context.js';
import type { ParsedStatement } from '../../parse/statements.js';

/** ALTER DATABASE (… SET) and DROP DATABASE. */
export function alterDatabase(ctx: Ctx, n: Node, stmt: ParsedStatement): void {
  if (stmt.kind !== 'AlterDatabaseSetStmt') ctx.cannotRunInTransaction = true;
  // A database's settings and limits apply to the running release's connections too.
  const harmless = stmt.kind === 'AlterDatabaseStmt' && ((n.options ?? []) as Node[]).every((o) => (o.DefElem as Node | undefined)?.defname === 'tablespace');
  effect(ctx, 'change-database', `database ${String(n.dbname ?? '?')}`, 'neutral', null, { detail: { subtype: harmless ? 'harmless' : stmt.kind } });
}

/** ALTER SYSTEM, CREATE DATABASE, CREATE / DROP TABLESPACE and SUBSCRIPTION. */
export function serverWide(ctx: Ctx, n: Node, stmt: ParsedStatement): void {
  ctx.cannotRunInTransaction = true;
  if (stmt.kind === 'AlterSystemStmt') {
    // The server's configuration: every session of the running release gets it at the next reload.
    const set = (n.setstmt ?? {}) as Node;
    effect(ctx, 'change-database', `server setting ${String(set.name ?? 'all')}`, 'neutral', null, { detail: { subtype: stmt.kind } });
    return;
  }
  effect(ctx, 'neutral-ddl', String(n.dbname ?? stmt.kind), 'neutral', null, { detail: { subtype: stmt.kind } });
}

export function renameDatabase(ctx: Ctx, n: Node, type: string, newName: string): void {
  effect(ctx, 'change-database', `database ${n.subname}`, 'neutral', null, { detail: { newName, subtype: 'rename' } });
}
