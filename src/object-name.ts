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
 * The parts of a name written by a user (a directive, `ledger deprecate`): SQL identifier rules,
 * so unquoted parts are lower-cased and `"Quoted"` ones kept exactly.
 *
 * @throws UsageError on an unterminated quote, an empty part or an argument list.
 */
export function parseObjectName(text: string): string[] {
  const source = text.trim();
  const fail = (why: string): never => {
    throw new UsageError(`invalid object name ${JSON.stringify(text)}: ${why}`);
  };
  if (source === '') fail('it is empty');
  if (source.includes('(')) {
    fail('name a routine without its arguments (public.norm): a deprecation covers every overload of the name');
  }
  const parts: string[] = [];
  let i = 0;
  for (;;) {
    let p = '';
    if (source[i] === '"') {
      i++;
      for (;;) {
        if (i >= source.length) fail('a quote is not closed');
        if (source[i] === '"') {
          if (source[i + 1] === '"') {
            p += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        p += source[i++];
      }
      if (p === '') fail('a quoted part is empty');
    } else {
      const start = i;
      while (i < source.length && source[i] !== '.' && source[i] !== '"') i++;
      p = source.slice(start, i).trim().toLowerCase();
      if (p === '' || /\s/.test(p)) fail('expected schema.table, schema.table.column or schema.routine');
    }
    parts.push(p);
    if (i >= source.length) break;
    if (source[i] !== '.') fail('expected a dot between parts');
    i++;
  }
  if (parts.length > 3) fail('at most three parts: schema.table.column');
  return parts;
}

/** A user-written name in the form effects use. */
export function normaliseObjectName(text: string): string {
  return formatObjectName(parseObjectName(text));
}
