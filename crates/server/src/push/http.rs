//! The push routes: the server's public key, and subscribing or unsubscribing a device.

use super::{SubscribeInput, SubscriptionOut};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

#[derive(Serialize, utoipa::ToSchema)]
pub struct PushKeyOut {
    /// The VAPID public key (base64url, uncompressed P-256): `applicationServerKey`.
    pub public_key: String,
}

/// `GET /api/v1/push/key`
#[utoipa::path(
    get,
    path = "/push/key",
    tag = "push",
    operation_id = "push_key",
    summary = "The key a browser subscribes to campuslink's notifications with",
    responses((status = 200, description = "The key", body = PushKeyOut)),
)]
pub async fn push_key(State(state): State<AppState>, _caller: Caller) -> Json<PushKeyOut> {
    Json(PushKeyOut { public_key: state.push.public_key() })
}

/// `POST /api/v1/push/subscriptions`
#[utoipa::path(
    post,
    path = "/push/subscriptions",
    tag = "push",
    operation_id = "subscribe_push",
    summary = "Receive notifications on this device (its PushSubscription, as toJSON() gives it)",
    request_body = SubscribeInput,
    responses((status = 201, description = "Subscribed", body = SubscriptionOut)),
)]
pub async fn subscribe(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<SubscribeInput>,
) -> ApiResult<Response> {
    let out = super::subscribe(&state, &caller, input).await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnsubscribeInput {
    #[serde(default)]
    pub endpoint: String,
}

/// `POST /api/v1/push/subscriptions/delete`
#[utoipa::path(
    post,
    path = "/push/subscriptions/delete",
    tag = "push",
    operation_id = "unsubscribe_push",
    summary = "No more notifications on this device",
    request_body = UnsubscribeInput,
    responses((status = 204, description = "Unsubscribed")),
)]
pub async fn unsubscribe(
    State(state): State<AppState>,
    caller: Caller,
    Json(input): Json<UnsubscribeInput>,
) -> ApiResult<StatusCode> {
    super::unsubscribe(&state, &caller, &input.endpoint).await?;
    Ok(StatusCode::NO_CONTENT)
}
