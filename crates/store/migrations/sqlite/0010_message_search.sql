-- History search, SQLite flavour (see migrations/postgres for the other).
--
-- An FTS5 table fed with campuslink's own tokens (domain::search::message_tokens: folded
-- words, CJK characters and CJK pairs), space-separated, so FTS5 splits nothing by rules
-- of its own: the `ascii` tokenizer cuts only at ASCII spaces and punctuation, which the
-- tokens never hold, and keeps every other character (CJK included) inside a token. One
-- row per message, its rowid the message's position. Each row also holds the token
-- '§c' + its conversation's id ('§' is never part of a text token), so a search can keep
-- to the caller's conversations inside FTS5 itself.
--   content=''             contentless: the tokens are in the index only, not stored again;
--   contentless_delete=1   a recall can still delete its message's row;
--   detail=none            a match needs to know which messages hold a token, not where;
--   prefix='3'             3-character prefixes indexed too, for the word being typed.
CREATE VIRTUAL TABLE message_search USING fts5(
    tokens, content='', contentless_delete=1, detail=none, tokenize='ascii', prefix='3'
);

-- The indexer's place in the event log: every message at or below it is in the index,
-- unless it was recalled.
CREATE TABLE search_cursor (
    id        BIGINT PRIMARY KEY,
    position  BIGINT NOT NULL
);
INSERT INTO search_cursor (id, position) VALUES (1, 0);
