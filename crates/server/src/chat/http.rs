//! The conversation routes (docs/chat.md): each parses its input and calls one action.

use super::{DetailOut, SendInput};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::{ConversationId, Invalid, MemberId, MessageId};
use serde::{Deserialize, Serialize};

/// `GET /api/v1/conversations`
#[utoipa::path(
    get,
    path = "/conversations",
    tag = "chat",
    operation_id = "list_conversations",
    summary = "The caller's conversations, most recent first",
    responses(
        (status = 200, description = "The conversations", body = Vec<super::ConversationOut>),
    ),
)]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    Ok(Json(super::list(&state, &caller).await?).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectInput {
    #[schema(value_type = uuid::Uuid)]
    pub member_id: MemberId,
}

/// `POST /api/v1/conversations/direct`
#[utoipa::path(
    post,
    path = "/conversations/direct",
    tag = "chat",
    operation_id = "open_direct",
    summary = "Open (or reopen) the direct chat with someone the caller reaches (C1)",
    request_body = DirectInput,
    responses(
        (status = 201, description = "Opened", body = super::ConversationOut),
        (status = 200, description = "It was open already", body = super::ConversationOut),
    ),
)]
pub async fn open_direct(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<DirectInput>,
) -> ApiResult<Response> {
    let (id, new) = super::open_direct(&state, &caller, input.member_id).await?;
    let status = if new { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(super::detail(&state, &caller, id).await?.conversation)).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub member_ids: Vec<MemberId>,
}

/// `POST /api/v1/conversations/group`
#[utoipa::path(
    post,
    path = "/conversations/group",
    tag = "chat",
    operation_id = "create_group",
    summary = "Start a group chat with people the caller reaches (G1)",
    request_body = GroupInput,
    responses(
        (status = 201, description = "Started", body = super::DetailOut),
    ),
)]
pub async fn create_group(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<GroupInput>,
) -> ApiResult<Response> {
    let id = super::create_group(&state, &caller, &input.name, &input.member_ids).await?;
    Ok((StatusCode::CREATED, Json(super::detail(&state, &caller, id).await?)).into_response())
}

/// `GET /api/v1/conversations/{conversation_id}`
#[utoipa::path(
    get,
    path = "/conversations/{conversation_id}",
    tag = "chat",
    operation_id = "get_conversation",
    summary = "A conversation with its members",
    params(
        ("conversation_id" = uuid::Uuid, Path, description = "The conversation"),
    ),
    responses(
        (status = 200, description = "The conversation", body = super::DetailOut),
    ),
)]
pub async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    Path(c): Path<ConversationId>,
) -> ApiResult<Json<DetailOut>> {
    Ok(Json(super::detail(&state, &caller, c).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameInput {
    #[serde(default)]
    pub name: String,
}

/// `PATCH /api/v1/conversations/{conversation_id}`
#[utoipa::path(
    patch,
    path = "/conversations/{conversation_id}",
    tag = "chat",
    operation_id = "rename_conversation",
    summary = "Rename a group (owner)",
    params(
        ("conversation_id" = uuid::Uuid, Path, description = "The conversation"),
    ),
    request_body = RenameInput,
    responses(
        (status = 200, description = "Renamed", body = super::DetailOut),
    ),
)]
pub async fn rename(
    State(state): State<AppState>,
    caller: Caller,
    Path(c): Path<ConversationId>,
    Json(input): Json<RenameInput>,
) -> ApiResult<Json<DetailOut>> {
    super::rename(&state, &caller, c, &input.name).await?;
    Ok(Json(super::detail(&state, &caller, c).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MembersInput {
    #[serde(default)]
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub member_ids: Vec<MemberId>,
}

/// `POST /api/v1/conversations/{conversation_id}/members`
#[utoipa::path(
    post,
    path = "/conversations/{conversation_id}/members",
    tag = "chat",
    operation_id = "add_members",
    summary = "Add people the caller reaches to a group",
    params(
        ("conversation_id" = uuid::Uuid, Path, description = "The conversation"),
    ),
    request_body = MembersInput,
    responses(
        (status = 200, description = "Added", body = super::DetailOut),
    ),
)]
pub async fn add_members(
    State(state): State<AppState>,
    caller: Caller,
    Path(c): Path<ConversationId>,
    Json(input): Json<MembersInput>,
) -> ApiResult<Json<DetailOut>> {
    super::add_members(&state, &caller, c, &input.member_ids).await?;
    Ok(Json(super::detail(&state, &caller, c).await?))
}

/// `DELETE /api/v1/conversations/{conversation_id}/members/{member_id}`
#[utoipa::path(
    delete,
    path = "/conversations/{conversation_id}/members/{member_id}",
    tag = "chat",
    operation_id = "remove_member",
    summary = "Remove someone (owner) or leave",
    params(
        ("conversation_id" = uuid::Uuid, Path, description = "The conversation"),
        ("member_id" = uuid::Uuid, Path, description = "The member"),
    ),
    responses(
        (status = 204, description = "Removed"),
    ),
)]
pub async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((c, m)): Path<(ConversationId, MemberId)>,
) -> ApiResult<StatusCode> {
    super::remove_member(&state, &caller, c, m).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnerInput {
    #[schema(value_type = uuid::Uuid)]
    pub member_id: MemberId,
}

/// `POST /api/v1/conversations/{conversation_id}/owner`
#[utoipa::path(
    post,
    path = "/conversations/{conversation_id}/owner",
    tag = "chat",
    operation_id = "transfer_ownership",
    summary = "Hand the group to another member (owner)",
    params(
        ("conversation_id" = uuid::Uuid, Path, description = "The conversation"),
    ),
    request_body = OwnerInput,
    responses(
        (status = 200, description = "Handed over", body = super::DetailOut),
    ),
)]
pub async fn transfer(
    State(state): State<AppState>,
    caller: Caller,
    Path(c): Path<ConversationId>,
    Json(input): Json<OwnerInput>,
) -> ApiResult<Json<DetailOut>> {
    super::transfer(&state, &caller, c, input.member_id).await?;
    Ok(Json(super::detail(&state, &caller, c).await?))
}

