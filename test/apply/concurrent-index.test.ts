import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { concurrentIndexBuild, existingIndex, invalidIndexes } from '../../src/apply/concurrent-index.js';
import { runnableStatements } from '../../src/apply/statements.js';
import { lintSql } from '../../src/lint.js';
import { Clients, freshDatabase } from './helpers.js';

/** The build of a one-statement migration, from what the linter read (as the runner gets it). */
async function buildOf(sql: string) {
  const [statement] = runnableStatements(await lintSql(sql));
  return concurrentIndexBuild(statement);
}

let clients: Clients;
let client: pg.Client;

beforeAll(async () => {
  clients = new Clients(await freshDatabase('cic'));
  client = await clients.client();
  await client.query(`CREATE SCHEMA shop; CREATE TABLE shop.users (email text); INSERT INTO shop.users VALUES ('a'), ('a')`);
});
afterAll(async () => {
  await clients.closeAll();
});

describe('concurrentIndexBuild', () => {
  it('reads the index name and table of a named CREATE INDEX CONCURRENTLY', async () => {
    expect(await buildOf('CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON shop.users (email)')).toEqual({
      name: 'users_email_idx',
      table: '"shop"."users"',
    });
    expect(await buildOf('create unique index concurrently "Odd""Name" on "Users"(email)')).toEqual({
      name: 'Odd"Name',
      table: '"Users"',
    });
  });

  it('ignores other statements; an unnamed build has no name', async () => {
    expect(await buildOf('CREATE INDEX users_email_idx ON shop.users (email)')).toBeNull();
    expect(await buildOf('CREATE INDEX CONCURRENTLY ON shop.users (email)')).toEqual({ name: null, table: '"shop"."users"' });
    expect(await buildOf('VACUUM shop.users')).toBeNull();
  });
});

describe('existingIndex', () => {
  it('tells an INVALID index left by a failed concurrent build from a valid one', async () => {
    const build = (await buildOf('CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON shop.users (email)')) as { name: string; table: string };
    expect(await invalidIndexes(client, build.table)).toEqual([]);
    expect(await existingIndex(client, build)).toBeNull();
    // Duplicates make the unique build fail after the index was created: it stays INVALID.
    await expect(client.query('CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON shop.users (email)')).rejects.toMatchObject({
      code: '23505',
    });
    expect(await existingIndex(client, build)).toEqual({ qualifiedName: 'shop.users_email_key', valid: false, onTable: true });
    expect(await invalidIndexes(client, build.table)).toEqual(['shop.users_email_key']);
    await client.query('DROP INDEX CONCURRENTLY shop.users_email_key');
    await client.query('CREATE INDEX CONCURRENTLY users_email_key ON shop.users (email)');
    expect(await existingIndex(client, build)).toEqual({ qualifiedName: 'shop.users_email_key', valid: true, onTable: true });
  });

  it('answers null when the table does not exist', async () => {
    expect(await existingIndex(client, { name: 'x_idx', table: '"nope"' })).toBeNull();
  });
});
