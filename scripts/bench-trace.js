#!/usr/bin/env node
/**
 * Trace benchmark: `bgmigrate trace migrations-example --database embedded` as a user runs it,
 * a whole CLI process, wall time including Node start-up and the embedded server's start.
 *
 * - cold: a fresh directory, so the run also creates the cluster (initdb) — a user's first run;
 * - warm: the cluster exists; the process starts the server, traces, and stops it (median of 3).
 * Target: warm < 5 s. The last line is JSON.
 *
 * Usage: npm run build && node scripts/bench-trace.js
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');
const migrations = path.join(root, 'migrations-example');
const TARGET_MS = 5000;

if (!fs.existsSync(cli)) {
  console.error('dist/cli/main.js is missing: run "npm run build" first');
  process.exit(2);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bgmigrate-bench-trace-'));
fs.chmodSync(dir, 0o755); // the postgres OS user must reach the cluster when running as root
const pidFile = path.join(dir, '.bgmigrate', 'pg', 'data', 'postmaster.pid');

/** The previous run's server shuts down as its process exits; wait until it is gone. */
async function waitForShutdown() {
  for (let i = 0; i < 200 && fs.existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50));
}

function run() {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [cli, 'trace', migrations, '--database', 'embedded', '--format', 'json'], {
    cwd: dir,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0 && result.status !== 1) {
    throw new Error(`trace failed (exit ${result.status}): ${(result.stderr || result.stdout).split('\n')[0]}`);
  }
  return { ms: Math.round(ms), report: JSON.parse(result.stdout), exitCode: result.status };
}

try {
  const cold = run();
  console.log(`cold (initdb + start + trace): ${cold.ms} ms`);
  const warm = [];
  for (let i = 0; i < 3; i++) {
    await waitForShutdown();
    warm.push(run());
    console.log(`warm run ${i + 1} (start + trace): ${warm.at(-1).ms} ms`);
  }
  const times = warm.map((w) => w.ms).sort((a, b) => a - b);
  const median = times[1];
  const { summary, ranOn, serverMajor } = warm[0].report;
  console.log(
    `trace of migrations-example: ${summary.statements} statements on PostgreSQL ${serverMajor} (${ranOn}), ${median} ms including server start (target < ${TARGET_MS} ms)`,
  );
  console.log(
    JSON.stringify({
      coldMs: cold.ms,
      warmMedianMs: median,
      warmMs: times,
      targetMs: TARGET_MS,
      withinTarget: median < TARGET_MS,
      statements: summary.statements,
      mismatches: summary.mismatches,
      errors: summary.errors,
      ranOn,
      serverMajor,
    }),
  );
} finally {
  await waitForShutdown();
  fs.rmSync(dir, { recursive: true, force: true });
}
