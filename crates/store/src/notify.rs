//! Each member's own notification settings, the same on every device, and the e-mail
//! digest's progress through the log (`notification_settings`, migration 12): who asked
//! for a digest, which of their messages are unread and not weighed yet, and moving each
//! member's high-water mark — with the digest's mail, in one transaction.
//!
//! Who may be told of what is not decided here: these queries load the read-state facts
//! (`chat::unread_above`, the member's place in each conversation) and the server asks
//! the rules.

use crate::chat::{MEMBERSHIP_COLS, Membership, membership, unread_above};
use crate::db::{self, Row};
use crate::directory::{MEMBER_COLS, Member, member};
use crate::events::LAST_POSITION;
use crate::sql::{dynq, id, int, opt_id, opt_int, placeholders, text};
use crate::{Mail, Result, Store, StoreError};
use domain::{ConversationId, MemberId};

/// A member's notification settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotifySettings {
    /// An e-mail digest of messages left unread (off until the member asks for it).
    pub email_digest: bool,
    /// Show who wrote and what: in the digest, and on every device's notifications.
    pub preview: bool,
    /// The language tag the digest is written in.
    pub lang: String,
    /// Where the member opens campuslink, for the digest's link when
    /// `server.public_url` is not set ("" when unknown).
    pub app_url: String,
}

impl Default for NotifySettings {
    fn default() -> Self {
        Self { email_digest: false, preview: true, lang: "zh-Hant".into(), app_url: String::new() }
    }
}

/// A change to a member's settings: `None` keeps a setting as it is. The language and
/// address are those of the request that makes it.
#[derive(Clone, Debug, Default)]
pub struct NotifyChange {
    pub email_digest: Option<bool>,
    pub preview: Option<bool>,
    pub lang: String,
    pub app_url: String,
}

/// A member whose digest has messages to weigh: they asked for one and their mark is
/// below the horizon.
#[derive(Clone, Debug)]
pub struct DigestDue {
    /// The member as the directory has them (without departments).
    pub member: Member,
    /// Their high-water mark: everything at or below it was weighed.
    pub mark: i64,
    pub settings: NotifySettings,
}

/// One unread message of a member's above their mark, as the digest weighs it: the
/// member's place in its conversation now, and what the message is (not its text).
#[derive(Clone, Debug)]
pub struct DigestUnread {
    pub me: Membership,
    pub conversation_id: ConversationId,
    pub position: i64,
    pub sender_id: Option<MemberId>,
    pub mentions: Vec<MemberId>,
    pub mention_all: bool,
    pub system: bool,
    pub recalled: bool,
}

const SETTINGS_COLS: &str = "ns.email_digest, ns.preview, ns.lang, ns.app_url";

fn settings(r: &Row) -> Result<NotifySettings> {
    Ok(NotifySettings {
        email_digest: int(r, "email_digest")? != 0,
        preview: int(r, "preview")? != 0,
        lang: text(r, "lang")?,
        app_url: text(r, "app_url")?,
    })
}

impl Store {
    /// A member's settings (the defaults until they save any).
    pub async fn notify_settings(&self, member: MemberId) -> Result<NotifySettings> {
        let row = dynq(format!("SELECT {SETTINGS_COLS} FROM notification_settings ns WHERE ns.member_id = $1"))
            .bind(member.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(settings).transpose()?.unwrap_or_default())
    }

