//! Web Push in the database: each device's push subscription (a browser's endpoint and
//! its keys, one row per endpoint), and the server's own VAPID key, made once and
//! shared by every node.

use crate::db;
use crate::sql::{id, int, text};
use crate::{Result, Store};
use domain::MemberId;

/// One device's subscription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushSubscription {
    pub endpoint: String,
    pub member_id: MemberId,
    /// base64url of the browser's P-256 public key and auth secret.
    pub p256dh: String,
    pub auth: String,
    /// Show the sender and the text in the notification (off: "a new message").
    pub preview: bool,
    pub created_at: i64,
}

fn subscription(r: &db::Row) -> Result<PushSubscription> {
    Ok(PushSubscription {
        endpoint: text(r, "endpoint")?,
        member_id: id(r, "member_id")?,
        p256dh: text(r, "p256dh")?,
        auth: text(r, "auth")?,
        preview: int(r, "preview")? != 0,
        created_at: int(r, "created_at")?,
    })
}

const COLS: &str = "endpoint, member_id, p256dh, auth, preview, created_at";

impl Store {
    /// The secret named `name`, made by `make` the first time. Nodes starting at once
    /// agree: the first insert wins and everyone reads what it wrote.
    pub async fn server_secret(&self, name: &str, make: impl FnOnce() -> String) -> Result<String> {
        db::query("INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(name)
            .bind(make())
            .bind(self.now())
            .execute(&self.pool)
            .await?;
        let row =
            db::query("SELECT value FROM server_secrets WHERE name = $1").bind(name).fetch_one(&self.pool).await?;
        text(&row, "value")
    }

    /// Saves a device's subscription for `member`. An endpoint is one browser profile:
    /// subscribing it again (keys renewed, or another member signed in on that device)
    /// replaces what it had.
    pub async fn save_subscription(&self, s: &PushSubscription) -> Result<()> {
        db::query(
            "INSERT INTO push_subscriptions (endpoint, member_id, p256dh, auth, preview, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (endpoint) DO UPDATE SET member_id = excluded.member_id, \
             p256dh = excluded.p256dh, auth = excluded.auth, preview = excluded.preview, created_at = excluded.created_at",
        )
        .bind(s.endpoint.as_str())
        .bind(s.member_id.to_string())
        .bind(s.p256dh.as_str())
        .bind(s.auth.as_str())
        .bind(i64::from(s.preview))
        .bind(s.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Removes a subscription of `member` (signing out of a device, turning push off).
    pub async fn delete_subscription(&self, member: MemberId, endpoint: &str) -> Result<bool> {
        Ok(db::query("DELETE FROM push_subscriptions WHERE endpoint = $1 AND member_id = $2")
            .bind(endpoint)
            .bind(member.to_string())
            .execute(&self.pool)
            .await?
            > 0)
    }

    /// Removes a subscription the push service says is gone (404/410).
    pub async fn drop_subscription(&self, endpoint: &str) -> Result<()> {
        db::query("DELETE FROM push_subscriptions WHERE endpoint = $1").bind(endpoint).execute(&self.pool).await?;
        Ok(())
    }

    /// Every subscription of these members.
    pub async fn subscriptions_of(&self, members: &[MemberId]) -> Result<Vec<PushSubscription>> {
        let mut out = Vec::new();
        for chunk in members.chunks(500) {
            let sql = format!(
                "SELECT {COLS} FROM push_subscriptions WHERE member_id IN ({})",
                crate::sql::placeholders(1, chunk.len())
            );
            let rows = crate::sql::dynq_bound(sql, chunk).fetch_all(&self.pool).await?;
            for r in &rows {
                out.push(subscription(r)?);
            }
        }
        Ok(out)
    }

    /// A member's subscription on one endpoint, if any.
    pub async fn subscription(&self, member: MemberId, endpoint: &str) -> Result<Option<PushSubscription>> {
        let row =
            crate::sql::dynq(format!("SELECT {COLS} FROM push_subscriptions WHERE endpoint = $1 AND member_id = $2"))
                .bind(endpoint)
                .bind(member.to_string())
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(subscription).transpose()
    }
}
