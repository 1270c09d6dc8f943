-- Portable to both dialects. What teachers expect of a chat beyond text: reactions,
-- forwarding, a group announcement (群公告), and each member's own settings for a
-- conversation (pin to the top, mute, mark as unread).

-- One row per (message, member, emoji); the message row keeps a summary as JSON
-- (`reactions`), rewritten in the same transaction, so a message renders alone.
CREATE TABLE reactions (
    message_id  TEXT NOT NULL REFERENCES messages(id),
    member_id   TEXT NOT NULL REFERENCES members(id),
    emoji       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (message_id, member_id, emoji)
);
ALTER TABLE messages ADD COLUMN reactions TEXT;
-- A forwarded copy: JSON {"sender": id|null} (null when the original sender may not be
-- named to the conversation it was forwarded to).
ALTER TABLE messages ADD COLUMN forwarded TEXT;

ALTER TABLE conversations ADD COLUMN announcement TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN announcement_at BIGINT;
ALTER TABLE conversations ADD COLUMN announcement_by TEXT;

ALTER TABLE conversation_members ADD COLUMN pinned_at BIGINT;
ALTER TABLE conversation_members ADD COLUMN muted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversation_members ADD COLUMN marked_unread BIGINT NOT NULL DEFAULT 0;
-- The announcement (by its time) this member has seen; shown on entry until then.
ALTER TABLE conversation_members ADD COLUMN announcement_seen BIGINT NOT NULL DEFAULT 0;
