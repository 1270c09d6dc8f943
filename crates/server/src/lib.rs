//! campuslink's HTTP server: the REST API under `/api/v1`, the web consoles, and the
//! services behind them. `serve` takes a bound listener and a shutdown future, so tests
//! bind `127.0.0.1:0` and never wait on a fixed port.

pub mod assets;
pub mod auth;
pub mod blobs;
pub mod blobs_s3;
pub mod calls;
pub mod chat;
pub mod directory;
pub mod error;
pub mod extract;
pub mod files;
pub mod i18n;
pub mod interconnect;
pub mod letters;
pub mod live;
pub mod mail;
pub mod notify;
pub mod openapi;
pub mod push;
pub mod qr;
pub mod redirect;
pub mod registry;
pub mod tls;
pub mod wire;

/// The media server, for the program to configure.
pub use sfu;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::{Listener, ListenerExt, TapIo};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::Store;
use tokio::net::TcpListener;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Settings the server itself needs (the binary maps its config file onto these).
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub session_ttl: Duration,
    /// `Secure` on cookies: on whenever campuslink is served over HTTPS.
    pub secure_cookies: bool,
    /// Failed logins in a row before an account is locked for `lockout`.
    pub login_max_failures: i64,
    pub lockout: Duration,
    /// Login attempts per client address per minute.
    pub login_per_minute: u32,
    /// Behind a reverse proxy: take the client address from `X-Forwarded-For`.
    pub trust_forwarded_for: bool,
    pub max_upload_bytes: usize,
    /// The address users reach campuslink at, for links in QR codes and e-mails;
    /// `None`: the address the browser used.
    pub public_url: Option<String>,
    /// Where filings are e-mailed (F1).
    pub bureau_email: String,
    /// Invitations only between campuses covered by a confirmed filing (F4).
    pub require_filing: bool,
    pub invitation_ttl: Duration,
    /// How long a removal's identity confirmation QR code stays valid (D2).
    pub confirmation_ttl: Duration,
    /// How long a mail claimed by a worker stays its own; should the worker die
    /// mid-send, another sends it after this (longer than an SMTP send may take).
    pub mail_lease: Duration,
    /// Most members of a group chat.
    pub max_group_members: usize,
    /// How long after sending its sender may recall (撤回) a message.
    pub recall_window: Duration,
    /// How long events stay in the log; a client offline for longer resyncs.
    pub event_retention: Duration,
    /// Frames waiting for one WebSocket before it counts as fallen behind.
    pub ws_queue: usize,
    /// Largest attachment (a file, a picture); voice messages have their own limit.
    pub max_attachment_bytes: u64,
    /// Where attachments are kept; `None`: a new folder under the system's temporary
    /// directory (for tests and benchmarks; the program always names one).
    pub attachments_dir: Option<std::path::PathBuf>,
    /// How long an upload may wait to be sent before its bytes are deleted.
    pub unsent_attachment_ttl: Duration,
    /// Keep attachments in S3-compatible storage instead of `attachments_dir` (which
    /// then only receives uploads on their way).
    pub attachments_s3: Option<blobs_s3::S3Settings>,
    /// The contact push services may reach the operator at (`mailto:` or `https:`),
    /// sent with every notification (RFC 8292).
    pub push_contact: String,
    /// Accept push subscriptions at `http://127.0.0.1…` (tests' own push service).
    pub push_allow_loopback_http: bool,
    /// Index messages for history search on this node (`chat::search::follow`). Off,
    /// search finds only what another node (on the same PostgreSQL database) indexed.
    pub search_indexer: bool,
    /// E-mail members who asked for it a digest of messages unread for this long
    /// (`notify::digest`); `None`: no digests (the default).
    pub digest_after: Option<Duration>,
    /// Calls and meetings (the media server, ring timeout, ICE servers).
    pub calls: calls::CallSettings,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            session_ttl: Duration::from_secs(7 * 24 * 3600),
            secure_cookies: false,
            login_max_failures: 5,
            lockout: Duration::from_secs(15 * 60),
            login_per_minute: 30,
            trust_forwarded_for: false,
            max_upload_bytes: 10 * 1024 * 1024,
            public_url: None,
            bureau_email: "bureau@campuslink.invalid".into(),
            require_filing: true,
            invitation_ttl: Duration::from_secs(24 * 3600),
            confirmation_ttl: Duration::from_secs(120),
            mail_lease: Duration::from_secs(60),
            max_group_members: 2000,
            recall_window: Duration::from_secs(24 * 3600),
            event_retention: Duration::from_secs(30 * 24 * 3600),
            ws_queue: 1024,
            max_attachment_bytes: 100 * 1024 * 1024,
            attachments_dir: None,
            unsent_attachment_ttl: Duration::from_secs(24 * 3600),
            attachments_s3: None,
            push_contact: "mailto:no-reply@campuslink.invalid".into(),
            push_allow_loopback_http: false,
            search_indexer: true,
            digest_after: None,
            calls: calls::CallSettings::default(),
        }
    }
}

