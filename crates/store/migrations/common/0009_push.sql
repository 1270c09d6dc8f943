-- Portable to both dialects. Web Push: each device's subscription, and the server's
-- own secrets (the VAPID key), made once and shared by every node.
CREATE TABLE push_subscriptions (
    endpoint    TEXT PRIMARY KEY,
    member_id   TEXT NOT NULL REFERENCES members(id),
    p256dh      TEXT NOT NULL,
    auth        TEXT NOT NULL,
    preview     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX push_subscriptions_member ON push_subscriptions(member_id);

CREATE TABLE server_secrets (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
