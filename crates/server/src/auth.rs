//! Sign-in, sessions and the `Caller` extractor.
//!
//! A session token is 32 random bytes; only its SHA-256 is stored. Browsers carry it in
//! an HttpOnly cookie and must echo the session's CSRF token in `X-CSRF-Token` on every
//! write; API and WebSocket clients send `Authorization: Bearer` and need no CSRF token.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use domain::values::Password;
use domain::{ErrorCode, Invalid, Role, Viewer};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use store::Member;

pub const SESSION_COOKIE: &str = "campuslink_session";
pub const CSRF_COOKIE: &str = "campuslink_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A random token, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// argon2id with the crate's defaults (19 MiB, 2 passes), off the async threads.
pub async fn hash_password(password: &Password) -> ApiResult<String> {
    let p = password.expose().to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(p.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)
}

/// Checks `password` against `hash`; with no hash, spends the same time and fails, so
/// a missing account does not answer faster than a wrong password.
pub async fn verify_password(password: &str, hash: Option<&str>) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY
        .get_or_init(|| {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default().hash_password(b"campuslink-dummy", &salt).map(|h| h.to_string()).unwrap_or_default()
        })
        .clone();
    let real = hash.is_some();
    let hash = hash.map(str::to_owned).unwrap_or(dummy);
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let ok =
            PasswordHash::new(&hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok());
        ok && real
    })
    .await
    .unwrap_or(false)
}

/// Per-address limit on login attempts: a fixed window of one minute.
pub struct LoginLimiter {
    per_minute: u32,
    seen: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl LoginLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self { per_minute, seen: Mutex::new(HashMap::new()) }
    }

    /// Whether one more attempt from `ip` is allowed now.
    pub fn allow(&self, ip: IpAddr) -> bool {
        let now = Instant::now();
        let mut seen = match self.seen.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if seen.len() > 100_000 {
            seen.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(60));
        }
        let entry = seen.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= Duration::from_secs(60) {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.per_minute
    }
}

/// Failed sign-ins under logins that no account has, counted and locked exactly as an
/// account's are (`failed_logins`, `locked_until`): were they never locked, the lock
/// itself would tell who has an account. Kept in memory, keyed by the login without
/// case; past `UNKNOWN_LOGINS_KEPT` logins, the counts of unlocked ones are forgotten.
#[derive(Default)]
pub struct UnknownLogins {
    seen: Mutex<HashMap<String, (i64, i64)>>,
}

const UNKNOWN_LOGINS_KEPT: usize = 100_000;

impl UnknownLogins {
    fn seen(&self) -> std::sync::MutexGuard<'_, HashMap<String, (i64, i64)>> {
        match self.seen.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Until when (ms) `login` is locked, if it is at `now`.
    pub fn locked_until(&self, login: &str, now: i64) -> Option<i64> {
        self.seen().get(&login.to_lowercase()).map(|e| e.1).filter(|until| *until > now)
    }

    /// Counts one failure; until when the login is locked, if this one locked it.
    pub fn fail(&self, login: &str, now: i64, max: i64, lock_ms: i64) -> Option<i64> {
        let mut seen = self.seen();
        if seen.len() >= UNKNOWN_LOGINS_KEPT {
            seen.retain(|_, (_, until)| *until > now);
        }
        let entry = seen.entry(login.to_lowercase()).or_insert((0, 0));
        entry.0 += 1;
        if entry.0 >= max {
            *entry = (0, now + lock_ms);
            return Some(entry.1);
        }
        None
    }
}

/// 423 `account_locked`, saying in `Retry-After` how many seconds are left of it.
fn locked(until: i64, now: i64) -> Response {
    let mut e = ApiError::new(StatusCode::LOCKED, ErrorCode::AccountLocked).into_response();
    let seconds = ((until - now).max(0) + 999) / 1000;
    let seconds = seconds.max(1);
    if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
        e.headers_mut().insert(header::RETRY_AFTER, v);
    }
    e
}

/// The address a request comes from: the peer, or — behind a reverse proxy that
/// campuslink is told to trust — the address that proxy appended to
/// `X-Forwarded-For` (the last entry; earlier ones are whatever the client sent).
pub fn client_ip(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    if state.config.trust_forwarded_for {
        let last = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|ip| ip.trim().parse::<IpAddr>().ok())
            .next_back();
        if let Some(ip) = last {
            return ip;
        }
    }
    peer.ip()
}

