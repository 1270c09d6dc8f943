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
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    Ok(Json(super::list(&state, &caller).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectInput {
    pub member_id: MemberId,
}

/// `POST /api/v1/conversations/direct`
pub async fn open_direct(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<DirectInput>,
) -> ApiResult<Response> {
    let (id, new) = super::open_direct(&state, &caller, input.member_id).await?;
    let status = if new { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(super::detail(&state, &caller, id).await?.conversation)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub member_ids: Vec<MemberId>,
}

/// `POST /api/v1/conversations/group`
pub async fn create_group(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<GroupInput>,
) -> ApiResult<Response> {
    let id = super::create_group(&state, &caller, &input.name, &input.member_ids).await?;
    Ok((StatusCode::CREATED, Json(super::detail(&state, &caller, id).await?)).into_response())
}

/// `GET /api/v1/conversations/{conversation_id}`
pub async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    Path(c): Path<ConversationId>,
) -> ApiResult<Json<DetailOut>> {
    Ok(Json(super::detail(&state, &caller, c).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenameInput {
    #[serde(default)]
    pub name: String,
}

/// `PATCH /api/v1/conversations/{conversation_id}`
pub async fn rename(
    State(state): State<AppState>,
    caller: Caller,
    Path(c): Path<ConversationId>,
    Json(input): Json<RenameInput>,
) -> ApiResult<Json<DetailOut>> {
    super::rename(&state, &caller, c, &input.name).await?;
    Ok(Json(super::detail(&state, &caller, c).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MembersInput {
    #[serde(default)]
    pub member_ids: Vec<MemberId>,
}

/// `POST /api/v1/conversations/{conversation_id}/members`
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
pub async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((c, m)): Path<(ConversationId, MemberId)>,
) -> ApiResult<StatusCode> {
    super::remove_member(&state, &caller, c, m).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnerInput {
    pub member_id: MemberId,
}

/// `POST /api/v1/conversations/{conversation_id}/owner`
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
pub async fn dissolve(
    State(state): State<AppState>,
    caller: Caller,
    Path(c): Path<ConversationId>,
) -> ApiResult<StatusCode> {
    super::dissolve(&state, &caller, c).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct HistoryQuery {
    pub before: Option<String>,
    pub after: Option<String>,
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

#[derive(Serialize)]
pub struct PageOut {
    messages: Vec<super::render::MessageOut>,
    has_more: bool,
}

/// `GET /api/v1/conversations/{conversation_id}/messages`
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(c): Path<ConversationId>,
    Query(q): Query<HistoryQuery>,
) -> ApiResult<Json<PageOut>> {
    let before = number("before", q.before.as_deref(), 0, i64::MAX)?;
    let after = number("after", q.after.as_deref(), 0, i64::MAX)?;
    let limit = number("limit", q.limit.as_deref(), 1, 200)?.unwrap_or(50);
    let page = super::history(&state, &caller, c, before, after, limit).await?;
    Ok(Json(PageOut { messages: page.messages, has_more: page.has_more }))
}

/// `POST /api/v1/conversations/{conversation_id}/messages`
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
pub async fn recall(
    State(state): State<AppState>,
    caller: Caller,
    Path((c, m)): Path<(ConversationId, MessageId)>,
) -> ApiResult<Json<super::render::MessageOut>> {
    Ok(Json(super::recall(&state, &caller, c, m).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadInput {
    pub position: i64,
}

#[derive(Serialize)]
pub struct ReadOut {
    read_position: i64,
}

/// `POST /api/v1/conversations/{conversation_id}/read`
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

#[derive(Serialize)]
pub struct ReadersOut {
    read: Vec<std::sync::Arc<super::render::MemberRef>>,
    unread: Vec<std::sync::Arc<super::render::MemberRef>>,
}

/// `GET /api/v1/conversations/{conversation_id}/messages/{message_id}/readers`
pub async fn readers(
    State(state): State<AppState>,
    caller: Caller,
    Path((c, m)): Path<(ConversationId, MessageId)>,
) -> ApiResult<Json<ReadersOut>> {
    let (read, unread) = super::readers(&state, &caller, c, m).await?;
    Ok(Json(ReadersOut { read, unread }))
}

#[derive(Deserialize)]
pub struct EventsQuery {
    pub after: Option<String>,
    pub limit: Option<String>,
}

#[derive(Serialize)]
pub struct EventsOut {
    events: Vec<serde_json::Value>,
    position: i64,
    has_more: bool,
}

/// `GET /api/v1/events`
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
