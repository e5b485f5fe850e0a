import { describe, expect, it } from 'vitest';
import { lintSql } from '../../src/lint.js';

const problems = async (sql: string) =>
  (await lintSql(sql)).findings.filter((f) => f.rule === 'parse-error').map((f) => [f.line, f.column, f.message]);

describe('directives', () => {
  it('reads phase, deprecates (normalised) and no-transaction', async () => {
    const report = await lintSql(
      '-- bgmigrate: phase=contract\n-- bgmigrate: deprecates Public.Users.name, "App"."Orders", Old_Schema\n--bgmigrate:no-transaction\nSELECT 1;',
    );
    expect(report.directives).toEqual({ phase: 'contract', deprecates: ['public.users.name', 'App.Orders', 'old_schema'], noTransaction: true });
    expect(report.phase).toBe('contract');
    expect(report.findings).toEqual([]);
  });

  it('infers no-transaction from a statement that cannot run in a transaction', async () => {
    expect((await lintSql('CREATE INDEX CONCURRENTLY i ON t (a);')).directives.noTransaction).toBe(true);
    expect((await lintSql('CREATE INDEX CONCURRENTLY i ON t (a);')).statements[0].cannotRunInTransaction).toBe(true);
    expect((await lintSql('CREATE INDEX i ON t (a);')).directives.noTransaction).toBe(false);
  });

  it('ignores prose that mentions bgmigrate and -- inside strings', async () => {
    expect(await problems("-- bgmigrate is great\nSELECT '-- bgmigrate: phase=oops';")).toEqual([]);
  });

  it.each([
    ['-- bgmigrate: phase=sideways', 'malformed bgmigrate directive: phase must be "expand" or "contract", not "sideways"'],
    ['-- bgmigrate: phase expand', 'unknown bgmigrate directive "phase expand": expected phase=expand|contract, deprecates <object>, no-transaction, idempotent or backfill'],
    ['-- bgmigrate phase=expand', 'malformed bgmigrate directive: missing ":" after "bgmigrate" (write `-- bgmigrate: phase=expand`)'],
    ['-- bgmigrate: deprecates', 'malformed bgmigrate directive: deprecates needs object names, e.g. `-- bgmigrate: deprecates public.users.name`'],
    ['-- bgmigrate: deprecates users.name,', 'malformed bgmigrate directive: deprecates needs object names, e.g. `-- bgmigrate: deprecates public.users.name`'],
    ['-- bgmigrate: deprecates a.b.c.d', 'malformed bgmigrate directive: "a.b.c.d" is not an object name (schema.table[.column])'],
    ['-- bgmigrate: transactional', 'unknown bgmigrate directive "transactional": expected phase=expand|contract, deprecates <object>, no-transaction, idempotent or backfill'],
    ['-- bgmigrate-ignores drop-table: x', 'unknown bgmigrate comment "bgmigrate-ignores": expected `-- bgmigrate: …` or `-- bgmigrate-ignore …`'],
  ])('reports %s as parse-error at its line:column', async (comment, message) => {
    expect(await problems(`SELECT 1;\n  ${comment}\nSELECT 2;`)).toEqual([[2, 3, message]]);
  });

  it('reports conflicting phases', async () => {
    expect(await problems('-- bgmigrate: phase=expand\n-- bgmigrate: phase=contract\nSELECT 1;')).toEqual([
      [2, 1, 'conflicting bgmigrate directives: phase=expand (line 1) and phase=contract'],
    ]);
  });
});

