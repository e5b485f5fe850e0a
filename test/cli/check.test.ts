import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULE_IDS } from '../../src/rules/index.js';
import { ROOT, runCli, tempProject } from '../support/cli.js';

const DROP = `CREATE TABLE users (id bigint PRIMARY KEY, name text);\n`;
const DROP2 = `-- drop the old column\nALTER TABLE users DROP COLUMN name;\n`;

/** A project whose second migration drops a column: one contract finding at 2:1. */
function dropProject(): string {
  return tempProject({ 'migrations/001_users.sql': DROP, 'migrations/002_drop.sql': DROP2 });
}

function oneLine(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.trim() !== '');
}

describe('check --format json', () => {
  it('reports a drop-column as an error the ledger was not asked about, and exits 1', () => {
    const cwd = dropProject();
    const run = runCli(['check', '--format', 'json'], { cwd });
    expect(run.code).toBe(1);
    const out = JSON.parse(run.stdout);
    expect(out.version).toBe(1);
    expect(out.summary).toEqual({ files: 2, errors: 1, warnings: 0 });
    expect(out.files.map((f: { path: string; phase: string }) => [f.path, f.phase])).toEqual([
      ['migrations/001_users.sql', 'expand'],
      ['migrations/002_drop.sql', 'contract'],
    ]);
    const [finding] = out.files[1].findings;
    expect(finding).toMatchObject({
      rule: 'drop-column',
      severity: 'error',
      line: 2,
      column: 1,
      endLine: 2,
      object: 'public.users.name',
      lock: 'AccessExclusiveLock',
      ledger: { allowed: false },
    });
    expect(finding.ledger.reason).toMatch(/ledger was not consulted/);
    expect(typeof finding.help).toBe('string');
    expect(Object.keys(finding)).toEqual([
      'rule', 'severity', 'message', 'line', 'column', 'endLine', 'endColumn', 'object', 'lock', 'help', 'ledger',
    ]);
  });

  it('exits 0 with no findings on additive migrations', () => {
    const cwd = tempProject({
      'migrations/001.sql': DROP,
      'migrations/002.sql': 'ALTER TABLE users ADD COLUMN email text;\n',
    });
    const run = runCli(['check', '--format', 'json'], { cwd });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).summary).toEqual({ files: 2, errors: 0, warnings: 0 });
  });

  it('lists a suppressed finding as info with its reason, and exits 0', () => {
    const cwd = tempProject({
      'migrations/001.sql': DROP,
      'migrations/002.sql': '-- bgmigrate-ignore drop-column: the column was never read\nALTER TABLE users DROP COLUMN name;\n',
    });
    const run = runCli(['check', '--format', 'json'], { cwd });
    expect(run.code).toBe(0);
    const findings = JSON.parse(run.stdout).files[1].findings;
    expect(findings.map((f: Record<string, unknown>) => [f.rule, f.severity, f.suppressed, f.line])).toEqual([
      ['drop-column', 'info', 'the column was never read', 2],
    ]);
  });

  it('honours per-rule severity from the config file', () => {
    const cwd = tempProject({ 'migrations/001.sql': 'CREATE INDEX i ON users (email);\n' });
    fs.writeFileSync(path.join(cwd, 'bgmigrate.config.json'), JSON.stringify({ rules: { 'index-not-concurrent': 'warning' } }));
    const run = runCli(['check', '--format', 'json'], { cwd });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).summary).toEqual({ files: 1, errors: 0, warnings: 1 });
  });

  it('refuses a config that lowers a contract rule: exit 2 naming the rule', () => {
    const cwd = dropProject();
    fs.writeFileSync(path.join(cwd, 'bgmigrate.config.json'), JSON.stringify({ rules: { 'drop-column': 'off' } }));
    const run = runCli(['check', '--format', 'json'], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')[0]).toBe(
      `bgmigrate: ${path.join(cwd, 'bgmigrate.config.json')}: rules.drop-column: drop-column guards the running release and cannot be set to "off"; a \`-- bgmigrate-ignore drop-column: <reason>\` on the statement is the way to accept one case`,
    );
  });

  it('reads the migrations directory from --dir and files named one by one in the given order', () => {
    const cwd = tempProject({ 'db/a.sql': DROP, 'db/b.sql': DROP2 });
    const byDir = runCli(['check', '--dir', 'db', '--format', 'json'], { cwd });
    expect(JSON.parse(byDir.stdout).files.map((f: { path: string }) => f.path)).toEqual(['db/a.sql', 'db/b.sql']);
    const byFiles = runCli(['check', 'db/b.sql', 'db/a.sql', '--format', 'json'], { cwd });
    expect(JSON.parse(byFiles.stdout).files.map((f: { path: string }) => f.path)).toEqual(['db/b.sql', 'db/a.sql']);
  });
});

