import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, redactUrl, resolveDatabaseUrl, serverVersion } from '../../src/db/connect.js';
import { freePort } from '../../src/db/embedded.js';
import { UsageError } from '../../src/errors.js';
import { inject } from 'vitest';
import { createTestDatabase, serverMajor, withClient, withDatabase, type TestDatabase } from '../support/db.js';
import { testPgMajor } from '../support/major.js';

let db: TestDatabase;
const role = `bgm_conn_${process.pid}`;
const secret = 'Sup3r-Secret_pw';

beforeAll(async () => {
  db = await createTestDatabase('connect');
  await withClient(db.url, async (client) => {
    await client.query(`DROP ROLE IF EXISTS ${role}`);
    await client.query(`CREATE ROLE ${role} LOGIN PASSWORD '${secret}'`);
  });
});

afterAll(async () => {
  await db.drop();
  await withClient(withDatabase(db.url, 'postgres'), (client) => client.query(`DROP ROLE IF EXISTS ${role}`));
});

async function failure(url: string): Promise<UsageError> {
  try {
    const client = await connect(url);
    await client.end();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('connect succeeded');
}

describe('connect', () => {
  it('connects, names the session bgmigrate, and reads the server major', async () => {
    const client = await connect(db.url);
    try {
      const { rows } = await client.query<{ application_name: string }>('SHOW application_name');
      expect(rows[0].application_name).toBe('bgmigrate');
      expect(await serverVersion(client)).toBe(serverMajor());
      // The run's server is the major asked for (unless an explicit URL chose the server).
      if (inject('bgmigratePgKind') !== 'env') expect(serverMajor()).toBe(testPgMajor());
    } finally {
      await client.end();
    }
  });

  it('uses the application name it is given', async () => {
    const client = await connect(db.url, { applicationName: 'bgmigrate apply' });
    try {
      const { rows } = await client.query<{ application_name: string }>('SHOW application_name');
      expect(rows[0].application_name).toBe('bgmigrate apply');
    } finally {
      await client.end();
    }
  });

  it('says the server is down when nothing listens on the port', async () => {
    const port = await freePort();
    const error = await failure(`postgres://app:hunter2pw@127.0.0.1:${port}/db`);
    expect(error.message).toBe(
      `cannot connect to postgres://app:***@127.0.0.1:${port}/db: connection refused — is the server running?`,
    );
    expect(error.exitCode).toBe(2);
  });

  it('says the password is wrong without printing it', async () => {
    const url = withDatabase(db.url, db.name, { user: role, password: 'Wr0ng-Guess_pw' });
    const error = await failure(url);
    expect(error.message).toBe(
      `cannot connect to ${redactUrl(url)}: password authentication failed for user "${role}" (wrong password)`,
    );
    expect(error.message).not.toContain('Wr0ng-Guess_pw');
    expect(String(error.stack)).not.toContain('Wr0ng-Guess_pw');
  });

  it('says the database does not exist', async () => {
    const url = withDatabase(db.url, 'no_such_db_here', { user: role, password: secret });
    const error = await failure(url);
    expect(error.message).toBe(`cannot connect to ${redactUrl(url)}: database "no_such_db_here" does not exist`);
    expect(error.message).not.toContain(secret);
  });

  it('says CONNECT is not granted', async () => {
    await withClient(db.url, (client) => client.query(`REVOKE CONNECT ON DATABASE "${db.name}" FROM PUBLIC`));
    try {
      const url = withDatabase(db.url, db.name, { user: role, password: secret });
      const error = await failure(url);
      expect(error.message).toMatch(/^cannot connect to postgres:\/\/.*:\*\*\*@.*: permission denied: permission denied for database/);
      expect(error.message).toContain(db.name);
      expect(error.message).not.toContain(secret);
    } finally {
      await withClient(db.url, (client) => client.query(`GRANT CONNECT ON DATABASE "${db.name}" TO PUBLIC`));
    }
  });

  it('rejects a string that is not a URL', async () => {
    const error = await failure('not a url');
    expect(error.message).toBe('invalid database URL not a url: expected postgres://user:password@host:port/database');
  });
});

describe('redactUrl', () => {
  it('masks the password and keeps the rest', () => {
    expect(redactUrl('postgres://app:s3cret@db.example:5432/app?sslmode=require')).toBe(
      'postgres://app:***@db.example:5432/app?sslmode=require',
    );
    expect(redactUrl('postgres://app@db/app')).toBe('postgres://app@db/app');
    expect(redactUrl('postgres://db/app?password=s3cret')).toBe('postgres://db/app?password=***');
  });
});

describe('resolveDatabaseUrl', () => {
  it('prefers the flag, then BGMIGRATE_DATABASE_URL, then DATABASE_URL', () => {
    const env = { BGMIGRATE_DATABASE_URL: 'postgres://b', DATABASE_URL: 'postgres://d' };
    expect(resolveDatabaseUrl('postgres://f', env)).toBe('postgres://f');
    expect(resolveDatabaseUrl(undefined, env)).toBe('postgres://b');
    expect(resolveDatabaseUrl(undefined, { DATABASE_URL: 'postgres://d' })).toBe('postgres://d');
    expect(resolveDatabaseUrl('', { BGMIGRATE_DATABASE_URL: ' ' })).toBeUndefined();
  });
});
