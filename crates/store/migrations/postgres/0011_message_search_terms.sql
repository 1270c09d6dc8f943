-- History search: the index's terms, for the word being typed, is a SQLite-only table
-- (FTS5's vocabulary, see migrations/sqlite). PostgreSQL's GIN index finds a prefix's
-- terms itself. Recorded here all the same, so that schema 11 means one thing on both
-- databases (`campuslink --version`, `/readyz`).
SELECT 1;