    /// Saves a change. Turning the digest on starts it at the log's last position (it
    /// tells only of messages from then on); a preview choice reaches every one of the
    /// member's devices' push subscriptions in the same transaction.
    pub async fn set_notify_settings(&self, member: MemberId, change: &NotifyChange) -> Result<NotifySettings> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let row = dynq(format!("SELECT {SETTINGS_COLS} FROM notification_settings ns WHERE ns.member_id = $1"))
            .bind(member.to_string())
            .fetch_optional(&mut tx)
            .await?;
        let was = row.as_ref().map(settings).transpose()?;
        let old = was.clone().unwrap_or_default();
        let new = NotifySettings {
            email_digest: change.email_digest.unwrap_or(old.email_digest),
            preview: change.preview.unwrap_or(old.preview),
            lang: change.lang.clone(),
            app_url: change.app_url.clone(),
        };
        let starts = new.email_digest && !old.email_digest;
        let mark = if starts { int(&db::query(LAST_POSITION).fetch_one(&mut tx).await?, "p")? } else { 0 };
        if was.is_none() {
            db::query(
                "INSERT INTO notification_settings (member_id, email_digest, preview, lang, app_url, digest_position, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(member.to_string())
            .bind(i64::from(new.email_digest))
            .bind(i64::from(new.preview))
            .bind(new.lang.as_str())
            .bind(new.app_url.as_str())
            .bind(mark)
            .bind(now)
            .execute(&mut tx)
            .await?;
        } else {
            db::query(
                "UPDATE notification_settings SET email_digest = $1, preview = $2, lang = $3, app_url = $4, \
                 digest_position = CASE WHEN $5 = 1 THEN $6 ELSE digest_position END, updated_at = $7 WHERE member_id = $8",
            )
            .bind(i64::from(new.email_digest))
            .bind(i64::from(new.preview))
            .bind(new.lang.as_str())
            .bind(new.app_url.as_str())
            .bind(i64::from(starts))
            .bind(mark)
            .bind(now)
            .bind(member.to_string())
            .execute(&mut tx)
            .await?;
        }
        if new.preview != old.preview {
            db::query("UPDATE push_subscriptions SET preview = $1 WHERE member_id = $2")
                .bind(i64::from(new.preview))
                .bind(member.to_string())
                .execute(&mut tx)
                .await?;
        }
        tx.commit().await?;
        Ok(new)
    }

    /// The digest's horizon for `cutoff`: the position of the last event the log
    /// committed at or before it. Messages at or below it are old enough for a digest.
    /// (With the log pruned past the cutoff, its floor: every pruned event is older
    /// than the kept log, which keeps more than a digest waits.)
    pub async fn digest_horizon(&self, cutoff: i64) -> Result<i64> {
        // Two index lookups: the last time at or before the cutoff, then the highest
        // position committed at that very millisecond.
        let row = db::query(
            "SELECT MAX(position) AS p FROM events \
             WHERE created_at = (SELECT MAX(created_at) FROM events WHERE created_at <= $1)",
        )
        .bind(cutoff)
        .fetch_one(&self.pool)
        .await?;
        match opt_int(&row, "p")? {
            Some(p) => Ok(p),
            None => self.event_floor().await,
        }
    }

