/**
 * The analysis cache (src/cache/): with it, `check` prints exactly what it prints without it —
 * over the whole real-world corpus, cold and warm — and a damaged, shared or unwritable cache
 * changes nothing but the time taken.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { check } from '../../src/check.js';
import { loadConfig } from '../../src/config/config.js';
import { RULE_IDS } from '../../src/rules/ids.js';
import { CLI, ROOT, runCli, tempProject, type CliRun } from '../support/cli.js';

const CORPUS = [process.env.BGMIGRATE_CORPUS, path.resolve(ROOT, '..', 'shared', 'corpus'), '/work/shared/corpus'].find(
  (dir): dir is string => dir !== undefined && fs.existsSync(dir),
) ?? '';
const projects = CORPUS !== '' ? fs.readdirSync(CORPUS).filter((d) => fs.existsSync(path.join(CORPUS, d, 'ORDER.txt'))) : [];

const freshDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'bgmigrate-cache-'));

/** The `cache:` line --verbose prints. */
const statsLine = (run: CliRun) => run.stderr.split('\n').find((l) => l.startsWith('cache:'));

function migrations(count: number, extra: Record<string, string> = {}): string {
  const files: Record<string, string> = {};
  for (let i = 1; i <= count; i++) {
    const n = String(i).padStart(3, '0');
    files[`migrations/${n}_t${i}.sql`] =
      `create table t${i} (id bigint primary key, name varchar(10));\n` + (i > 1 ? `alter table t${i - 1} drop column name;\n` : '');
  }
  return tempProject({ ...files, ...extra });
}

describe.skipIf(projects.length === 0)('the cache over the real-world corpus', () => {
  it.each(projects)('%s: the same bytes and exit code without the cache, cold and warm', (project) => {
    const root = path.join(CORPUS, project);
    const files = fs.readFileSync(path.join(root, 'ORDER.txt'), 'utf8').split('\n').filter((l) => l.trim() !== '');
    const location = freshDir();
    const args = ['check', '--format', 'json', ...files];
    const plain = runCli([...args, '--no-cache'], { cwd: root });
    const cold = runCli([...args, '--cache-location', location, '--verbose'], { cwd: root });
    const warm = runCli([...args, '--cache-location', location, '--verbose'], { cwd: root });
    expect(plain.code).toBe(1);
    expect(JSON.parse(plain.stdout).summary.files).toBe(files.length);
    for (const run of [cold, warm]) {
      expect(run.code).toBe(plain.code);
      expect(run.stdout).toBe(plain.stdout);
    }
    expect(statsLine(cold)).toBe(`cache: 0 report(s) cached, ${files.length} linted, 0 replayed, written`);
    expect(statsLine(warm)).toBe(`cache: ${files.length} report(s) cached, 0 linted, 0 replayed`);
    // The pretty report (code frames from the files' text) is the same too.
    const pretty = runCli(['check', ...files.slice(0, 40), '--no-cache', '--no-color'], { cwd: root });
    runCli(['check', ...files.slice(0, 40), '--cache-location', location], { cwd: root });
    expect(runCli(['check', ...files.slice(0, 40), '--cache-location', location, '--no-color'], { cwd: root }).stdout).toBe(pretty.stdout);
  });
});

