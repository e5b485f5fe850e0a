/**
 * The migration layouts bgmigrate reads, one file each in this directory (each implements
 * `MigrationLayout`, src/migrations/layout.ts). Registering a layout here makes it a `layout`
 * value in the config, a candidate for auto-detection and a layout src/migrations/discover.ts
 * can read; the order of this list is the order the config's error message names them in.
 */
import type { MigrationLayout } from '../layout.js';
import { layout as diesel } from './diesel.js';
import { layout as drizzle } from './drizzle.js';
import { layout as flyway } from './flyway.js';
import { layout as knex } from './knex.js';
import { layout as kysely } from './kysely.js';
import { layout as nodePgMigrate } from './node-pg-migrate.js';
import { layout as plain } from './plain.js';
import { layout as prisma } from './prisma.js';
import { layout as typeorm } from './typeorm.js';
import { layout as upSql } from './up-sql.js';

export const LAYOUTS = [plain, upSql, prisma, diesel, flyway, drizzle, kysely, nodePgMigrate, knex, typeorm] as const;

export type Layout = (typeof LAYOUTS)[number]['name'];
/** Layouts whose migrations are scripts: their SQL is what `up` sends (src/migrations/compile/). */
export type ScriptLayout = Extract<(typeof LAYOUTS)[number], { compile: unknown }>['name'];

export const LAYOUT_NAMES: readonly Layout[] = LAYOUTS.map((l) => l.name);

/** The registered layout of that name (the config and the model only hold registered names). */
export function layoutNamed(name: Layout): MigrationLayout<Layout> {
  return LAYOUTS.find((l) => l.name === name)!;
}
