/**
 * Object names as bgmigrate writes them: schema-qualified, unquoted parts already lower-cased
 * by the parser, quoted parts kept as written (`public.users.name`, `app."Orders"` → `app.Orders`).
 */
import type { SessionState } from './session.js';
import type { SchemaView } from './schema.js';

type Node = Record<string, unknown>;

/** Resolves a relation name: explicit schema, else the first search_path schema that has it. */
export function qualify(schemaname: string | undefined, name: string, session: SessionState, schema?: SchemaView): string {
  if (schemaname) return `${schemaname}.${name}`;
  if (schema) {
    for (const s of session.searchPath) {
      const q = `${s}.${name}`;
      if (schema.table(q) || schema.object(q) || schema.indexTable(q)) return q;
    }
  }
  return `${session.searchPath[0] ?? 'public'}.${name}`;
}

/** A `RangeVar` node → `schema.name`. */
export function rangeVarName(rv: Node | undefined, session: SessionState, schema?: SchemaView): string {
  const r = (rv?.RangeVar ?? rv ?? {}) as Node;
  return qualify(r.schemaname as string | undefined, String(r.relname ?? '?'), session, schema);
}

/** A list of `String` nodes (`["s","t"]`) → `s.t`, qualified when it has one part. */
export function listName(items: Node[] | undefined, session: SessionState, schema?: SchemaView): string {
  const parts = strings(items);
  if (parts.length === 0) return '?';
  if (parts.length === 1) return qualify(undefined, parts[0], session, schema);
  return parts.slice(-2).join('.');
}

export function strings(items: Node[] | undefined): string[] {
  return (items ?? []).map((n) => String((n.String as Node | undefined)?.sval ?? ''));
}
