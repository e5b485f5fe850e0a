#!/usr/bin/env node
// `npm run bench -- squawk`: bgmigrate against squawk (devDependency squawk-cli, used here only),
// measured side by side in this run on the same files. Every figure is the median of several
// runs, the tools interleaved so that both see the same machine.
//
//   1. start-up: `node -e 0`, `bgmigrate --version`, `bgmigrate --help` (target: within 30 ms);
//   2. one `check --format json` process per corpus project, as CI runs it, against squawk's
//      native binary and its npm package on the same files: bgmigrate without the cache, with an
//      empty cache (cold: it is written) and with a warm one (targets: cold ≤ 2×, warm ≤ 1× the
//      native binary, on the sum over the projects);
//   3. the pre-commit case: `check --staged` with one new migration on top of trigger.dev's 820
//      committed ones whose analysis is cached, against squawk's npm package on that one file
//      (target: at most squawk's time);
//   4. peak memory of one check of the largest project without the cache.
//
// Its last line is the figures as JSON (scripts/bench.js prints it with the others).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');
const squawkNative = path.join(root, 'node_modules', '@squawk-cli', `${process.platform}-${process.arch}`, 'bin', 'squawk');
const squawkNpm = path.join(root, 'node_modules', 'squawk-cli', 'js', 'bin', 'squawk');
const corpusRoot = [path.join(root, '..', 'shared', 'corpus'), process.env.BGMIGRATE_CORPUS].find((dir) => dir && fs.existsSync(dir));
const RUNS = Number(process.env.BENCH_RUNS ?? 9);

if (!fs.existsSync(squawkNative) || !fs.existsSync(squawkNpm)) {
  console.log(JSON.stringify({ skipped: 'squawk-cli is not installed (npm ci installs it as a devDependency)' }));
  process.exit(0);
}

const tmp = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? os.tmpdir()), 'bgmigrate-bench-squawk-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

/** Wall time of one process, in ms; `ok` says which exit codes are expected. */
function once(command, args, { cwd = root, ok = [0, 1], env } = {}) {
  const start = process.hrtime.bigint();
  const run = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: env ? { ...process.env, ...env } : undefined });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (!ok.includes(run.status)) throw new Error(`${path.basename(command)} ${args.slice(0, 3).join(' ')} … exit ${run.status}: ${run.stderr.split('\n')[0]}`);
  return { ms, run };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (ms) => Math.round(ms * 10) / 10;
const ratio = (a, b) => Math.round((a / b) * 100) / 100;

/**
 * Runs each named command RUNS times, interleaved; `before(name, i)` runs untimed before each.
 * Returns the median of each.
 */
function interleaved(commands, before = () => {}) {
  const times = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const [name, [command, args, options]] of Object.entries(commands)) {
      before(name, i);
      times[name].push(once(command, args, options).ms);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, round(median(v))]));
}

const results = {};

// 1. Start-up.
results.startup = interleaved({
  node: [process.execPath, ['-e', '0']],
  version: [process.execPath, [cli, '--version']],
  help: [process.execPath, [cli, '--help']],
});
results.startup.versionOverNodeMs = round(results.startup.version - results.startup.node);
results.startup.helpOverNodeMs = round(results.startup.help - results.startup.node);
console.log(
  `start-up: node -e 0 ${results.startup.node} ms, --version ${results.startup.version} ms (+${results.startup.versionOverNodeMs}), ` +
    `--help ${results.startup.help} ms (+${results.startup.helpOverNodeMs}) (target: within 30 ms of node)`,
);