/// `DELETE /api/v1/conversations/{conversation_id}`
#[utoipa::path(
    delete,
    path = "/conversations/{conversation_id}",
    tag = "chat",
    operation_id = "dissolve_conversation",
    summary = "Dissolve a group (owner)",
    params(
        ("conversation_id" = uuid::Uuid, Path, description = "The conversation"),
    ),
    responses(
        (status = 204, description = "Dissolved"),
    ),
)]
pub async fn dissolve(
    State(state): State<AppState>,
    caller: Caller,
    Path(c): Path<ConversationId>,
) -> ApiResult<StatusCode> {
    super::dissolve(&state, &caller, c).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Messages before this position (the newest of them).
    #[param(value_type = Option<i64>)]
    pub before: Option<String>,
    /// Messages after this position (the oldest of them).
    #[param(value_type = Option<i64>)]
    pub after: Option<String>,
    /// The page around this position (a search result to open at): half before it,
    /// the message there, the rest after it. Not with `before` or `after`.
    #[param(value_type = Option<i64>)]
    pub around: Option<String>,
    /// 1–200, default 50.
    #[param(value_type = Option<i64>)]
    pub limit: Option<String>,
}

/// A query parameter that must be a whole number in `min..=max` when present.
pub fn number(field: &str, raw: Option<&str>, min: i64, max: i64) -> ApiResult<Option<i64>> {
    match raw.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            Ok(_) => Err(ApiError::field(field, Invalid::InvalidFormat)),
            Err(_) => Err(ApiError::field(field, Invalid::InvalidFormat)),
        },
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PageOut {
    messages: Vec<super::render::MessageOut>,
    /// More in the page's direction: older ones (newer ones for `after`); for `around`,
    /// older ones.
    has_more: bool,
    /// For `around` only: more after the page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    has_newer: Option<bool>,
}

