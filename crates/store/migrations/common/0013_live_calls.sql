-- Portable to both dialects. The calls and meetings going on, on whichever node hosts
-- them: a call lives in the memory and media server of one node, and this row says
-- which, so that a request for it reaching another node (several nodes on one
-- PostgreSQL database) is passed to that one, and a conversation has one call at a time
-- across all of them.
--
-- node: the hosting process's id (the store's node id, new at every start); node_url:
-- where the other nodes reach its API ('' when it said none). data: the call as it was
-- last told to the apps (the `call` event's data, and who took part for its record).
-- renewed_at: the hosting node renews its rows while it runs; a row not renewed for the
-- lease is a call whose node is gone, and any node ends it, with its record in the chat.
CREATE TABLE live_calls (
    call_id          TEXT PRIMARY KEY,
    conversation_id  TEXT NOT NULL UNIQUE REFERENCES conversations(id),
    node             TEXT NOT NULL,
    node_url         TEXT NOT NULL,
    data             TEXT NOT NULL,
    renewed_at       BIGINT NOT NULL
);
CREATE INDEX live_calls_renewed ON live_calls(renewed_at);