impl ServerConfig {
    /// The address people open links at: `public_url`, or the one the browser used.
    pub fn base_url(&self, headers: &axum::http::HeaderMap) -> String {
        if let Some(u) = &self.public_url {
            return u.trim_end_matches('/').to_owned();
        }
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
        let proto = headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()).unwrap_or("http");
        format!("{proto}://{host}")
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<ServerConfig>,
    pub limiter: Arc<auth::LoginLimiter>,
    /// Failed sign-ins under logins no account has, locked as an account's would be.
    pub unknown_logins: Arc<auth::UnknownLogins>,
    pub mailer: Arc<mail::Mailer>,
    /// Hands committed events to open connections.
    pub hub: Arc<live::Hub>,
    /// Sends and reads, committed in groups.
    pub writer: store::Writer,
    /// The mail outbox worker, once `serve` has started it: `/readyz` asks whether it
    /// still runs.
    pub outbox: Arc<std::sync::Mutex<Option<tokio::task::AbortHandle>>>,
    /// Attachment bytes.
    pub blobs: Arc<blobs::Blobs>,
    /// Notifications to devices with the app closed.
    pub push: Arc<push::Push>,
    /// The search indexer's cursor as this node last moved or read it: every message at
    /// or below it is searchable (`chat::search`).
    pub indexed: Arc<tokio::sync::watch::Sender<i64>>,
    /// Calls and meetings going on on this node, and its media server.
    pub calls: Arc<calls::Calls>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("cannot open the attachments folder {0}: {1}")]
    Attachments(std::path::PathBuf, std::io::Error),
    #[error("cannot start the media server: {0}")]
    MediaServer(std::io::Error),
}

impl AppState {
    /// Starts the hub and the writer over `store`.
    pub async fn new(store: Store, config: ServerConfig, mailer: Arc<mail::Mailer>) -> Result<Self, StartError> {
        let dir = config
            .attachments_dir
            .clone()
            .unwrap_or_else(|| std::env::temp_dir().join(format!("campuslink-attachments-{}", uuid::Uuid::now_v7())));
        let blobs = match &config.attachments_s3 {
            None => blobs::Blobs::local(&dir),
            Some(s3) => blobs::Blobs::s3(&dir, s3),
        };
        let blobs = Arc::new(blobs.map_err(|e| StartError::Attachments(dir, e))?);
        let limiter = Arc::new(auth::LoginLimiter::new(config.login_per_minute));
        let hub = live::Hub::start(store.clone(), store.last_position().await?, config.ws_queue);
        let to_hub = hub.clone();
        let writer = store::Writer::start(store.clone(), move |committed| to_hub.publish(committed));
        let push = push::Push::start(&store, hub.clone(), config.push_contact.clone(), config.push_allow_loopback_http)
            .await?;
        let to_push = push.clone();
        hub.on_message(Box::new(move |m| to_push.message(m)));
        let indexed = Arc::new(tokio::sync::watch::channel(store.search_cursor().await?).0);
        let calls = Arc::new(calls::Calls::start(&config.calls).map_err(StartError::MediaServer)?);
        Ok(Self {
            store,
            config: Arc::new(config),
            limiter,
            unknown_logins: Arc::new(auth::UnknownLogins::default()),
            mailer,
            hub,
            writer,
            outbox: Arc::default(),
            blobs,
            push,
            indexed,
            calls,
        })
    }
}

