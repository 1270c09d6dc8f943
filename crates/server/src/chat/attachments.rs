//! Attachment actions: upload a picture, file or voice message to a conversation (it is
//! sent by a message naming it), fetch its bytes or thumbnail, and delete the bytes of
//! what was recalled or never sent. Who may fetch is `domain::attachment::may_fetch`.
//!
//! An upload streams to a file as it arrives (never the whole file in memory), hashed
//! and counted on the way; then, off the async threads, its bytes decide what it is: a
//! picture is one only if its bytes are a picture of the type it declares and it
//! decodes — it then loses its metadata (GPS position, camera) and gets a thumbnail;
//! anything else is a file, offered for download and never rendered.

use super::{load, may_post};
use crate::AppState;
use crate::auth::Caller;
use crate::blobs::Incoming;
use crate::error::{ApiError, ApiResult};
use axum::body::Body;
use axum::http::StatusCode;
use domain::attachment::{self as rules, Kind};
use domain::chat::Kind as ConversationKind;
use domain::{AttachmentId, ConversationId, ErrorCode, Invalid};
use futures_util::StreamExt;
use serde::Serialize;
use sha2::{Digest, Sha256};
use store::{Attachment, AttachmentMeta};
use tokio::io::AsyncWriteExt;

/// Longer side of a thumbnail, in pixels: sharp in a chat bubble on a phone at 2x.
const THUMB_SIDE: u32 = 480;
/// Largest picture decoded for a thumbnail (a 50-megapixel phone photo fits); a bigger
/// one is kept as a file rather than risk the memory.
const MAX_PIXELS: u64 = 60_000_000;
/// Largest picture whose metadata is rewritten in memory; bigger ones are files.
const MAX_IMAGE_BYTES: u64 = 40 * 1024 * 1024;

/// An attachment as clients see it (inside a message, or answering an upload).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AttachmentOut {
    #[schema(value_type = uuid::Uuid)]
    pub id: AttachmentId,
    #[schema(value_type = crate::wire::AttachmentKind)]
    pub kind: Kind,
    pub name: String,
    /// The type it is served with.
    pub mime: String,
    pub size: i64,
    /// A picture's size as displayed.
    #[schema(required = true)]
    pub width: Option<i64>,
    #[schema(required = true)]
    pub height: Option<i64>,
    /// A voice message's length.
    #[schema(required = true)]
    pub duration_ms: Option<i64>,
    /// `GET` gives the bytes (Range supported).
    pub url: String,
    /// A JPEG at most 480 px on its longer side, for pictures.
    #[schema(required = true)]
    pub thumbnail_url: Option<String>,
}

impl From<&AttachmentMeta> for AttachmentOut {
    fn from(a: &AttachmentMeta) -> Self {
        AttachmentOut {
            id: a.id,
            kind: a.kind,
            name: a.name.clone(),
            mime: a.mime.clone(),
            size: a.size,
            width: a.width,
            height: a.height,
            duration_ms: a.duration_ms,
            url: format!("/api/v1/attachments/{}", a.id),
            thumbnail_url: a.thumbnail.then(|| format!("/api/v1/attachments/{}/thumbnail", a.id)),
        }
    }
}

/// What an upload says about itself.
pub struct Declared {
    pub name: String,
    pub content_type: String,
    pub voice: bool,
    pub length: Option<u64>,
}

fn thumb_key(id: AttachmentId) -> String {
    format!("{id}.thumb")
}

fn too_large() -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge)
}

