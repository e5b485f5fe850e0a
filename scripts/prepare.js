#!/usr/bin/env node
/**
 * npm's `prepare` step: compile src/ to dist/ with the TypeScript compiler.
 *
 * Runs on `npm ci` / `npm install` in a clone — which is how the pre-commit framework installs a
 * `language: node` hook (`npm install` in its clone, then `npm pack` and `npm install -g` of the
 * tarball; see .pre-commit-hooks.yaml) — and when npm installs bgmigrate from git. In that last
 * case with `-g`, npm prepares the clone with the global flag still set (`npm_config_global=true`),
 * so the clone's devDependencies go to the global prefix and `tsc` is nowhere to be found. Here
 * the devDependencies are then installed into the clone itself, without lifecycle scripts,
 * before compiling. (npm 11 still fails that global install on its own race: docs/contributing.md,
 * "Toolchain notes".)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');

function npm(args) {
  const cli = process.env.npm_execpath;
  const env = { ...process.env, npm_config_global: 'false', npm_config_location: 'project' };
  if (cli && /\.[cm]?js$/.test(cli)) execFileSync(process.execPath, [cli, ...args], { cwd: root, stdio: 'inherit', env });
  else execFileSync('npm', args, { cwd: root, stdio: 'inherit', env });
}

if (!fs.existsSync(tsc)) {
  if (process.env.npm_config_global !== 'true') {
    console.error('bgmigrate prepare: the TypeScript compiler is missing (node_modules/typescript); run "npm ci" first');
    process.exit(1);
  }
  // Only what compiling needs; the package's own dependencies are installed with it afterwards.
  npm(['install', '--no-save', '--ignore-scripts', '--include=dev', '--no-audit', '--no-fund', '--no-package-lock']);
}
// A fresh dist/: files of modules that no longer exist would otherwise ship (and key the cache).
fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
for (const step of ['bundle.js', 'build-id.js']) execFileSync(process.execPath, [path.join(root, 'scripts', step)], { cwd: root, stdio: 'inherit' });
