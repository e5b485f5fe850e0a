/**
 * Object names as bgmigrate writes them: schema-qualified, unquoted parts already lower-cased
 * by the parser, quoted parts kept as written (`public.users.name`, `app."Orders"` → `app.Orders`).
 */
import type { SessionState } from './session.js';
import type { SchemaView } from './schema.js';
import { part } from '../object-name.js';

type Node = Record<string, unknown>;

/**
 * The schema of an unqualified name the analyser cannot resolve: the search path is unknown
 * (a `set_config` it cannot evaluate), or several schemas are searched and the model knows the
 * name in none of them. No deprecation names it, so a contract effect on it is refused.
 */
export const UNKNOWN_SCHEMA = '?';

/** Temporary relations live here, never in `public`; unqualified relation names look here first. */
export const TEMP_SCHEMA = 'pg_temp';

/**
 * Resolves a name: explicit schema, else the first search_path schema where the model has it,
 * else the only schema searched. With several schemas searched and none known to hold it, or
 * an unknown search path, the schema is {@link UNKNOWN_SCHEMA}.
 */
export function qualify(schemaname: string | undefined, name: string, session: SessionState, schema?: SchemaView): string {
  if (schemaname) return `${part(schemaname)}.${part(name)}`;
  if (schema) {
    const temp = `${TEMP_SCHEMA}.${part(name)}`;
    if (schema.table(temp)) return temp;
  }
  const path = session.searchPath;
  if (path === null) return `${UNKNOWN_SCHEMA}.${part(name)}`;
  if (schema) {
    for (const s of path) {
      const q = `${part(s)}.${part(name)}`;
      if (schema.table(q) || schema.object(q) || schema.indexTable(q)) return q;
    }
  }
  if (path.length === 1) return `${part(path[0])}.${part(name)}`;
  return `${UNKNOWN_SCHEMA}.${part(name)}`;
}

/** A `RangeVar` node → `schema.name` (`pg_temp.name` for `CREATE TEMP TABLE`). */
export function rangeVarName(rv: Node | undefined, session: SessionState, schema?: SchemaView): string {
  const r = (rv?.RangeVar ?? rv ?? {}) as Node;
  if (r.relpersistence === 't' && !r.schemaname) return `${TEMP_SCHEMA}.${part(String(r.relname ?? '?'))}`;
  return qualify(r.schemaname as string | undefined, String(r.relname ?? '?'), session, schema);
}

/**
 * The name a CREATE gives its new object: explicit schema, else the first schema searched
 * (where PostgreSQL creates it), `pg_temp` for temporary relations.
 */
export function creationName(rv: Node | undefined, session: SessionState): string {
  const r = (rv?.RangeVar ?? rv ?? {}) as Node;
  const name = part(String(r.relname ?? '?'));
  if (r.schemaname) return `${part(String(r.schemaname))}.${name}`;
  if (r.relpersistence === 't') return `${TEMP_SCHEMA}.${name}`;
  return `${session.searchPath?.[0] !== undefined ? part(session.searchPath[0]) : UNKNOWN_SCHEMA}.${name}`;
}

/** {@link creationName} for a name given as a list of `String` nodes (routines, types). */
export function creationListName(items: Node[] | undefined, session: SessionState): string {
  const parts = strings(items);
  if (parts.length === 0) return '?';
  if (parts.length > 1) return parts.slice(-2).map(part).join('.');
  return `${session.searchPath?.[0] !== undefined ? part(session.searchPath[0]) : UNKNOWN_SCHEMA}.${part(parts[0])}`;
}

/** Whether a name's schema could not be resolved (see {@link UNKNOWN_SCHEMA}). */
export function isAmbiguous(name: string): boolean {
  return name.startsWith(`${UNKNOWN_SCHEMA}.`);
}

/** A list of `String` nodes (`["s","t"]`) → `s.t`, qualified when it has one part. */
export function listName(items: Node[] | undefined, session: SessionState, schema?: SchemaView): string {
  const parts = strings(items);
  if (parts.length === 0) return '?';
  if (parts.length === 1) return qualify(undefined, parts[0], session, schema);
  return parts.slice(-2).map(part).join('.');
}

export function strings(items: Node[] | undefined): string[] {
  return (items ?? []).map((n) => String((n.String as Node | undefined)?.sval ?? ''));
}
