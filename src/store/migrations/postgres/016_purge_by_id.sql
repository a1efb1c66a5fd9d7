-- Purge by id range (issue 19): event and attempt ids are ULIDs whose first ten characters are
-- the time they were minted, never earlier than created_at and started_at, so `id < the id
-- floor of a time` finds what a time index found. Two B-tree writes fewer per delivery.
DROP INDEX IF EXISTS events_created_at_idx;
DROP INDEX IF EXISTS attempts_started_at_idx;
