//! Where each call going on is hosted (`live_calls`, migration 13). A call lives in the
//! memory and media server of one node; its row says which node, and holds the call as
//! last told to the apps, so that any node can list it, pass a request for it to its
//! host, refuse a second call in the same conversation, and — when the host stops
//! renewing its rows (it died) — end it with its record in the chat.
//!
//! The row moves in the same transaction as the call's event: what a node reads here is
//! what the apps were told.

use crate::chat::SystemNote;
use crate::db::{self, Row};
use crate::events::Audience;
use crate::sql::{dynq, id, int, text, unique};
use crate::{Committed, Result, Store, Unique};
use domain::{CallId, ConversationId, MemberId};

/// A call going on, as the node hosting it last told it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveCall {
    pub id: CallId,
    pub conversation: ConversationId,
    /// The hosting node's id (`Store::node`).
    pub node: String,
    /// Where the other nodes reach the hosting node's API ("" when it said none).
    pub node_url: String,
    /// The call as last told (the server's own JSON).
    pub data: String,
    /// When the hosting node last renewed it (ms).
    pub renewed_at: i64,
}

/// A call change's effect on its row: the call hosted here goes on (as `data`), or is
/// over.
#[derive(Clone, Debug)]
pub enum Hosting<'a> {
    On { call: CallId, node_url: &'a str, data: String },
    Over { call: CallId },
}

const COLS: &str = "call_id, conversation_id, node, node_url, data, renewed_at";

fn live_call(r: &Row) -> Result<LiveCall> {
    Ok(LiveCall {
        id: id(r, "call_id")?,
        conversation: id(r, "conversation_id")?,
        node: text(r, "node")?,
        node_url: text(r, "node_url")?,
        data: text(r, "data")?,
        renewed_at: int(r, "renewed_at")?,
    })
}

impl Store {
    /// This process's id among the nodes on the database.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// A call's change: its `call` event to the conversation's members (and to `also`,
    /// people it took out), the record in the chat if any, and its row — in one
    /// transaction. A second call in a conversation that has one (started on another
    /// node at the same moment) is refused with `Duplicate(Unique::Call)`.
    pub async fn call_changed(
        &self,
        c: ConversationId,
        data: String,
        also: &[MemberId],
        note: Option<SystemNote>,
        hosting: Option<Hosting<'_>>,
    ) -> Result<Committed> {
        let mut t = self.log_tx().await?;
        match hosting {
            Some(Hosting::On { call, node_url, data }) => {
                dynq(format!(
                    "INSERT INTO live_calls ({COLS}) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (call_id) DO UPDATE SET data = excluded.data, renewed_at = excluded.renewed_at, \
                     node = excluded.node, node_url = excluded.node_url"
                ))
                .bind(call.to_string())
                .bind(c.to_string())
                .bind(self.node.to_string())
                .bind(node_url)
                .bind(data)
                .bind(t.now)
                .execute(&mut t.tx)
                .await
                .map_err(unique(Unique::Call))?;
            }
            Some(Hosting::Over { call }) => {
                db::query("DELETE FROM live_calls WHERE call_id = $1")
                    .bind(call.to_string())
                    .execute(&mut t.tx)
                    .await?;
            }
            None => {}
        }
        t.call_events(self, c, data, also, note).await?;
        t.commit(self).await
    }

    /// Every call going on, on any node.
    pub async fn live_calls(&self) -> Result<Vec<LiveCall>> {
        let rows = dynq(format!("SELECT {COLS} FROM live_calls ORDER BY call_id")).fetch_all(&self.pool).await?;
        rows.iter().map(live_call).collect()
    }

    /// The call `id`, if it is going on.
    pub async fn live_call(&self, id: CallId) -> Result<Option<LiveCall>> {
        self.live_call_where("call_id", id.to_string()).await
    }

    /// The call going on in conversation `c`, if any.
    pub async fn live_call_in(&self, c: ConversationId) -> Result<Option<LiveCall>> {
        self.live_call_where("conversation_id", c.to_string()).await
    }

    async fn live_call_where(&self, column: &'static str, value: String) -> Result<Option<LiveCall>> {
        let row = dynq(format!("SELECT {COLS} FROM live_calls WHERE {column} = $1"))
            .bind(value)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(live_call).transpose()
    }

    /// The hosting node says its calls are still on.
    pub async fn renew_calls(&self) -> Result<u64> {
        let done = db::query("UPDATE live_calls SET renewed_at = $1 WHERE node = $2")
            .bind(self.now())
            .bind(self.node.to_string())
            .execute(&self.pool)
            .await?;
        Ok(done)
    }

    /// Ends a call whose node is gone (its row not renewed since `stale_before`): the
    /// row goes, with the call's last event and record, in one transaction. `None` when
    /// it was renewed after all, or another node ended it first.
    pub async fn end_orphan(
        &self,
        call: &LiveCall,
        stale_before: i64,
        data: String,
        note: Option<SystemNote>,
    ) -> Result<Option<Committed>> {
        let mut t = self.log_tx().await?;
        let gone = db::query("DELETE FROM live_calls WHERE call_id = $1 AND renewed_at < $2")
            .bind(call.id.to_string())
            .bind(stale_before)
            .execute(&mut t.tx)
            .await?;
        if gone == 0 {
            return Ok(None);
        }
        t.call_events(self, call.conversation, data, &[], note).await?;
        t.commit(self).await.map(Some)
    }
}

impl crate::chat::LogTx {
    /// A call's `call` event to the conversation (and to `also`), and its record.
    async fn call_events(
        &mut self,
        store: &Store,
        c: ConversationId,
        data: String,
        also: &[MemberId],
        note: Option<SystemNote>,
    ) -> Result<()> {
        self.event(store, "call", Audience::Conversation(c), data.clone()).await?;
        for m in also {
            self.event(store, "call", Audience::Member(*m), data.clone()).await?;
        }
        if let Some(note) = note {
            self.system(store, c, note).await?;
        }
        Ok(())
    }
}
