/**
 * Replay (`usage --shadow <url|embedded>`): a shadow database gets the schema as it will be after
 * every migration, pending contract ones included (each migration's statements replayed onto an
 * empty database), and every live query is prepared there. A query PostgreSQL cannot prepare
 * breaks on the new schema: that catches what resolving names misses (a view, a function body,
 * a name resolved through a search path the reader did not see).
 *
 * `embedded` starts a throwaway server; a URL names a server on which a throwaway database is
 * created (the role needs CREATEDB) and dropped afterwards. The target database is never touched.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { runnableStatements } from '../apply/statements.js';
import { connect } from '../db/connect.js';
import { UsageError } from '../errors.js';
import { lintMigrations } from '../lint.js';
import type { MigrationFile } from '../model.js';
import type { LiveQuery } from './evidence.js';

/** A live query that fails on the shadow schema. */
export interface Breaking {
  query: LiveQuery;
  sqlstate: string;
  message: string;
}

export interface ShadowResult {
  /** How long building the shadow took (replaying every migration). */
  buildMs: number;
  breaking: Breaking[];
  /** Queries whose parameters' types PostgreSQL could not infer without values: neither breaking nor verified. */
  undetermined: LiveQuery[];
}

/**
 * Builds the shadow from `files` and prepares `queries` there. The shadow is gone when this returns.
 *
 * @throws UsageError when the shadow cannot be built (a migration fails on an empty database: the
 *   statement, its file and PostgreSQL's message).
 */
export async function replayOnShadow(target: string, files: readonly MigrationFile[], queries: readonly LiveQuery[], pgVersion: number): Promise<ShadowResult> {
  const started = Date.now();
  const shadow = await openShadow(target);
  try {
    const reports = await lintMigrations([...files], { pgVersion });
    for (const [i, report] of reports.entries()) {
      // What the runner would send: one entry per top-level statement (not the statements inside DO blocks).
      for (const statement of runnableStatements(report)) {
        try {
          await shadow.client.query(statement.text);
        } catch (error) {
          throw new UsageError(
            `${files[i].path}:${statement.line}:${statement.column}: cannot replay the migrations onto the shadow database: ${(error as Error).message}`,
            { cause: error },
          );
        }
      }
    }
    const buildMs = Date.now() - started;
    const breaking: Breaking[] = [];
    const undetermined: LiveQuery[] = [];
    for (const [n, query] of queries.entries()) {
      if (!/^\s*(select|insert|update|delete|with|merge|values|table)\b/i.test(query.text)) continue;
      try {
        await shadow.client.query(`PREPARE bgmigrate_usage_${n} AS ${query.text}`);
        await shadow.client.query(`DEALLOCATE bgmigrate_usage_${n}`);
      } catch (error) {
        const sqlstate = String((error as { code?: string }).code ?? '');
        // Without values, $1's type may be impossible to infer: that says nothing about the schema.
        if (sqlstate === '42P18' || sqlstate === '42P08') undetermined.push(query);
        else breaking.push({ query, sqlstate, message: (error as Error).message });
      }
    }
    return { buildMs, breaking, undetermined };
  } finally {
    await shadow.close();
  }
}

async function openShadow(target: string): Promise<{ client: pg.Client; close: () => Promise<void> }> {
  if (target === 'embedded') {
    const { makeServerTempDir, startPostgresServer } = await import('../db/embedded.js');
    const dir = makeServerTempDir('bgmigrate-shadow-');
    const server = await startPostgresServer({ dataDir: path.join(dir, 'data'), fast: true });
    const client = await connect(server.url, { applicationName: 'bgmigrate shadow' });
    return {
      client,
      close: async () => {
        await client.end().catch(() => undefined);
        await server.stop().catch(() => undefined);
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const admin = await connect(target, { applicationName: 'bgmigrate shadow' });
  const name = `bgmigrate_shadow_${crypto.randomBytes(4).toString('hex')}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } catch (error) {
    await admin.end().catch(() => undefined);
    throw new UsageError(`cannot create the shadow database on the --shadow server: ${(error as Error).message} (the role needs CREATEDB; or use --shadow embedded)`, { cause: error });
  }
  const url = new URL(target);
  url.pathname = `/${name}`;
  const client = await connect(url.toString(), { applicationName: 'bgmigrate shadow' });
  return {
    client,
    close: async () => {
      await client.end().catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await admin.end().catch(() => undefined);
    },
  };
}