/// `GET /api/v1/conversations/{conversation_id}/messages`
#[utoipa::path(
    get,
    path = "/conversations/{conversation_id}/messages",
    tag = "chat",
    operation_id = "list_messages",
    summary = "History, oldest first: the latest page, or before, after or around a position",
    params(
        ("conversation_id" = uuid::Uuid, Path, description = "The conversation"),
        HistoryQuery,
    ),
    responses(
        (status = 200, description = "A page of messages", body = PageOut),
    ),
)]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(c): Path<ConversationId>,
    Query(q): Query<HistoryQuery>,
) -> ApiResult<Json<PageOut>> {
    let before = number("before", q.before.as_deref(), 0, i64::MAX)?;
    let after = number("after", q.after.as_deref(), 0, i64::MAX)?;
    let around = number("around", q.around.as_deref(), 0, i64::MAX)?;
    let limit = number("limit", q.limit.as_deref(), 1, 200)?.unwrap_or(50);
    let page = match around {
        Some(_) if before.is_some() || after.is_some() => {
            return Err(ApiError::field("around", Invalid::InvalidFormat));
        }
        Some(p) => super::history_around(&state, &caller, c, p, limit).await?,
        None => super::history(&state, &caller, c, before, after, limit).await?,
    };
    Ok(Json(PageOut { messages: page.messages, has_more: page.has_more, has_newer: page.has_newer }))
}

/// `POST /api/v1/conversations/{conversation_id}/messages`
#[utoipa::path(
    post,
    path = "/conversations/{conversation_id}/messages",
    tag = "chat",
    operation_id = "send_message",
    summary = "Send a message; a client id used before answers 200 with the first message",
    params(
        ("conversation_id" = uuid::Uuid, Path, description = "The conversation"),
    ),
    request_body = super::SendInput,
    responses(
        (status = 201, description = "Sent", body = super::render::MessageOut),
        (status = 200, description = "Sent before with this client id", body = super::render::MessageOut),
    ),
)]
pub async fn send(
    State(state): State<AppState>,
    caller: Caller,
    Path(c): Path<ConversationId>,
    Json(input): Json<SendInput>,
) -> ApiResult<Response> {
    let (message, duplicate) = super::send(&state, &caller, c, input).await?;
    let status = if duplicate { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(message)).into_response())
}

