-- History search, PostgreSQL flavour (see migrations/sqlite for the other).
--
-- One row per message (by position) with its tokens (domain::search::message_tokens:
-- folded words, CJK characters and CJK pairs) as a tsvector built by array_to_tsvector,
-- so the lexemes are our tokens verbatim. Not to_tsvector('simple', …): every text
-- search configuration, 'simple' too, runs PostgreSQL's own parser first, which would
-- split the text again by its own rules (a CJK pair is not a word to it). A tsvector
-- rather than a text[] because GIN over tsvector answers both "holds every one of these
-- tokens" (&) and "holds a token that starts with" (:*, the word being typed); GIN over
-- text[] answers only the first. conversation_id lets the planner keep a search to the
-- caller's conversations.
CREATE TABLE message_search (
    position         BIGINT PRIMARY KEY,
    conversation_id  TEXT NOT NULL,
    tokens           tsvector NOT NULL
);
CREATE INDEX message_search_tokens ON message_search USING GIN (tokens);
CREATE INDEX message_search_conversation ON message_search (conversation_id, position);

-- The indexer's place in the event log: every message at or below it is in the index,
-- unless it was recalled. Several nodes may index at once: each moves it only from
-- where it read it (under FOR UPDATE), so a batch is written once.
CREATE TABLE search_cursor (
    id        BIGINT PRIMARY KEY,
    position  BIGINT NOT NULL
);
INSERT INTO search_cursor (id, position) VALUES (1, 0);
