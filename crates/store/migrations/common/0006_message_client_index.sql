-- Portable to both dialects. A send's client id is unique per sender; system messages
-- have neither. Indexing only the rows that have a client id keeps the index small and
-- its statistics true: with the NULL rows in it, SQLite's planner took a lookup by
-- (sender, client id) to match thousands of rows and scanned the table instead.
DROP INDEX messages_client;
CREATE UNIQUE INDEX messages_client ON messages(sender_id, client_id) WHERE client_id IS NOT NULL;
