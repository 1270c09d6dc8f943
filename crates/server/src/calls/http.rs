//! The call routes (docs/calls.md): each parses its input and calls one action. A
//! request for a call another node hosts is passed on to that node first (`pass_on`).

use super::{CallOut, HostAction, IceServer, JoinOut, ParticipantState};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::{Json, Path};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::{CallId, ConversationId, MemberId};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartInput {
    /// With the camera on (視頻通話) rather than voice only (語音通話).
    #[serde(default)]
    pub video: bool,
}

/// `POST /api/v1/conversations/{conversation_id}/calls`
#[utoipa::path(
    post,
    path = "/conversations/{conversation_id}/calls",
    tag = "calls",
    operation_id = "start_call",
    summary = "Call the other person of a direct chat, or start the group's meeting (or get the one going on)",
    params(("conversation_id" = uuid::Uuid, Path, description = "The conversation")),
    request_body = StartInput,
    responses((status = 201, description = "The call, ringing (direct) or on (meeting)", body = CallOut)),
)]
pub async fn start(
    State(state): State<AppState>,
    caller: Caller,
    Path(c): Path<ConversationId>,
    Json(input): Json<StartInput>,
) -> ApiResult<Response> {
    let call = super::start(&state, &caller, c, input.video).await?;
    Ok((StatusCode::CREATED, Json(call)).into_response())
}

/// `GET /api/v1/calls`
#[utoipa::path(
    get,
    path = "/calls",
    tag = "calls",
    operation_id = "list_calls",
    summary = "The calls going on in the caller's conversations (an app that opens catches up here)",
    responses((status = 200, description = "The calls, oldest first", body = Vec<CallOut>)),
)]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    Ok(Json(super::current(&state, &caller).await?).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct IceServersOut {
    /// STUN and TURN servers for the device's peer connection; TURN ones with
    /// short-lived credentials of the caller's own.
    pub ice_servers: Vec<IceServer>,
}

/// `GET /api/v1/calls/ice-servers`
#[utoipa::path(
    get,
    path = "/calls/ice-servers",
    tag = "calls",
    operation_id = "ice_servers",
    summary = "The STUN and TURN servers (with the caller's TURN credentials) to make a peer connection with before the offer",
    responses((status = 200, description = "The ICE servers, the same a join answers", body = IceServersOut)),
)]
pub async fn ice_servers(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    Ok(Json(IceServersOut { ice_servers: super::ice_servers_of(&state, &caller)? }).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferInput {
    /// The device's SDP offer: its audio and video, and a data channel.
    pub sdp: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AnswerOut {
    pub sdp: String,
}

/// `POST /api/v1/calls/{call_id}/join`
#[utoipa::path(
    post,
    path = "/calls/{call_id}/join",
    tag = "calls",
    operation_id = "join_call",
    summary = "Join (or, for the one called, answer) with this device's SDP offer",
    params(("call_id" = uuid::Uuid, Path, description = "The call")),
    request_body = OfferInput,
    responses((status = 200, description = "The media server's answer", body = JoinOut)),
)]
pub async fn join(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<CallId>,
    Json(input): Json<OfferInput>,
) -> ApiResult<Response> {
    Ok(Json(super::join(&state, &caller, id, &input.sdp).await?).into_response())
}

/// `POST /api/v1/calls/{call_id}/renegotiate`
#[utoipa::path(
    post,
    path = "/calls/{call_id}/renegotiate",
    tag = "calls",
    operation_id = "renegotiate_call",
    summary = "A new offer from a participant's device (an ICE restart after its network changed)",
    params(("call_id" = uuid::Uuid, Path, description = "The call")),
    request_body = OfferInput,
    responses((status = 200, description = "The media server's answer", body = AnswerOut)),
)]
pub async fn renegotiate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<CallId>,
    Json(input): Json<OfferInput>,
) -> ApiResult<Response> {
    let sdp = super::renegotiate(&state, &caller, id, &input.sdp).await?;
    Ok(Json(AnswerOut { sdp }).into_response())
}