/// `POST /api/v1/conversations/{conversation_id}/messages/{message_id}/recall`
#[utoipa::path(
    post,
    path = "/conversations/{conversation_id}/messages/{message_id}/recall",
    tag = "chat",
    operation_id = "recall_message",
    summary = "Recall (撤回) one's own message within the window",
    params(
        ("conversation_id" = uuid::Uuid, Path, description = "The conversation"),
        ("message_id" = uuid::Uuid, Path, description = "The message"),
    ),
    responses(
        (status = 200, description = "Recalled", body = super::render::MessageOut),
    ),
)]
pub async fn recall(
    State(state): State<AppState>,
    caller: Caller,
    Path((c, m)): Path<(ConversationId, MessageId)>,
) -> ApiResult<Json<super::render::MessageOut>> {
    Ok(Json(super::recall(&state, &caller, c, m).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadInput {
    pub position: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReadOut {
    read_position: i64,
}

/// `POST /api/v1/conversations/{conversation_id}/read`
#[utoipa::path(
    post,
    path = "/conversations/{conversation_id}/read",
    tag = "chat",
    operation_id = "mark_read",
    summary = "Mark read up to a position (on all the caller's devices)",
    params(
        ("conversation_id" = uuid::Uuid, Path, description = "The conversation"),
    ),
    request_body = ReadInput,
    responses(
        (status = 200, description = "The read position", body = ReadOut),
    ),
)]
pub async fn mark_read(
    State(state): State<AppState>,
    caller: Caller,
    Path(c): Path<ConversationId>,
    Json(input): Json<ReadInput>,
) -> ApiResult<Json<ReadOut>> {
    if input.position < 0 {
        return Err(ApiError::field("position", Invalid::InvalidFormat));
    }
    Ok(Json(ReadOut { read_position: super::mark_read(&state, &caller, c, input.position).await? }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReadersOut {
    #[schema(value_type = Vec<super::render::MemberRef>)]
    read: Vec<std::sync::Arc<super::render::MemberRef>>,
    #[schema(value_type = Vec<super::render::MemberRef>)]
    unread: Vec<std::sync::Arc<super::render::MemberRef>>,
}

/// `GET /api/v1/conversations/{conversation_id}/messages/{message_id}/readers`
#[utoipa::path(
    get,
    path = "/conversations/{conversation_id}/messages/{message_id}/readers",
    tag = "chat",
    operation_id = "readers",
    summary = "Who has and has not read a message",
    params(
        ("conversation_id" = uuid::Uuid, Path, description = "The conversation"),
        ("message_id" = uuid::Uuid, Path, description = "The message"),
    ),
    responses(
        (status = 200, description = "Readers", body = ReadersOut),
    ),
)]
pub async fn readers(
    State(state): State<AppState>,
    caller: Caller,
    Path((c, m)): Path<(ConversationId, MessageId)>,
) -> ApiResult<Json<ReadersOut>> {
    let (read, unread) = super::readers(&state, &caller, c, m).await?;
    Ok(Json(ReadersOut { read, unread }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// What to find: words (with or without accents, any case; the last one may be
    /// unfinished), Chinese characters or words. Every term must match. At most 200
    /// characters.
    #[param(required = true)]
    pub q: Option<String>,
    /// Only in this conversation (one the caller is in).
    #[param(value_type = Option<uuid::Uuid>)]
    pub conversation_id: Option<String>,
    /// Only messages before this position: the last result of the previous page.
    #[param(value_type = Option<i64>)]
    pub before: Option<String>,
    /// 1–50, default 20.
    #[param(value_type = Option<i64>)]
    pub limit: Option<String>,
}

/// `GET /api/v1/search/messages`
#[utoipa::path(
    get,
    path = "/search/messages",
    tag = "chat",
    operation_id = "search_messages",
    summary = "Find messages in the caller's conversations, newest first (only those they are in now, inside their window)",
    params(
        SearchQuery,
    ),
    responses(
        (status = 200, description = "A page of results", body = super::search::SearchOut),
    ),
)]
pub async fn search_messages(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Json<super::search::SearchOut>> {
    let conversation_id = match q.conversation_id.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => {
            Some(s.parse::<ConversationId>().map_err(|_| ApiError::field("conversation_id", Invalid::InvalidFormat))?)
        }
    };
    let input = super::search::SearchInput {
        q: q.q.unwrap_or_default(),
        conversation_id,
        before: number("before", q.before.as_deref(), 0, i64::MAX)?,
        limit: number("limit", q.limit.as_deref(), 1, super::search::LIMIT_MAX)?
            .unwrap_or(super::search::LIMIT_DEFAULT),
    };
    Ok(Json(super::search::search(&state, &caller, input).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// The last position the client saw (required).
    #[param(value_type = i64, required = true)]
    pub after: Option<String>,
    /// 1–1000, default 500.
    #[param(value_type = Option<i64>)]
    pub limit: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EventsOut {
    #[schema(value_type = Vec<crate::openapi::EventFrame>)]
    events: Vec<serde_json::Value>,
    position: i64,
    has_more: bool,
}

/// `GET /api/v1/events`
#[utoipa::path(
    get,
    path = "/events",
    tag = "live",
    operation_id = "events",
    summary = "Events the caller may see after a position",
    params(
        EventsQuery,
    ),
    responses(
        (status = 200, description = "A page of events", body = EventsOut),
    ),
)]
pub async fn events(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<EventsQuery>,
) -> ApiResult<Json<EventsOut>> {
    let after = match q.after.as_deref().filter(|s| !s.is_empty()) {
        None => return Err(ApiError::field("after", Invalid::Required)),
        Some(s) => s
            .parse::<i64>()
            .map_err(|_| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, domain::ErrorCode::InvalidPosition))?,
    };
    let limit = number("limit", q.limit.as_deref(), 1, 1000)?.unwrap_or(500);
    let until = super::check_position(&state, after).await?;
    let list = super::events(&state, &super::reader(&caller), after, until, limit).await?;
    let has_more = list.len() as i64 == limit;
    let position = if has_more { list.last().map(|(p, _)| *p).unwrap_or(until) } else { until };
    Ok(Json(EventsOut { events: list.into_iter().map(|(_, v)| v).collect(), position, has_more }))
}

// ---- attachments ------------------------------------------------------------------------

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file's name as shown and offered on download.
    pub name: Option<String>,
    /// `voice` for a recorded voice message (Opus, at most 60 s); otherwise what it is
    /// is decided from its bytes.
    pub kind: Option<String>,
}

/// `POST /api/v1/conversations/{conversation_id}/attachments`
#[utoipa::path(
    post,
    path = "/conversations/{conversation_id}/attachments",
    tag = "chat",
    operation_id = "upload_attachment",
    summary = "Upload a picture, file or voice message (the raw bytes as the body); send it with a message naming its id",
    params(
        ("conversation_id" = uuid::Uuid, Path, description = "The conversation"),
        UploadQuery,
    ),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file's bytes; Content-Type says what it claims to be"),
    responses(
        (status = 201, description = "Stored, not sent yet", body = super::attachments::AttachmentOut),
    ),
)]
pub async fn upload_attachment(
    State(state): State<AppState>,
    caller: Caller,
    Path(c): Path<ConversationId>,
    Query(q): Query<UploadQuery>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> ApiResult<Response> {
    let voice = match q.kind.as_deref() {
        None | Some("") | Some("auto") => false,
        Some("voice") => true,
        Some(_) => return Err(ApiError::field("kind", Invalid::InvalidFormat)),
    };
    let header = |h| headers.get(h).and_then(|v: &axum::http::HeaderValue| v.to_str().ok());
    let declared = super::attachments::Declared {
        name: q.name.unwrap_or_default(),
        content_type: header(axum::http::header::CONTENT_TYPE).unwrap_or("").to_owned(),
        voice,
        length: header(axum::http::header::CONTENT_LENGTH).and_then(|v| v.parse().ok()),
    };
    let out = super::attachments::upload(&state, &caller, c, declared, body).await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// `GET /api/v1/attachments/{attachment_id}`
#[utoipa::path(
    get,
    path = "/attachments/{attachment_id}",
    tag = "chat",
    operation_id = "get_attachment",
    summary = "An attachment's bytes, for members of its conversation (Range supported)",
    params(("attachment_id" = uuid::Uuid, Path, description = "The attachment")),
    responses(
        (status = 200, description = "The bytes", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 206, description = "The requested range", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 304, description = "Unchanged since the ETag sent"),
        (status = 416, description = "The range is outside the file"),
    ),
)]
pub async fn get_attachment(
    State(state): State<AppState>,
    caller: Caller,
    Path(a): Path<domain::AttachmentId>,
    headers: axum::http::HeaderMap,
) -> ApiResult<Response> {
    let found = super::attachments::fetchable(&state, &caller, a).await?;
    serve_blob(&state, &found, false, &headers).await
}