/// The API routes under `/api/v1`. Each handler is registered through `routes!`,
/// which takes its method and path from the handler's `#[utoipa::path]`: the router and
/// the OpenAPI document (`openapi`) come from the same attributes. Handlers sharing a
/// path go in one `routes!`. Add routes only this way: `OpenApiRouter::route` would
/// route without documenting (`openapi::tests::every_route_is_documented` refuses it).
pub(crate) fn api() -> OpenApiRouter<AppState> {
    use chat::http as c;
    use directory::http as d;
    use interconnect::http as i;
    use registry::http as r;
    OpenApiRouter::new()
        .routes(routes!(live::gateway::upgrade))
        .routes(routes!(c::events))
        .routes(routes!(c::list))
        .routes(routes!(c::open_direct))
        .routes(routes!(c::create_group))
        .routes(routes!(c::detail, c::rename, c::dissolve))
        .routes(routes!(c::add_members))
        .routes(routes!(c::remove_member))
        .routes(routes!(c::transfer))
        .routes(routes!(c::history, c::send))
        .routes(routes!(c::recall))
        .routes(routes!(c::readers))
        .routes(routes!(c::mark_read))
        .routes(routes!(c::search_messages))
        .routes(routes!(c::upload_attachment))
        .routes(routes!(c::get_attachment))
        .routes(routes!(c::get_attachment_thumbnail))
        .routes(routes!(c::add_reaction, c::remove_reaction))
        .routes(routes!(c::conversation_settings))
        .routes(routes!(c::set_announcement))
        .routes(routes!(c::see_announcement))
        .routes(routes!(c::forward))
        .routes(routes!(calls::http::start))
        .routes(routes!(calls::http::list))
        .routes(routes!(calls::http::ice_servers))
        .routes(routes!(calls::http::join))
        .routes(routes!(calls::http::renegotiate))
        .routes(routes!(calls::http::decline))
        .routes(routes!(calls::http::leave))
        .routes(routes!(calls::http::set_state))
        .routes(routes!(calls::http::host_action))
        .routes(routes!(push::http::push_key))
        .routes(routes!(push::http::subscribe))
        .routes(routes!(push::http::unsubscribe))
        .routes(routes!(notify::http::get_settings, notify::http::update_settings))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(auth::change_password))
        .routes(routes!(r::list_schools, r::create_school))
        .routes(routes!(r::update_school))
        .routes(routes!(r::create_campus))
        .routes(routes!(r::update_campus))
        .routes(routes!(r::list_admins, r::create_admin))
        .routes(routes!(r::import_registry))
        .routes(routes!(r::registry_template))
        .routes(routes!(d::list_departments, d::create_department))
        .routes(routes!(d::rename_department, d::delete_department))
        .routes(routes!(d::move_department))
        .routes(routes!(d::list_members, d::create_member))
        .routes(routes!(d::import_members))
        .routes(routes!(d::export_members))
        .routes(routes!(d::member_template))
        .routes(routes!(d::get_member, d::update_member))
        .routes(routes!(d::disable_member))
        .routes(routes!(d::enable_member))
        .routes(routes!(d::reset_password))
        .routes(routes!(i::my_school_campuses))
        .routes(routes!(i::list_filings, i::create_filing))
        .routes(routes!(i::confirm_filing))
        .routes(routes!(i::reject_filing))
        .routes(routes!(i::list_interconnections, i::create_interconnection))
        .routes(routes!(i::list_invitations, i::create_invitation))
        .routes(routes!(i::revoke_invitation))
        .routes(routes!(i::preview_invitation))
        .routes(routes!(i::accept_invitation))
        .routes(routes!(i::get_exposure, i::put_exposure))
        .routes(routes!(i::publish))
        .routes(routes!(i::start_removal))
        .routes(routes!(i::remove_campus))
        .routes(routes!(i::preview_confirmation))
        .routes(routes!(i::approve_confirmation))
        .routes(routes!(i::get_confirmation))
        .routes(routes!(i::confirm_with_password))
        .routes(routes!(i::connected_campuses))
        .routes(routes!(i::audit))
}

