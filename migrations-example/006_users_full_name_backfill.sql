-- bgmigrate: backfill batch=1000
-- Release v2, step 3: copy name into full_name for the rows written before the trigger existed.
-- The runner executes this UPDATE in batches of 1,000 rows by primary key, each batch its own
-- transaction, checkpointed in the ledger: interrupted, it resumes after the last committed batch,
-- and the WHERE makes a batch that is run again harmless.
UPDATE users SET full_name = name WHERE full_name IS NULL;