describe('the cache', () => {
  it('lints a new migration on top of the cached model of an unchanged history (the pre-commit case)', () => {
    const dir = migrations(30);
    const location = freshDir();
    expect(statsLine(runCli(['check', '--format', 'json', '--cache-location', location, '--verbose'], { cwd: dir }))).toBe(
      'cache: 0 report(s) cached, 30 linted, 0 replayed, written',
    );
    // A staged-style run: only the new file is reported, the 30 before it are history.
    fs.writeFileSync(path.join(dir, 'migrations', '031_new.sql'), 'alter table t30 alter column id type integer;\n');
    const withCache = runCli(['check', 'migrations/031_new.sql', '--format', 'json', '--cache-location', location, '--verbose'], { cwd: dir });
    expect(statsLine(withCache)).toBe('cache: 0 report(s) cached, 1 linted, 0 replayed on a cached model, written');
    const without = runCli(['check', 'migrations/031_new.sql', '--format', 'json', '--no-cache'], { cwd: dir });
    expect(withCache.stdout).toBe(without.stdout);
    expect(JSON.parse(without.stdout).files[0].findings.map((f: { rule: string }) => f.rule)).toEqual(['change-column-type']);
    // The whole directory again: 30 reports from the first run, 1 from the second, nothing parsed.
    const all = runCli(['check', '--format', 'json', '--cache-location', location, '--verbose'], { cwd: dir });
    expect(statsLine(all)).toBe('cache: 31 report(s) cached, 0 linted, 0 replayed');
    expect(all.stdout).toBe(runCli(['check', '--format', 'json', '--no-cache'], { cwd: dir }).stdout);
  });

  it('an edit in the middle of the history re-lints that file and every later one, and no earlier one', () => {
    const dir = migrations(20);
    const location = freshDir();
    runCli(['check', '--format', 'json', '--cache-location', location], { cwd: dir });
    // t10 loses its primary key: what later files do to it is judged against the new model.
    fs.writeFileSync(path.join(dir, 'migrations', '010_t10.sql'), 'create table t10 (id bigint, name text);\nalter table t9 drop column name;\n');
    const run = runCli(['check', '--format', 'json', '--cache-location', location, '--verbose'], { cwd: dir });
    // No model was saved after file 9: files 1–9 are replayed (parsed, not reported again).
    expect(statsLine(run)).toBe('cache: 9 report(s) cached, 11 linted, 9 replayed, written');
    expect(run.stdout).toBe(runCli(['check', '--format', 'json', '--no-cache'], { cwd: dir }).stdout);
  });

  it('a damaged entry is a miss, never a wrong answer', () => {
    const dir = migrations(12);
    const location = freshDir();
    const plain = runCli(['check', '--format', 'json', '--no-cache'], { cwd: dir });
    runCli(['check', '--format', 'json', '--cache-location', location], { cwd: dir });
    const entries = fs.readdirSync(location);
    // The index, the model, the reports (the command line caches no statements: it prints findings only).
    expect(entries.map((e) => path.extname(e)).sort()).toEqual(['', '.m', '.r']);
    // Flip one byte in the middle of each entry, then truncate one: every check must notice.
    for (const entry of entries) {
      const file = path.join(location, entry);
      const bytes = fs.readFileSync(file);
      bytes[Math.floor(bytes.length / 2)] ^= 0xff;
      fs.writeFileSync(file, bytes);
    }
    const flipped = runCli(['check', '--format', 'json', '--cache-location', location, '--verbose'], { cwd: dir });
    expect(flipped.code).toBe(plain.code);
    expect(flipped.stdout).toBe(plain.stdout);
    expect(statsLine(flipped)).toBe('cache: 0 report(s) cached, 12 linted, 0 replayed, written');
    for (const entry of fs.readdirSync(location)) fs.truncateSync(path.join(location, entry), 40);
    const truncated = runCli(['check', '--format', 'json', '--cache-location', location, '--verbose'], { cwd: dir });
    expect(truncated.stdout).toBe(plain.stdout);
    expect(statsLine(truncated)).toBe('cache: 0 report(s) cached, 12 linted, 0 replayed, written');
    // Rewritten whole: the next run is answered from it.
    expect(statsLine(runCli(['check', '--format', 'json', '--cache-location', location, '--verbose'], { cwd: dir }))).toBe(
      'cache: 12 report(s) cached, 0 linted, 0 replayed',
    );
  });

  it('runs sharing one cache at once all print the right answer', async () => {
    const dir = migrations(40);
    const location = freshDir();
    const plain = runCli(['check', '--format', 'json', '--no-cache'], { cwd: dir });
    const runs = await Promise.all(
      Array.from({ length: 4 }, () =>
        new Promise<{ code: number | null; stdout: string }>((resolve) => {
          const child = spawn(process.execPath, [CLI, 'check', '--format', 'json', '--cache-location', location], { cwd: dir });
          let stdout = '';
          child.stdout.on('data', (d) => (stdout += d));
          child.on('close', (code) => resolve({ code, stdout }));
        }),
      ),
    );
    for (const run of runs) expect(run).toEqual({ code: plain.code, stdout: plain.stdout });
    expect(fs.readdirSync(location).filter((e) => e.endsWith('.tmp'))).toEqual([]);
    const after = runCli(['check', '--format', 'json', '--cache-location', location, '--verbose'], { cwd: dir });
    expect(statsLine(after)).toBe('cache: 40 report(s) cached, 0 linted, 0 replayed');
    expect(after.stdout).toBe(plain.stdout);
  });

  it('is keyed by the target version and the rule levels', () => {
    const dir = migrations(5, { 'bgmigrate.config.json': JSON.stringify({ rules: { 'prefer-text': 'off' } }) });
    const location = freshDir();
    const run = (...extra: string[]) => runCli(['check', '--format', 'json', '--cache-location', location, '--verbose', ...extra], { cwd: dir });
    expect(statsLine(run())).toBe('cache: 0 report(s) cached, 5 linted, 0 replayed, written');
    expect(statsLine(run('--pg-version', '11'))).toBe('cache: 0 report(s) cached, 5 linted, 0 replayed, written');
    fs.writeFileSync(path.join(dir, 'bgmigrate.config.json'), JSON.stringify({ rules: { 'prefer-text': 'warning' } }));
    const changed = run();
    expect(statsLine(changed)).toBe('cache: 0 report(s) cached, 5 linted, 0 replayed, written');
    expect(changed.stdout).toContain('"rule": "prefer-text"');
    expect(statsLine(run('--pg-version', '11'))).toBe('cache: 0 report(s) cached, 5 linted, 0 replayed, written');
  });

  it('a location that cannot be written changes nothing but the time; --no-cache writes nothing', () => {
    const dir = migrations(5);
    const plain = runCli(['check', '--format', 'json', '--no-cache'], { cwd: dir });
    const blocker = path.join(freshDir(), 'a-file');
    fs.writeFileSync(blocker, 'not a directory');
    const run = runCli(['check', '--format', 'json', '--cache-location', blocker, '--verbose'], { cwd: dir });
    expect(run.code).toBe(plain.code);
    expect(run.stdout).toBe(plain.stdout);
    expect(statsLine(run)).toBe('cache: 0 report(s) cached, 5 linted, 0 replayed, not written');
    // With a package.json the default is the project's node_modules/.cache/bgmigrate; --no-cache leaves it alone.
    fs.writeFileSync(path.join(dir, 'package.json'), '{}');
    runCli(['check', '--format', 'json', '--no-cache'], { cwd: dir });
    expect(fs.existsSync(path.join(dir, 'node_modules'))).toBe(false);
    runCli(['check', '--format', 'json'], { cwd: dir });
    expect(fs.readdirSync(path.join(dir, 'node_modules', '.cache', 'bgmigrate')).length).toBe(3);
  });

  it('check() gives library callers the same reports, statements included, from the cache', async () => {
    const dir = migrations(8);
    const config = loadConfig({ cwd: dir, knownRules: RULE_IDS });
    const options = { cwd: dir, config, migrationsDir: path.join(dir, 'migrations'), paths: [], pgVersion: 15 };
    const plain = await check(options);
    const cacheDir = freshDir();
    const cold = await check({ ...options, cacheDir });
    const warm = await check({ ...options, cacheDir });
    expect(cold.cache).toMatchObject({ hits: 0, linted: 8 });
    expect(warm.cache).toMatchObject({ hits: 8, linted: 0 });
    expect(JSON.parse(JSON.stringify(warm.report))).toEqual(JSON.parse(JSON.stringify(plain.report)));
    expect(warm.report.files[3].statements.map((s) => s.effects.map((e) => e.kind))).toEqual([['create-table'], ['drop-column']]);
    // Entries the command line wrote hold no statements: a library run that needs them lints again.
    const cliCache = freshDir();
    runCli(['check', '--format', 'json', '--cache-location', cliCache], { cwd: dir });
    expect((await check({ ...options, cacheDir: cliCache })).cache).toMatchObject({ hits: 0, linted: 8 });
    const withoutStatements = await check({ ...options, cacheDir: cliCache, cacheStatements: false });
    expect(withoutStatements.cache).toMatchObject({ hits: 8, linted: 0 });
    expect(() => withoutStatements.report.files[0].statements).toThrow('without its statements');
  });
});