/// The signed-in member making a request. `member.department_ids` is not loaded (see
/// `Store::session`).
#[derive(Clone, Debug)]
pub struct Caller {
    pub member: Member,
    pub viewer: Viewer,
    pub token_hash: String,
    /// Signed in by the session cookie (a browser), not a bearer token.
    pub by_cookie: bool,
    /// The store's generation when `member` was loaded (see `Refs::keep`).
    pub loaded_at: u64,
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (token, by_cookie) = match bearer(&parts.headers) {
            Some(t) => (t.to_owned(), false),
            None => match cookie(&parts.headers, SESSION_COOKIE) {
                Some(t) => (t.to_owned(), true),
                None => return Err(ApiError::unauthenticated()),
            },
        };
        let hash = token_hash(&token);
        let loaded_at = state.store.generation();
        let session = state.store.session(&hash).await?.ok_or_else(ApiError::unauthenticated)?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if by_cookie && !safe {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
            if !constant_time_eq(sent.as_bytes(), session.csrf_token.as_bytes()) {
                return Err(ApiError::new(StatusCode::FORBIDDEN, ErrorCode::CsrfFailed));
            }
        }
        let m = session.member;
        let viewer = Viewer { member_id: m.id, role: m.role, campus_id: m.campus_id };
        Ok(Caller { member: m, viewer, token_hash: hash, by_cookie, loaded_at })
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    #[serde(default)]
    pub login: String,
    #[serde(default)]
    pub password: String,
}

/// Who is signed in, with their campus and school.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    #[schema(value_type = uuid::Uuid)]
    pub id: domain::MemberId,
    pub login: String,
    #[schema(value_type = crate::wire::Role)]
    pub role: Role,
    pub name_zh: String,
    pub name_pt: String,
    #[schema(required = true)]
    pub campus: Option<crate::wire::Campus>,
    #[schema(required = true)]
    pub school: Option<crate::wire::School>,
}

pub async fn me_of(state: &AppState, m: &Member) -> ApiResult<Me> {
    let campus = match m.campus_id {
        Some(c) => Some(state.store.campus(c).await?),
        None => None,
    };
    let school = match &campus {
        Some(c) => Some(state.store.school(c.school_id).await?),
        None => None,
    };
    Ok(Me {
        id: m.id,
        login: m.login.clone(),
        role: m.role,
        name_zh: m.name_zh.clone(),
        name_pt: m.name_pt.clone(),
        campus: campus.map(Into::into),
        school: school.map(Into::into),
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    pub token: String,
    pub csrf_token: String,
    pub me: Me,
}

/// `POST /api/v1/auth/login`
#[utoipa::path(
    post,
    path = "/auth/login",
    tag = "accounts",
    operation_id = "login",
    summary = "Sign in; sets the session and CSRF cookies and returns a bearer token",
    request_body = LoginRequest,
    security(()),
    responses(
        (status = 200, description = "Signed in", body = LoginResponse),
    ),
)]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Response> {
    if !state.limiter.allow(client_ip(&state, addr, &headers)) {
        let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited).into_response();
        e.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        return Ok(e);
    }
    if req.login.trim().is_empty() || req.password.is_empty() || req.login.len() > 64 || req.password.len() > 1024 {
        let mut fields = Vec::new();
        if req.login.trim().is_empty() {
            fields.push(domain::FieldError::new("login", Invalid::Required));
        } else if req.login.len() > 64 {
            fields.push(domain::FieldError::new("login", Invalid::TooLong));
        }
        if req.password.is_empty() {
            fields.push(domain::FieldError::new("password", Invalid::Required));
        } else if req.password.len() > 1024 {
            fields.push(domain::FieldError::new("password", Invalid::TooLong));
        }
        return Err(ApiError::invalid(fields));
    }
    let cfg = &state.config;
    let lock_ms = cfg.lockout.as_millis() as i64;
    let login = req.login.trim();
    let Some(record) = state.store.login_record(login).await? else {
        // As an account would be: checked, counted, locked after as many failures.
        let now = state.store.now();
        if let Some(until) = state.unknown_logins.locked_until(login, now) {
            return Ok(locked(until, now));
        }
        verify_password(&req.password, None).await;
        let locked_now = state.unknown_logins.fail(login, now, cfg.login_max_failures, lock_ms);
        tracing::info!(login = %login, locked = locked_now.is_some(), "login refused: unknown account");
        return match locked_now {
            Some(until) => Ok(locked(until, now)),
            None => Err(ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials)),
        };
    };
    let now = state.store.now();
    if record.locked_until > now {
        return Ok(locked(record.locked_until, now));
    }
    if !verify_password(&req.password, record.password_hash.as_deref()).await {
        let locked_now = state.store.record_login_failure(record.member.id, cfg.login_max_failures, lock_ms).await?;
        tracing::info!(login = %record.member.login, locked = locked_now, "login refused: wrong password");
        return if locked_now {
            Ok(locked(now + lock_ms, now))
        } else {
            Err(ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials))
        };
    }
    if record.member.status == store::MemberStatus::Disabled {
        return Err(ApiError::new(StatusCode::FORBIDDEN, ErrorCode::AccountDisabled));
    }
    state.store.record_login_success(record.member.id).await?;
    let token = random_token();
    let csrf = random_token();
    let ttl = cfg.session_ttl.as_millis() as i64;
    state.store.create_session(&token_hash(&token), record.member.id, &csrf, ttl).await?;
    let me = me_of(&state, &record.member).await?;
    let secure = if cfg.secure_cookies { "; Secure" } else { "" };
    let max_age = cfg.session_ttl.as_secs();
    let mut resp = Json(LoginResponse { token: token.clone(), csrf_token: csrf.clone(), me }).into_response();
    let h = resp.headers_mut();
    for c in [
        format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"),
        format!("{CSRF_COOKIE}={csrf}; Path=/; SameSite=Strict; Max-Age={max_age}{secure}"),
    ] {
        h.append(header::SET_COOKIE, HeaderValue::from_str(&c).map_err(ApiError::internal)?);
    }
    metrics::counter!("campuslink_logins_total").increment(1);
    Ok(resp)
}

