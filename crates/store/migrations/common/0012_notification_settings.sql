-- Portable to both dialects. Each member's own notification settings, the same on every
-- device, and how far the e-mail digest of unread messages has got for them.
--
-- email_digest: the member asked for the digest (off until they do). preview: show who
-- wrote and what, in the digest and on every device's push notifications. lang and
-- app_url: the language and the campuslink address of the request that last saved
-- these settings, for the digest's text and link (server.public_url, if set, wins).
--
-- digest_position: the digest's high-water mark. Every message at or below it has been
-- weighed for a digest (and mailed in one, or left out: read in time, muted, no longer
-- the member's to see); a digest covers only messages above it, and writing the digest
-- to the mail outbox moves it in the same transaction, so no message is mailed twice.
-- Turning the digest on sets it to the log's last position: nothing from before.
-- digest_claimed_until: a node building this member's digest holds it until then, as
-- the mail outbox's claims do, so nodes sharing the database do not build it twice.
CREATE TABLE notification_settings (
    member_id             TEXT PRIMARY KEY REFERENCES members(id),
    email_digest          BIGINT NOT NULL DEFAULT 0,
    preview               BIGINT NOT NULL DEFAULT 1,
    lang                  TEXT NOT NULL DEFAULT 'zh-Hant',
    app_url               TEXT NOT NULL DEFAULT '',
    digest_position       BIGINT NOT NULL DEFAULT 0,
    digest_claimed_until  BIGINT NOT NULL DEFAULT 0,
    digest_sent_at        BIGINT,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX notification_settings_digest ON notification_settings(email_digest, digest_position);

-- Previews were a device's choice until now: a member who hid them on any device keeps
-- them hidden everywhere.
INSERT INTO notification_settings (member_id, preview, updated_at)
    SELECT member_id, MIN(preview), MAX(created_at) FROM push_subscriptions GROUP BY member_id;
