-- Portable to both dialects. An admin's member search finds a member by login too:
-- every member's tokens are built again after this migration (see `Store::connect`),
-- now with their login's.
DELETE FROM member_search;
