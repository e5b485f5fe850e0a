/**
 * trace classifies statements from the parse trees the linter kept (src/lint.ts, `parseTrees`):
 * the answer must be the one parsing the text gives, statement by statement.
 */
import { describe, expect, it } from 'vitest';
import { lintMigrations, migrationFromString } from '../../src/lint.js';
import { classifyStatement, relationNames } from '../../src/trace/classify.js';

const SQL = `
CREATE TABLE app.t (id bigint PRIMARY KEY, p int) PARTITION BY RANGE (id);
CREATE INDEX CONCURRENTLY t_p ON app.t (p);
DROP INDEX CONCURRENTLY app.t_p;
ALTER TABLE app.t DETACH PARTITION app.t_2024 CONCURRENTLY;
REINDEX TABLE CONCURRENTLY app.t;
REINDEX SCHEMA app;
VACUUM app.t;
ANALYZE app.t;
CLUSTER;
CREATE DATABASE other;
ALTER DATABASE app SET work_mem = '64MB';
ALTER ROLE app_user SET search_path = app;
GRANT CONNECT ON DATABASE app TO app_user;
GRANT SELECT ON app.t TO app_user;
COMMENT ON ROLE app_user IS 'x';
DROP TABLE app.a, app.b;
ALTER TABLE app.t RENAME TO t2;
COPY app.t FROM STDIN;
BEGIN;
COMMIT;
UPDATE app.t2 SET p = 1 WHERE id IN (SELECT id FROM app.other);
`;

describe('trace classification from the parse trees the linter kept', () => {
  it('gives what parsing the text gives, for every statement, handling and relations alike', async () => {
    const [report] = await lintMigrations([migrationFromString(SQL, 'm.sql')], { pgVersion: 17, parseTrees: true });
    const statements = report.statements.filter((s) => !s.inDoBlock);
    expect(statements).toHaveLength(21);
    for (const s of statements) {
      expect(s.node, s.text).toBeDefined();
      const tree = { kind: s.kind, node: s.node! };
      expect(classifyStatement(s.text, tree), s.text).toEqual(classifyStatement(s.text));
      expect(relationNames(s.text, tree), s.text).toEqual(relationNames(s.text));
    }
    const byText = (start: string) => statements.find((s) => s.text.startsWith(start))!;
    const concurrent = byText('CREATE INDEX CONCURRENTLY');
    expect(classifyStatement(concurrent.text, { kind: concurrent.kind, node: concurrent.node! }).handling).toEqual({
      kind: 'throwaway',
      what: 'CREATE INDEX CONCURRENTLY',
      transactionalForm: 'CREATE INDEX  t_p ON app.t (p)',
    });
    const drop = byText('DROP TABLE');
    expect(relationNames(drop.text, { kind: drop.kind, node: drop.node! })).toEqual(['"app"."a"', '"app"."b"']);
    expect(classifyStatement(byText('CREATE DATABASE').text, { kind: 'CreatedbStmt', node: byText('CREATE DATABASE').node! }).handling).toEqual({
      kind: 'refuse',
      what: 'CREATE DATABASE',
    });
  });

  it('keeps no parse tree unless asked', async () => {
    const [report] = await lintMigrations([migrationFromString('SELECT 1;', 'm.sql')], { pgVersion: 17 });
    expect(report.statements[0].node).toBeUndefined();
  });
});