// 2. One check process per corpus project.
if (!corpusRoot) {
  console.log('projects: ../shared/corpus not found (set BGMIGRATE_CORPUS); skipped');
} else {
  const projects = fs.readdirSync(corpusRoot).filter((p) => fs.existsSync(path.join(corpusRoot, p, 'ORDER.txt'))).sort();
  results.projects = {};
  const sums = { squawkNative: 0, squawkNpm: 0, noCache: 0, cold: 0, warm: 0 };
  for (const project of projects) {
    const cwd = path.join(corpusRoot, project);
    const files = fs.readFileSync(path.join(cwd, 'ORDER.txt'), 'utf8').split('\n').filter((l) => l.trim() !== '');
    const cacheDir = path.join(tmp, `cache-${project}`);
    const check = (...extra) => [process.execPath, [cli, 'check', '--format', 'json', ...extra, ...files], { cwd }];
    const m = interleaved(
      {
        squawkNative: [squawkNative, files, { cwd }],
        squawkNpm: [process.execPath, [squawkNpm, ...files], { cwd }],
        noCache: check('--no-cache'),
        cold: check('--cache-location', path.join(cacheDir, 'cold')),
        warm: check('--cache-location', path.join(cacheDir, 'warm')),
      },
      (name, i) => {
        // Cold: an empty cache every time. Warm: filled once, untimed, before the first run.
        if (name === 'cold') fs.rmSync(path.join(cacheDir, 'cold'), { recursive: true, force: true });
        if (name === 'warm' && i === 0) once(...check('--cache-location', path.join(cacheDir, 'warm')));
      },
    );
    results.projects[project] = { files: files.length, ...m };
    for (const k of Object.keys(sums)) sums[k] += m[k];
    console.log(
      `projects: ${project} (${files.length} files): squawk ${m.squawkNative} ms (npm ${m.squawkNpm}), bgmigrate no cache ${m.noCache}, cold ${m.cold}, warm ${m.warm}`,
    );
  }
  for (const k of Object.keys(sums)) sums[k] = round(sums[k]);
  // What any Node.js program pays before its first line, once per project: the part of each
  // target that no work of bgmigrate's can reduce.
  const nodeFloor = round(projects.length * results.startup.node);
  results.projectsTotal = {
    ...sums,
    coldOverSquawk: ratio(sums.cold, sums.squawkNative),
    warmOverSquawk: ratio(sums.warm, sums.squawkNative),
    noCacheOverSquawk: ratio(sums.noCache, sums.squawkNative),
    coldOverSquawkNpm: ratio(sums.cold, sums.squawkNpm),
    warmOverSquawkNpm: ratio(sums.warm, sums.squawkNpm),
    nodeStartUp: nodeFloor,
    targets: { coldOverSquawk: 2, warmOverSquawk: 1 },
  };
  console.log(
    `projects: all ${projects.length}, one process each: squawk ${sums.squawkNative} ms (npm ${sums.squawkNpm}); bgmigrate cold ${sums.cold} ms ` +
      `(${results.projectsTotal.coldOverSquawk}×, target ≤ 2×; ${results.projectsTotal.coldOverSquawkNpm}× squawk's npm package), ` +
      `warm ${sums.warm} ms (${results.projectsTotal.warmOverSquawk}×, target ≤ 1×; ${results.projectsTotal.warmOverSquawkNpm}× npm), ` +
      `no cache ${sums.noCache} ms (${results.projectsTotal.noCacheOverSquawk}×)`,
  );
  console.log(
    `projects: Node's start-up alone (${projects.length} × node -e 0) is ${nodeFloor} ms: the warm target leaves ` +
      `${round((sums.squawkNative - nodeFloor) / projects.length)} ms per process for everything else, the cold one ` +
      `${round((2 * sums.squawkNative - nodeFloor) / projects.length)} ms; bgmigrate used ${round((sums.warm - nodeFloor) / projects.length)} ms warm, ` +
      `${round((sums.cold - nodeFloor) / projects.length)} ms cold`,
  );

  // 3. Pre-commit: one new migration staged on top of trigger.dev's committed history.
  const big = projects.map((p) => [p, path.join(corpusRoot, p)]).find(([p]) => p === 'trigger.dev');
  if (big) {
    const repo = path.join(tmp, 'staged');
    const source = path.join(big[1], 'internal-packages', 'database', 'prisma', 'migrations');
    const dir = path.join(repo, 'prisma', 'migrations');
    fs.cpSync(source, dir, { recursive: true });
    fs.writeFileSync(path.join(repo, 'package.json'), '{"private":true}\n');
    fs.writeFileSync(path.join(repo, '.gitignore'), 'node_modules\n');
    fs.writeFileSync(path.join(repo, 'bgmigrate.config.json'), JSON.stringify({ migrationsDir: 'prisma/migrations' }));
    const git = (...args) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
    git('init', '-q');
    git('add', '-A');
    git('-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '-qm', 'history');
    const committed = fs.readdirSync(dir).filter((d) => fs.statSync(path.join(dir, d)).isDirectory()).length;
    // The whole history checked once, as CI or an earlier commit would have: its analysis is cached.
    once(process.execPath, [cli, 'check', '--format', 'json'], { cwd: repo });
    const newDir = path.join(dir, '99990101000000_bench_new');
    fs.mkdirSync(newDir);
    const newFile = path.join(newDir, 'migration.sql');
    const m = interleaved(
      {
        staged: [process.execPath, [cli, 'check', '--staged', '--format', 'json'], { cwd: repo }],
        squawkNpm: [process.execPath, [squawkNpm, newFile], { cwd: repo }],
        squawkNative: [squawkNative, [newFile], { cwd: repo }],
      },
      (name, i) => {
        if (name !== 'staged') return;
        // A new file each time (different bytes): its analysis is never in the cache.
        fs.writeFileSync(newFile, `-- change ${i}\nALTER TABLE "TaskRun" ADD COLUMN "benchNote${i}" TEXT;\n`);
        git('add', '-A');
      },
    );
    results.staged = { committed, ...m, overSquawkNpm: ratio(m.staged, m.squawkNpm) };
    console.log(
      `staged: check --staged, 1 new migration on ${committed} cached: ${m.staged} ms; squawk npm on the file ${m.squawkNpm} ms ` +
        `(${results.staged.overSquawkNpm}×, target ≤ 1×), squawk native ${m.squawkNative} ms; ` +
        `squawk's npm package is node -e 0 (${results.startup.node} ms) plus its native binary, and bgmigrate --version alone takes ${results.startup.version} ms`,
    );
  }

  // 4. Peak memory, largest project, no cache.
  const largest = projects
    .map((p) => ({ p, files: fs.readFileSync(path.join(corpusRoot, p, 'ORDER.txt'), 'utf8').split('\n').filter((l) => l.trim() !== '') }))
    .sort((a, b) => b.files.length - a.files.length)[0];
  const rss = 'data:text/javascript,process.on("exit",()=>process.stderr.write("maxrss "+process.resourceUsage().maxRSS+"\\n"))';
  const { run } = once(process.execPath, ['--import', rss, cli, 'check', '--format', 'json', '--no-cache', ...largest.files], {
    cwd: path.join(corpusRoot, largest.p),
  });
  const kb = Number(/maxrss (\d+)/.exec(run.stderr)?.[1] ?? NaN);
  results.peakMemory = { project: largest.p, files: largest.files.length, peakRssMb: round(kb / 1024) };
  console.log(`memory: check of ${largest.p} (${largest.files.length} files), no cache: peak RSS ${results.peakMemory.peakRssMb} MB`);
}

console.log(JSON.stringify(results));
