import pg from 'pg';

let counter = 0;

/** A fresh ledger schema name, so each test starts from an empty ledger in the file's database. */
export function freshSchema(prefix = 'ledger'): string {
  counter += 1;
  return `${prefix}_${process.pid}_${counter}`;
}

/** A connected client; close it with `end()`. */
export async function client(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

/** Runs `fn` and returns the error it throws (fails the test when it does not throw). */
export async function thrown(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error, got none');
}

/** Counts the queries sent through `c` while `fn` runs. */
export async function countQueries<T>(c: pg.Client, fn: () => Promise<T>): Promise<{ result: T; queries: string[] }> {
  const queries: string[] = [];
  const original = c.query.bind(c) as (...args: unknown[]) => unknown;
  (c as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const first = args[0];
    queries.push(typeof first === 'string' ? first : String((first as { text?: string }).text));
    return original(...args);
  };
  try {
    return { result: await fn(), queries };
  } finally {
    (c as unknown as { query: unknown }).query = original;
  }
}
