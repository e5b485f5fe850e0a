#!/usr/bin/env node
/**
 * Ledger-gate benchmark: what does `check --database` cost over an offline check of one file,
 * against a ledger of 10,000 applied migrations and 1,000 releases? And does the gate read it
 * with the same, constant number of queries whatever its size?
 *
 * On one embedded PostgreSQL: fills the ledger with src/ledger's fillLedger (INSERT … SELECT
 * generate_series), then times `bgmigrate check <file>` with --offline and with --database
 * (median of RUNS child processes each), and counts the gate's queries in-process on an empty
 * and on the full ledger. Target: database − offline < 300 ms. The last line is JSON.
 *
 * Usage: npm run build && node scripts/bench-ledger.js [--pg 16|18] [--runs 7]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { makeServerTempDir, startPostgresServer } from '../dist/db/embedded.js';
import { fillLedger, ledgerGate } from '../dist/ledger/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const MAJOR = arg('--pg', 18);
const RUNS = arg('--runs', 7);
const DAY = 24 * 3600 * 1000;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const round = (n) => Math.round(n * 10) / 10;

function timeCli(cliArgs, cwd) {
  const times = [];
  let status;
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    const run = spawnSync(process.execPath, [cli, ...cliArgs], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    status = run.status;
    if (run.status === 2) throw new Error(`bgmigrate ${cliArgs.join(' ')} could not run: ${run.stderr.trim()}`);
  }
  return { ms: median(times), status };
}

/** The gate's queries and in-process read time on `client`. */
async function gateCost(client, schema) {
  const original = client.query.bind(client);
  let queries = 0;
  client.query = (...a) => {
    queries += 1;
    return original(...a);
  };
  const times = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      queries = 0;
      const start = process.hrtime.bigint();
      // As check --database reads it: with the files, so only checksum differences come back.
      await ledgerGate(client, { schema, rollbackWindowMs: DAY, files: [{ id: 'bench/000001.sql', checksum: 'x' }], driftKinds: 'changed' });
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  } finally {
    client.query = original;
  }
  return { queries, ms: median(times) };
}

const dir = makeServerTempDir('bgmigrate-bench-ledger-');
const project = fs.mkdtempSync(path.join(os.tmpdir(), 'bgmigrate-bench-ledger-project-'));
const server = await startPostgresServer({ dataDir: path.join(dir, 'data'), major: MAJOR, fast: true });
try {
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query('CREATE DATABASE bench_ledger');
  await admin.end();
  const url = server.url.replace(/\/postgres$/, '/bench_ledger');
  const client = new pg.Client({ connectionString: url });
  await client.connect();

  const fillStart = process.hrtime.bigint();
  const filled = await fillLedger(client);
  const fillMs = Number(process.hrtime.bigint() - fillStart) / 1e6;
  await client.query('ANALYZE');
  console.log(
    `filled the ledger: ${filled.migrations} migrations, ${filled.releases} releases, ${filled.events} release events, ${filled.deprecations} deprecations in ${round(fillMs)} ms`,
  );

  const empty = await gateCost(client, 'bench_empty_ledger');
  const full = await gateCost(client, 'bgmigrate');
  console.log(`gate in-process: ${full.queries} queries, ${round(full.ms)} ms on the full ledger; ${empty.queries} queries on a missing one`);
  await client.end();

  // One contract migration the ledger allows (deprecated at bench-v500, all older releases retired).
  const file = path.join(project, 'migrations', '001_drop_old_column.sql');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, 'ALTER TABLE public.bench_table_500 DROP COLUMN old_column;\n');
  const offline = timeCli(['check', '--offline', file], project);
  const database = timeCli(['--database', url, 'check', file], project);
  const cost = database.ms - offline.ms;
  console.log(`check one file: offline ${round(offline.ms)} ms (exit ${offline.status}), --database ${round(database.ms)} ms (exit ${database.status}); the ledger costs ${round(cost)} ms (target < 300 ms)`);
  console.log(
    JSON.stringify({
      pg: MAJOR,
      ledger: filled,
      fillMs: round(fillMs),
      gateQueries: full.queries,
      gateQueriesWithoutLedger: empty.queries,
      gateReadMs: round(full.ms),
      offlineCheckMs: round(offline.ms),
      databaseCheckMs: round(database.ms),
      ledgerCostMs: round(cost),
      targetMs: 300,
      ok: cost < 300,
    }),
  );
} finally {
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(project, { recursive: true, force: true });
}