/// `GET /api/v1/attachments/{attachment_id}/thumbnail`
#[utoipa::path(
    get,
    path = "/attachments/{attachment_id}/thumbnail",
    tag = "chat",
    operation_id = "get_attachment_thumbnail",
    summary = "A picture's thumbnail (JPEG, at most 480 px on its longer side)",
    params(("attachment_id" = uuid::Uuid, Path, description = "The attachment")),
    responses(
        (status = 200, description = "The thumbnail", content_type = "image/jpeg", body = Vec<u8>),
        (status = 304, description = "Unchanged since the ETag sent"),
    ),
)]
pub async fn get_attachment_thumbnail(
    State(state): State<AppState>,
    caller: Caller,
    Path(a): Path<domain::AttachmentId>,
    headers: axum::http::HeaderMap,
) -> ApiResult<Response> {
    let found = super::attachments::fetchable(&state, &caller, a).await?;
    serve_blob(&state, &found, true, &headers).await
}

/// Streams an attachment (or its thumbnail) with what a browser and a download manager
/// need: its type, a name to save it under, ranges, and an ETag to revalidate against.
/// Only pictures and voice messages are shown inline; anything else is a download, and
/// nothing served here can run script (`sandbox`), whatever its bytes are.
async fn serve_blob(
    state: &AppState,
    a: &store::Attachment,
    thumbnail: bool,
    headers: &axum::http::HeaderMap,
) -> ApiResult<Response> {
    use axum::http::{HeaderValue, header};
    let key = super::attachments::key(a, thumbnail)?;
    let etag = format!("\"{}{}\"", a.sha256, if thumbnail { "-t" } else { "" });
    let mut resp = Response::new(axum::body::Body::empty());
    let h = resp.headers_mut();
    let value = |s: &str| HeaderValue::from_str(s).map_err(ApiError::internal);
    h.insert(header::ETAG, value(&etag)?);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    let inline = thumbnail || matches!(a.meta.kind, domain::attachment::Kind::Image | domain::attachment::Kind::Voice);
    let mime = if thumbnail { "image/jpeg" } else { a.meta.mime.as_str() };
    h.insert(header::CONTENT_TYPE, value(mime).unwrap_or(HeaderValue::from_static("application/octet-stream")));
    h.insert(header::CONTENT_DISPOSITION, value(&disposition(inline, &a.meta.name))?);
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if matches {
        *resp.status_mut() = StatusCode::NOT_MODIFIED;
        return Ok(resp);
    }
    let len = state.blobs.len(&key).await.map_err(ApiError::internal)?.ok_or_else(ApiError::not_found)?;
    let asked = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let span = match crate::blobs::range(asked, len) {
        Ok(span) => span,
        Err(crate::blobs::Unsatisfiable) => {
            *resp.status_mut() = StatusCode::RANGE_NOT_SATISFIABLE;
            resp.headers_mut().insert(header::CONTENT_RANGE, value(&format!("bytes */{len}"))?);
            return Ok(resp);
        }
    };
    let body = state.blobs.read(&key, span).await.map_err(ApiError::internal)?.ok_or_else(ApiError::not_found)?;
    *resp.body_mut() = body;
    let h = resp.headers_mut();
    match span {
        Some(s) => {
            h.insert(header::CONTENT_RANGE, value(&format!("bytes {}-{}/{len}", s.start, s.end - 1))?);
            h.insert(header::CONTENT_LENGTH, value(&(s.end - s.start).to_string())?);
            *resp.status_mut() = StatusCode::PARTIAL_CONTENT;
        }
        None => {
            h.insert(header::CONTENT_LENGTH, value(&len.to_string())?);
        }
    }
    Ok(resp)
}

