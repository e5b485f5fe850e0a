import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, validateConfig } from '../../src/config/config.js';
import { parseDuration } from '../../src/config/duration.js';
import { tempProject } from '../support/cli.js';
import { UsageError } from '../../src/errors.js';
import { GATE_RULE_IDS, RULE_IDS } from '../../src/rules/index.js';

const knownRules = ['drop-column', 'prefer-text'];
const validate = (raw: unknown) => validateConfig(raw, { root: '/project', knownRules });

describe('config', () => {
  it('fills every default', () => {
    const config = validate({});
    expect(config.migrationsDir).toBe('/project/migrations');
    expect(config.layout).toBe('auto');
    expect(config.pgVersion).toBeUndefined();
    expect(config.ledger).toEqual({ schema: 'bgmigrate', rollbackWindowMs: 86_400_000 });
    expect(config.apply).toEqual({
      lockTimeoutMs: 2000,
      statementTimeoutMs: 0,
      maxRetries: 10,
      retryDelayMs: 500,
      retryMaxDelayMs: 10_000,
      lockWaitMs: 30_000,
    });
    expect(config.pool).toBeUndefined();
  });

  it('reads durations, levels and the pool section', () => {
    const config = validate({
      migrationsDir: 'db/migrations',
      rules: { 'prefer-text': 'off', 'drop-column': 'warning' },
      ledger: { rollbackWindow: '2h', schema: 'deploys' },
      apply: { lockTimeout: '200ms', maxRetries: 3 },
      pool: { colors: { blue: { instances: 4, poolSize: 20 } }, headroomPercent: 5 },
    });
    expect(config.migrationsDir).toBe('/project/db/migrations');
    expect(config.rules).toEqual({ 'prefer-text': 'off', 'drop-column': 'warning' });
    expect(config.ledger).toEqual({ schema: 'deploys', rollbackWindowMs: 7_200_000 });
    expect(config.apply.lockTimeoutMs).toBe(200);
    expect(config.apply.maxRetries).toBe(3);
    expect(config.pool?.colors.blue).toEqual({ instances: 4, poolSize: 20 });
  });

  it.each([
    [{ migrationDir: 'x' }, 'unknown key "migrationDir"'],
    [{ ledger: { window: '1h' } }, 'unknown key "ledger.window"'],
    [{ rules: { 'drop-colum': 'off' } }, 'rules.drop-colum: unknown rule id "drop-colum"'],
    [{ rules: { 'drop-column': 'loud' } }, 'rules.drop-column: must be one of off, warning, error, got "loud"'],
    [{ layout: 'rails' }, 'layout: must be one of'],
    [{ pgVersion: 7 }, 'pgVersion: must be a PostgreSQL major version'],
    [{ apply: { lockTimeout: 'soon' } }, 'apply.lockTimeout: cannot read "soon" as a duration'],
    [{ apply: { maxRetries: -1 } }, 'apply.maxRetries: expected a non-negative integer'],
    [{ ledger: { schema: 'Bad-Name' } }, 'ledger.schema: must be a lower-case SQL identifier'],
    [[], 'the config: expected an object'],
  ])('refuses %j naming the key', (raw, message) => {
    expect(() => validate(raw)).toThrowError(message);
  });

  it('finds bgmigrate.config.json, then .bgmigraterc.json, then package.json "bgmigrate"', () => {
    const dir = tempProject({ 'package.json': JSON.stringify({ name: 'x', bgmigrate: { migrationsDir: 'from-pkg' } }) });
    expect(loadConfig({ cwd: dir, knownRules }).migrationsDir).toBe(path.join(dir, 'from-pkg'));
    fs.writeFileSync(path.join(dir, '.bgmigraterc.json'), JSON.stringify({ migrationsDir: 'from-rc' }));
    expect(loadConfig({ cwd: dir, knownRules }).migrationsDir).toBe(path.join(dir, 'from-rc'));
    fs.writeFileSync(path.join(dir, 'bgmigrate.config.json'), JSON.stringify({ migrationsDir: 'from-config' }));
    expect(loadConfig({ cwd: dir, knownRules }).migrationsDir).toBe(path.join(dir, 'from-config'));
    expect(() => loadConfig({ cwd: dir, configPath: 'missing.json', knownRules })).toThrowError('config file not found: missing.json');
  });

  it('parses PostgreSQL duration units', () => {
    expect([parseDuration('200ms'), parseDuration('2s'), parseDuration('1min'), parseDuration('24h'), parseDuration('1500')]).toEqual([
      200, 2000, 60_000, 86_400_000, 1500,
    ]);
    expect(() => parseDuration('2 parsecs')).toThrowError(/cannot read "2 parsecs"/);
  });
});

describe('gate rules keep their level', () => {
  const gate = (raw: unknown) => validateConfig(raw, { root: '/project', knownRules: RULE_IDS, gateRules: GATE_RULE_IDS });

  it.each(['drop-column', 'drop-table', 'transaction-control', 'unknown-effect', 'dynamic-sql'])('refuses lowering %s (exit 2 naming it)', (id) => {
    for (const level of ['off', 'warning']) {
      let error: unknown;
      try {
        gate({ rules: { [id]: level } });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).exitCode).toBe(2);
      expect((error as Error).message).toBe(
        `config: rules.${id}: ${id} guards the running release and cannot be set to "${level}"; a \`-- bgmigrate-ignore ${id}: <reason>\` on the statement is the way to accept one case`,
      );
    }
  });

  it('still lets a team tune lock and hygiene rules', () => {
    expect(gate({ rules: { 'prefer-text': 'off', 'index-not-concurrent': 'warning', 'drop-column': 'error' } }).rules).toEqual({
      'prefer-text': 'off',
      'index-not-concurrent': 'warning',
      'drop-column': 'error',
    });
  });
});
