/**
 * What identifies the code that produced a cached answer (src/cache/lint-cache.ts): a digest of
 * every compiled module, so a rebuilt bgmigrate never reads answers an older build cached, even
 * when the version number did not change (a developer's build, a git install).
 *
 * `npm run build` writes it to dist/build-id.json (scripts/build-id.js); a build made another way
 * computes it here on first use.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The compiled package's root (dist/), one level above this module. */
const distRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

let cached: string | undefined;

export function buildId(): string {
  if (cached) return cached;
  try {
    const written = JSON.parse(fs.readFileSync(path.join(distRoot, 'build-id.json'), 'utf8')) as { id?: unknown };
    if (typeof written.id === 'string' && written.id.length > 0) return (cached = written.id);
  } catch {
    // Not written by the build: compute it.
  }
  return (cached = computeBuildId(distRoot));
}

/** SHA-256 over the relative path and bytes of every .js file under `root`, in a fixed order. */
export function computeBuildId(root: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.js')) hash.update(path.relative(root, full)).update('\0').update(fs.readFileSync(full)).update('\0');
    }
  };
  walk(root);
  return hash.digest('hex');
}
