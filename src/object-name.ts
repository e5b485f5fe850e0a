/**
 * How bgmigrate writes an object's identity, in effects, findings, deprecations and the ledger:
 * its parts (schema, relation, column or constraint) joined by dots, each part as PostgreSQL
 * stores it (case kept), quoted only when it would otherwise be ambiguous (it holds a dot or a
 * double quote, or is empty). So the column `public.users.name` and a table named `users.name`
 * (`public."users.name"`) never collide.
 *
 * Routines are named without their arguments (`public.norm`): a name covers every overload.
 */
import { UsageError } from './errors.js';

/** One part as written in an object name (any value is read as a template literal would). */
export function part(value: unknown): string {
  const name = String(value);
  return name === '' || name.includes('.') || name.includes('"') ? `"${name.replace(/"/g, '""')}"` : name;
}

/** The name of an object from its parts. */
export function formatObjectName(parts: readonly string[]): string {
  return parts.map(part).join('.');
}

/**
 * Identifiers separated by `separator`, read as PostgreSQL reads them: unquoted parts are
 * lower-cased, `"quoted"` ones kept exactly (`""` is a quote), blanks around parts ignored.
 * Returns the parts, or why the text cannot be read. Used for object names (`.`) and for
 * identifier lists in settings such as `search_path` (`,`, see src/analyze/session.ts).
 */
export function readIdentifiers(text: string, separator: string): string[] | { error: string } {
  const parts: string[] = [];
  let i = 0;
  const isBlank = (c: string | undefined) => c !== undefined && /\s/.test(c);
  for (;;) {
    while (isBlank(text[i])) i++;
    let p = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) return { error: 'a quote is not closed' };
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            p += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        p += text[i++];
      }
      if (p === '') return { error: 'a quoted part is empty' };
    } else {
      const start = i;
      while (i < text.length && text[i] !== separator && text[i] !== '"' && !isBlank(text[i])) i++;
      p = text.slice(start, i).toLowerCase();
      if (p === '') return { error: 'a part is empty' };
    }
    parts.push(p);
    while (isBlank(text[i])) i++;
    if (i >= text.length) return parts;
    if (text[i] !== separator) return { error: `expected "${separator}" between parts` };
    i++;
  }
}

/**
 * The parts of a name written by a user (a directive, `ledger deprecate`): SQL identifier rules,
 * so unquoted parts are lower-cased and `"Quoted"` ones kept exactly.
 *
 * @throws UsageError on an unterminated quote, an empty part or an argument list.
 */
export function parseObjectName(text: string): string[] {
  const fail = (why: string): never => {
    throw new UsageError(`invalid object name ${JSON.stringify(text)}: ${why}`);
  };
  if (text.trim() === '') fail('it is empty');
  if (text.includes('(')) fail('name a routine without its arguments (public.norm): a deprecation covers every overload of the name');
  const parts = readIdentifiers(text, '.');
  if (!Array.isArray(parts)) return fail(`${parts.error}; expected schema.table, schema.table.column or schema.routine`);
  if (parts.length > 3) fail('at most three parts: schema.table.column');
  return parts;
}

/** A user-written name in the form effects use. */
export function normaliseObjectName(text: string): string {
  return formatObjectName(parseObjectName(text));
}
