-- Portable to both dialects. The event log and conversations.

-- Every change a client should see, in one order for the whole installation. A
-- position is allocated under the writers' lock (SQLite's write lock, an advisory lock
-- on PostgreSQL) and committed before the next is allocated, so readers never see a
-- position before all smaller ones are visible. `audience` says who may read it:
-- 'member' (audience_id = a member), 'conversation' (its members at that position),
-- 'campus' (every member of the campus), 'campus_admins'. A message's event has no
-- data of its own: its content is the messages row at the same position, so a recall
-- removes it from the log too.
CREATE TABLE events (
    position     BIGINT PRIMARY KEY,
    kind         TEXT NOT NULL,
    audience     TEXT NOT NULL,
    audience_id  TEXT NOT NULL,
    data         TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX events_audience ON events(audience, audience_id, position);
CREATE INDEX events_created ON events(created_at);

-- The highest position pruned from the log: a client behind it must resync.
CREATE TABLE event_floor (
    id     BIGINT PRIMARY KEY,
    floor  BIGINT NOT NULL
);
INSERT INTO event_floor (id, floor) VALUES (1, 0);

CREATE TABLE conversations (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    name            TEXT NOT NULL,
    home_campus_id  TEXT NOT NULL REFERENCES campuses(id),
    owner_id        TEXT REFERENCES members(id),
    direct_key      TEXT UNIQUE,
    created_by      TEXT NOT NULL REFERENCES members(id),
    created_at      BIGINT NOT NULL,
    dissolved_at    BIGINT
);

-- A member sees the conversation's events after joined_position and, once gone, up to
-- left_position. read_position: every message at or below it is read.
CREATE TABLE conversation_members (
    conversation_id  TEXT NOT NULL REFERENCES conversations(id),
    member_id        TEXT NOT NULL REFERENCES members(id),
    role             TEXT NOT NULL,
    joined_position  BIGINT NOT NULL,
    left_position    BIGINT,
    read_position    BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, member_id)
);
CREATE INDEX conversation_members_member ON conversation_members(member_id, conversation_id);

CREATE TABLE messages (
    id               TEXT PRIMARY KEY,
    conversation_id  TEXT NOT NULL REFERENCES conversations(id),
    position         BIGINT NOT NULL UNIQUE,
    sender_id        TEXT REFERENCES members(id),
    client_id        TEXT,
    kind             TEXT NOT NULL,
    text             TEXT NOT NULL,
    mentions         TEXT NOT NULL,
    mention_all      BIGINT NOT NULL,
    reply_to         TEXT,
    system           TEXT,
    created_at       BIGINT NOT NULL,
    recalled_at      BIGINT
);
CREATE INDEX messages_conversation ON messages(conversation_id, position);
CREATE UNIQUE INDEX messages_client ON messages(sender_id, client_id);
