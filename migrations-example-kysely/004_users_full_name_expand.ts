// bgmigrate: phase=expand
// Release v2, step 1 of the rename users.name -> users.full_name.
// Add the new column beside the old one, and keep the two in sync whichever color writes:
// blue (v1) writes only name, green (v2) writes both.
import { Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('full_name', 'text').execute();

  await sql`
    CREATE FUNCTION users_sync_full_name() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        NEW.full_name := coalesce(NEW.full_name, NEW.name);
        NEW.name := coalesce(NEW.name, NEW.full_name);
      ELSIF NEW.name IS DISTINCT FROM OLD.name AND NEW.full_name IS NOT DISTINCT FROM OLD.full_name THEN
        NEW.full_name := NEW.name;
      ELSIF NEW.full_name IS DISTINCT FROM OLD.full_name AND NEW.name IS NOT DISTINCT FROM OLD.name THEN
        NEW.name := NEW.full_name;
      END IF;
      RETURN NEW;
    END
    $$`.execute(db);

  await sql`
    CREATE TRIGGER users_sync_full_name
      BEFORE INSERT OR UPDATE ON users
      FOR EACH ROW EXECUTE FUNCTION users_sync_full_name()`.execute(db);
}
