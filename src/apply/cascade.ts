/**
 * What `DROP … CASCADE` would remove, as the database itself records it (pg_depend), so that
 * `apply --phase contract` judges every dependent, including objects no migration created (a
 * view made by hand, a default added by another tool). The schema model (src/analyze/effects/cascade.ts,
 * `dropUsers`) already lists the dependents the migrations made; this adds the rest.
 */
import type pg from 'pg';
import type { AnalyzedEffect, EffectKind } from '../analyze/effects/index.js';
import type { FileReport } from '../model.js';

/** Where a dropped object lives in the catalogs. */
interface CatalogRef {
  classid: string;
  oids: number[];
  subid: number;
}

const DEPENDENTS_SQL = `
WITH RECURSIVE dep(classid, objid, objsubid, depth) AS (
  SELECT d.classid, d.objid, d.objsubid, 1 FROM pg_depend d
   WHERE d.refclassid = $1::regclass AND d.refobjid = ANY($2::oid[]) AND ($3::int = 0 OR d.refobjsubid = $3) AND d.deptype IN ('n', 'a')
  UNION
  SELECT d.classid, d.objid, d.objsubid, dep.depth + 1
    FROM dep
    CROSS JOIN LATERAL (
      SELECT CASE WHEN dep.classid = 'pg_rewrite'::regclass THEN 'pg_class'::regclass ELSE dep.classid END AS c,
             CASE WHEN dep.classid = 'pg_rewrite'::regclass THEN (SELECT r.ev_class FROM pg_rewrite r WHERE r.oid = dep.objid) ELSE dep.objid END AS o
    ) own
    JOIN pg_depend d ON d.refclassid = own.c AND d.refobjid = own.o AND d.deptype IN ('n', 'a')
   WHERE dep.depth < 20
)
SELECT DISTINCT kind, object FROM (
  SELECT
    CASE
      WHEN dep.classid = 'pg_rewrite'::regclass THEN 'view'
      WHEN dep.classid = 'pg_attrdef'::regclass THEN (SELECT CASE WHEN a.attgenerated <> '' THEN 'column' ELSE 'default' END
                                                      FROM pg_attrdef ad JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum WHERE ad.oid = dep.objid)
      WHEN dep.classid = 'pg_class'::regclass AND dep.objsubid > 0 THEN 'column'
      WHEN dep.classid = 'pg_class'::regclass THEN (SELECT CASE WHEN c.relkind IN ('v', 'm') THEN 'view' WHEN c.relkind IN ('r', 'p', 'f') THEN 'table' WHEN c.relkind = 'S' THEN 'sequence' ELSE 'other' END FROM pg_class c WHERE c.oid = dep.objid)
      WHEN dep.classid = 'pg_proc'::regclass THEN 'routine'
      WHEN dep.classid = 'pg_type'::regclass THEN 'type'
      WHEN dep.classid = 'pg_constraint'::regclass THEN 'constraint'
      ELSE 'other'
    END AS kind,
    CASE
      WHEN dep.classid = 'pg_rewrite'::regclass THEN (SELECT n.nspname || '.' || c.relname FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace WHERE r.oid = dep.objid)
      WHEN dep.classid = 'pg_attrdef'::regclass THEN (SELECT n.nspname || '.' || c.relname || '.' || a.attname FROM pg_attrdef ad JOIN pg_class c ON c.oid = ad.adrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                                                      JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum WHERE ad.oid = dep.objid)
      WHEN dep.classid = 'pg_class'::regclass THEN (SELECT n.nspname || '.' || c.relname || CASE WHEN dep.objsubid > 0 THEN '.' || (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum = dep.objsubid) ELSE '' END
                                                    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = dep.objid)
      WHEN dep.classid = 'pg_proc'::regclass THEN (SELECT n.nspname || '.' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.oid = dep.objid)
      WHEN dep.classid = 'pg_type'::regclass THEN (SELECT n.nspname || '.' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid = dep.objid)
      WHEN dep.classid = 'pg_constraint'::regclass THEN (SELECT n.nspname || '.' || c.relname || '.' || k.conname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE k.oid = dep.objid)
      ELSE pg_describe_object(dep.classid, dep.objid, dep.objsubid)
    END AS object
  FROM dep
  -- A table's own parts (its row type, indexes, sequences it owns through identity) are not dependents to judge.
  WHERE NOT (dep.classid = 'pg_type'::regclass AND EXISTS (SELECT 1 FROM pg_type t WHERE t.oid = dep.objid AND (t.typrelid <> 0 OR t.typelem <> 0)))
) found
WHERE object IS NOT NULL`;

