// bgmigrate: phase=expand
// bgmigrate: deprecates public.users.name, public.users_sync_full_name
// Release v3 reads and writes only full_name. From v3 on the application no longer uses
// users.name, so the column may go once every release older than v3 is retired.
// Until then blue (v2) may still insert without full_name: the trigger fills it in.
import { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').alterColumn('name', (col) => col.dropNotNull()).execute();
}
