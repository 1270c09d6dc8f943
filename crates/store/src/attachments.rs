//! Attachments in the database: one row per upload, claimed by the message that sends
//! it. The bytes live in the server's blob store under the attachment's id; this table
//! says who may ask for them (through its conversation and message) and when they are
//! to be deleted (recalled, or uploaded and never sent).

use crate::db;
use crate::sql::{id, int, opt_id, opt_int, text};
use crate::{Result, Store, StoreError};
use domain::attachment::Kind;
use domain::{AttachmentId, ConversationId, MemberId, MessageId};
use serde::{Deserialize, Serialize};

/// What a message shows of its attachment (kept as JSON in the message row, so a
/// message renders without another lookup).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentMeta {
    pub id: AttachmentId,
    pub kind: Kind,
    pub name: String,
    pub mime: String,
    pub size: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<i64>,
    #[serde(default)]
    pub thumbnail: bool,
}

/// An attachment's row, with the position of the message that sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub meta: AttachmentMeta,
    pub conversation_id: ConversationId,
    pub uploader_id: MemberId,
    pub sha256: String,
    pub message_id: Option<MessageId>,
    /// The sending message's position (`None` until sent).
    pub position: Option<i64>,
    pub created_at: i64,
    pub removed_at: Option<i64>,
}

fn attachment(r: &db::Row) -> Result<Attachment> {
    let kind = text(r, "kind")?;
    Ok(Attachment {
        meta: AttachmentMeta {
            id: id(r, "id")?,
            kind: Kind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("attachment kind {kind:?}")))?,
            name: text(r, "name")?,
            mime: text(r, "mime")?,
            size: int(r, "size")?,
            width: opt_int(r, "width")?,
            height: opt_int(r, "height")?,
            duration_ms: opt_int(r, "duration_ms")?,
            thumbnail: int(r, "thumbnail")? != 0,
        },
        conversation_id: id(r, "conversation_id")?,
        uploader_id: id(r, "uploader_id")?,
        sha256: text(r, "sha256")?,
        message_id: opt_id(r, "message_id")?,
        position: opt_int(r, "position")?,
        created_at: int(r, "created_at")?,
        removed_at: opt_int(r, "removed_at")?,
    })
}

impl Store {
    /// Records an upload whose bytes are already in the blob store.
    pub async fn insert_attachment(
        &self,
        meta: &AttachmentMeta,
        conversation: ConversationId,
        uploader: MemberId,
        sha256: &str,
    ) -> Result<Attachment> {
        let now = self.now();
        db::query(
            "INSERT INTO attachments (id, conversation_id, uploader_id, kind, name, mime, size, sha256, width, height, \
             duration_ms, thumbnail, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(meta.id.to_string())
        .bind(conversation.to_string())
        .bind(uploader.to_string())
        .bind(meta.kind.as_str())
        .bind(meta.name.as_str())
        .bind(meta.mime.as_str())
        .bind(meta.size)
        .bind(sha256)
        .bind(meta.width)
        .bind(meta.height)
        .bind(meta.duration_ms)
        .bind(i64::from(meta.thumbnail))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(Attachment {
            meta: meta.clone(),
            conversation_id: conversation,
            uploader_id: uploader,
            sha256: sha256.to_owned(),
            message_id: None,
            position: None,
            created_at: now,
            removed_at: None,
        })
    }

    pub async fn attachment(&self, a: AttachmentId) -> Result<Option<Attachment>> {
        let row = db::query(
            "SELECT a.id, a.conversation_id, a.uploader_id, a.kind, a.name, a.mime, a.size, a.sha256, a.width, a.height, \
               a.duration_ms, a.thumbnail, a.message_id, a.created_at, a.removed_at, m.position \
             FROM attachments a LEFT JOIN messages m ON m.id = a.message_id WHERE a.id = $1",
        )
        .bind(a.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(attachment).transpose()
    }

    /// Attachments whose bytes are to be deleted: recalled ones, and uploads never sent
    /// by `unsent_before` (ms). At most `limit`, oldest first.
    pub async fn attachments_to_purge(&self, unsent_before: i64, limit: i64) -> Result<Vec<AttachmentId>> {
        let rows = db::query(
            "SELECT id FROM attachments WHERE purged_at IS NULL \
             AND (removed_at IS NOT NULL OR (message_id IS NULL AND created_at < $1)) ORDER BY created_at LIMIT $2",
        )
        .bind(unsent_before)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| id(r, "id")).collect()
    }

    /// Takes an attachment out of use before its bytes are deleted: from then on no
    /// send can claim it (a send claims only what is neither sent nor removed), so the
    /// bytes of an upload being sent right now are never deleted under it. `false` if
    /// it was sent meanwhile (or is purged already): keep the bytes.
    pub async fn begin_purge(&self, a: AttachmentId) -> Result<bool> {
        let done = db::query(
            "UPDATE attachments SET removed_at = COALESCE(removed_at, $1) WHERE id = $2 AND purged_at IS NULL \
             AND (removed_at IS NOT NULL OR message_id IS NULL)",
        )
        .bind(self.now())
        .bind(a.to_string())
        .execute(&self.pool)
        .await?;
        Ok(done == 1)
    }

    /// Records that a removed attachment's bytes are gone.
    pub async fn mark_purged(&self, a: AttachmentId) -> Result<()> {
        db::query("UPDATE attachments SET purged_at = $1 WHERE id = $2 AND removed_at IS NOT NULL")
            .bind(self.now())
            .bind(a.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
