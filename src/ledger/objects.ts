/**
 * Deprecation names checked against what exists. A `deprecates` directive or `ledger deprecate`
 * that names an object neither the migrations nor the database know is a mistake the ledger
 * would otherwise keep for ever (it would never match an effect, or worse, match the wrong one):
 * it is refused (exit 2) with the closest known name. A bare `users.name` that is not
 * `schema.table` resolves through the search path (`public.users.name`) and is stored qualified.
 */
import type pg from 'pg';
import { UsageError } from '../errors.js';
import type { FileReport } from '../model.js';
import { formatObjectName, parseObjectName } from '../object-name.js';
import { editDistance } from '../text.js';

/** Every object the database has that a deprecation may name, in the form effects use. */
export async function catalogObjects(client: pg.ClientBase): Promise<Set<string>> {
  const { rows } = await client.query<{ parts: string[] }>(`
    WITH ns AS (
      SELECT oid, nspname FROM pg_namespace
       WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp%'
    )
    SELECT ARRAY[nspname::text] AS parts FROM ns
    UNION ALL SELECT ARRAY[ns.nspname::text, c.relname::text] FROM pg_class c JOIN ns ON ns.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'i', 'I')
    UNION ALL SELECT ARRAY[ns.nspname::text, c.relname::text, a.attname::text] FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN ns ON ns.oid = c.relnamespace
              WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL SELECT ARRAY[ns.nspname::text, c.relname::text, k.conname::text] FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN ns ON ns.oid = c.relnamespace
    UNION ALL SELECT ARRAY[ns.nspname::text, p.proname::text] FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace
    UNION ALL SELECT ARRAY[ns.nspname::text, t.typname::text] FROM pg_type t JOIN ns ON ns.oid = t.typnamespace WHERE t.typtype IN ('e', 'd', 'c', 'r') AND (t.typrelid = 0 OR EXISTS (SELECT 1 FROM pg_class r WHERE r.oid = t.typrelid AND r.relkind = 'c'))
    UNION ALL SELECT ARRAY[extname::text] FROM pg_extension`);
  return new Set(rows.map((r) => formatObjectName(r.parts)));
}

const CREATES = new Set(['create-table', 'create-view', 'create-routine', 'create-type', 'create-sequence', 'create-schema', 'create-index', 'create-extension', 'add-column', 'add-constraint']);

/** Objects the migrations create (they count as known even before they are applied). */
export function objectsCreatedBy(reports: readonly FileReport[]): Set<string> {
  const out = new Set<string>();
  for (const report of reports) {
    for (const statement of report.statements) {
      for (const effect of statement.effects) {
        if (!CREATES.has(effect.kind)) continue;
        out.add(effect.object);
        const columns = (effect as { detail?: { columns?: { name: string }[] } }).detail?.columns ?? [];
        for (const c of columns) out.add(`${effect.object}.${formatObjectName([c.name])}`);
      }
    }
  }
  return out;
}

/**
 * The name a deprecation is stored under: itself when known; for a two-part name that is not a
 * known `schema.object`, the first search-path schema whose `table.column` it is.
 *
 * @throws UsageError naming the closest known object when nothing matches.
 */
export function resolveDeprecation(name: string, known: ReadonlySet<string>, where: string, searchPath: readonly string[] = ['public']): string {
  const parts = parseObjectName(name);
  const normal = formatObjectName(parts);
  if (known.has(normal)) return normal;
  if (parts.length <= 2) {
    for (const schema of searchPath) {
      const candidate = formatObjectName([schema, ...parts]);
      if (known.has(candidate)) return candidate;
    }
  }
  const closest = closestName(normal, known);
  throw new UsageError(
    `${where}deprecates ${normal}: neither the migrations nor the database know such an object${closest ? `; did you mean ${closest}?` : ''} (write schema.table, schema.table.column or schema.routine)`,
  );
}

/** The known name nearest to `name` by edit distance, when it is near enough to be a typo. */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    if (Math.abs(k.length - name.length) >= bestDistance) continue;
    const d = editDistance(name, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}


/**
 * Resolves every `deprecates` directive of `reports` in place (stored qualified), against the
 * database's catalog and what the migrations create.
 *
 * @throws UsageError (exit 2) at the first unknown name, with the file and directive line.
 */
export function resolveReportDeprecations(reports: readonly FileReport[], catalog: ReadonlySet<string>, allReports: readonly FileReport[] = reports, sources?: ReadonlyMap<string, string>): void {
  const known = new Set([...catalog, ...objectsCreatedBy(allReports)]);
  for (const report of reports) {
    const deprecates = report.directives.deprecates;
    for (let i = 0; i < deprecates.length; i++) {
      const line = directiveLine(sources?.get(report.path), deprecates[i]);
      deprecates[i] = resolveDeprecation(deprecates[i], known, `${report.path}${line ? `:${line}:1` : ''}: `);
    }
  }
}

/** The line of the `deprecates` directive naming `name` in a file's text, if found. */
function directiveLine(text: string | undefined, name: string): number | undefined {
  if (!text) return undefined;
  const lines = text.split('\n');
  const last = name.split('.').pop()!.replace(/^"|"$/g, '').toLowerCase();
  const at = lines.findIndex((l) => /--\s*bgmigrate:\s*deprecates\b/i.test(l) && l.toLowerCase().includes(last));
  return at < 0 ? undefined : at + 1;
}
