// bgmigrate: no-transaction
// Release v2, step 2: index the new column without blocking writes.
// CONCURRENTLY cannot run inside a transaction, so this migration runs statement by statement.
import { Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX CONCURRENTLY IF NOT EXISTS users_full_name_idx ON users (full_name)`.execute(db);
}
