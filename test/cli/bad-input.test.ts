/**
 * Bad input gets one clear line, never a stack trace (issue 9, class 11).
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI, runCli, tempProject } from '../support/cli.js';
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
