#!/usr/bin/env node
// After tsc: writes dist/build-id.json, the digest of the compiled code that keys the analysis
// cache (src/cache/build-id.ts), so a run does not hash dist/ itself.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'), 'dist');
const { computeBuildId } = await import(path.join(dist, 'cache', 'build-id.js'));
fs.writeFileSync(path.join(dist, 'build-id.json'), JSON.stringify({ id: computeBuildId(dist) }) + '\n');
