#!/usr/bin/env node
// `npm run bench`: the performance figures the issues ask for, measured on this machine in one run.
//
//   1. check of the whole real-world corpus (1,722 files) in ONE `check --format json` process,
//      wall time including Node start-up (target < 0.5 s; squawk, a Rust linter, ~0.3 s);
//   2. check of one small file, the pre-commit case (target < 150 ms);
//   3. statements per second, in-process;
//   4. the ledger gate: `check --database` against a ledger of 10,000 migrations and 1,000
//      releases, minus offline check of the same file (target < 300 ms), and its query count;
//   5. the traffic stall: worst workload latency with bgmigrate's runner versus a plain client;
//   6. trace of migrations-example on an embedded server (target < 5 s);
//   7. one 10 MB migration built from the corpus: time and peak memory (target < 5 s, < 600 MB),
//      next to a 2 MB one to show the growth is linear.
//
// Each figure is printed as it is measured; the last line is all of them as JSON.
//   8. side by side with squawk (scripts/bench-squawk.js): start-up, one check per corpus
//      project without, with a cold and with a warm analysis cache, check --staged on top of a
//      cached history, peak memory. Parts 1 and 2 run without the cache, as before it existed.
//
// Run a part alone with `npm run bench -- corpus small throughput ledger stall trace large squawk`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');
const corpusRoot = [path.join(root, '..', 'shared', 'corpus'), process.env.BGMIGRATE_CORPUS].find(
  (dir) => dir && fs.existsSync(dir),
);
const wanted = new Set(process.argv.slice(2));
const want = (part) => wanted.size === 0 || wanted.has(part);
const results = {};

function corpusFiles() {
  if (!corpusRoot) return [];
  const files = [];
  for (const project of fs.readdirSync(corpusRoot).sort()) {
    const order = path.join(corpusRoot, project, 'ORDER.txt');
    if (!fs.existsSync(order)) continue;
    for (const line of fs.readFileSync(order, 'utf8').split('\n')) {
      if (line.trim()) files.push(path.join(corpusRoot, project, line.trim()));
    }
  }
  return files;
}

/** Wall time of a whole process, best and median of `runs`. */
function timeProcess(args, runs, options = {}) {
  const times = [];
  let last;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    last = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, ...options });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (last.status === null || last.status > 1) {
      throw new Error(`bgmigrate ${args.slice(0, 3).join(' ')} … failed (exit ${last.status}): ${last.stderr.split('\n')[0]}`);
    }
  }
  times.sort((a, b) => a - b);
  return { bestMs: round(times[0]), medianMs: round(times[Math.floor(times.length / 2)]), runs, output: last };
}

const round = (ms) => Math.round(ms * 10) / 10;

function nodeStartup() {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const start = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '0']);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return round(times.sort((a, b) => a - b)[2]);
}

if (!fs.existsSync(cli)) {
  console.error('dist/ is missing: run "npm run build" (npm run bench does it for you)');
  process.exit(2);
}

results.nodeStartupMs = nodeStartup();
console.log(`node -e 0: ${results.nodeStartupMs} ms (start-up floor)`);

if (want('corpus')) {
  const files = corpusFiles();
  if (files.length === 0) {
    console.log('corpus: ../shared/corpus not found (set BGMIGRATE_CORPUS); skipped');
  } else {
    const rel = files.map((f) => path.relative(root, f));
    const t = timeProcess(['check', '--format', 'json', '--no-cache', ...rel], 7);
    const report = JSON.parse(t.output.stdout);
    results.corpus = {
      files: report.summary.files,
      findings: report.files.reduce((n, f) => n + f.findings.length, 0),
      parseErrors: report.files.reduce((n, f) => n + f.findings.filter((x) => x.rule === 'parse-error').length, 0),
      bestMs: t.bestMs,
      medianMs: t.medianMs,
      targetMs: 500,
      squawkReferenceMs: 300,
    };
    console.log(
      `corpus: ${report.summary.files} files in one check process: best ${t.bestMs} ms, median ${t.medianMs} ms ` +
        `(target < 500 ms; squawk ≈ 300 ms on the same files); ${results.corpus.parseErrors} parse errors`,
    );
  }
}

