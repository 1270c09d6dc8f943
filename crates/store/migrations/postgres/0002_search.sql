-- The search tokens, PostgreSQL flavour.
-- Search tokens (see domain::search): a term matches by prefix range on `token`.
-- "C" collation: the range relies on code-point order, which other collations do not keep.
CREATE TABLE member_search (
    campus_id   TEXT NOT NULL,
    token       TEXT COLLATE "C" NOT NULL,
    member_id   TEXT NOT NULL REFERENCES members(id),
    PRIMARY KEY (campus_id, token, member_id)
);
CREATE INDEX member_search_member ON member_search(member_id);