describe('suppressions', () => {
  const drop = 'ALTER TABLE users DROP COLUMN name;';

  it('applies to the statement after the comment only', async () => {
    const report = await lintSql(`SELECT 1;\n-- bgmigrate-ignore drop-column: deprecated in v41\n${drop}\n${drop}`);
    expect(report.findings.map((f) => [f.rule, f.line, f.severity, f.suppressed])).toEqual([
      ['drop-column', 3, 'info', 'deprecated in v41'],
      ['drop-column', 4, 'error', undefined],
    ]);
  });

  it('covers only the statement right below it, for several rules', async () => {
    const report = await lintSql(`-- bgmigrate-ignore drop-column, drop-table: legacy cleanup\nSELECT 1;\n${drop}\nDROP TABLE t;`);
    expect(report.findings.map((f) => [f.rule, f.line, f.severity, f.suppressed])).toEqual([
      ['drop-column', 3, 'error', undefined],
      ['drop-table', 4, 'error', undefined],
    ]);
    const both = await lintSql(`SELECT 1;\n-- bgmigrate-ignore drop-column, drop-table: legacy cleanup\n-- (second comment line)\nALTER TABLE t DROP COLUMN c, DROP COLUMN d;`);
    expect(both.findings.map((f) => [f.rule, f.line, f.severity, f.suppressed])).toEqual([
      ['drop-column', 4, 'info', 'legacy cleanup'],
      ['drop-column', 4, 'info', 'legacy cleanup'],
    ]);
  });

  it('never covers the whole file, and a blank line ends it', async () => {
    const report = await lintSql(`-- bgmigrate-ignore drop-column, drop-table: legacy cleanup\n\nSELECT 1;\n${drop}\nDROP TABLE t;`);
    expect(report.findings.map((f) => [f.rule, f.line, f.severity, f.suppressed])).toEqual([
      ['parse-error', 1, 'error', undefined],
      ['drop-column', 4, 'error', undefined],
      ['drop-table', 5, 'error', undefined],
    ]);
    expect(report.findings[0].message).toBe(
      'bgmigrate-ignore drop-column, drop-table is separated from the next statement by a blank line and suppresses nothing: put it on the line right before the statement',
    );
  });

  it('a rule about the whole file is suppressed from anywhere', async () => {
    const report = await lintSql('-- bgmigrate-ignore empty-migration: placeholder kept for numbering\n');
    expect(report.findings.map((f) => [f.rule, f.severity, f.suppressed])).toEqual([['empty-migration', 'info', 'placeholder kept for numbering']]);
  });

  it('does not suppress other rules', async () => {
    const report = await lintSql(`-- bgmigrate-ignore drop-table: nope\n${drop}`);
    expect(report.findings.map((f) => [f.rule, f.severity])).toEqual([['drop-column', 'error']]);
  });

  it('an ignore without a reason is a parse-error and suppresses nothing', async () => {
    const report = await lintSql(`SELECT 1;\n-- bgmigrate-ignore drop-column\n${drop}`);
    expect(report.findings.map((f) => [f.rule, f.line, f.column, f.severity])).toEqual([
      ['parse-error', 2, 1, 'error'],
      ['drop-column', 3, 1, 'error'],
    ]);
    expect(report.findings[0].message).toBe('bgmigrate-ignore drop-column has no reason: write `-- bgmigrate-ignore drop-column: <why this is safe>`');
    expect(await problems(`-- bgmigrate-ignore drop-column:   \n${drop}`)).toEqual([
      [1, 1, 'bgmigrate-ignore drop-column has no reason: write `-- bgmigrate-ignore drop-column: <why this is safe>`'],
    ]);
  });

  it('an unknown rule id is a parse-error', async () => {
    expect(await problems(`-- bgmigrate-ignore drop-colum: typo\n${drop}`)).toEqual([[1, 1, 'bgmigrate-ignore names unknown rule "drop-colum"']]);
    expect(await problems(`-- bgmigrate-ignore: no rule\n${drop}`)).toEqual([[1, 1, 'bgmigrate-ignore names no rule: write `-- bgmigrate-ignore <rule>[, <rule>]: <reason>`']]);
  });

  it('after the last statement is a parse-error, not a file-wide suppression', async () => {
    const report = await lintSql(`${drop}\n-- bgmigrate-ignore drop-column: too late`);
    expect(report.findings.map((f) => [f.rule, f.line, f.severity])).toEqual([
      ['drop-column', 1, 'error'],
      ['parse-error', 2, 'error'],
    ]);
    expect(report.findings[1].message).toBe('bgmigrate-ignore drop-column follows the last statement and suppresses nothing: put it on the line before the statement');
  });

  it('can suppress empty-migration in a file without statements', async () => {
    const report = await lintSql('-- bgmigrate-ignore empty-migration: keeps the numbering of a removed migration\n');
    expect(report.findings.map((f) => [f.rule, f.severity, f.suppressed])).toEqual([['empty-migration', 'info', 'keeps the numbering of a removed migration']]);
  });

  it('covers the DO-block statements of the DO it precedes', async () => {
    const report = await lintSql(`SELECT 1;\n-- bgmigrate-ignore drop-table: cleanup of a table nobody uses\nDO $$ BEGIN DROP TABLE t; END $$;`);
    expect(report.findings.map((f) => [f.rule, f.line, f.severity])).toEqual([['drop-table', 3, 'info']]);
  });
});
