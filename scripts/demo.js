#!/usr/bin/env node
/**
 * `npm run demo`: migrations-example through its whole expand/contract life on a real
 * PostgreSQL, using the built CLI exactly as a deploy pipeline would. `npm run demo -- kysely`
 * walks migrations-example-kysely, the same shop written as Kysely migrations.
 *
 * Starts a throwaway embedded PostgreSQL (free port, temp directory), grows a migrations
 * directory release by release as the shop's repository would (v1: 001–003, v2: 004–006,
 * v3: 007–008), and runs `bgmigrate apply`, `release`, `status` at each step, printing every
 * command and its output — refusals included. Stops the server at the end, also on failure.
 * Exits 1 when a step's exit code is not the one expected.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { makeServerTempDir, startPostgresServer } from '../dist/db/embedded.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
// `npm run demo -- kysely`: the same shop written as Kysely migrations (migrations-example-kysely/).
const FLAVOUR = process.argv[2] === 'kysely' ? 'kysely' : 'sql';
if (process.argv[2] !== undefined && process.argv[2] !== 'kysely' && process.argv[2] !== 'sql') {
  console.error(`demo: unknown example "${process.argv[2]}": use "npm run demo" or "npm run demo -- kysely"`);
  process.exit(2);
}
const EXAMPLE = path.join(ROOT, FLAVOUR === 'kysely' ? 'migrations-example-kysely' : 'migrations-example');
const EXT = FLAVOUR === 'kysely' ? '.ts' : '.sql';
const RELEASES = {
  v1: ['001_create_users', '002_create_products', '003_create_orders'].map((n) => n + EXT),
  v2: ['004_users_full_name_expand', '005_users_full_name_index', '006_users_full_name_backfill'].map((n) => n + EXT),
  v3: ['007_users_name_deprecate', '008_users_drop_name'].map((n) => n + EXT),
};

const tty = process.stdout.isTTY && !process.env.NO_COLOR;
const bold = (text) => (tty ? `\x1b[1m${text}\x1b[22m` : text);
const dim = (text) => (tty ? `\x1b[2m${text}\x1b[22m` : text);
const cyan = (text) => (tty ? `\x1b[36m${text}\x1b[39m` : text);

function heading(text) {
  console.log(`\n${bold(`── ${text} `.padEnd(78, '─'))}`);
}

function main() {
  return run().catch((error) => {
    console.error(`demo: ${error.message}`);
    process.exitCode = process.exitCode || 2;
  });
}

async function run() {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  const dir = makeServerTempDir('bgmigrate-demo-');
  const workspace = path.join(dir, 'shop');
  const migrations = path.join(workspace, 'migrations');
  fs.mkdirSync(migrations, { recursive: true });
  // Kysely migrations use the project's own kysely: the shop's repository gets this one's.
  if (FLAVOUR === 'kysely') fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(workspace, 'node_modules'));
  let server;
  const failures = [];
  try {
    console.log(dim('starting a throwaway embedded PostgreSQL…'));
    // pg_stat_statements preloaded: the demo shows a contract refused by usage evidence.
    server = await startPostgresServer({ dataDir: path.join(dir, 'data'), fast: true, postgresFlags: ['-c', 'shared_preload_libraries=pg_stat_statements'] });
    const url = server.url;
    console.log(dim(`PostgreSQL ${server.major} on 127.0.0.1:${server.port}; the shop's repository is ${workspace}`));

    /** Runs `bgmigrate <args>` in the shop's repository and prints the command and its output. */
    const env = { ...process.env };
    delete env.BGMIGRATE_DATABASE_URL;
    delete env.DATABASE_URL;
    const bgmigrate = (args, expectedExit) => {
      console.log(`\n${cyan('$ bgmigrate ' + args.join(' '))}`);
      const result = spawnSync(process.execPath, [CLI, '--database', url, '--dir', 'migrations', ...args], {
        cwd: workspace,
        encoding: 'utf8',
        env,
        timeout: 120_000,
      });
      const output = `${result.stdout}${result.stderr}`.trimEnd();
      if (output) console.log(output.replace(/^/gm, '  '));
      console.log(dim(`  (exit ${result.status})`));
      if (result.status !== expectedExit) failures.push(`bgmigrate ${args.join(' ')}: exit ${result.status}, expected ${expectedExit}`);
    };
    const addRelease = (release) => {
      for (const name of RELEASES[release]) fs.copyFileSync(path.join(EXAMPLE, name), path.join(migrations, name));
      console.log(dim(`(the repository now has ${RELEASES[release].join(', ')})`));
    };
    const sql = async (text) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(text);
      } finally {
        await client.end();
      }
    };

    await sql('CREATE EXTENSION pg_stat_statements');

    heading('release v1: the shop starts');
    addRelease('v1');
    bgmigrate(['apply', '--phase', 'expand', '--release', 'v1', '--dry-run'], 0);
    bgmigrate(['apply', '--phase', 'expand', '--release', 'v1'], 0);
    bgmigrate(['release', 'ship', 'v1', '--color', 'blue'], 0);
    console.log(dim('(v1 serves traffic on blue: 5,000 customers sign up)'));
    await sql(`INSERT INTO users (email, name) SELECT 'customer' || g || '@example.com', 'Customer ' || g FROM generate_series(1, 5000) g`);

    heading('release v2: expand — add users.full_name beside users.name');
    addRelease('v2');
    bgmigrate(['apply', '--phase', 'expand', '--release', 'v2'], 0);
    console.log(dim('(green starts v2 against the same database; blue still runs v1)'));
    bgmigrate(['release', 'ship', 'v2'], 0);
    console.log(dim('(the ledger knows blue was live: v2 goes live on green, and blue keeps v1 as the rollback target)'));

    heading('release v3: reads and writes only full_name; users.name is deprecated');
    addRelease('v3');
    console.log(dim('(the pull request for v3 runs the linter in CI: the drops are refused until the ledger allows them)'));
    bgmigrate(['check', `migrations/${RELEASES.v3[0]}`, `migrations/${RELEASES.v3[1]}`], 1);
    bgmigrate(['apply', '--phase', 'expand', '--release', 'v3'], 0);
    bgmigrate(['status'], 0);
    console.log(dim('(v3 is deployed but not live yet: dropping users.name now would break v2, which serves traffic; the contract migration waits, and the deploy goes on)'));
    bgmigrate(['apply', '--phase', 'contract', '--release', 'v3'], 0);
    bgmigrate(['release', 'ship', 'v3'], 0);
    console.log(dim('(v3 is live on blue again; green keeps v2, and v1 is a standby too: a rollback could still send traffic to code that reads users.name)'));
    bgmigrate(['apply', '--phase', 'contract', '--release', 'v3'], 0);
    console.log(dim('(a pipeline that must not go on while anything waits says so: --require-all makes waiting exit 1)'));
    bgmigrate(['apply', '--phase', 'contract', '--release', 'v3', '--require-all'], 1);

    heading('the rollback window is over: retire the old releases, then contract');
    bgmigrate(['release', 'retire', 'v1'], 0);
    bgmigrate(['release', 'retire', 'v2'], 0);
    console.log(dim('(the same lint now lists the drops as allowed by the ledger: info, exit 0)'));
    bgmigrate(['check', '--verbose', `migrations/${RELEASES.v3[1]}`], 0);

    heading('usage evidence: a forgotten report job still reads users.name');
    console.log(dim('(release ship v3 recorded a snapshot of pg_stat_statements; since then a nightly report ran this query:)'));
    console.log(cyan('  SELECT id, name FROM users WHERE id = $1'));
    await sql(`SELECT id, name FROM users WHERE id = 1`);
    bgmigrate(['apply', '--phase', 'contract', '--release', 'v3'], 1);
    bgmigrate(['usage'], 1);
    console.log(dim('(the report is changed to read full_name; a new snapshot starts the count again)'));
    bgmigrate(['usage', '--snapshot'], 0);
    await sql(`SELECT id, full_name FROM users WHERE id = 1`);
    bgmigrate(['apply', '--phase', 'contract', '--release', 'v3', '--dry-run'], 0);
    bgmigrate(['apply', '--phase', 'contract', '--release', 'v3'], 0);
    bgmigrate(['status'], 0);
  } finally {
    if (server) {
      console.log(dim('\nstopping the embedded PostgreSQL…'));
      await server.stop().catch((error) => console.error(`demo: could not stop the server: ${error?.message ?? error}`));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  heading(failures.length === 0 ? 'demo finished: every step behaved as expected' : 'demo FAILED');
  for (const failure of failures) console.log(`  ${failure}`);
  if (failures.length > 0) process.exitCode = 1;
}

main();