/// `POST /api/v1/calls/{call_id}/decline`
#[utoipa::path(
    post,
    path = "/calls/{call_id}/decline",
    tag = "calls",
    operation_id = "decline_call",
    summary = "Decline a call ringing for the caller",
    params(("call_id" = uuid::Uuid, Path, description = "The call")),
    responses((status = 204, description = "Declined")),
)]
pub async fn decline(State(state): State<AppState>, caller: Caller, Path(id): Path<CallId>) -> ApiResult<StatusCode> {
    super::decline(&state, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/calls/{call_id}/leave`
#[utoipa::path(
    post,
    path = "/calls/{call_id}/leave",
    tag = "calls",
    operation_id = "leave_call",
    summary = "Hang up (a direct call ends for both; a meeting goes on without the caller)",
    params(("call_id" = uuid::Uuid, Path, description = "The call")),
    responses((status = 204, description = "Left")),
)]
pub async fn leave(State(state): State<AppState>, caller: Caller, Path(id): Path<CallId>) -> ApiResult<StatusCode> {
    super::leave(&state, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/calls/{call_id}/state`
#[utoipa::path(
    post,
    path = "/calls/{call_id}/state",
    tag = "calls",
    operation_id = "set_call_state",
    summary = "What the caller shows of itself in the call: muted, camera, screen, raised hand",
    params(("call_id" = uuid::Uuid, Path, description = "The call")),
    request_body = ParticipantState,
    responses((status = 200, description = "The call", body = CallOut)),
)]
pub async fn set_state(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<CallId>,
    Json(input): Json<ParticipantState>,
) -> ApiResult<Response> {
    Ok(Json(super::set_state(&state, &caller, id, input).await?).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HostInput {
    pub action: HostAction,
}

/// `POST /api/v1/calls/{call_id}/participants/{member_id}`
#[utoipa::path(
    post,
    path = "/calls/{call_id}/participants/{member_id}",
    tag = "calls",
    operation_id = "host_action",
    summary = "The meeting's host mutes a participant or takes them out",
    params(
        ("call_id" = uuid::Uuid, Path, description = "The call"),
        ("member_id" = uuid::Uuid, Path, description = "The participant"),
    ),
    request_body = HostInput,
    responses((status = 204, description = "Done")),
)]
pub async fn host_action(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, member)): Path<(CallId, MemberId)>,
    Json(input): Json<HostInput>,
) -> ApiResult<StatusCode> {
    super::host(&state, &caller, id, member, input.action).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Marks a request one node passed on to another: that one answers it itself.
const PASSED_ON: &str = "x-campuslink-passed-on";

/// Around every API route: a request for a call that another node hosts (joining it,
/// hanging up, the host's actions…), or to start a call in a conversation whose call is
/// on another node, goes to that node as it came — the caller's credentials, language
/// and body — and its answer comes back as it is. That node checks the caller itself:
/// sessions are in the shared database. Anything else goes on here.
pub async fn pass_on(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use axum::extract::FromRequestParts;
    let (mut parts, body) = req.into_parts();
    let params = axum::extract::RawPathParams::from_request_parts(&mut parts, &state).await.ok();
    let req = axum::extract::Request::from_parts(parts, body);
    let host = match target(params.as_ref(), &req) {
        Some(_) if req.headers().contains_key(PASSED_ON) => None,
        Some(Target::Call(id)) => Some(super::host_of(&state, id).await),
        Some(Target::Start(c)) => Some(super::host_in(&state, c).await),
        None => None,
    };
    match host {
        Some(Ok(super::Host::There(url))) => forward(&state, &url, req).await,
        Some(Err(e)) => e.into_response(),
        _ => next.run(req).await,
    }
}

enum Target {
    Call(CallId),
    Start(ConversationId),
}

/// Which call a request is about, if it is a call route's.
fn target(params: Option<&axum::extract::RawPathParams>, req: &axum::extract::Request) -> Option<Target> {
    let params = params?;
    let param = |name: &str| params.iter().find(|(k, _)| *k == name).map(|(_, v)| v);
    if let Some(id) = param("call_id") {
        return id.parse().ok().map(Target::Call);
    }
    let path = req.extensions().get::<axum::extract::MatchedPath>()?.as_str();
    if req.method() == axum::http::Method::POST && path.ends_with("/{conversation_id}/calls") {
        return param("conversation_id")?.parse().ok().map(Target::Start);
    }
    None
}

/// Sends `req` to the node at `base` and answers with what it answers.
async fn forward(state: &AppState, base: &str, req: axum::extract::Request) -> Response {
    use axum::http::header;
    let hop = |name: &header::HeaderName| {
        [header::HOST, header::CONNECTION, header::CONTENT_LENGTH, header::TRANSFER_ENCODING, header::UPGRADE]
            .contains(name)
    };
    let (parts, body) = req.into_parts();
    let path = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or_else(|| parts.uri.clone(), |u| u.0.clone())
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    let Ok(body) = axum::body::to_bytes(body, state.config.max_upload_bytes).await else {
        return crate::error::ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, domain::ErrorCode::PayloadTooLarge)
            .into_response();
    };
    let mut out = state.calls.nodes().request(parts.method.clone(), format!("{base}{path}")).body(body);
    for (name, value) in parts.headers.iter().filter(|(n, _)| !hop(n)) {
        out = out.header(name, value);
    }
    let answer = match out.header(PASSED_ON, state.store.node()).send().await {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!(error = %e, node = %base, "cannot reach the node hosting a call");
            return crate::error::ApiError::from(domain::call::CallRefusal::Unavailable).into_response();
        }
    };
    let status = answer.status();
    let headers = answer.headers().clone();
    let bytes = match answer.bytes().await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(error = %e, node = %base, "the node hosting a call broke off its answer");
            return crate::error::ApiError::from(domain::call::CallRefusal::Unavailable).into_response();
        }
    };
    let mut resp = (status, bytes).into_response();
    for (name, value) in headers.iter().filter(|(n, _)| !hop(n)) {
        resp.headers_mut().append(name.clone(), value.clone());
    }
    resp
}
