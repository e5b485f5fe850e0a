/**
 * Which PostgreSQL major the analysis targets, decided in one place for every command: the
 * `--pg-version` flag, else the connected server's version, else the config's `pgVersion`, else
 * 15 (the oldest major still commonly deployed that has every feature bgmigrate reasons about).
 */
export const DEFAULT_PG_VERSION = 15;

export function targetVersion(sources: { flag?: number; server?: number; config?: number }): number {
  return sources.flag ?? sources.server ?? sources.config ?? DEFAULT_PG_VERSION;
}