describe('check --format pretty', () => {
  it('prints location, rule, message, code frame and help, without colors off a terminal', () => {
    const cwd = dropProject();
    const run = runCli(['check'], { cwd });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('migrations/002_drop.sql:2:1  error  drop-column');
    expect(run.stdout).toContain('> 2 | ALTER TABLE users DROP COLUMN name;');
    expect(run.stdout).toContain('help:');
    expect(run.stdout).toContain('ledger: refused');
    expect(run.stdout).toMatch(/2 migrations checked: 1 error, 0 warnings/);
    expect(run.stdout).not.toContain('\x1b[');
  });

  it('colors with FORCE_COLOR, and NO_COLOR wins over it', () => {
    const cwd = dropProject();
    expect(runCli(['check'], { cwd, env: { FORCE_COLOR: '1' } }).stdout).toContain('\x1b[31m');
    expect(runCli(['check'], { cwd, env: { FORCE_COLOR: '1', NO_COLOR: '1' } }).stdout).not.toContain('\x1b[');
    expect(runCli(['--no-color', 'check'], { cwd, env: { FORCE_COLOR: '1' } }).stdout).not.toContain('\x1b[');
  });
});

describe('check --format sarif', () => {
  it('writes SARIF 2.1.0 with every rule described and the finding located', () => {
    const cwd = dropProject();
    const run = runCli(['check', '--format', 'sarif'], { cwd });
    expect(run.code).toBe(1);
    const sarif = JSON.parse(run.stdout);
    expect(sarif.version).toBe('2.1.0');
    const [runObj] = sarif.runs;
    expect(runObj.tool.driver.name).toBe('bgmigrate');
    expect(runObj.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual([...RULE_IDS]);
    expect(runObj.results).toHaveLength(1);
    const [result] = runObj.results;
    expect(result.ruleId).toBe('drop-column');
    expect(result.level).toBe('error');
    expect(runObj.tool.driver.rules[result.ruleIndex].id).toBe('drop-column');
    expect(result.locations[0].physicalLocation.artifactLocation).toEqual({
      uri: 'migrations/002_drop.sql',
      uriBaseId: '%SRCROOT%',
    });
    expect(result.locations[0].physicalLocation.region).toMatchObject({ startLine: 2, startColumn: 1, endLine: 2 });
  });
});

describe('check --format github', () => {
  it('prints one workflow command per finding', () => {
    const cwd = dropProject();
    const run = runCli(['check', '--format', 'github'], { cwd });
    expect(run.code).toBe(1);
    const commands = run.stdout.split('\n').filter((l) => l.startsWith('::'));
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatch(/^::error file=migrations\/002_drop\.sql,line=2,col=1,endLine=2,endColumn=\d+,title=bgmigrate drop-column::/);
  });
});

describe('check --staged', () => {
  function git(cwd: string, ...args: string[]): void {
    execFileSync('git', args, { cwd, stdio: 'ignore', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
  }

  it('lints only staged migrations, as staged', () => {
    const cwd = tempProject({ 'migrations/001_users.sql': DROP });
    git(cwd, 'init', '-q');
    git(cwd, 'add', '.');
    git(cwd, 'commit', '-qm', 'init');
    fs.writeFileSync(path.join(cwd, 'migrations/002_drop.sql'), DROP2);
    fs.writeFileSync(path.join(cwd, 'migrations/003_unstaged.sql'), 'DROP TABLE users;\n');
    git(cwd, 'add', 'migrations/002_drop.sql');
    // The working tree now differs from what is staged: the staged content is what counts.
    fs.writeFileSync(path.join(cwd, 'migrations/002_drop.sql'), 'SELECT 1;\n');

    const run = runCli(['check', '--staged', '--format', 'json'], { cwd });
    const out = JSON.parse(run.stdout);
    expect(out.files.map((f: { path: string }) => f.path)).toEqual(['migrations/002_drop.sql']);
    expect(out.files[0].findings.map((f: { rule: string; line: number }) => [f.rule, f.line])).toEqual([['drop-column', 2]]);
    expect(run.code).toBe(1);
  });

  it('lints a migration staged and then deleted from the working tree, and ignores one deleted from the index', () => {
    const cwd = tempProject({ 'migrations/001_users.sql': DROP, 'migrations/005_later.sql': 'SELECT 1;\n' });
    git(cwd, 'init', '-q');
    git(cwd, 'add', '.');
    git(cwd, 'commit', '-qm', 'init');
    fs.writeFileSync(path.join(cwd, 'migrations/002_drop.sql'), DROP2);
    git(cwd, 'add', 'migrations/002_drop.sql');
    fs.rmSync(path.join(cwd, 'migrations/002_drop.sql'));
    // Removed from the index (git rm --cached): not part of the commit, so not replayed either.
    git(cwd, 'rm', '-q', '--cached', 'migrations/005_later.sql');

    const run = runCli(['check', '--staged', '--format', 'json'], { cwd });
    expect(run.stderr).toBe('');
    const out = JSON.parse(run.stdout);
    expect(out.files.map((f: { path: string }) => f.path)).toEqual(['migrations/002_drop.sql']);
    expect(out.files[0].findings.map((f: { rule: string; line: number }) => [f.rule, f.line])).toEqual([['drop-column', 2]]);
    expect(run.code).toBe(1);
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it('with the working tree as staged (read in place): untracked and ignored migrations are not replayed', () => {
    const cwd = tempProject({ 'migrations/001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);\n' });
    git(cwd, 'init', '-q');
    git(cwd, 'add', '.');
    git(cwd, 'commit', '-qm', 'init');
    // Neither is in the index: had either been replayed, t.c would be a known varchar(10) and widening it harmless.
    fs.writeFileSync(path.join(cwd, 'migrations/0015_untracked.sql'), 'CREATE TABLE t (c varchar(10));\n');
    fs.writeFileSync(path.join(cwd, 'migrations/0016_ignored.sql'), 'CREATE TABLE t (c varchar(10));\n');
    fs.writeFileSync(path.join(cwd, '.gitignore'), 'migrations/0016_ignored.sql\n');
    fs.writeFileSync(path.join(cwd, 'migrations/002_alter.sql'), 'ALTER TABLE t ALTER COLUMN c TYPE varchar(20);\n');
    git(cwd, 'add', 'migrations/002_alter.sql');

    const run = runCli(['check', '--staged', '--format', 'json'], { cwd });
    const out = JSON.parse(run.stdout);
    expect(out.files.map((f: { path: string }) => f.path)).toEqual(['migrations/002_alter.sql']);
    expect(out.files[0].findings.map((f: { rule: string; message: string }) => [f.rule, f.message.split(' from ')[1]?.split(' to ')[0]])).toEqual([
      ['change-column-type', 'an unknown type'],
    ]);
    // The same file checked with the untracked one as its history: the widening is harmless.
    const withHistory = runCli(['check', '--format', 'json', 'migrations/0015_untracked.sql', 'migrations/002_alter.sql'], { cwd });
    expect(JSON.parse(withHistory.stdout).files[1].findings).toEqual([]);
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it('says so and exits 0 when nothing staged is a migration', () => {
    const cwd = tempProject({ 'migrations/001_users.sql': DROP, 'README.md': 'x' });
    git(cwd, 'init', '-q');
    git(cwd, 'add', 'README.md');
    const run = runCli(['check', '--staged'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('no staged migrations');
  });

  it('outside a git repository is a usage error', () => {
    const cwd = tempProject({ 'migrations/001_users.sql': DROP });
    const run = runCli(['check', '--staged'], { cwd, env: { GIT_CEILING_DIRECTORIES: path.dirname(cwd) } });
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toHaveLength(1);
    expect(run.stderr).toContain('--staged needs a git repository');
  });
});

describe('check --offline --defer-contract (a fork\'s pull request)', () => {
  it('reports contract effects as warnings that need the ledger; unresolvable names stay errors', () => {
    const cwd = dropProject();
    const run = runCli(['check', '--offline', '--defer-contract', '--format', 'json'], { cwd });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const findings = JSON.parse(run.stdout).files[1].findings;
    expect(findings.map((f: { rule: string; severity: string; ledger: unknown }) => [f.rule, f.severity, f.ledger])).toEqual([
      [
        'drop-column',
        'warning',
        {
          allowed: false,
          reason:
            'needs the ledger: judged when the ledger is read (check --database), and apply --phase contract refuses it until the ledger shows the object deprecated and every release using it retired',
        },
      ],
    ]);
    // Without --defer-contract the same check fails closed.
    expect(runCli(['check', '--offline'], { cwd }).code).toBe(1);
    fs.writeFileSync(path.join(cwd, 'migrations/003_ambiguous.sql'), 'SET search_path TO a, b;\nDROP TABLE users;\n');
    const ambiguous = runCli(['check', '--offline', '--defer-contract', '--format', 'json'], { cwd });
    expect(ambiguous.code).toBe(1);
    expect(JSON.parse(ambiguous.stdout).files[2].findings.filter((f: { severity: string }) => f.severity === 'error').map((f: { rule: string }) => f.rule)).toEqual(['drop-table']);
    fs.rmSync(cwd, { recursive: true, force: true });
  });
});

describe('check --changed-since', () => {
  function git(cwd: string, ...args: string[]): void {
    execFileSync('git', args, { cwd, stdio: 'ignore', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
  }

  it('reports only migrations added or changed since the ref (committed, edited or untracked), replaying the rest', () => {
    const cwd = tempProject({
      'migrations/001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, name text);\n',
      'migrations/002_orders.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY);\n-- bgmigrate-ignore drop-table: fixture\n',
    });
    git(cwd, 'init', '-q');
    git(cwd, 'add', '.');
    git(cwd, 'commit', '-qm', 'base');
    git(cwd, 'tag', 'base');
    fs.writeFileSync(path.join(cwd, 'migrations/003_drop.sql'), DROP2);
    git(cwd, 'add', '.');
    git(cwd, 'commit', '-qm', 'pr');
    fs.writeFileSync(path.join(cwd, 'migrations/004_index.sql'), 'CREATE INDEX users_name_idx ON users (name);\n');

    const run = runCli(['check', '--changed-since', 'base', '--format', 'json'], { cwd });
    expect(run.stderr).toBe('');
    const out = JSON.parse(run.stdout);
    expect(out.files.map((f: { path: string; findings: { rule: string }[] }) => [f.path, f.findings.map((x) => x.rule)])).toEqual([
      ['migrations/003_drop.sql', ['drop-column']],
      ['migrations/004_index.sql', ['index-not-concurrent']],
    ]);
    expect(run.code).toBe(1);

    expect(runCli(['check', '--changed-since', 'HEAD'], { cwd }).stdout).toContain('migrations/004_index.sql');
    fs.rmSync(path.join(cwd, 'migrations/004_index.sql'));
    expect(runCli(['check', '--changed-since', 'HEAD'], { cwd })).toEqual({
      code: 0,
      stdout: 'no migration added or changed since HEAD: nothing to check\n',
      stderr: '',
    });
    const unknown = runCli(['check', '--changed-since', 'no-such-ref'], { cwd });
    expect(unknown.code).toBe(2);
    expect(oneLine(unknown.stderr)).toEqual(['bgmigrate: --changed-since no-such-ref: no such commit, branch or tag in this repository (in CI, fetch it first: git fetch origin <branch>)']);
    fs.rmSync(cwd, { recursive: true, force: true });
  });
});

describe('bad input: one clear line, the documented exit code, no stack trace', () => {
  const noStack = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at /);

  it('a path that does not exist', () => {
    const run = runCli(['check', 'nowhere.sql'], { cwd: tempProject() });
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toEqual(['bgmigrate: nowhere.sql: no such file or directory']);
  });

  it('a missing migrations directory', () => {
    const run = runCli(['check'], { cwd: tempProject() });
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toEqual([
      'bgmigrate: migrations directory not found: migrations (the default; no config file (looked for bgmigrate.config.json, .bgmigraterc.json and package.json "bgmigrate"); or pass --dir)',
    ]);
    const configured = runCli(['check'], { cwd: tempProject({ 'bgmigrate.config.json': '{"migrationsDir": "db/migratons"}' }) });
    expect(configured.code).toBe(2);
    expect(oneLine(configured.stderr)).toEqual([
      'bgmigrate: migrations directory not found: db/migratons (migrationsDir in bgmigrate.config.json; or pass --dir)',
    ]);
  });

  it('a directory with no migrations yet is a pass, with one line (a new project\'s CI)', () => {
    const cwd = tempProject({ 'migrations/notes.txt': 'x' });
    const run = runCli(['check'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('no migrations in migrations yet: nothing to check\n');
    const json = runCli(['check', '--format', 'json'], { cwd });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).summary).toEqual({ files: 0, errors: 0, warnings: 0 });
  });

  it('an empty file is a warning, not a crash', () => {
    const cwd = tempProject({ 'migrations/001.sql': '' , 'migrations/002.sql': '-- nothing yet\n' });
    const run = runCli(['check', '--format', 'json'], { cwd });
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.files.map((f: { findings: { rule: string; severity: string }[] }) => f.findings.map((x) => [x.rule, x.severity]))).toEqual([
      [['empty-migration', 'warning']],
      [['empty-migration', 'warning']],
    ]);
  });

  it('a binary file', () => {
    const cwd = tempProject({ 'migrations/001.sql': Buffer.from([0x53, 0x45, 0x0a, 0x00, 0x01, 0x02]) });
    const run = runCli(['check'], { cwd });
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toEqual([
      'bgmigrate: migrations/001.sql:2:1: binary content (a NUL byte); a migration must be UTF-8 text',
    ]);
  });

  it('a file that is not UTF-8', () => {
    const cwd = tempProject({ 'migrations/001.sql': Buffer.concat([Buffer.from('SELECT 1;\nSELECT \''), Buffer.from([0xe9]), Buffer.from("';\n")]) });
    const run = runCli(['check'], { cwd });
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toEqual(['bgmigrate: migrations/001.sql:2:9: not valid UTF-8; save the migration as UTF-8']);
  });

  it('SQL the parser rejects is a parse-error at its line and column, exit 1', () => {
    const cwd = tempProject({ 'migrations/001.sql': 'SELECT 1;\nALTER TABLE users ADD COLUMN;\n' });
    const run = runCli(['check', '--format', 'json'], { cwd });
    expect(run.code).toBe(1);
    const findings = JSON.parse(run.stdout).files[0].findings;
    expect(findings.map((f: Record<string, unknown>) => [f.rule, f.severity, f.line, f.column])).toEqual([
      ['parse-error', 'error', 2, 29],
    ]);
  });

  it('a malformed directive and an ignore comment without a reason are parse errors', () => {
    const cwd = tempProject({
      'migrations/001.sql': '-- bgmigrate: phase=sideways\nCREATE TABLE t (id bigint);\n',
      'migrations/002.sql': 'CREATE TABLE u (id bigint);\n-- bgmigrate-ignore drop-table\nDROP TABLE u;\n',
    });
    const run = runCli(['check', '--format', 'json'], { cwd });
    expect(run.code).toBe(1);
    const out = JSON.parse(run.stdout);
    expect(out.files[0].findings.map((f: Record<string, unknown>) => [f.rule, f.line])).toEqual([['parse-error', 1]]);
    expect(out.files[1].findings.filter((f: Record<string, unknown>) => f.rule === 'parse-error').map((f: Record<string, unknown>) => f.line)).toEqual([2]);
  });

  it('a 10 MB file is linted, not refused', () => {
    const statement = 'INSERT INTO big (id, payload) VALUES (1, \'' + 'x'.repeat(1000) + '\');\n';
    const body = 'CREATE TABLE big (id bigint, payload text);\n' + statement.repeat(Math.ceil((10 * 1024 * 1024) / statement.length));
    const cwd = tempProject({ 'migrations/001.sql': body });
    const run = runCli(['check', '--format', 'json'], { cwd, timeoutMs: 120_000 });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).summary).toEqual({ files: 1, errors: 0, warnings: 0 });
  });

  it('an unknown config key and an unknown rule id are named', () => {
    const cwd = dropProject();
    fs.writeFileSync(path.join(cwd, 'bgmigrate.config.json'), JSON.stringify({ rulez: {} }));
    const bad = runCli(['check'], { cwd });
    expect(bad.code).toBe(2);
    expect(oneLine(bad.stderr)).toHaveLength(1);
    expect(bad.stderr).toContain('unknown key "rulez"');
    fs.writeFileSync(path.join(cwd, 'bgmigrate.config.json'), JSON.stringify({ rules: { 'drop-colum': 'off' } }));
    const unknownRule = runCli(['check'], { cwd });
    expect(unknownRule.code).toBe(2);
    expect(unknownRule.stderr).toContain('rules.drop-colum: unknown rule id "drop-colum"');
    noStack(unknownRule.stderr);
  });

  it('invalid JSON in the config', () => {
    const cwd = dropProject();
    fs.writeFileSync(path.join(cwd, '.bgmigraterc.json'), '{ "rules": ');
    const run = runCli(['check'], { cwd });
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toHaveLength(1);
    expect(run.stderr).toContain('.bgmigraterc.json: not valid JSON');
  });

  it('a bad option value', () => {
    const run = runCli(['check', '--pg-version', 'nine'], { cwd: dropProject() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--pg-version: expected a PostgreSQL major version');
    const format = runCli(['check', '--format', 'xml'], { cwd: dropProject() });
    expect(format.code).toBe(2);
    expect(format.stderr).toContain("argument 'xml' is invalid");
  });
});

describe('the command line', () => {
  it('--version matches package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const run = runCli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(pkg.version);
  });

  it('every command has --help', () => {
    const top = runCli(['--help']);
    expect(top.code).toBe(0);
    const commands = [...top.stdout.matchAll(/^  ([a-z]+)\b/gm)].map((m) => m[1]).filter((c) => c !== 'help');
    expect(commands).toContain('check');
    for (const command of commands) {
      const run = runCli([command, '--help']);
      expect(run.code, command).toBe(0);
      expect(run.stdout, command).toContain(`Usage: bgmigrate ${command}`);
      // The global options are listed under every command.
      for (const option of ['--database <url>', '--dir <dir>', '--config <file>']) expect(run.stdout, `${command} ${option}`).toContain(option);
    }
  });

  it('an unknown command exits 2', () => {
    const run = runCli(['frobnicate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown command 'frobnicate'");
  });
});
