/**
 * Which statements of a migration share a transaction, as the runner will run them: the
 * runner's own transaction around the file (unless no-transaction; its written BEGIN/COMMIT are
 * left out), explicit BEGIN … COMMIT blocks otherwise, and DO blocks (always one transaction). Rules that care about "the same
 * transaction" (VALIDATE after ADD … NOT VALID, DML after DDL) ask here.
 */
import type { AnalyzedEffect } from '../../analyze/effects/index.js';
import type { FileFacts, StatementFacts } from './rule.js';


/** What an effect is indexed under (a stable, module-level function: indexes are cached per keyer). */
export type EffectKey = (e: AnalyzedEffect) => string | undefined;

interface KeyIndex {
  /** `transaction` NUL `key` → the first statement (and effect) of that transaction with that key. */
  first: Map<string, { position: number; effect: AnalyzedEffect }>;
  /** transaction → its keys' first occurrences, in order of position. */
  byTransaction: Map<number, { key: string; position: number; effect: AnalyzedEffect }[]>;
}

const positions = new WeakMap<FileFacts, Map<StatementFacts, number>>();
const keyIndexes = new WeakMap<FileFacts, Map<EffectKey, KeyIndex>>();

/**
 * The first statement before `statement`, in the same transaction, with an effect whose key is
 * `key`. Built once per file and keyer, so a rule asking for every statement of a 10 MB file
 * stays linear.
 */
export function earliestInTransaction(
  file: FileFacts,
  statement: StatementFacts,
  keyOf: EffectKey,
  key: string,
): { statement: StatementFacts; effect: AnalyzedEffect } | undefined {
  const index = keyIndex(file, keyOf);
  const at = positionOf(file, statement);
  const found = index.first.get(`${statement.transaction}\u0000${key}`);
  if (!found || at < 0 || found.position >= at) return undefined;
  return { statement: file.statements[found.position], effect: found.effect };
}

/**
 * For each key, its first effect before `statement` in the same transaction (in order of
 * position): as many entries as distinct keys, whatever the file's length.
 */
export function earliestPerKeyInTransaction(
  file: FileFacts,
  statement: StatementFacts,
  keyOf: EffectKey,
): { key: string; statement: StatementFacts; effect: AnalyzedEffect }[] {
  const index = keyIndex(file, keyOf);
  const at = positionOf(file, statement);
  const out: { key: string; statement: StatementFacts; effect: AnalyzedEffect }[] = [];
  for (const entry of index.byTransaction.get(statement.transaction) ?? []) {
    if (entry.position >= at) break;
    out.push({ key: entry.key, statement: file.statements[entry.position], effect: entry.effect });
  }
  return out;
}

function keyIndex(file: FileFacts, keyOf: EffectKey): KeyIndex {
  let byKeyer = keyIndexes.get(file);
  if (!byKeyer) keyIndexes.set(file, (byKeyer = new Map()));
  let index = byKeyer.get(keyOf);
  if (index) return index;
  const built: KeyIndex = { first: new Map(), byTransaction: new Map() };
  file.statements.forEach((s, position) => {
    for (const effect of s.effects) {
      const key = keyOf(effect);
      if (key === undefined) continue;
      const slot = `${s.transaction}\u0000${key}`;
      if (built.first.has(slot)) continue;
      built.first.set(slot, { position, effect });
      const list = built.byTransaction.get(s.transaction) ?? [];
      list.push({ key, position, effect });
      built.byTransaction.set(s.transaction, list);
    }
  });
  byKeyer.set(keyOf, built);
  return built;
}

/** Position of a statement in `file.statements`, or -1. */
export function positionOf(file: FileFacts, statement: StatementFacts): number {
  let map = positions.get(file);
  if (!map) {
    map = new Map(file.statements.map((s, i) => [s, i]));
    positions.set(file, map);
  }
  const byIdentity = map.get(statement);
  if (byIdentity !== undefined) return byIdentity;
  return file.statements.findIndex(
    (s) =>
      s.index === statement.index &&
      s.kind === statement.kind &&
      s.span.line === statement.span.line &&
      s.span.column === statement.span.column,
  );
}