/// What `/api/v1` answers for a path it does not route, or a method a path lacks.
fn api_fallbacks(router: Router<AppState>) -> Router<AppState> {
    router.fallback(|| async { error::ApiError::not_found() }).method_not_allowed_fallback(|| async {
        error::ApiError::new(StatusCode::METHOD_NOT_ALLOWED, domain::ErrorCode::MethodNotAllowed)
    })
}

/// The whole application: API, OpenAPI document, health check, web consoles.
pub fn app(state: AppState) -> Router {
    let upload_limit = state.config.max_upload_bytes;
    let (api, doc) = openapi::parts();
    let doc = Arc::new(doc);
    // A request for a call another node hosts goes there (`calls::http::pass_on`).
    let api = api.layer(middleware::from_fn_with_state(state.clone(), calls::http::pass_on));
    Router::new()
        .nest("/api/v1", api_fallbacks(api))
        .route("/api/openapi.json", get(move || async move { axum::Json(doc.as_ref().clone()) }))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .fallback(assets::serve)
        .layer(DefaultBodyLimit::max(upload_limit))
        .layer(middleware::from_fn(refuse_long_uris))
        .layer(middleware::from_fn(error::localize))
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn(record_metrics))
        .with_state(state)
}

/// `GET /healthz`
async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => "ok".into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

/// `GET /readyz`: 200 when this node can take traffic — the database answers, its
/// schema is the one this build knows, and the hub, the writer and the mail outbox
/// worker run; otherwise 503. Either way the body names each check and what it found,
/// so a load balancer's log says which one failed.
async fn readyz(State(state): State<AppState>) -> Response {
    let mut checks = serde_json::Map::new();
    let mut failed = Vec::new();
    let mut check = |name: &'static str, result: Result<(), String>| {
        let value = match result {
            Ok(()) => "ok".to_owned(),
            Err(why) => {
                failed.push(name);
                why
            }
        };
        checks.insert(name.to_owned(), value.into());
    };
    let db = state.store.schema_version().await;
    check("database", db.as_ref().map(|_| ()).map_err(|_| "unreachable".to_owned()));
    check(
        "migrations",
        match db {
            Ok(v) if v == store::SCHEMA_VERSION => Ok(()),
            Ok(v) => Err(format!("schema version {v}, this build needs {}", store::SCHEMA_VERSION)),
            Err(_) => Err("unknown".to_owned()),
        },
    );
    check("hub", if state.hub.is_running() { Ok(()) } else { Err("stopped".to_owned()) });
    check("writer", if state.writer.is_running() { Ok(()) } else { Err("stopped".to_owned()) });
    let outbox = state.outbox.lock().ok().and_then(|h| h.as_ref().map(|h| h.is_finished()));
    check(
        "mail_outbox",
        match outbox {
            Some(false) => Ok(()),
            Some(true) => Err("stopped".to_owned()),
            None => Err("not started".to_owned()),
        },
    );
    if failed.is_empty() {
        axum::Json(serde_json::json!({ "status": "ready", "checks": checks })).into_response()
    } else {
        tracing::warn!(?failed, "readiness check failed");
        let body = serde_json::json!({ "status": "not_ready", "failed": failed, "checks": checks });
        (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response()
    }
}

/// Longest request target (path and query) answered; longer is a problem+json 414.
pub const MAX_URI: usize = 8 * 1024;

