// bgmigrate: phase=contract
// Contract step of the rename, applied after v3 is live and v2 is retired:
// nothing that can still receive traffic reads users.name.
import { Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS users_sync_full_name ON users`.execute(db);

  await sql`DROP FUNCTION IF EXISTS users_sync_full_name()`.execute(db);

  await db.schema.alterTable('users').dropColumn('name').execute();
}