/// `Content-Disposition` with the name in UTF-8 (RFC 6266/8187) and an ASCII fallback
/// for old clients.
fn disposition(inline: bool, name: &str) -> String {
    let kind = if inline { "inline" } else { "attachment" };
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn dispositions_carry_any_name_safely() {
        assert_eq!(
            super::disposition(false, "課程表 v2.pdf"),
            "attachment; filename=\"___ v2.pdf\"; filename*=UTF-8''%E8%AA%B2%E7%A8%8B%E8%A1%A8%20v2.pdf"
        );
        assert_eq!(super::disposition(true, "a\"b.jpg"), "inline; filename=\"a_b.jpg\"; filename*=UTF-8''a%22b.jpg");
    }
}

// ---- reactions, settings, announcement, forwarding -------------------------------------

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReactionsOut {
    pub reactions: Vec<super::render::ReactionOut>,
}

/// `PUT /api/v1/conversations/{conversation_id}/messages/{message_id}/reactions/{emoji}`
#[utoipa::path(
    put,
    path = "/conversations/{conversation_id}/messages/{message_id}/reactions/{emoji}",
    tag = "chat",
    operation_id = "add_reaction",
    summary = "Put an emoji reaction on a message (again: no change)",
    params(
        ("conversation_id" = uuid::Uuid, Path, description = "The conversation"),
        ("message_id" = uuid::Uuid, Path, description = "The message"),
        ("emoji" = String, Path, description = "One emoji, URL-encoded"),
    ),
    responses((status = 200, description = "The message's reactions now", body = ReactionsOut)),
)]
pub async fn add_reaction(
    State(state): State<AppState>,
    caller: Caller,
    Path((c, m, emoji)): Path<(ConversationId, MessageId, String)>,
) -> ApiResult<Json<ReactionsOut>> {
    Ok(Json(ReactionsOut { reactions: super::extras::react(&state, &caller, c, m, &emoji, true).await? }))
}

