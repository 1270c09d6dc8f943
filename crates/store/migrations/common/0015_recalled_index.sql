-- Portable to both dialects. The search indexer asks, at each step, which messages of
-- the step's range of the log were recalled. Through the log's position index that
-- read every event of the range — a message's event carries the whole message — to
-- find none, or a few; recalls are rare, and this index holds only them.
CREATE INDEX events_recalled ON events(position) WHERE kind = 'message_recalled';
