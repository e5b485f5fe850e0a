import { describe, expect, it } from 'vitest';
import { runnableStatements } from '../../src/apply/statements.js';
import { lintSql } from '../../src/lint.js';

/** The statement texts the runner would send for `sql`. */
async function sent(sql: string): Promise<string[]> {
  return runnableStatements(await lintSql(sql)).map((s) => s.text);
}

describe('runnableStatements', () => {
  it("leaves out the file's own BEGIN / START TRANSACTION / COMMIT / END: the runner owns the transaction", async () => {
    expect(await sent('BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n')).toEqual(['CREATE TABLE a (id int)']);
    expect(await sent('start transaction isolation level serializable;\nCREATE TABLE a (id int);\nend;\n')).toEqual(['CREATE TABLE a (id int)']);
  });

  it('keeps every other transaction statement, and keeps the indexes the ledger records progress by', async () => {
    const statements = runnableStatements(await lintSql('BEGIN;\nSAVEPOINT s;\nCREATE TABLE a (id int);\nROLLBACK TO SAVEPOINT s;\nROLLBACK;\n'));
    expect(statements.map((s) => [s.index, s.text])).toEqual([
      [1, 'SAVEPOINT s'],
      [2, 'CREATE TABLE a (id int)'],
      [3, 'ROLLBACK TO SAVEPOINT s'],
      [4, 'ROLLBACK'],
    ]);
  });

  it('reads a concurrent index build from the linter, as written', async () => {
    const [build] = runnableStatements(await lintSql('CREATE INDEX CONCURRENTLY "Odd""Name" ON shop."Users" (email);\n'));
    expect(build.concurrentIndex).toEqual({ name: 'Odd"Name', schema: 'shop', table: 'Users' });
    const [plain] = runnableStatements(await lintSql('CREATE INDEX users_email ON users (email);\n'));
    expect(plain.concurrentIndex).toBeUndefined();
  });
});
