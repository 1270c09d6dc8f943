//! A member's own notification settings, the same on every device: whether they get an
//! e-mail digest of messages they left unread (`digest`, off until they ask, and only
//! where the server sends digests), and whether notifications show who wrote and what
//! (in the digest, and in every device's Web Push notifications). How one device is
//! subscribed to push is `push`'s; muting a conversation is that conversation's setting.

pub mod digest;
pub mod http;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Lang;
use axum::http::StatusCode;
use domain::ErrorCode;
use serde::{Deserialize, Serialize};
use store::{NotifyChange, NotifySettings};

/// A member's notification settings as the API shows them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotificationSettings {
    /// An e-mail digest of messages left unread for `digest_after_hours` (off until asked for).
    pub email_digest: bool,
    /// Show who wrote and what: in the digest and in every device's notifications.
    pub preview: bool,
    /// After how many hours unread messages go into a digest; 0: this server sends none
    /// (the app then does not offer it).
    pub digest_after_hours: u64,
    /// The member's account has an e-mail address for the digest to go to (the campus
    /// admin sets it).
    pub has_email: bool,
}

/// What a member changes; a setting left out stays as it is.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationSettingsInput {
    #[serde(default)]
    pub email_digest: Option<bool>,
    #[serde(default)]
    pub preview: Option<bool>,
}

fn out(state: &AppState, caller: &Caller, s: &NotifySettings) -> NotificationSettings {
    NotificationSettings {
        email_digest: s.email_digest,
        preview: s.preview,
        digest_after_hours: digest_after_hours(state),
        has_email: !caller.member.email.trim().is_empty(),
    }
}

/// `chat.digest_after_hours`, 0 when off.
pub(crate) fn digest_after_hours(state: &AppState) -> u64 {
    state.config.digest_after.map(|d| d.as_secs().div_ceil(3600)).unwrap_or(0)
}

/// The caller's settings. Bureau officers have no conversations, so none.
pub async fn settings(state: &AppState, caller: &Caller) -> ApiResult<NotificationSettings> {
    crate::chat::own_campus(caller)?;
    Ok(out(state, caller, &state.store.notify_settings(caller.member.id).await?))
}

/// Changes the caller's settings. Whatever it changes, the request's language and the
/// address it came to are kept for the digest's text and link (`server.public_url`, if
/// set, wins). A digest on a server that sends none is refused.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    app_url: String,
    input: NotificationSettingsInput,
) -> ApiResult<NotificationSettings> {
    crate::chat::own_campus(caller)?;
    if input.email_digest == Some(true) && state.config.digest_after.is_none() {
        return Err(ApiError::new(StatusCode::CONFLICT, ErrorCode::DigestUnavailable));
    }
    let change =
        NotifyChange { email_digest: input.email_digest, preview: input.preview, lang: lang.tag().to_owned(), app_url };
    Ok(out(state, caller, &state.store.set_notify_settings(caller.member.id, &change).await?))
}
