import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { LAYOUT_NAMES, type Layout } from '../migrations/layouts/index.js';
import type { RuleLevel } from '../model.js';
import { parseDuration, parseTimeout } from './duration.js';
import { validatePoolConfig, type PoolConfig } from '../pool/config.js';

/** The layouts registered in src/migrations/layouts/index.ts. */
export type { Layout, ScriptLayout } from '../migrations/layouts/index.js';

/** bgmigrate's configuration after validation, with every default filled in. */
export interface Config {
  /** Where the config was read from, or undefined when none was found. */
  source?: string;
  /** Directory the config paths are relative to (the config file's directory, else the cwd). */
  root: string;
  /** The migrations directory, absolute. */
  migrationsDir: string;
  /** `auto` detects the layout from the files present. */
  layout: Layout | 'auto';
  /** Target PostgreSQL major when no server is connected. */
  pgVersion?: number;
  /** Per-rule level overrides, keyed by rule id. */
  rules: Record<string, RuleLevel>;
  ledger: {
    /** Schema holding the ledger tables. */
    schema: string;
    /** How long a standby release stays a rollback target, in ms. */
    rollbackWindowMs: number;
  };
  apply: {
    lockTimeoutMs: number;
    statementTimeoutMs: number;
    maxRetries: number;
    /** First retry delay; each later one doubles up to `retryMaxDelayMs`. */
    retryDelayMs: number;
    retryMaxDelayMs: number;
    /** How long a second applier waits for the advisory lock before giving up. */
    lockWaitMs: number;
  };
  pool?: PoolConfig;
  /**
   * Usage evidence (src/usage/): `require` turns missing or incomplete evidence into a refusal;
   * `servers` are the other servers whose queries count (read replicas keep their own
   * statistics). A `url` of the form `$NAME` is read from that environment variable.
   */
  usage: { require: boolean; servers: { name: string; url: string }[] };
  /**
   * Backfills (src/apply/backfill.ts): pause while a replica lags more; each batch's statement
   * timeout; per table (`schema.table`), the unique NOT NULL column to batch by when it is not the
   * primary key (a directive's `key=` wins).
   */
  backfill: { maxReplicationLagMs?: number; batchTimeoutMs: number; keys: Record<string, string> };
}

export const CONFIG_FILES = ['bgmigrate.config.json', '.bgmigraterc.json'] as const;

const LAYOUTS: readonly (Layout | 'auto')[] = ['auto', ...LAYOUT_NAMES];
const LEVELS = ['off', 'warning', 'error', 'info'] as const;

/**
 * The config file as messages name it: its path relative to the working directory, or a phrase
 * saying none was found (and where bgmigrate looked). Every message about the config uses it.
 */
export function configName(source: string | undefined, cwd = process.cwd()): string {
  if (source === undefined) return `no config file (looked for ${CONFIG_FILES.join(', ')} and package.json "bgmigrate")`;
  const relative = path.relative(cwd, source);
  return relative === '' || relative.startsWith('..') ? source : relative;
}

/**
 * Finds and reads the configuration: an explicit `--config` file, else the first of
 * `bgmigrate.config.json`, `.bgmigraterc.json` or package.json's `bgmigrate` key in `cwd`.
 * Unknown keys and unknown rule ids are errors that name the key.
 *
 * @example const config = loadConfig({ cwd: process.cwd(), knownRules: RULE_IDS });
 */
export function loadConfig(options: {
  cwd: string;
  configPath?: string;
  knownRules: readonly string[];
  /** Rules whose level cannot be changed (see GATE_RULE_IDS in src/rules/index.ts). */
  gateRules?: readonly string[];
}): Config {
  const found = findConfig(options.cwd, options.configPath);
  const root = found ? path.dirname(found.file) : options.cwd;
  return validateConfig(found?.value ?? {}, {
    source: found?.file,
    root,
    knownRules: options.knownRules,
    gateRules: options.gateRules,
  });
}

