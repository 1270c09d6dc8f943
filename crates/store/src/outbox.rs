//! The mail outbox: e-mails are written in the same transaction as the step that
//! causes them, then a worker sends them; a failed send is retried with back-off and
//! never dropped.

use crate::db::{self, Tx};
use crate::sql::{int, text};
use crate::{Mail, Result, Store};

/// Queues `mail` in the transaction of the step that causes it: sent once that commits.
pub(crate) async fn queue(tx: &mut Tx, now: i64, mail: Mail) -> Result<()> {
    db::query(
        "INSERT INTO mail_outbox (id, recipient, subject, body, created_at, attempts, next_attempt_at, last_error) \
         VALUES ($1, $2, $3, $4, $5, 0, $6, '')",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(mail.to)
    .bind(mail.subject)
    .bind(mail.body)
    .bind(now)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

#[derive(Clone, Debug)]
pub struct OutboxMail {
    pub id: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
}

impl Store {
    /// Mails due to be sent now, oldest first.
    pub async fn due_mail(&self, limit: i64) -> Result<Vec<OutboxMail>> {
        let rows = db::query(
            "SELECT id, recipient, subject, body, attempts FROM mail_outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 \
             ORDER BY next_attempt_at, id LIMIT $2",
        )
        .bind(self.now())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OutboxMail {
                    id: text(r, "id")?,
                    recipient: text(r, "recipient")?,
                    subject: text(r, "subject")?,
                    body: text(r, "body")?,
                    attempts: int(r, "attempts")?,
                })
            })
            .collect()
    }

    /// Claims a due mail for one sender for `lease_ms`: with several workers (several
    /// nodes on one database) only the one that claims it sends it. If that worker
    /// dies, the lease runs out and another sends it: never lost.
    pub async fn claim_mail(&self, id: &str, lease_ms: i64) -> Result<bool> {
        let now = self.now();
        let done = db::query(
            "UPDATE mail_outbox SET next_attempt_at = $1 WHERE id = $2 AND sent_at IS NULL AND next_attempt_at <= $3",
        )
        .bind(now + lease_ms)
        .bind(id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done == 1)
    }

    pub async fn mail_sent(&self, id: &str) -> Result<()> {
        db::query("UPDATE mail_outbox SET sent_at = $1, attempts = attempts + 1, last_error = '' WHERE id = $2")
            .bind(self.now())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records a failed attempt; the next one waits `retry_in_ms`.
    pub async fn mail_failed(&self, id: &str, error: &str, retry_in_ms: i64) -> Result<()> {
        db::query(
            "UPDATE mail_outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2 WHERE id = $3",
        )
        .bind(error.chars().take(500).collect::<String>())
        .bind(self.now() + retry_in_ms)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// (unsent, sent) counts, for tests and the health of the outbox.
    pub async fn outbox_counts(&self) -> Result<(i64, i64)> {
        let r = db::query(
            "SELECT COALESCE(SUM(CASE WHEN sent_at IS NULL THEN 1 ELSE 0 END), 0) AS unsent, \
                    COALESCE(SUM(CASE WHEN sent_at IS NULL THEN 0 ELSE 1 END), 0) AS sent FROM mail_outbox",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((int(&r, "unsent")?, int(&r, "sent")?))
    }
}
