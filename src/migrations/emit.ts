/**
 * A planned SQL migration written in another layout's own format: drizzle (SQL with
 * `--> statement-breakpoint` and a journal entry), and the script layouts (Kysely, node-pg-migrate,
 * knex, TypeORM), where each statement becomes the library's raw-SQL call and `-- bgmigrate…`
 * directives become `// bgmigrate…` comments, which bgmigrate reads the same way.
 */
import { loadParser, parseSql } from '../parse/parser.js';

export type ScriptFormat = 'kysely' | 'node-pg-migrate' | 'knex' | 'typeorm';

interface Split {
  /** The file's leading comment lines (directives and explanations), without `-- `. */
  comments: string[];
  statements: string[];
  noTransaction: boolean;
}

async function split(sql: string): Promise<Split> {
  await loadParser();
  const parsed = parseSql(sql);
  if ('error' in parsed) throw new Error(`plan produced SQL that does not parse: ${parsed.error.message}`);
  const bytes = Buffer.from(sql, 'utf8');
  const statements = parsed.stmts.map((s) => {
    const start = s.stmt_location ?? 0;
    const text = bytes.subarray(start, s.stmt_len ? start + s.stmt_len : undefined).toString('utf8');
    // Drop the comment lines that precede the statement inside its span.
    return text.replace(/^(\s*--[^\n]*\n)+/, '').trim();
  });
  const comments = sql.split('\n').filter((l) => l.startsWith('-- ')).map((l) => l.slice(3));
  return { comments, statements, noTransaction: comments.some((c) => /^bgmigrate: (no-transaction|backfill)\b/.test(c)) };
}

/** Drizzle: the leading comments, then the statements separated by drizzle-kit's breakpoint marker. */
export async function drizzleSql(sql: string): Promise<string> {
  const { comments, statements } = await split(sql);
  return `${comments.map((c) => `-- ${c}`).join('\n')}\n${statements.map((s) => `${s};`).join('\n--> statement-breakpoint\n')}\n`;
}

const template = (statement: string) => '`' + statement.replaceAll('\\', '\\\\').replaceAll('`', '\\`').replaceAll('${', '\\${') + '`';

/** The migration as a script of `format`, named `className` where the format needs a class (TypeORM). */
export async function scriptFor(format: ScriptFormat, sql: string, className = 'Migration'): Promise<string> {
  const { comments, statements, noTransaction } = await split(sql);
  const header = comments.map((c) => `// ${c}`).join('\n');
  const calls = (call: (s: string) => string, indent: string) => statements.map((s) => `${indent}${call(template(s))};`).join('\n');
  switch (format) {
    case 'kysely':
      return `${header}\nimport { Kysely, sql } from 'kysely';\n\nexport async function up(db: Kysely<any>): Promise<void> {\n${calls((t) => `await sql${t}.execute(db)`, '  ')}\n}\n`;
    case 'node-pg-migrate':
      return `${header}\nimport type { MigrationBuilder } from 'node-pg-migrate';\n\nexport async function up(pgm: MigrationBuilder): Promise<void> {\n${noTransaction ? '  pgm.noTransaction();\n' : ''}${calls((t) => `pgm.sql(${t})`, '  ')}\n}\n`;
    case 'knex':
      return `${header}\nimport type { Knex } from 'knex';\n${noTransaction ? '\nexport const config = { transaction: false };\n' : ''}\nexport async function up(knex: Knex): Promise<void> {\n${calls((t) => `await knex.raw(${t})`, '  ')}\n}\n`;
    case 'typeorm':
      return `${header}\nimport type { MigrationInterface, QueryRunner } from 'typeorm';\n\nexport class ${className} implements MigrationInterface {\n${noTransaction ? '  transaction = false as const;\n\n' : ''}  public async up(queryRunner: QueryRunner): Promise<void> {\n${calls((t) => `await queryRunner.query(${t})`, '    ')}\n  }\n}\n`;
  }
}
