import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { lintMigrations } from '../src/lint.js';
import type { FileReport, MigrationFile } from '../src/model.js';
import { ROOT, runCli } from './support/cli.js';

// The corpus lives in ../shared beside the checkout (as in CI), or where BGMIGRATE_CORPUS says.
const CORPUS = [process.env.BGMIGRATE_CORPUS, path.resolve(ROOT, '..', 'shared', 'corpus'), '/work/shared/corpus'].find(
  (dir): dir is string => dir !== undefined && fs.existsSync(dir),
) ?? '';
const projects = CORPUS !== ''
  ? fs.readdirSync(CORPUS).filter((d) => fs.existsSync(path.join(CORPUS, d, 'ORDER.txt')))
  : [];

function load(project: string): MigrationFile[] {
  const root = path.join(CORPUS, project);
  return fs
    .readFileSync(path.join(root, 'ORDER.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((rel) => {
      const absolutePath = path.join(root, rel);
      const bytes = fs.readFileSync(absolutePath);
      return { id: rel, path: `${project}/${rel}`, absolutePath, bytes, checksum: createHash('sha256').update(bytes).digest('hex') };
    });
}

describe.skipIf(projects.length === 0)('real-world corpus', () => {
  const all: FileReport[] = [];

  it.each(projects)('%s: every file is analysed, no parse-error on a non-empty file, no crash', async (project) => {
    const files = load(project);
    const reports = await lintMigrations(files, { pgVersion: 15 });
    all.push(...reports);
    expect(reports).toHaveLength(files.length);
    const parseErrors = reports.flatMap((r) => r.findings.filter((f) => f.rule === 'parse-error').map((f) => `${r.path}:${f.line}:${f.column} ${f.message}`));
    expect(parseErrors).toEqual([]);
    // Every non-empty file has statements; every empty one says so.
    for (const r of reports) {
      const empty = r.findings.some((f) => f.rule === 'empty-migration');
      expect(empty).toBe(r.statements.length === 0);
    }
  });

  it('has the expected size', () => {
    expect(all.length).toBe(1722);
  });

  it.each(projects)('%s: one `check --format json` run of the built CLI over every file', (project) => {
    const root = path.join(CORPUS, project);
    const files = fs.readFileSync(path.join(root, 'ORDER.txt'), 'utf8').split('\n').filter((l) => l.trim() !== '');
    const run = runCli(['check', '--format', 'json', ...files], { cwd: root, timeoutMs: 120_000 });
    expect(run.stderr).toBe('');
    expect([0, 1]).toContain(run.code);
    const report = JSON.parse(run.stdout);
    expect(report.summary.files).toBe(files.length);
    expect(report.files.map((f: { path: string }) => f.path)).toEqual(files);
    const parseErrors = report.files.flatMap((f: { findings: { rule: string }[] }) => f.findings.filter((x) => x.rule === 'parse-error'));
    expect(parseErrors).toEqual([]);
    expect(run.code).toBe(report.summary.errors > 0 ? 1 : 0);
  });
});