function findConfig(cwd: string, explicit?: string): { file: string; value: unknown } | undefined {
  if (explicit) {
    const file = path.resolve(cwd, explicit);
    if (!fs.existsSync(file)) throw new UsageError(`config file not found: ${explicit}`);
    return { file, value: readJson(file) };
  }
  for (const name of CONFIG_FILES) {
    const file = path.join(cwd, name);
    if (fs.existsSync(file)) return { file, value: readJson(file) };
  }
  const pkg = path.join(cwd, 'package.json');
  if (fs.existsSync(pkg)) {
    const value = readJson(pkg) as Record<string, unknown>;
    if (value && typeof value === 'object' && 'bgmigrate' in value) {
      return { file: pkg, value: value.bgmigrate };
    }
  }
  return undefined;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read config ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file}: not valid JSON: ${(error as Error).message}`, { location: file });
  }
}

/** Validates a raw config object; exported for tests and for callers that build config in code. */
export function validateConfig(
  raw: unknown,
  context: { source?: string; root: string; knownRules: readonly string[]; gateRules?: readonly string[] },
): Config {
  const where = context.source ? `${context.source}: ` : 'config: ';
  const fail = (message: string): never => {
    throw new UsageError(`${where}${message}`, { location: context.source });
  };
  const obj = asObject(raw, 'the config', fail);
  checkKeys(obj, ['migrationsDir', 'layout', 'pgVersion', 'rules', 'ledger', 'apply', 'pool', 'usage', 'backfill', '$schema'], '', fail);
  const backfillObj = obj.backfill === undefined ? {} : asObject(obj.backfill, 'backfill', fail);
  checkKeys(backfillObj, ['maxReplicationLag', 'batchTimeout', 'keys'], 'backfill.', fail);
  const keysObj = backfillObj.keys === undefined ? {} : asObject(backfillObj.keys, 'backfill.keys', fail);
  for (const [table, column] of Object.entries(keysObj)) {
    if (!/^[a-z_][a-z0-9_$]*\.[a-z_][a-z0-9_$]*$/.test(table)) fail(`backfill.keys: "${table}" is not schema.table`);
    if (typeof column !== 'string' || !/^[a-z_][a-z0-9_$]*$/.test(column)) fail(`backfill.keys.${table}: a column name, got ${JSON.stringify(column)}`);
  }
  const usageObj = obj.usage === undefined ? {} : asObject(obj.usage, 'usage', fail);
  checkKeys(usageObj, ['require', 'servers'], 'usage.', fail);
  if (usageObj.require !== undefined && typeof usageObj.require !== 'boolean') fail(`usage.require: must be true or false, got ${JSON.stringify(usageObj.require)}`);
  if (usageObj.servers !== undefined && !Array.isArray(usageObj.servers)) fail('usage.servers: must be a list of {"name": …, "url": …}');
  const servers = ((usageObj.servers as unknown[] | undefined) ?? []).map((entry, i) => {
    const server = asObject(entry, `usage.servers[${i}]`, fail);
    checkKeys(server, ['name', 'url'], `usage.servers[${i}].`, fail);
    if (typeof server.name !== 'string' || !/^[\w.-]+$/.test(server.name) || server.name === 'primary') fail(`usage.servers[${i}].name: a short name (letters, digits, . _ -), not "primary"`);
    if (typeof server.url !== 'string' || server.url === '') fail(`usage.servers[${i}].url: a PostgreSQL URL, or $NAME of an environment variable holding one`);
    return { name: server.name as string, url: server.url as string };
  });

  const migrationsDir = path.resolve(context.root, optionalString(obj.migrationsDir, 'migrationsDir', fail) ?? 'migrations');

  const layout = (obj.layout ?? 'auto') as Config['layout'];
  if (!LAYOUTS.includes(layout)) fail(`layout: must be one of ${LAYOUTS.join(', ')}, got ${JSON.stringify(obj.layout)}`);

  let pgVersion: number | undefined;
  if (obj.pgVersion !== undefined) {
    pgVersion = Number(obj.pgVersion);
    if (!Number.isInteger(pgVersion) || pgVersion < 10 || pgVersion > 19) {
      fail(`pgVersion: must be a PostgreSQL major version between 10 and 19, got ${JSON.stringify(obj.pgVersion)}`);
    }
  }

  const rules: Record<string, RuleLevel> = {};
  if (obj.rules !== undefined) {
    const rulesObj = asObject(obj.rules, 'rules', fail);
    for (const [id, level] of Object.entries(rulesObj)) {
      if (!context.knownRules.includes(id)) fail(`rules.${id}: unknown rule id "${id}"`);
      if (!LEVELS.includes(level as RuleLevel)) {
        fail(`rules.${id}: must be one of off, warning, error, got ${JSON.stringify(level)}`);
      }
      if (context.gateRules?.includes(id) && level !== 'error') {
        fail(`rules.${id}: ${id} guards the running release and cannot be set to ${JSON.stringify(level)}; a \`-- bgmigrate-ignore ${id}: <reason>\` on the statement is the way to accept one case`);
      }
      rules[id] = level as RuleLevel;
    }
  }

  const ledgerObj = obj.ledger === undefined ? {} : asObject(obj.ledger, 'ledger', fail);
  checkKeys(ledgerObj, ['schema', 'rollbackWindow'], 'ledger.', fail);
  const schema = optionalString(ledgerObj.schema, 'ledger.schema', fail) ?? 'bgmigrate';
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) fail(`ledger.schema: must be a lower-case SQL identifier, got "${schema}"`);

  const applyObj = obj.apply === undefined ? {} : asObject(obj.apply, 'apply', fail);
  checkKeys(
    applyObj,
    ['lockTimeout', 'statementTimeout', 'maxRetries', 'retryDelay', 'retryMaxDelay', 'lockWait'],
    'apply.',
    fail,
  );
  const timeout = (value: unknown, key: string, fallback: string): number => {
    const ms = duration(value, key, fallback);
    try {
      return parseTimeout(ms, key);
    } catch {
      return fail(`${key}: ${String(value)} is longer than PostgreSQL allows for a timeout (about 24 days)`);
    }
  };
  const duration = (value: unknown, key: string, fallback: string): number => {
    if (value === undefined) return parseDuration(fallback);
    if (typeof value !== 'string' && typeof value !== 'number') fail(`${key}: expected a duration such as "2s"`);
    try {
      return parseDuration(value as string | number, key);
    } catch (error) {
      return fail((error as Error).message);
    }
  };
  const maxRetries = applyObj.maxRetries ?? 10;
  if (!Number.isInteger(maxRetries) || (maxRetries as number) < 0) {
    fail(`apply.maxRetries: expected a non-negative integer, got ${JSON.stringify(applyObj.maxRetries)}`);
  }

  return {
    source: context.source,
    root: context.root,
    migrationsDir,
    layout,
    pgVersion,
    rules,
    ledger: {
      schema,
      rollbackWindowMs: duration(ledgerObj.rollbackWindow, 'ledger.rollbackWindow', '24h'),
    },
    apply: {
      lockTimeoutMs: timeout(applyObj.lockTimeout, 'apply.lockTimeout', '2s'),
      statementTimeoutMs: timeout(applyObj.statementTimeout, 'apply.statementTimeout', '0'),
      maxRetries: maxRetries as number,
      retryDelayMs: duration(applyObj.retryDelay, 'apply.retryDelay', '500ms'),
      retryMaxDelayMs: duration(applyObj.retryMaxDelay, 'apply.retryMaxDelay', '10s'),
      lockWaitMs: duration(applyObj.lockWait, 'apply.lockWait', '30s'),
    },
    pool: obj.pool === undefined ? undefined : validatePoolConfig(obj.pool, (m) => fail(`pool${m}`)),
    usage: { require: usageObj.require === true, servers },
    backfill: {
      ...(backfillObj.maxReplicationLag !== undefined ? { maxReplicationLagMs: duration(backfillObj.maxReplicationLag, 'backfill.maxReplicationLag', '0') } : {}),
      batchTimeoutMs: timeout(backfillObj.batchTimeout, 'backfill.batchTimeout', '1min'),
      keys: keysObj as Record<string, string>,
    },
  };
}

function asObject(value: unknown, what: string, fail: (m: string) => never): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`${what}: expected an object`);
  return value as Record<string, unknown>;
}

function checkKeys(
  obj: Record<string, unknown>,
  allowed: readonly string[],
  prefix: string,
  fail: (m: string) => never,
): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) fail(`unknown key "${prefix}${key}" (allowed: ${allowed.filter((k) => k !== '$schema').join(', ')})`);
  }
}

function optionalString(value: unknown, key: string, fail: (m: string) => never): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') fail(`${key}: expected a non-empty string`);
  return value as string;
}
