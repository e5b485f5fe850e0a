#!/usr/bin/env node
// After tsc: bundles the command line (dist/cli/run.js and everything it imports from dist/)
// into dist/bundle/, one file per lazily loaded part. Node loads ES modules one file at a time
// (about 0.3 ms each here), so a `check` that would load ~100 modules starts ~20 ms sooner.
// Packages stay external but commander, which every command loads (its five CommonJS files cost
// ~4 ms to resolve and load one by one). dist/cli/main.js runs the bundle when it exists and
// dist/cli/run.js otherwise, so a build without esbuild still works, only slower to start.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const external = [
  ...new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]),
].filter((name) => name !== 'commander');
const outdir = path.join(root, 'dist', 'bundle');
fs.rmSync(outdir, { recursive: true, force: true });
let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.warn('bgmigrate build: esbuild is not installed; the command line runs unbundled (slower start-up)');
  process.exit(0);
}
await esbuild.build({
  entryPoints: { run: path.join(root, 'dist', 'cli', 'run.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  chunkNames: 'chunk-[hash]',
  // commander is CommonJS and requires Node's built-ins: give the ES module chunks a require().
  banner: { js: "import { createRequire as bundleRequire } from 'node:module'; const require = bundleRequire(import.meta.url);" },
  logLevel: 'warning',
});
