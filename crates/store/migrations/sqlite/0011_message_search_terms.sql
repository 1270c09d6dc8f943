-- History search: the index's terms, for the word being typed (SQLite only; see
-- migrations/postgres for why that side has nothing to add).
--
-- FTS5's own read-only view of message_search's vocabulary. A prefix query longer than
-- the 3-character prefixes FTS5 indexes ("reun"*) makes it first gather every message of
-- every completion of the prefix, then sort them, before the LIMIT of a page can stop
-- it; its few completions, looked up here and searched as whole tokens OR-ed together,
-- are walked newest first and stop at a page.
CREATE VIRTUAL TABLE message_search_terms USING fts5vocab(message_search, 'row');
