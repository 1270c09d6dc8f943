-- The search tokens, SQLite flavour (see migrations/postgres for the other).
-- Search tokens (see domain::search): a term matches by prefix range on `token`.
CREATE TABLE member_search (
    campus_id   TEXT NOT NULL,
    token       TEXT NOT NULL,
    member_id   TEXT NOT NULL REFERENCES members(id),
    PRIMARY KEY (campus_id, token, member_id)
);
CREATE INDEX member_search_member ON member_search(member_id);
