//! Sending mail: over SMTP (STARTTLS, implicit TLS or plain, with credentials), or —
//! with no SMTP server configured — as `.eml` files in the data directory, so the
//! embedded default works on a laptop. The outbox worker drains `mail_outbox`.

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use store::Store;
use tokio::sync::Notify;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// STARTTLS on the submission port (587).
    StartTls,
    /// TLS from the first byte (465).
    Tls,
    /// No encryption: only for a relay on the same machine or in tests.
    None,
}

#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &"****")
            .finish()
    }
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    /// Wakes the outbox worker when a step has queued mail.
    pub wake: Notify,
}

impl Mailer {
    pub fn smtp(s: &SmtpSettings, from: &str) -> Result<Mailer, String> {
        let builder = match s.security {
            SmtpSecurity::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host).map_err(|e| e.to_string())?
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host).map_err(|e| e.to_string())?,
            SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host),
        };
        let mut builder = builder.port(s.port).timeout(Some(Duration::from_secs(20)));
        if !s.username.is_empty() {
            builder = builder.credentials(Credentials::new(s.username.clone(), s.password.clone()));
        }
        Ok(Mailer {
            transport: Transport::Smtp(builder.build()),
            from: from.parse().map_err(|e| format!("mail.from: {e}"))?,
            wake: Notify::new(),
        })
    }

    pub fn files(dir: PathBuf, from: &str) -> Result<Mailer, String> {
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(Mailer {
            transport: Transport::Files(AsyncFileTransport::new(dir)),
            from: from.parse().map_err(|e| format!("mail.from: {e}"))?,
            wake: Notify::new(),
        })
    }

    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e| format!("bad recipient: {e}"))?;
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|e| e.to_string())?;
        match &self.transport {
            Transport::Smtp(t) => t.send(msg).await.map(|_| ()).map_err(|e| e.to_string()),
            Transport::Files(t) => t.send(msg).await.map(|_| ()).map_err(|e| e.to_string()),
        }
    }
}

/// Back-off after `attempts` failed sends: 5 s, 10 s, 20 s … up to an hour.
pub fn backoff(attempts: i64) -> Duration {
    let secs = 5u64.saturating_mul(1u64 << attempts.clamp(0, 10));
    Duration::from_secs(secs.min(3600))
}

/// Drains the outbox until the process stops: woken by new mail, and every few
/// seconds for retries. A bad recipient never blocks the others; each mail is claimed
/// before it is sent, so several workers on one database do not send it twice.
pub async fn run_outbox(store: Store, mailer: Arc<Mailer>, lease: Duration) {
    loop {
        match store.due_mail(50).await {
            Ok(batch) => {
                for m in batch {
                    match store.claim_mail(&m.id, lease.as_millis() as i64).await {
                        Ok(true) => {}
                        Ok(false) => continue,
                        Err(e) => {
                            tracing::error!(error = %e, "cannot claim mail");
                            continue;
                        }
                    }
                    match mailer.send(&m.recipient, &m.subject, &m.body).await {
                        Ok(()) => {
                            if let Err(e) = store.mail_sent(&m.id).await {
                                tracing::error!(error = %e, "cannot mark mail sent");
                            }
                            metrics::counter!("campuslink_mail_sent_total").increment(1);
                        }
                        Err(err) => {
                            let wait = backoff(m.attempts);
                            tracing::warn!(mail = %m.id, attempts = m.attempts + 1, retry_in_s = wait.as_secs(), error = %err, "mail not sent; will retry");
                            if let Err(e) = store.mail_failed(&m.id, &err, wait.as_millis() as i64).await {
                                tracing::error!(error = %e, "cannot record mail failure");
                            }
                        }
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot read the mail outbox"),
        }
        tokio::select! {
            _ = mailer.wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(0), Duration::from_secs(5));
        assert_eq!(backoff(1), Duration::from_secs(10));
        assert_eq!(backoff(3), Duration::from_secs(40));
        assert_eq!(backoff(50), Duration::from_secs(3600));
    }

    /// With no SMTP server, mail lands as .eml files a person can open.
    #[tokio::test]
    async fn without_smtp_mail_is_written_as_eml_files() {
        let dir = std::env::temp_dir().join(format!("campuslink-mail-test-{}", uuid::Uuid::now_v7()));
        let m = Mailer::files(dir.clone(), "campuslink <no-reply@campuslink.test>").unwrap();
        m.send("bureau@dsedj.test", "備案 F-2026-0001", "校部 S1-A 中學部").await.unwrap();
        let files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].extension().and_then(|e| e.to_str()), Some("eml"));
        let text = std::fs::read_to_string(&files[0]).unwrap();
        assert!(text.contains("To: bureau@dsedj.test"), "{text}");
        assert!(m.send("not an address", "s", "b").await.is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn smtp_passwords_do_not_print() {
        let s = SmtpSettings {
            host: "h".into(),
            port: 25,
            security: SmtpSecurity::None,
            username: "u".into(),
            password: "hunter2".into(),
        };
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
