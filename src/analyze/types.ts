/**
 * Column types, normalised so that the schema model can compare them: `varchar(40)`,
 * `numeric(10,2)`, `text`, `int4`, `timestamptz`, `char(5)`, `int4[]`, `public.mood`.
 */

type Node = Record<string, unknown>;

const ALIASES: Record<string, string> = {
  bpchar: 'char',
  int: 'int4',
  integer: 'int4',
  smallint: 'int2',
  bigint: 'int8',
  boolean: 'bool',
  real: 'float4',
  'double precision': 'float8',
  decimal: 'numeric',
  serial: 'int4',
  serial4: 'int4',
  bigserial: 'int8',
  serial8: 'int8',
  smallserial: 'int2',
  serial2: 'int2',
};

const SERIALS = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

export interface TypeFacts {
  /** Normalised type: `varchar(40)`, `numeric(10,2)`, `text`, `int4[]`. */
  type: string;
  /** Base name without modifiers: `varchar`. */
  base: string;
  /** Numeric type modifiers, in order. */
  mods: readonly number[];
  array: boolean;
  /** Written as serial/bigserial/smallserial. */
  serial: boolean;
}

const cache = new WeakMap<Node, TypeFacts>();

/** Facts about a libpg-query `TypeName` node (memoised: rules ask about the same node often). */
export function typeFacts(typeName: Node | undefined): TypeFacts {
  if (!typeName) return computeTypeFacts(undefined);
  let facts = cache.get(typeName);
  if (!facts) {
    facts = computeTypeFacts(typeName);
    cache.set(typeName, facts);
  }
  return facts;
}

function computeTypeFacts(typeName: Node | undefined): TypeFacts {
  const names = ((typeName?.names ?? []) as Node[]).map((n) => String((n.String as Node | undefined)?.sval ?? ''));
  const written = names.filter((n, i) => !(i === 0 && n === 'pg_catalog' && names.length > 1));
  const raw = written.join('.');
  const serial = written.length === 1 && SERIALS.has(raw);
  const base = ALIASES[raw] ?? raw;
  const mods = ((typeName?.typmods ?? []) as Node[]).map((m) => {
    const c = m.A_Const as Node | undefined;
    const iv = c?.ival as Node | undefined;
    return iv ? Number(iv.ival ?? 0) : NaN;
  });
  const array = Array.isArray(typeName?.arrayBounds) && (typeName?.arrayBounds as unknown[]).length > 0;
  const modText = mods.length > 0 && mods.every((m) => Number.isFinite(m)) ? `(${mods.join(',')})` : '';
  const type = `${base}${modText}${array ? '[]' : ''}`;
  return { type, base, mods: mods.filter((m) => Number.isFinite(m)), array, serial };
}

/** Parses a normalised type back into base and modifiers. */
function split(type: string): { base: string; mods: number[]; array: boolean } {
  const array = type.endsWith('[]');
  const t = array ? type.slice(0, -2) : type;
  const m = /^([^()]+)(?:\(([\d,]+)\))?$/.exec(t);
  if (!m) return { base: t, mods: [], array };
  return { base: m[1], mods: m[2] ? m[2].split(',').map(Number) : [], array };
}

/**
 * Whether `ALTER COLUMN … TYPE` from `oldType` to `newType` is metadata-only (no rewrite, no
 * index rebuild), per the measured list in docs/rules/change-column-type.md. Unknown old type ⇒ false (assume rewrite).
 */
export function isMetadataOnlyTypeChange(oldType: string | undefined, newType: string): boolean {
  if (oldType === undefined) return false;
  if (oldType === newType) return true;
  const a = split(oldType);
  const b = split(newType);
  if (a.array !== b.array) return false;
  if (a.base === 'varchar') {
    if (b.base === 'text') return true;
    if (b.base === 'varchar') return b.mods.length === 0 || (a.mods.length > 0 && b.mods[0] >= a.mods[0]);
    return false;
  }
  if (a.base === 'text') return b.base === 'varchar' && b.mods.length === 0;
  if (a.base === 'numeric' && b.base === 'numeric') {
    if (b.mods.length === 0) return true;
    if (a.mods.length === 0) return false;
    const [p, s = 0] = a.mods;
    const [p2, s2 = 0] = b.mods;
    return p2 >= p && s2 === s;
  }
  if (a.base === 'cidr') return b.base === 'inet';
  return false;
}
