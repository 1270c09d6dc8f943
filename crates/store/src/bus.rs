//! Several nodes on one PostgreSQL database: every commit that other nodes must hear of
//! sends a notification in its own transaction (`pg_notify`, delivered at commit), and
//! each node listens. A notification says "the log has new events" (the hub reads them
//! from the log, which stays the truth), "the directory changed" (cached grants, reach
//! and names are dropped), or that a session or all of a member's sessions ended (sent
//! once they are deleted: every node closes their sockets). SQLite is one node: nothing
//! to send.

use crate::db::{self, Tx};
use crate::{Dialect, Result, Store};
use std::sync::atomic::Ordering;

const CHANNEL: &str = "campuslink";
/// The log has new events.
pub const EVENTS: &str = "events";
/// The directory or an interconnection changed (and maybe the log too).
pub const DIRECTORY: &str = "directory";
/// A session ended (signed out): `session-ended:<token hash>`.
const SESSION_ENDED: &str = "session-ended:";
/// Every session of a member ended (disabled, password reset), or every one but one
/// (their own password changed): `member-ended:<member id>` or
/// `member-ended:<member id>/<token hash kept>`.
const MEMBER_ENDED: &str = "member-ended:";

/// What another node said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Heard {
    Events,
    Directory,
    /// The session of this token hash ended.
    SessionEnded(String),
    /// Every session of this member ended, but the one of this token hash if any.
    MemberEnded(domain::MemberId, Option<String>),
}

/// Sessions that ended, for the other nodes to close their sockets.
#[derive(Clone, Debug)]
pub enum Ended {
    /// The session of this token hash.
    Session(String),
    /// Every session of the member, but the one of this token hash if any.
    Member(domain::MemberId, Option<String>),
}

impl Store {
    /// Tells the other nodes, at commit, what this transaction changed.
    pub(crate) async fn tell_nodes(&self, tx: &mut Tx, what: &str) -> Result<()> {
        if self.dialect == Dialect::Postgres {
            self.notification(what).execute(&mut *tx).await?;
        }
        Ok(())
    }

    /// Tells the other nodes that sessions ended (already deleted here), so they close
    /// those sockets too.
    pub async fn tell_nodes_ended(&self, ended: &Ended) -> Result<()> {
        if self.dialect == Dialect::Postgres {
            let what = match ended {
                Ended::Session(hash) => format!("{SESSION_ENDED}{hash}"),
                Ended::Member(m, None) => format!("{MEMBER_ENDED}{m}"),
                Ended::Member(m, Some(keep)) => format!("{MEMBER_ENDED}{m}/{keep}"),
            };
            self.notification(&what).execute(&self.pool).await?;
        }
        Ok(())
    }

    /// The statement that sends `what` from this node.
    fn notification(&self, what: &str) -> db::Query<'static> {
        db::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(format!("{}:{what}", self.node))
    }

    /// Listens to the other nodes; `None` on SQLite. Each `recv` waits for the next
    /// notification of another node (its own are skipped) and reconnects by itself
    /// after a lost connection.
    pub async fn listen(&self) -> Result<Option<Listener>> {
        if self.dialect != Dialect::Postgres {
            return Ok(None);
        }
        let mut inner = sqlx::postgres::PgListener::connect(&self.url).await?;
        inner.listen(CHANNEL).await?;
        Ok(Some(Listener { inner, node: self.node.clone(), store: self.clone() }))
    }
}

pub struct Listener {
    inner: sqlx::postgres::PgListener,
    node: std::sync::Arc<str>,
    store: Store,
}

impl Listener {
    pub async fn recv(&mut self) -> Result<Heard> {
        loop {
            let n = self.inner.recv().await?;
            let Some((node, what)) = n.payload().split_once(':') else { continue };
            if node == &*self.node {
                continue;
            }
            if let Some(hash) = what.strip_prefix(SESSION_ENDED) {
                return Ok(Heard::SessionEnded(hash.to_owned()));
            }
            if let Some(ended) = what.strip_prefix(MEMBER_ENDED) {
                let (m, keep) = match ended.split_once('/') {
                    Some((m, keep)) => (m, Some(keep.to_owned())),
                    None => (ended, None),
                };
                if let Ok(m) = m.parse() {
                    return Ok(Heard::MemberEnded(m, keep));
                }
            }
            if what == DIRECTORY {
                // Another node changed who sees whom: caches here load afresh.
                self.store.generation.fetch_add(1, Ordering::SeqCst);
                return Ok(Heard::Directory);
            }
            return Ok(Heard::Events);
        }
    }
}
