#!/usr/bin/env node
/**
 * The `bgmigrate` executable. `--version` is answered before anything else is loaded (a script
 * asking for the version should not pay for the parser and the commands); everything else runs
 * in ./run.ts.
 */
import { VERSION } from '../version.js';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  await import('./run.js');
}
