-- bgmigrate: phase=contract
-- Contract step of the rename, applied after v3 is live and v2 is retired:
-- nothing that can still receive traffic reads users.name.
DROP TRIGGER IF EXISTS users_sync_full_name ON users;

DROP FUNCTION IF EXISTS users_sync_full_name();

ALTER TABLE users DROP COLUMN name;