/// `DELETE /api/v1/conversations/{conversation_id}/messages/{message_id}/reactions/{emoji}`
#[utoipa::path(
    delete,
    path = "/conversations/{conversation_id}/messages/{message_id}/reactions/{emoji}",
    tag = "chat",
    operation_id = "remove_reaction",
    summary = "Take one's emoji reaction off a message",
    params(
        ("conversation_id" = uuid::Uuid, Path, description = "The conversation"),
        ("message_id" = uuid::Uuid, Path, description = "The message"),
        ("emoji" = String, Path, description = "One emoji, URL-encoded"),
    ),
    responses((status = 200, description = "The message's reactions now", body = ReactionsOut)),
)]
pub async fn remove_reaction(
    State(state): State<AppState>,
    caller: Caller,
    Path((c, m, emoji)): Path<(ConversationId, MessageId, String)>,
) -> ApiResult<Json<ReactionsOut>> {
    Ok(Json(ReactionsOut { reactions: super::extras::react(&state, &caller, c, m, &emoji, false).await? }))
}

/// `PATCH /api/v1/conversations/{conversation_id}/settings`
#[utoipa::path(
    patch,
    path = "/conversations/{conversation_id}/settings",
    tag = "chat",
    operation_id = "conversation_settings",
    summary = "The caller's own settings for a conversation: pin, mute, mark as unread",
    params(("conversation_id" = uuid::Uuid, Path, description = "The conversation")),
    request_body = super::extras::PrefsInput,
    responses((status = 200, description = "The conversation as the caller now sees it", body = super::ConversationOut)),
)]
pub async fn conversation_settings(
    State(state): State<AppState>,
    caller: Caller,
    Path(c): Path<ConversationId>,
    Json(input): Json<super::extras::PrefsInput>,
) -> ApiResult<Json<super::ConversationOut>> {
    Ok(Json(super::extras::set_prefs(&state, &caller, c, input).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnouncementInput {
    /// "" clears the announcement.
    #[serde(default)]
    pub text: String,
}

/// `PUT /api/v1/conversations/{conversation_id}/announcement`
#[utoipa::path(
    put,
    path = "/conversations/{conversation_id}/announcement",
    tag = "chat",
    operation_id = "set_announcement",
    summary = "Set or clear a group's announcement (群公告): its owner's",
    params(("conversation_id" = uuid::Uuid, Path, description = "The group")),
    request_body = AnnouncementInput,
    responses((status = 200, description = "The group", body = DetailOut)),
)]
pub async fn set_announcement(
    State(state): State<AppState>,
    caller: Caller,
    Path(c): Path<ConversationId>,
    Json(input): Json<AnnouncementInput>,
) -> ApiResult<Json<DetailOut>> {
    Ok(Json(super::extras::set_announcement(&state, &caller, c, &input.text).await?))
}

/// `POST /api/v1/conversations/{conversation_id}/announcement/seen`
#[utoipa::path(
    post,
    path = "/conversations/{conversation_id}/announcement/seen",
    tag = "chat",
    operation_id = "see_announcement",
    summary = "The caller has read the group's announcement: no longer shown on entry",
    params(("conversation_id" = uuid::Uuid, Path, description = "The group")),
    responses((status = 204, description = "Noted")),
)]
pub async fn see_announcement(
    State(state): State<AppState>,
    caller: Caller,
    Path(c): Path<ConversationId>,
) -> ApiResult<StatusCode> {
    super::extras::see_announcement(&state, &caller, c).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ForwardOut {
    pub messages: Vec<super::render::MessageOut>,
}

/// `POST /api/v1/conversations/{conversation_id}/forward`
#[utoipa::path(
    post,
    path = "/conversations/{conversation_id}/forward",
    tag = "chat",
    operation_id = "forward_messages",
    summary = "Forward (轉發) messages one sees into this conversation, one by one",
    params(("conversation_id" = uuid::Uuid, Path, description = "Where they go")),
    request_body = super::extras::ForwardInput,
    responses((status = 201, description = "The copies, in order", body = ForwardOut)),
)]
pub async fn forward(
    State(state): State<AppState>,
    caller: Caller,
    Path(c): Path<ConversationId>,
    Json(input): Json<super::extras::ForwardInput>,
) -> ApiResult<Response> {
    let messages = super::extras::forward(&state, &caller, c, input).await?;
    Ok((StatusCode::CREATED, Json(ForwardOut { messages })).into_response())
}