    /// Up to `limit` members who asked for a digest and whose mark is below `horizon`,
    /// not claimed by a node building theirs.
    pub async fn digests_due(&self, horizon: i64, limit: i64) -> Result<Vec<DigestDue>> {
        let rows = dynq(format!(
            "SELECT {MEMBER_COLS}, {SETTINGS_COLS}, ns.digest_position FROM notification_settings ns \
             JOIN members m ON m.id = ns.member_id \
             WHERE ns.email_digest = 1 AND ns.digest_position < $1 AND ns.digest_claimed_until <= $2 \
             ORDER BY ns.digest_position, ns.member_id LIMIT $3"
        ))
        .bind(horizon)
        .bind(self.now())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok(DigestDue { member: member(r)?, mark: int(r, "digest_position")?, settings: settings(r)? }))
            .collect()
    }

    /// The unread messages above each member's mark, up to `horizon`, in the
    /// conversations they are in now (the read-state facts: `chat::unread_above`),
    /// oldest first. One statement; each row is small (no text).
    pub async fn digest_unread(&self, members: &[MemberId], horizon: i64) -> Result<Vec<DigestUnread>> {
        let mut out = Vec::new();
        for chunk in members.chunks(200) {
            let sql = format!(
                "SELECT {MEMBERSHIP_COLS}, u.conversation_id, u.position, u.sender_id, u.mentions, u.mention_all, \
                   u.recalled_at, CASE WHEN u.system IS NULL THEN 0 ELSE 1 END AS is_system \
                 FROM notification_settings ns \
                 JOIN conversation_members cm ON cm.member_id = ns.member_id \
                 JOIN messages u ON u.conversation_id = cm.conversation_id \
                 WHERE ns.member_id IN ({ids}) AND cm.left_position IS NULL \
                   AND u.position > {above} AND u.position <= $1 AND {unread} \
                 ORDER BY u.position",
                ids = placeholders(2, chunk.len()),
                above = self.dialect.greatest("cm.read_position", "ns.digest_position"),
                unread = unread_above("u", "cm"),
            );
            let q = chunk.iter().fold(dynq(sql).bind(horizon), |q, m| q.bind(m.to_string()));
            for r in q.fetch_all(&self.pool).await? {
                let mentions = serde_json::from_str(&text(&r, "mentions")?)
                    .map_err(|e| StoreError::Corrupt(format!("message mentions: {e}")))?;
                out.push(DigestUnread {
                    me: membership(&r)?,
                    conversation_id: id(&r, "conversation_id")?,
                    position: int(&r, "position")?,
                    sender_id: opt_id(&r, "sender_id")?,
                    mentions,
                    mention_all: int(&r, "mention_all")? != 0,
                    system: int(&r, "is_system")? != 0,
                    recalled: opt_int(&r, "recalled_at")?.is_some(),
                });
            }
        }
        Ok(out)
    }

    /// Claims `member`'s digest from `mark` for `lease_ms`, as the mail outbox claims a
    /// mail: only the node that claims it builds it; should that node die, the claim
    /// runs out and another does.
    pub async fn claim_digest(&self, member: MemberId, mark: i64, lease_ms: i64) -> Result<bool> {
        let now = self.now();
        let done = db::query(
            "UPDATE notification_settings SET digest_claimed_until = $1 \
             WHERE member_id = $2 AND email_digest = 1 AND digest_position = $3 AND digest_claimed_until <= $4",
        )
        .bind(now + lease_ms)
        .bind(member.to_string())
        .bind(mark)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done == 1)
    }

    /// Queues `mail`, the digest of `member`'s messages in `(mark, horizon]`, and moves
    /// their mark to `horizon`, in one transaction — only if the mark is still `mark`
    /// and they still want digests. `false`: someone else moved it first (another node
    /// sent this digest, or found nothing left to send), and nothing was written.
    pub async fn send_digest(&self, member: MemberId, mark: i64, horizon: i64, mail: Mail) -> Result<bool> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let moved = db::query(
            "UPDATE notification_settings SET digest_position = $1, digest_claimed_until = 0, digest_sent_at = $2 \
             WHERE member_id = $3 AND email_digest = 1 AND digest_position = $4",
        )
        .bind(horizon)
        .bind(now)
        .bind(member.to_string())
        .bind(mark)
        .execute(&mut tx)
        .await?;
        if moved != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        crate::outbox::queue(&mut tx, now, mail).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Moves the marks of members with nothing to be told of up to `horizon` (never
    /// back). Safe beside another node's digest: one found to tell of something above
    /// a mark moved here is not sent (`send_digest` finds the mark moved) and is
    /// weighed again from the new mark.
    pub async fn pass_digests(&self, members: &[MemberId], horizon: i64) -> Result<()> {
        for chunk in members.chunks(500) {
            let sql = format!(
                "UPDATE notification_settings SET digest_position = $1 WHERE digest_position < $1 AND member_id IN ({})",
                placeholders(2, chunk.len())
            );
            let q = chunk.iter().fold(dynq(sql).bind(horizon), |q, m| q.bind(m.to_string()));
            q.execute(&self.pool).await?;
        }
        Ok(())
    }
}