/// Receives an upload for conversation `c`. Refused before a byte is stored when the
/// caller may not post there or the declared length is over the limit; refused (and
/// deleted) as soon as the streamed bytes pass the limit.
pub async fn upload(
    state: &AppState,
    caller: &Caller,
    c: ConversationId,
    declared: Declared,
    body: Body,
) -> ApiResult<AttachmentOut> {
    let name = rules::file_name(&declared.name).map_err(|e| ApiError::field("name", e))?;
    let (conv, members, me) = load(state, caller, c).await?;
    may_post(state, caller, &conv, &members, &me).await?;
    let limit = if declared.voice { rules::VOICE_MAX_BYTES } else { state.config.max_attachment_bytes };
    if declared.length.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let (incoming, mut file) = state.blobs.incoming().await.map_err(ApiError::internal)?;
    let mut size: u64 = 0;
    let mut hasher = Sha256::new();
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidInput))?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(too_large());
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(ApiError::internal)?;
    }
    let streamed = Streamed { size, sha256: hex(&hasher.finalize()) };
    if size == 0 {
        return Err(ApiError::field("file", Invalid::Required));
    }
    file.sync_all().await.map_err(ApiError::internal)?;
    drop(file);

    let id = AttachmentId::new();
    let content_type = declared.content_type.clone();
    let voice = declared.voice;
    let (incoming, processed) = tokio::task::spawn_blocking(move || {
        let p = process(&incoming, &content_type, voice, streamed);
        (incoming, p)
    })
    .await
    .map_err(ApiError::internal)?;
    let processed = processed?;
    if let Some(t) = &processed.thumbnail {
        state.blobs.put(&thumb_key(id), t).await.map_err(ApiError::internal)?;
    }
    state.blobs.keep(&id.to_string(), incoming).await.map_err(ApiError::internal)?;
    let meta = AttachmentMeta {
        id,
        kind: processed.kind,
        name,
        mime: processed.mime,
        size: processed.size as i64,
        width: processed.dimensions.map(|d| i64::from(d.0)),
        height: processed.dimensions.map(|d| i64::from(d.1)),
        duration_ms: processed.duration_ms,
        thumbnail: processed.thumbnail.is_some(),
    };
    let row = state.store.insert_attachment(&meta, c, caller.member.id, &processed.sha256).await?;
    Ok(AttachmentOut::from(&row.meta))
}

/// An upload as it arrived.
struct Streamed {
    size: u64,
    sha256: String,
}

/// What the bytes of an upload turned out to be.
struct Processed {
    kind: Kind,
    mime: String,
    size: u64,
    sha256: String,
    dimensions: Option<(u32, u32)>,
    duration_ms: Option<i64>,
    thumbnail: Option<Vec<u8>>,
}

/// Decides what an upload is from its bytes (run off the async threads: it reads the
/// file and may decode a picture). A voice message must be Opus of at most a minute;
/// a picture must be what it declares and decode, else it is kept as a file.
fn process(incoming: &Incoming, declared: &str, voice: bool, streamed: Streamed) -> ApiResult<Processed> {
    let declared = rules::content_type(declared);
    let head = read_head(&incoming.path).map_err(ApiError::internal)?;
    let sniffed = media::sniff(&head);
    if voice {
        let media::Sniffed::Audio(format) = sniffed else {
            return Err(ApiError::field("file", Invalid::InvalidFormat));
        };
        let bytes = std::fs::read(&incoming.path).map_err(ApiError::internal)?;
        let duration = media::voice_duration(format, &bytes).map_err(|e| {
            tracing::debug!(error = %e, "voice message refused");
            ApiError::field("file", Invalid::InvalidFormat)
        })?;
        let ms = duration.as_millis() as i64;
        if ms > rules::VOICE_MAX_MS {
            return Err(ApiError::field("duration", Invalid::TooLong));
        }
        return Ok(Processed {
            kind: Kind::Voice,
            mime: format.mime().to_owned(),
            size: streamed.size,
            sha256: streamed.sha256,
            dimensions: None,
            duration_ms: Some(ms),
            thumbnail: None,
        });
    }
    // A picture is one when its bytes are the picture type it declares (or it declares
    // nothing). One that claims to be a picture and is not is served as bytes.
    let confirmed = match sniffed {
        media::Sniffed::Image(f) => declared.as_deref().is_none_or(|d| same_image_type(d, f.mime())).then_some(f),
        _ => None,
    };
    let file_mime = match (&declared, sniffed) {
        (Some(d), _) if d.starts_with("image/") && confirmed.is_none() => "application/octet-stream".to_owned(),
        (Some(d), _) => d.clone(),
        (None, media::Sniffed::Image(f)) => f.mime().to_owned(),
        (None, media::Sniffed::Audio(f)) => f.mime().to_owned(),
        (None, media::Sniffed::Other) => "application/octet-stream".to_owned(),
    };
    if let Some(format) = confirmed
        && format.renders()
        && streamed.size <= MAX_IMAGE_BYTES
    {
        let bytes = std::fs::read(&incoming.path).map_err(ApiError::internal)?;
        match picture(format, &bytes) {
            Ok(p) => {
                std::fs::write(&incoming.path, &p.clean).map_err(ApiError::internal)?;
                return Ok(Processed {
                    kind: Kind::Image,
                    mime: format.mime().to_owned(),
                    size: p.clean.len() as u64,
                    sha256: hex(&Sha256::digest(&p.clean)),
                    dimensions: Some(p.dimensions),
                    duration_ms: None,
                    thumbnail: Some(p.thumbnail),
                });
            }
            Err(e) => tracing::info!(error = %e, "a picture that does not decode is kept as a file"),
        }
    }
    Ok(Processed {
        kind: Kind::File,
        mime: file_mime,
        size: streamed.size,
        sha256: streamed.sha256,
        dimensions: None,
        duration_ms: None,
        thumbnail: None,
    })
}