/// `POST /api/v1/auth/logout`
#[utoipa::path(
    post,
    path = "/auth/logout",
    tag = "accounts",
    operation_id = "logout",
    summary = "Sign out (ends this session)",
    responses(
        (status = 204, description = "Signed out"),
    ),
)]
pub async fn logout(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    state.store.delete_session(&caller.token_hash).await?;
    state.hub.end_session(&caller.token_hash);
    let mut resp = StatusCode::NO_CONTENT.into_response();
    for name in [SESSION_COOKIE, CSRF_COOKIE] {
        let c = format!("{name}=; Path=/; Max-Age=0; SameSite=Strict");
        resp.headers_mut().append(header::SET_COOKIE, HeaderValue::from_str(&c).map_err(ApiError::internal)?);
    }
    Ok(resp)
}

/// `GET /api/v1/me`
#[utoipa::path(
    get,
    path = "/me",
    tag = "accounts",
    operation_id = "me",
    summary = "Who is signed in",
    responses(
        (status = 200, description = "The caller", body = Me),
    ),
)]
pub async fn me(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Me>> {
    Ok(Json(me_of(&state, &caller.member).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ChangePassword {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
}

/// `POST /api/v1/me/password` — ends every other session of the member: this one goes on.
#[utoipa::path(
    post,
    path = "/me/password",
    tag = "accounts",
    operation_id = "change_password",
    summary = "Change own password (ends every other session)",
    request_body = ChangePassword,
    responses(
        (status = 204, description = "Changed"),
    ),
)]
pub async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<ChangePassword>,
) -> ApiResult<StatusCode> {
    let mut errors = domain::error::Errors::default();
    if req.current_password.is_empty() {
        errors.0.push(domain::FieldError::new("current_password", Invalid::Required));
    }
    let new = errors.take("new_password", Password::parse(&req.new_password));
    let Some(new) = new.filter(|_| errors.is_empty()) else { return Err(ApiError::invalid(errors.0)) };
    let record = state.store.login_record(&caller.member.login).await?.ok_or_else(ApiError::unauthenticated)?;
    if !verify_password(&req.current_password, record.password_hash.as_deref()).await {
        let mut e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::WrongPassword);
        e.fields.push(domain::FieldError::new("current_password", Invalid::Incorrect));
        return Err(e);
    }
    if new.expose() == req.current_password {
        return Err(ApiError::field("new_password", Invalid::Unchanged));
    }
    let hash = hash_password(&new).await?;
    state.store.set_password(caller.member.id, &hash, Some(&caller.token_hash)).await?;
    state.hub.end_member(caller.member.id, Some(&caller.token_hash));
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        let a = random_token();
        let b = random_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn limiter_counts_per_address() {
        let l = LoginLimiter::new(2);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(l.allow(a) && l.allow(a));
        assert!(!l.allow(a));
        assert!(l.allow(b));
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; campuslink_session=tok; b=2"));
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("tok"));
        assert_eq!(cookie(&h, "c"), None);
    }

    #[tokio::test]
    async fn passwords_verify_against_argon2id() {
        let p = Password::parse("campuslink").unwrap();
        let h = hash_password(&p).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("campuslink", Some(&h)).await);
        assert!(!verify_password("wrong-one", Some(&h)).await);
        assert!(!verify_password("campuslink", None).await);
    }
}