describe('the cache store', () => {
  it('keeps what was used last within its limits, and what this run used whatever the limits', async () => {
    const { CacheStore } = await import('../../src/cache/store.js');
    const dir = freshDir();
    const old = new CacheStore(dir);
    for (let i = 0; i < 8; i++) {
      expect(old.write(`e${i}`, { i, pad: 'x'.repeat(1000) })).toBe(true);
      // Modification times a second apart, oldest first.
      const t = new Date(Date.now() - (10 - i) * 1000);
      fs.utimesSync(path.join(dir, `e${i}`), t, t);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
    const run = new CacheStore(dir, { maxEntries: 3, maxBytes: 1024 * 1024 });
    // Reading e0 makes it the most recently used: it survives, the next oldest go.
    expect(run.read('e0')).toEqual({ i: 0, pad: 'x'.repeat(1000) });
    expect(run.write('new', { i: 99 })).toBe(true);
    run.prune();
    expect(fs.readdirSync(dir).sort()).toEqual(['e0', 'e7', 'new']);
    // A byte limit below one entry still keeps this run's entries.
    const tight = new CacheStore(dir, { maxEntries: 100, maxBytes: 10 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(tight.write('mine', { i: 1 })).toBe(true);
    tight.prune();
    expect(fs.readdirSync(dir)).toEqual(['mine']);
  });
});
