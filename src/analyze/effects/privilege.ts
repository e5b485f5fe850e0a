/**
 * Privileges and roles, shared with the running release: GRANT / REVOKE (a revoke may take what
 * the old release's role needs), ALTER DEFAULT PRIVILEGES, role membership, CREATE / ALTER /
 * DROP / RENAME ROLE and DROP OWNED.
 */
import { AEL, effect, objectName, rel, type Ctx, type Node, type TableCommand } from './context.js';
import type { ParsedStatement } from '../../parse/statements.js';

/** GRANT and REVOKE of privileges on objects. */
export function grant(ctx: Ctx, n: Node): void {
  const objs = ((n.objects ?? []) as Node[]).map((o) => (o.RangeVar ? rel(ctx, o) : objectName(ctx, o, String(n.objtype))));
  if (n.is_grant) {
    effect(ctx, 'grant', objs.join(', ') || String(n.objtype), 'neutral', null);
    return;
  }
  // The running release may be the role losing the privilege.
  if (objs.length === 0) effect(ctx, 'revoke', `${String(n.objtype).replace('OBJECT_', '').toLowerCase()} (all in schema)`, 'contract', null, { detail: { subtype: 'all-in-schema' } });
  for (const o of objs) effect(ctx, 'revoke', o, 'contract', null, { detail: { subtype: String(n.objtype) } });
}

export function defaultPrivileges(ctx: Ctx, n: Node, stmt: ParsedStatement): void {
  const action = (n.action ?? {}) as Node;
  if (action.is_grant) effect(ctx, 'grant', 'default privileges', 'neutral', null, { detail: { subtype: stmt.kind } });
  else effect(ctx, 'revoke', 'default privileges', 'contract', null, { detail: { subtype: 'default-privileges' } });
}

/** GRANT / REVOKE of role membership. */
export function grantRole(ctx: Ctx, n: Node): void {
  const roles = ((n.granted_roles ?? []) as Node[]).map((r) => String((r.AccessPriv as Node | undefined)?.priv_name ?? '?'));
  if (n.is_grant) effect(ctx, 'grant', roles.join(', '), 'neutral', null, { detail: { subtype: 'role' } });
  else for (const r of roles) effect(ctx, 'revoke', `role ${r}`, 'contract', null, { detail: { subtype: 'role-membership' } });
}

export function createRole(ctx: Ctx, n: Node, stmt: ParsedStatement): void {
  const role = String(n.role ?? '?');
  effect(ctx, 'neutral-ddl', `role ${role}`, 'neutral', null, { detail: { subtype: stmt.kind } });
  ctx.mutations.push((m) => m.createObject(`role ${role}`, 'role'));
}

/** ALTER ROLE (… SET) and DROP ROLE. */
export function alterRole(ctx: Ctx, n: Node, stmt: ParsedStatement): void {
  const specs = stmt.kind === 'DropRoleStmt' ? ((n.roles ?? []) as Node[]).map((r) => (r.RoleSpec ?? r) as Node) : [(n.role ?? {}) as Node];
  for (const spec of specs) {
    const role = spec.roletype === 'ROLESPEC_CSTRING' ? String(spec.rolename) : String(spec.roletype ?? 'ALL').replace('ROLESPEC_', '').toLowerCase();
    const harmless = stmt.kind === 'AlterRoleStmt' && roleChangeIsHarmless(n);
    // Roles are shared with the running release: it may be the role that can no longer log in.
    effect(ctx, 'change-role', `role ${role}`, 'neutral', null, { detail: { subtype: harmless ? 'harmless' : stmt.kind } });
  }
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

export function dropOwned(ctx: Ctx, n: Node): void {
  effect(ctx, 'drop-owned', ((n.roles ?? []) as Node[]).map((r) => `role ${(r.RoleSpec as Node | undefined)?.rolename ?? '?'}`).join(', '), 'neutral', null);
}

export function renameRole(ctx: Ctx, n: Node, type: string, newName: string): void {
  effect(ctx, 'change-role', `role ${n.subname}`, 'neutral', null, { detail: { newName, subtype: 'rename' } });
}

/**
 * OWNER TO: the owner holds every privilege on the object without a GRANT, so the role losing
 * ownership loses them, and it may be the one the running release connects as.
 */
export function changeOwner(ctx: Ctx, table: string, { cmd }: TableCommand): void {
  effect(ctx, 'revoke', table, 'contract', AEL, { table, detail: { subtype: 'owner', value: roleName(cmd.newowner) } });
}

/** ALTER FUNCTION / TYPE / SCHEMA / … OWNER TO (tables, views and sequences parse as ALTER TABLE). */
export function alterOwner(ctx: Ctx, n: Node): void {
  const type = String(n.objectType ?? 'OBJECT_?');
  effect(ctx, 'revoke', objectName(ctx, n.object as Node, type), 'contract', null, { detail: { subtype: 'owner', value: roleName(n.newowner) } });
}

/** REASSIGN OWNED BY a TO b: every object `a` owns changes owner at once. */
export function reassignOwned(ctx: Ctx, n: Node): void {
  const roles = ((n.roles ?? []) as Node[]).map((r) => roleName(r.RoleSpec ?? r));
  effect(ctx, 'revoke', `objects owned by ${roles.map((r) => `role ${r}`).join(', ')}`, 'contract', null, { detail: { subtype: 'reassign-owned', value: roleName(n.newrole) } });
}

function roleName(spec: unknown): string {
  const s = (spec ?? {}) as Node;
  return s.roletype === 'ROLESPEC_CSTRING' ? String(s.rolename) : String(s.roletype ?? '?').replace('ROLESPEC_', '').toLowerCase();
}
