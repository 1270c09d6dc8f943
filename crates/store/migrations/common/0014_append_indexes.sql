-- Portable to both dialects. Keeps what a send adds to the indexes at their ends, where
-- the writer's last commit left the pages, instead of one page per send all over them.
--
-- A send's client id leads its unique index: the apps make time-ordered client ids
-- (UUIDv7's layout), so new entries go to the end of the index, where with the sender
-- first each send touched a page of its own sender's range.
DROP INDEX messages_client;
CREATE UNIQUE INDEX messages_client ON messages(client_id, sender_id) WHERE client_id IS NOT NULL;

-- A message's event is read from the messages row at its position (messages_conversation
-- finds them by conversation), so the audience index leaves those rows out: it held one
-- entry per message in its conversation's range, a second random page per send.
DROP INDEX events_audience;
CREATE INDEX events_audience ON events(audience, audience_id, position) WHERE kind <> 'message';