async fn refuse_long_uris(req: Request, next: Next) -> Response {
    if req.uri().to_string().len() > MAX_URI {
        return error::ApiError::new(StatusCode::URI_TOO_LONG, domain::ErrorCode::UriTooLong).into_response();
    }
    next.run(req).await
}

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; manifest-src 'self'; worker-src 'self'; \
frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    // A response with its own policy keeps it (attachments are served sandboxed).
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert("permissions-policy", HeaderValue::from_static("camera=(self), microphone=(self), geolocation=()"));
    resp
}

async fn record_metrics(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let path =
        req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| {
            if req.uri().path().starts_with("/api/") { "/api/other".into() } else { "/static".into() }
        });
    let method = req.method().to_string();
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    metrics::counter!("campuslink_http_requests_total", "method" => method.clone(), "path" => path.clone(), "status" => status).increment(1);
    metrics::histogram!("campuslink_http_request_seconds", "method" => method, "path" => path)
        .record(start.elapsed().as_secs_f64());
    resp
}

/// Serves `app` on `listener` until `shutdown` completes, then finishes open requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Small frames (an event, then its sender's ack) must not wait for the peer's
    // delayed ACK (Nagle's algorithm: ~40 ms on Linux).
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let app = app(state.clone());
    run(listener, state, app, shutdown).await
}

/// `serve` over HTTPS: the certificate comes from `tls` at each handshake (so a renewed
/// one is used without a restart), and every response carries `Strict-Transport-Security`.
pub async fn serve_tls(
    listener: TcpListener,
    state: AppState,
    tls: &tls::Tls,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let config = tls.server_config().map_err(std::io::Error::other)?;
    // The accept loop sets TCP_NODELAY before the handshake; `tap_io` is here so that
    // handlers get each connection's address (`ConnectInfo`) as over plain HTTP.
    let listener = tls::TlsListener::new(listener, config)?.tap_io(|_| {});
    let mut app = app(state.clone());
    if !tls.hsts.is_zero() {
        let hsts = HeaderValue::from_str(&format!("max-age={}", tls.hsts.as_secs())).map_err(std::io::Error::other)?;
        app = app
            .layer(tower_http::set_header::SetResponseHeaderLayer::overriding(header::STRICT_TRANSPORT_SECURITY, hsts));
    }
    run(listener, state, app, shutdown).await
}

/// Runs the node's workers (mail outbox, attachment sweeper, search indexer, calls, e-mail
/// digests) while
/// `app` is served on `listener`.
async fn run<L, F>(
    listener: TapIo<L, F>,
    state: AppState,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: Listener<Addr = SocketAddr>,
    F: FnMut(&mut L::Io) + Send + 'static,
{
    let outbox =
        AbortOnDrop(tokio::spawn(mail::run_outbox(state.store.clone(), state.mailer.clone(), state.config.mail_lease)));
    if let Ok(mut h) = state.outbox.lock() {
        *h = Some(outbox.0.abort_handle());
    }
    let sweeper = AbortOnDrop(tokio::spawn(sweep_attachments(state.clone())));
    let indexer = state.config.search_indexer.then(|| AbortOnDrop(tokio::spawn(chat::search::follow(state.clone()))));
    let calls = AbortOnDrop(tokio::spawn(calls::follow(state.clone())));
    let digests = AbortOnDrop(tokio::spawn(notify::digest::follow(state.clone())));
    let served = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await;
    drop(outbox);
    drop(sweeper);
    drop(indexer);
    drop(calls);
    drop(digests);
    served
}

/// Deletes, every hour, the bytes of recalled attachments and of uploads never sent.
async fn sweep_attachments(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match chat::attachments::purge(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "deleted attachments recalled or never sent"),
            Err(e) => tracing::warn!(error = %e.code.as_str(), "attachment sweep failed"),
        }
    }
}

/// Stops a worker with what started it (the outbox worker with the server: unsent
/// mail stays in the outbox for the next start).
pub(crate) struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Serves Prometheus metrics on their own address (kept off the public one).
pub async fn serve_metrics(
    listener: TcpListener,
    handle: metrics_exporter_prometheus::PrometheusHandle,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = Router::new().route("/metrics", get(move || std::future::ready(handle.render())));
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