if (want('kysely')) {
  // A 200-file Kysely project (scripts compiled by running up() through tsx), against the same
  // statements as 200 SQL files: the difference is the loader's and the compile's share.
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), 'bgmigrate-kysely-'));
  const ts = path.join(dir, 'ts', 'migrations');
  const sqlDir = path.join(dir, 'sql', 'migrations');
  fs.mkdirSync(ts, { recursive: true });
  fs.mkdirSync(sqlDir, { recursive: true });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'ts', 'node_modules'));
  for (let i = 1; i <= 200; i++) {
    const n = String(i).padStart(3, '0');
    fs.writeFileSync(
      path.join(ts, `${n}_t${i}.ts`),
      `import { Kysely, sql } from 'kysely';\n\nexport async function up(db: Kysely<any>): Promise<void> {\n` +
        `  await db.schema.createTable('t${i}').addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity()).addColumn('name', 'text').execute();\n` +
        `  await db.schema.alterTable('t${i}').addColumn('email', 'text').execute();\n` +
        `  await sql\`comment on table t${i} is \${'table ${i}'}\`.execute(db);\n}\n`,
    );
    fs.writeFileSync(
      path.join(sqlDir, `${n}_t${i}.sql`),
      `create table "t${i}" ("id" bigint primary key generated always as identity, "name" text);\nalter table "t${i}" add column "email" text;\ncomment on table t${i} is 'table ${i}';\n`,
    );
  }
  try {
    // Cold: tsx's transform cache emptied first (it lives in the temp directory, tsx-<uid>).
    const tsxCache = path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), `tsx-${process.getuid?.() ?? 0}`);
    fs.rmSync(tsxCache, { recursive: true, force: true });
    const cold = timeProcess(['check', '--format', 'json'], 1, { cwd: path.join(dir, 'ts') });
    const warm = timeProcess(['check', '--format', 'json'], 5, { cwd: path.join(dir, 'ts') });
    const plain = timeProcess(['check', '--format', 'json'], 5, { cwd: path.join(dir, 'sql') });
    const files = JSON.parse(warm.output.stdout).summary.files;
    results.kysely = {
      files,
      coldMs: cold.bestMs,
      warmMedianMs: warm.medianMs,
      sameSqlMedianMs: plain.medianMs,
      loaderShare: Math.round(((warm.medianMs - plain.medianMs) / warm.medianMs) * 100) / 100,
    };
    console.log(
      `kysely: ${files} Kysely migrations: cold ${cold.bestMs} ms, warm median ${warm.medianMs} ms; the same statements as SQL files ${plain.medianMs} ms ` +
        `(loading and compiling the scripts: ${Math.round(results.kysely.loaderShare * 100)}% of the warm run)`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (want('usage')) {
  // Usage evidence: 5,000 distinct statements in pg_stat_statements (its default maximum) against
  // a 300-table schema, judged for 10 deprecated columns; then the shadow build (every migration
  // replayed onto a throwaway database) for migrations-example and for the largest corpus project.
  const { makeServerTempDir, startPostgresServer } = await import('../dist/db/embedded.js');
  const { replayOnShadow } = await import('../dist/usage/shadow.js');
  const { discoverMigrations, readMigrationFile } = await import('../dist/migrations/discover.js');
  const { default: pg } = await import('pg');
  const dir = makeServerTempDir('bgmigrate-usage-bench-');
  const server = await startPostgresServer({ dataDir: path.join(dir, 'data'), fast: true, postgresFlags: ['-c', 'shared_preload_libraries=pg_stat_statements'] });
  try {
    const project = path.join(dir, 'project');
    fs.mkdirSync(path.join(project, 'migrations'), { recursive: true });
    const columns = Array.from({ length: 10 }, (_, i) => `c${i + 1} text`).join(', ');
    fs.writeFileSync(
      path.join(project, 'migrations', '001_tables.sql'),
      Array.from({ length: 300 }, (_, t) => `CREATE TABLE t${t + 1} (id bigint PRIMARY KEY, ${columns});`).join('\n') + '\n',
    );
    const env = { ...process.env, BGMIGRATE_DATABASE_URL: server.url };
    const cliRun = (args) => spawnSync(process.execPath, [cli, ...args], { cwd: project, encoding: 'utf8', env, maxBuffer: 256 * 1024 * 1024 });
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    await client.query('CREATE EXTENSION pg_stat_statements');
    cliRun(['apply', '--phase', 'expand', '--release', 'v1', '--skip-pool-check']);
    cliRun(['release', 'ship', 'v1']);
    fs.writeFileSync(path.join(project, 'migrations', '002_deprecate.sql'), `-- bgmigrate: deprecates ${Array.from({ length: 10 }, (_, i) => `public.t${i + 1}.c1`).join(', ')}\nCOMMENT ON TABLE t1 IS 'x';\n`);
    cliRun(['apply', '--phase', 'expand', '--release', 'v2', '--skip-pool-check']);
    cliRun(['release', 'ship', 'v2']);
    // 5,000 distinct shapes: a table, two selected columns and a filter column.
    let n = 0;
    for (let t = 1; t <= 300 && n < 5000; t++) {
      for (let a = 2; a <= 10 && n < 5000; a++) {
        for (let b = a + 1; b <= 10 && n < 5000; b++, n++) await client.query(`SELECT c${a}, c${b} FROM t${t} WHERE id = $1`, [n]);
      }
    }
    const entries = Number((await client.query('SELECT count(*) FROM pg_stat_statements')).rows[0].count);
    await client.end();
    const start = process.hrtime.bigint();
    const judged = cliRun(['usage', '--format', 'json']);
    const judgeMs = round(Number(process.hrtime.bigint() - start) / 1e6);
    if (judged.status !== 0) throw new Error(`usage exited ${judged.status}: ${judged.stderr.split('\n')[0]}`);
    const objects = JSON.parse(judged.stdout).objects.length;
    const example = discoverMigrations({ dir: path.join(root, 'migrations-example'), layout: 'plain' });
    const exampleShadow = await replayOnShadow('embedded', example, [], 18);
    results.usage = { statements: entries, tables: 300, objects, judgeMs, targetMs: 2000, shadowExampleMs: exampleShadow.buildMs };
    console.log(`usage: ${entries} pg_stat_statements entries judged for ${objects} deprecated columns against 300 tables: ${judgeMs} ms, CLI start-up included (target < 2 s)`);
    console.log(`usage: shadow build for migrations-example (${example.length} migrations): ${exampleShadow.buildMs} ms, server start excluded`);
    // The largest corpus project, in its own order.
    if (corpusRoot) {
      const projects = fs.readdirSync(corpusRoot).filter((p) => fs.existsSync(path.join(corpusRoot, p, 'ORDER.txt')));
      const sizes = projects.map((p) => [p, fs.readFileSync(path.join(corpusRoot, p, 'ORDER.txt'), 'utf8').split('\n').filter((l) => l.trim())]);
      const [name, lines] = sizes.sort((x, y) => y[1].length - x[1].length)[0];
      const files = lines.map((l) => readMigrationFile(path.join(corpusRoot, name, l.trim()), { baseDir: path.join(corpusRoot, name) }));
      try {
        const built = await replayOnShadow('embedded', files, [], 18);
        results.usage.shadowLargestCorpus = { project: name, files: files.length, ms: built.buildMs };
        console.log(`usage: shadow build for ${name} (${files.length} migrations): ${built.buildMs} ms`);
      } catch (error) {
        results.usage.shadowLargestCorpus = { project: name, files: files.length, failed: error.message.split('\n')[0] };
        console.log(`usage: shadow build for ${name} (${files.length} migrations) stopped: ${error.message.split('\n')[0]}`);
      }
    }
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (want('backfill')) {
  // 1,000,000 rows: a backfill in batches against one plain UPDATE, each while a workload of
  // single-row updates runs (its worst latency); then a SIGKILL mid-backfill and a resume.
  const { spawn } = await import('node:child_process');
  const { makeServerTempDir, startPostgresServer } = await import('../dist/db/embedded.js');
  const { default: pg } = await import('pg');
  const ROWS = Number(process.env.BGMIGRATE_BENCH_BACKFILL_ROWS ?? 1_000_000);
  const dir = makeServerTempDir('bgmigrate-backfill-bench-');
  const server = await startPostgresServer({ dataDir: path.join(dir, 'data'), fast: true });
  const connectTo = async () => {
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    return c;
  };
  const admin = await connectTo();
  try {
    const project = path.join(dir, 'project');
    fs.mkdirSync(path.join(project, 'migrations'), { recursive: true });
    fs.writeFileSync(
      path.join(project, 'migrations', '001_t.sql'),
      'CREATE TABLE t (id bigint PRIMARY KEY, a text NOT NULL, b text, updates integer NOT NULL DEFAULT 0);\n',
    );
    const env = { ...process.env, BGMIGRATE_DATABASE_URL: server.url };
    spawnSync(process.execPath, [cli, 'apply', '--phase', 'all'], { cwd: project, env });
    await admin.query(`INSERT INTO t (id, a) SELECT g, md5(g::text) FROM generate_series(1, ${ROWS}) g`);
    await admin.query('VACUUM ANALYZE t');
    const reset = async () => {
      await admin.query('UPDATE t SET b = NULL, updates = 0');
      await admin.query('VACUUM t');
    };
    /** Single-row updates of random rows until `stop()`; the worst latency seen. */
    const workload = async () => {
      const c = await connectTo();
      let running = true;
      let worst = 0;
      let count = 0;
      const loop = (async () => {
        while (running) {
          const start = process.hrtime.bigint();
          await c.query('UPDATE t SET a = a WHERE id = $1', [1 + Math.floor(Math.random() * ROWS)]);
          worst = Math.max(worst, Number(process.hrtime.bigint() - start) / 1e6);
          count++;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      return async () => {
        running = false;
        await loop;
        await c.end();
        return { worstMs: round(worst), updates: count };
      };
    };
    const runCli = (args) =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [cli, ...args], { cwd: project, env });
        child.on('close', (code) => resolve(code));
      });

    // One plain UPDATE.
    let stop = await workload();
    let start = process.hrtime.bigint();
    const plain = await connectTo();
    await plain.query('UPDATE t SET b = a WHERE b IS NULL');
    await plain.end();
    const plainMs = Number(process.hrtime.bigint() - start) / 1e6;
    const plainLoad = await stop();
    await reset();

    // The backfill.
    fs.writeFileSync(path.join(project, 'migrations', '002_backfill.sql'), '-- bgmigrate: backfill batch=10000\nUPDATE t SET b = a WHERE b IS NULL;\n');
    stop = await workload();
    start = process.hrtime.bigint();
    const code = await runCli(['apply', '--phase', 'expand']);
    const backfillMs = Number(process.hrtime.bigint() - start) / 1e6;
    const backfillLoad = await stop();
    if (code !== 0) throw new Error(`backfill apply exited ${code}`);

    // SIGKILL a third of the way, resume, count rows updated more than once.
    await admin.query(`DELETE FROM bgmigrate.migrations WHERE id = '002_backfill.sql'; DELETE FROM bgmigrate.backfill_progress`);
    await reset();
    await admin.query(`CREATE FUNCTION count_updates() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updates := OLD.updates + 1; RETURN NEW; END $$;
      CREATE TRIGGER count_updates BEFORE UPDATE OF b ON t FOR EACH ROW EXECUTE FUNCTION count_updates()`);
    const child = spawn(process.execPath, [cli, 'apply', '--phase', 'expand'], { cwd: project, env });
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const done = Number((await admin.query(`SELECT coalesce(max(rows_done), 0) AS n FROM bgmigrate.backfill_progress`)).rows[0].n);
      if (done >= ROWS / 3) break;
    }
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    const resumedCode = await runCli(['apply', '--phase', 'expand']);
    const twice = Number((await admin.query('SELECT count(*) AS n FROM t WHERE updates > 1')).rows[0].n);
    const left = Number((await admin.query('SELECT count(*) AS n FROM t WHERE b IS NULL')).rows[0].n);
    results.backfill = {
      rows: ROWS,
      plain: { ms: round(plainMs), rowsPerSecond: Math.round(ROWS / (plainMs / 1000)), worstConcurrentUpdateMs: plainLoad.worstMs },
      backfill: { ms: round(backfillMs), rowsPerSecond: Math.round(ROWS / (backfillMs / 1000)), worstConcurrentUpdateMs: backfillLoad.worstMs, lockTimeoutMs: 2000 },
      killAndResume: { exit: resumedCode, rowsUpdatedTwice: twice, rowsLeft: left },
    };
    console.log(
      `backfill: ${ROWS} rows: plain UPDATE ${round(plainMs)} ms (${results.backfill.plain.rowsPerSecond} rows/s), worst concurrent single-row update ${plainLoad.worstMs} ms; ` +
        `backfill (10,000-row batches) ${round(backfillMs)} ms (${results.backfill.backfill.rowsPerSecond} rows/s, CLI start-up included), worst concurrent update ${backfillLoad.worstMs} ms (limit: lock timeout 2,000 ms + 100 ms)`,
    );
    console.log(`backfill: SIGKILL after a third, then resumed (exit ${resumedCode}): ${twice} rows updated twice, ${left} rows left`);
  } finally {
    await admin.end().catch(() => undefined);
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (want('large')) {
  const files = corpusFiles();
  if (files.length === 0) {
    console.log('large: ../shared/corpus not found (set BGMIGRATE_CORPUS); skipped');
  } else {
    results.largeFile = {};
    const dir = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), 'bgmigrate-large-'));
    for (const mb of [2, 10]) {
      // The corpus's statements, file after file, until the size is reached.
      const parts = [];
      let size = 0;
      for (let i = 0; size < mb * 1e6; i++) {
        let text = fs.readFileSync(files[i % files.length], 'utf8').trimEnd();
        if (!text.endsWith(';')) text += ';';
        parts.push(text, '\n');
        size += Buffer.byteLength(text) + 1;
      }
      const file = path.join(dir, `large-${mb}mb.sql`);
      fs.writeFileSync(file, parts.join(''));
      // Peak memory: the child reports its own maximum resident set size as it exits.
      const report = "data:text/javascript,process.on('exit',()=>process.stderr.write('maxrss '+process.resourceUsage().maxRSS+'\\n'))";
      const start = process.hrtime.bigint();
      const run = spawnSync(process.execPath, ['--import', report, cli, 'check', '--format', 'json', file], { cwd: root, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
      const ms = round(Number(process.hrtime.bigint() - start) / 1e6);
      const rssMb = Math.round(Number(/maxrss (\d+)/.exec(run.stderr)?.[1] ?? 0) / 1024);
      const stderr = run.stderr.split('\n').filter((l) => l && !l.startsWith('maxrss'));
      if (run.status === null || run.status > 1 || stderr.length > 0) throw new Error(`large ${mb} MB: exit ${run.status}: ${stderr[0] ?? ''}`);
      results.largeFile[`${mb}mb`] = { bytes: size, ms, peakRssMb: rssMb, ...(mb === 10 ? { targetMs: 5000, targetRssMb: 600 } : {}) };
      console.log(`large file ${mb} MB (${JSON.parse(run.stdout).files[0].findings.length} findings): ${ms} ms, peak ${rssMb} MB${mb === 10 ? ' (target < 5000 ms, < 600 MB)' : ''}`);
    }
    // Dense: 2 MB of ALTER … ADD CONSTRAINT NOT VALID and UPDATEs in one transaction, the shape
    // whose same-transaction rules used to make the check quadratic.
    const dense = [];
    for (let i = 0; dense.join('\n').length < 2e6 && i < 40000; i++) {
      dense.push(`ALTER TABLE t${i % 50} ADD CONSTRAINT c${i} CHECK (x > ${i}) NOT VALID;`, `UPDATE t${i % 50} SET x = x + 1 WHERE id = ${i};`);
    }
    const denseFile = path.join(dir, 'dense-2mb.sql');
    fs.writeFileSync(denseFile, dense.join('\n') + '\n');
    const t = timeProcess(['check', '--format', 'json', denseFile], 1);
    results.largeFile.dense2mb = { ms: t.bestMs };
    console.log(`dense 2 MB (one transaction, ${dense.length} statements): ${t.bestMs} ms`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (want('small')) {
  const file = path.join('migrations-example', '004_users_full_name_expand.sql');
  const t = timeProcess(['check', '--no-cache', file], 11);
  results.smallFile = { file, bestMs: t.bestMs, medianMs: t.medianMs, targetMs: 150 };
  console.log(`one small file (${file}): best ${t.bestMs} ms, median ${t.medianMs} ms (target < 150 ms)`);
}

if (want('throughput')) {
  const files = corpusFiles();
  if (files.length > 0) {
    const { lintMigrations } = await import(path.join(root, 'dist', 'lint.js'));
    const { readMigrationFile } = await import(path.join(root, 'dist', 'migrations', 'discover.js'));
    const migrations = files.map((f) => readMigrationFile(f));
    await lintMigrations(migrations.slice(0, 20), { pgVersion: 15 }); // load the parser, warm up
    const start = process.hrtime.bigint();
    const reports = await lintMigrations(migrations, { pgVersion: 15 });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const statements = reports.reduce((n, r) => n + r.statements.length, 0);
    const bytes = migrations.reduce((n, m) => n + m.bytes.length, 0);
    results.throughput = { statements, ms: round(ms), statementsPerSecond: Math.round(statements / (ms / 1000)), megabytesPerSecond: round(bytes / 1048576 / (ms / 1000)) };
    console.log(`throughput: ${statements} statements in ${round(ms)} ms in-process = ${results.throughput.statementsPerSecond} statements/s`);
  }
}

for (const [part, script] of [
  ['ledger', 'bench-ledger.js'],
  ['stall', 'bench-stall.js'],
  ['trace', 'bench-trace.js'],
  ['squawk', 'bench-squawk.js'],
]) {
  if (!want(part)) continue;
  const file = path.join(root, 'scripts', script);
  if (!fs.existsSync(file)) {
    console.log(`${part}: scripts/${script} not present; skipped`);
    continue;
  }
  const run = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 600_000 });
  const lines = run.stdout.trim().split('\n');
  for (const line of lines.slice(0, -1)) console.log(`${part}: ${line}`);
  try {
    results[part] = JSON.parse(lines.at(-1));
    console.log(`${part}: ${lines.at(-1)}`);
  } catch {
    results[part] = { error: `exit ${run.status}`, output: lines.at(-1) };
    console.log(`${part}: failed (exit ${run.status})`);
  }
}

console.log(JSON.stringify(results));
