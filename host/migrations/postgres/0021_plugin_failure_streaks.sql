-- A plugin's failure streak (ticket writes in a row on which it failed) is kept in the database,
-- so that replicas count it together: five failing writes disable a plugin whichever replicas
-- served them. Counted in each failing write's transaction; reset by a write it ran cleanly in,
-- by new code and by an admin enabling or disabling it.
ALTER TABLE plugins ADD COLUMN failing_writes BIGINT NOT NULL DEFAULT 0;
