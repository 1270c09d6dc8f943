//! Sign-in bookkeeping: sessions (stored by the hash of their token, never the token)
//! and the failed-login counter behind the temporary lockout.

use crate::db::{self};
use crate::directory::{MEMBER_COLS, Member, member};
use crate::sql::{dynq, int, opt_text, text};
use crate::{Result, Store, StoreError};
use domain::MemberId;

/// A live session and whom it belongs to.
#[derive(Clone, Debug)]
pub struct SessionMember {
    pub member: Member,
    pub csrf_token: String,
    pub expires_at: i64,
}

/// What the login check needs about an account.
#[derive(Clone, Debug)]
pub struct Session {
    pub member: Member,
    pub password_hash: Option<String>,
    pub failed_logins: i64,
    pub locked_until: i64,
}

impl Store {
    /// The account behind a login name, with its password hash and lockout state.
    pub async fn login_record(&self, login: &str) -> Result<Option<Session>> {
        let row = dynq(format!(
            "SELECT {MEMBER_COLS}, m.password_hash, m.failed_logins, m.locked_until FROM members m WHERE m.login = $1"
        ))
        .bind(login.to_ascii_lowercase())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Session {
                member: member(&r)?,
                password_hash: opt_text(&r, "password_hash")?,
                failed_logins: int(&r, "failed_logins")?,
                locked_until: int(&r, "locked_until")?,
            })
        })
        .transpose()
    }

    /// Counts a failed login; the `max`-th failure in a row locks the account until
    /// `now + lock_ms`. Returns whether the account is now locked.
    pub async fn record_login_failure(&self, member: MemberId, max: i64, lock_ms: i64) -> Result<bool> {
        let now = self.now();
        let row =
            db::query("UPDATE members SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins")
                .bind(member.to_string())
                .fetch_optional(&self.pool)
                .await?
                .ok_or(StoreError::NotFound)?;
        if int(&row, "failed_logins")? >= max {
            db::query("UPDATE members SET failed_logins = 0, locked_until = $1 WHERE id = $2")
                .bind(now + lock_ms)
                .bind(member.to_string())
                .execute(&self.pool)
                .await?;
            return Ok(true);
        }
        Ok(false)
    }

    pub async fn record_login_success(&self, member: MemberId) -> Result<()> {
        db::query("UPDATE members SET failed_logins = 0, locked_until = 0 WHERE id = $1 AND (failed_logins <> 0 OR locked_until <> 0)")
            .bind(member.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        member: MemberId,
        csrf_token: &str,
        ttl_ms: i64,
    ) -> Result<()> {
        let now = self.now();
        db::query("INSERT INTO sessions (token_hash, member_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash)
            .bind(member.to_string())
            .bind(csrf_token)
            .bind(now)
            .bind(now + ttl_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The active member behind a session token's hash, if the session is live. One
    /// query on every request, so the member's `department_ids` are left empty: what
    /// needs them (the visibility rule) loads them itself.
    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionMember>> {
        let row = dynq(format!(
            "SELECT {MEMBER_COLS}, s.csrf_token, s.expires_at FROM sessions s JOIN members m ON m.id = s.member_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND m.status = 'active'"
        ))
        .bind(token_hash)
        .bind(self.now())
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(SessionMember {
            member: member(&r)?,
            csrf_token: text(&r, "csrf_token")?,
            expires_at: int(&r, "expires_at")?,
        }))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        db::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await?;
        Ok(())
    }

    /// Removes expired sessions; returns how many.
    pub async fn purge_sessions(&self) -> Result<u64> {
        let done =
            db::query("DELETE FROM sessions WHERE expires_at <= $1").bind(self.now()).execute(&self.pool).await?;
        Ok(done)
    }
}
