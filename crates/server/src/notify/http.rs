//! The notification settings routes: a member reads and changes their own.

use super::{NotificationSettings, NotificationSettingsInput};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::Json;
use crate::i18n::Lang;
use axum::extract::State;
use axum::http::HeaderMap;

/// `GET /api/v1/me/notifications`
#[utoipa::path(
    get,
    path = "/me/notifications",
    tag = "notifications",
    operation_id = "notification_settings",
    summary = "The caller's notification settings (e-mail digest, previews), the same on every device",
    responses((status = 200, description = "The settings", body = NotificationSettings)),
)]
pub async fn get_settings(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<NotificationSettings>> {
    Ok(Json(super::settings(&state, &caller).await?))
}

/// `PATCH /api/v1/me/notifications`
#[utoipa::path(
    patch,
    path = "/me/notifications",
    tag = "notifications",
    operation_id = "update_notification_settings",
    summary = "Change the caller's notification settings; the digest is written in this request's language",
    request_body = NotificationSettingsInput,
    responses((status = 200, description = "The settings now", body = NotificationSettings)),
)]
pub async fn update_settings(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Json(input): Json<NotificationSettingsInput>,
) -> ApiResult<Json<NotificationSettings>> {
    let lang = Lang::of_request(&headers);
    let app_url = state.config.base_url(&headers);
    Ok(Json(super::update(&state, &caller, lang, app_url, input).await?))
}
