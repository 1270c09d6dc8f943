-- Search tokens per field, so a search matches only the fields its viewer may see
-- (domain::access::shown): 'card' (names, title) or 'staff_no'. The tokens are
-- rebuilt by the program right after this migration.
DROP TABLE member_search;
CREATE TABLE member_search (
    campus_id   TEXT NOT NULL,
    field       TEXT NOT NULL,
    token       TEXT NOT NULL,
    member_id   TEXT NOT NULL REFERENCES members(id),
    PRIMARY KEY (campus_id, token, field, member_id)
);
CREATE INDEX member_search_member ON member_search(member_id);
