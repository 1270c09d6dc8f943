-- Portable to both dialects. Pictures, files and voice messages sent in conversations.
--
-- An upload first becomes a row with no message (the sender's client then sends a
-- message naming it); sending claims it (message_id set once, in the writer's
-- transaction). The bytes live in the blob store under the attachment's id (and its
-- thumbnail's), never in the database. A recall sets removed_at; the sweeper then
-- deletes the bytes and sets purged_at, as it does for uploads never sent.
CREATE TABLE attachments (
    id               TEXT PRIMARY KEY,
    conversation_id  TEXT NOT NULL REFERENCES conversations(id),
    uploader_id      TEXT NOT NULL REFERENCES members(id),
    kind             TEXT NOT NULL,
    name             TEXT NOT NULL,
    mime             TEXT NOT NULL,
    size             BIGINT NOT NULL,
    sha256           TEXT NOT NULL,
    width            BIGINT,
    height           BIGINT,
    duration_ms      BIGINT,
    thumbnail        BIGINT NOT NULL,
    message_id       TEXT,
    created_at       BIGINT NOT NULL,
    removed_at       BIGINT,
    purged_at        BIGINT
);
CREATE INDEX attachments_message ON attachments(message_id);
CREATE INDEX attachments_unswept ON attachments(created_at) WHERE purged_at IS NULL;

-- What a message shows of its attachment, as JSON (like `system`): the message row
-- alone renders, so delivering a picture costs no extra lookup.
ALTER TABLE messages ADD COLUMN attachment TEXT;
