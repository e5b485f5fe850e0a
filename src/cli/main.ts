#!/usr/bin/env node
/**
 * The `bgmigrate` executable. `--version` is answered before anything else is loaded (a script
 * asking for the version should not pay for the parser and the commands); everything else runs
 * in ./run.ts, bundled by the build when it can be.
 */
import fs from 'node:fs';
import { VERSION } from '../version.js';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  // The build bundles ./run.js and what it imports into dist/bundle/ (scripts/bundle.js): the
  // same code in a few files, which Node loads faster than a hundred.
  const bundled = new URL('../bundle/run.js', import.meta.url);
  await import(fs.existsSync(bundled) ? bundled.href : './run.js');
}
