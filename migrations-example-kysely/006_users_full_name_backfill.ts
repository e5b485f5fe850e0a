// bgmigrate: no-transaction
// bgmigrate: idempotent
// Each batch only fills rows still NULL: interrupted and run again, it repeats nothing.
// Release v2, step 3: copy name into full_name for the rows written before the trigger existed,
// 1,000 rows per transaction so that no row stays locked for long and replicas keep up.
import { Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    DO $$
    DECLARE
      last_id bigint := 0;
      max_id  bigint;
    BEGIN
      SELECT coalesce(max(id), 0) INTO max_id FROM users;
      WHILE last_id < max_id LOOP
        UPDATE users
           SET full_name = name
         WHERE id > last_id AND id <= last_id + 1000
           AND full_name IS NULL;
        last_id := last_id + 1000;
        COMMIT;
      END LOOP;
    END
    $$`.execute(db);
}
