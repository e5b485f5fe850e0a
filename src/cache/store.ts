/**
 * A content-addressed store on disk for the analysis cache (src/cache/lint-cache.ts).
 *
 * One file per entry, named by its key. An entry is written to a temporary file and renamed into
 * place, so a reader sees a whole entry or none, and two runs writing the same key at once both
 * succeed (same key, same content). Each entry starts with a magic line and the SHA-1 of its
 * payload: a truncated, corrupted or foreign file fails the check and is a miss, never a wrong
 * answer. Nothing here throws: a cache that cannot be read or written is simply not used.
 *
 * This module imports only Node built-ins: a run whose answers are all cached must not pay for
 * the parser, the analyser or the rules.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';

const MAGIC = Buffer.from('bgmigrate-cache 1\n');
const DIGEST_BYTES = 20;
/**
 * What a write leaves at most: the entries last written or read (reads refresh an entry's
 * modification time) up to this many and this many bytes; older ones are removed.
 */
const MAX_ENTRIES = 256;
const MAX_BYTES = 64 * 1024 * 1024;

export class CacheStore {
  private names: Set<string> | undefined;
  /** Entries written or read since then are this run's: pruning never removes them. */
  private readonly since = Date.now();

  constructor(
    readonly dir: string,
    private readonly limits: { maxEntries: number; maxBytes: number } = { maxEntries: MAX_ENTRIES, maxBytes: MAX_BYTES },
  ) {}

  /** Whether an entry exists (one directory listing per store, then set lookups). */
  has(key: string): boolean {
    if (!this.names) {
      try {
        this.names = new Set(fs.readdirSync(this.dir));
      } catch {
        this.names = new Set();
      }
    }
    return this.names.has(key);
  }

  /** The entry's value, or undefined when it is missing or does not verify. */
  read(key: string): unknown {
    if (!this.has(key)) return undefined;
    try {
      const data = fs.readFileSync(path.join(this.dir, key));
      if (data.length < MAGIC.length + DIGEST_BYTES || !data.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
      const digest = data.subarray(MAGIC.length, MAGIC.length + DIGEST_BYTES);
      const payload = data.subarray(MAGIC.length + DIGEST_BYTES);
      if (!createHash('sha1').update(payload).digest().equals(digest)) return undefined;
      const value = v8.deserialize(payload);
      // Used now: pruning keeps what is used, not only what was written last.
      const now = new Date();
      fs.utimesSync(path.join(this.dir, key), now, now);
      return value;
    } catch {
      return undefined;
    }
  }

  /** Writes an entry atomically; returns false when it could not (read-only disk, full disk…). */
  write(key: string, value: unknown): boolean {
    let tmp: string | undefined;
    try {
      const payload = v8.serialize(value);
      fs.mkdirSync(this.dir, { recursive: true });
      tmp = path.join(this.dir, `.${key}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      fs.writeFileSync(tmp, Buffer.concat([MAGIC, createHash('sha1').update(payload).digest(), payload]));
      fs.renameSync(tmp, path.join(this.dir, key));
      this.names?.add(key);
      return true;
    } catch {
      if (tmp) fs.rmSync(tmp, { force: true });
      return false;
    }
  }

  /**
   * Keeps the most recently used entries within {@link MAX_ENTRIES} and {@link MAX_BYTES} (or the
   * limits given), and every entry this run used; leftovers of killed writers (older than an
   * hour) go too.
   */
  prune(): void {
    try {
      const entries = fs.readdirSync(this.dir).map((name) => {
        const file = path.join(this.dir, name);
        const stat = fs.statSync(file);
        return { file, name, mtime: stat.mtimeMs, size: stat.size };
      });
      const stale = Date.now() - 60 * 60 * 1000;
      for (const e of entries) if (e.name.endsWith('.tmp') && e.mtime < stale) fs.rmSync(e.file, { force: true });
      let bytes = 0;
      const kept = entries.filter((e) => !e.name.startsWith('.')).sort((a, b) => b.mtime - a.mtime);
      kept.forEach((e, i) => {
        bytes += e.size;
        if (e.mtime < this.since && (i >= this.limits.maxEntries || bytes > this.limits.maxBytes)) fs.rmSync(e.file, { force: true });
      });
    } catch {
      // Pruning is housekeeping: a failure leaves a larger cache, never a wrong one.
    }
  }
}

/**
 * Where the cache lives by default: `node_modules/.cache/bgmigrate` of the nearest directory
 * above `cwd` that has a package.json (the convention ESLint, Babel and others share), else
 * `$XDG_CACHE_HOME/bgmigrate` (or `~/.cache/bgmigrate`) for projects that are not Node projects.
 */
export function defaultCacheDir(cwd: string): string {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'node_modules', '.cache', 'bgmigrate');
    if (path.dirname(dir) === dir) break;
  }
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'bgmigrate');
}