const EFFECT_OF: Record<string, EffectKind | undefined> = {
  view: 'drop-view',
  default: 'drop-default',
  column: 'drop-column',
  table: 'drop-table',
  sequence: 'drop-sequence',
  routine: 'drop-routine',
  type: 'drop-type',
  constraint: 'drop-constraint',
};

/**
 * Adds to each statement of `report` a contract effect for every object its `DROP … CASCADE`
 * would remove that the statement does not already name. Foreign keys pointing at a dropped
 * table only loosen what is accepted and are left out; anything the catalogs describe but
 * bgmigrate cannot name as an effect becomes an unknown contract effect, which no ledger allows.
 */
export async function addDatabaseDependents(client: pg.Client, report: FileReport): Promise<void> {
  for (const statement of report.statements) {
    const effects = statement.effects as AnalyzedEffect[];
    const roots = effects.filter((e) => e.class === 'contract' && e.detail?.cascade === true && e.detail.cascadeFrom === undefined);
    for (const root of roots) {
      const ref = await catalogRef(client, root);
      if (!ref || ref.oids.length === 0) continue;
      const rows = (await client.query<{ kind: string; object: string }>(DEPENDENTS_SQL, [ref.classid, ref.oids, ref.subid])).rows;
      const named = new Set(effects.map((e) => `${e.kind} ${e.object}`));
      for (const row of rows) {
        const kind = EFFECT_OF[row.kind];
        if (kind === 'drop-constraint' && root.kind !== 'drop-column') continue;
        const effect: AnalyzedEffect = {
          kind: kind ?? 'unknown',
          object: kind ? row.object : `${row.object} (${row.kind})`,
          class: 'contract',
          lock: null,
          rewrites: false,
          scans: false,
          detail: { cascade: true, cascadeFrom: root.object, subtype: 'pg_depend' },
        };
        if (named.has(`${effect.kind} ${effect.object}`) || effect.object === root.object) continue;
        named.add(`${effect.kind} ${effect.object}`);
        effects.push(effect);
      }
    }
  }
}

async function catalogRef(client: pg.Client, effect: AnalyzedEffect): Promise<CatalogRef | undefined> {
  const parts = effect.object.split('.');
  if (parts[0] === '?') return undefined;
  const oids = async (sql: string, params: unknown[]) => (await client.query<{ oid: number }>(sql, params)).rows.map((r) => Number(r.oid));
  const rel = (schema: string, name: string) =>
    oids('SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2', [schema, name]);
  switch (effect.kind) {
    case 'drop-table':
    case 'drop-view':
    case 'drop-sequence':
      return parts.length === 2 ? { classid: 'pg_class', oids: await rel(parts[0], parts[1]), subid: 0 } : undefined;
    case 'drop-column': {
      if (parts.length !== 3) return undefined;
      const rows = (
        await client.query<{ oid: number; attnum: number }>(
          'SELECT c.oid, a.attnum FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = $3',
          parts,
        )
      ).rows;
      return rows.length === 0 ? undefined : { classid: 'pg_class', oids: [Number(rows[0].oid)], subid: Number(rows[0].attnum) };
    }
    case 'drop-routine':
      // Every overload of the name: more dependents than the one dropped is the safe side.
      return parts.length === 2
        ? { classid: 'pg_proc', oids: await oids('SELECT p.oid FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 AND p.proname = $2', parts), subid: 0 }
        : undefined;
    case 'drop-type':
      return parts.length === 2
        ? { classid: 'pg_type', oids: await oids('SELECT t.oid FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND t.typname = $2', parts), subid: 0 }
        : undefined;
    case 'drop-schema':
      return { classid: 'pg_namespace', oids: await oids('SELECT oid FROM pg_namespace WHERE nspname = $1', [effect.object]), subid: 0 };
    case 'drop-extension':
      return { classid: 'pg_extension', oids: await oids('SELECT oid FROM pg_extension WHERE extname = $1', [effect.object]), subid: 0 };
    default:
      return undefined;
  }
}