/// A picture made safe to share.
struct Picture {
    /// The bytes without their metadata.
    clean: Vec<u8>,
    /// As displayed.
    dimensions: (u32, u32),
    thumbnail: Vec<u8>,
}

fn picture(format: media::ImageFormat, bytes: &[u8]) -> Result<Picture, media::MediaError> {
    let clean = media::strip_metadata(format, bytes)?;
    let (info, thumbnail) = media::thumbnail(format, &clean, THUMB_SIDE, MAX_PIXELS)?;
    Ok(Picture { clean, dimensions: (info.width, info.height), thumbnail })
}

/// `image/jpg` and `image/pjpeg` are what some systems call JPEG.
fn same_image_type(declared: &str, actual: &str) -> bool {
    declared == actual || (actual == "image/jpeg" && matches!(declared, "image/jpg" | "image/pjpeg"))
}

fn read_head(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut head = Vec::with_capacity(64);
    std::fs::File::open(path)?.take(64).read_to_end(&mut head)?;
    Ok(head)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The attachment, if the caller may fetch it (else 404, as if it did not exist).
pub async fn fetchable(state: &AppState, caller: &Caller, a: AttachmentId) -> ApiResult<Attachment> {
    let found = state.store.attachment(a).await?.ok_or_else(ApiError::not_found)?;
    let (conv, members, me) = load(state, caller, found.conversation_id).await?;
    let peer_reachable = match conv.kind {
        ConversationKind::Group => true,
        ConversationKind::Direct => {
            super::direct_open(state, caller, conv.id, super::peer_of(&members, me.member_id)).await?
        }
    };
    let facts = rules::FetchFacts {
        current_member: me.current() && conv.dissolved_at.is_none(),
        sees_message: found.position.is_some_and(|p| me.sees(p)),
        own_unsent: found.message_id.is_none() && found.uploader_id == caller.member.id,
        peer_reachable,
        removed: found.removed_at.is_some(),
    };
    if !rules::may_fetch(facts) {
        return Err(ApiError::not_found());
    }
    Ok(found)
}

/// The blob key of an attachment's bytes or its thumbnail.
pub fn key(a: &Attachment, thumbnail: bool) -> ApiResult<String> {
    match thumbnail {
        false => Ok(a.meta.id.to_string()),
        true if a.meta.thumbnail => Ok(thumb_key(a.meta.id)),
        true => Err(ApiError::not_found()),
    }
}

/// A copy of an attachment the caller may fetch, for a message forwarded into
/// `target`: a new, unsent upload of the caller's there, sharing the bytes.
pub async fn copy(
    state: &AppState,
    caller: &Caller,
    a: AttachmentId,
    target: ConversationId,
) -> ApiResult<AttachmentMeta> {
    let from = fetchable(state, caller, a).await?;
    let id = AttachmentId::new();
    state.blobs.link(&from.meta.id.to_string(), &id.to_string()).await.map_err(ApiError::internal)?;
    if from.meta.thumbnail {
        state.blobs.link(&thumb_key(from.meta.id), &thumb_key(id)).await.map_err(ApiError::internal)?;
    }
    let meta = AttachmentMeta { id, ..from.meta.clone() };
    let row = state.store.insert_attachment(&meta, target, caller.member.id, &from.sha256).await?;
    Ok(row.meta)
}

/// Deletes the bytes of recalled attachments and of uploads not sent within the
/// configured time. Run hourly, and after a recall. Returns how many it purged.
pub async fn purge(state: &AppState) -> ApiResult<usize> {
    let ttl = state.config.unsent_attachment_ttl.as_millis() as i64;
    let ids = state.store.attachments_to_purge(state.store.now() - ttl, 500).await?;
    let mut purged = 0;
    for id in ids {
        if !state.store.begin_purge(id).await? {
            continue;
        }
        for key in [id.to_string(), thumb_key(id)] {
            state.blobs.delete(&key).await.map_err(ApiError::internal)?;
        }
        state.store.mark_purged(id).await?;
        purged += 1;
    }
    Ok(purged)
}
