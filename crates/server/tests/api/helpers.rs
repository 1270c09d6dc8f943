//! `TestApp`: a real campuslink server on a free port over a fresh database, seeded
//! with two campuses of one school (A, B), a campus of another school (X), and a
//! bureau officer; typed helpers to sign in and call the API.

use domain::member_row::{MemberFields, RawMemberFields};
use domain::values::{Code, Password};
use domain::{CampusId, Role};
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::{AppState, ServerConfig};
use std::sync::{Arc, Mutex};
use store::testing::TestDb;
use store::{Clock, Dialect, MemberWrite, Names, Store};
use tokio::sync::OnceCell;

pub const PASSWORD: &str = "correct horse";

/// One e-mail received by the test SMTP server.
#[derive(Clone, Debug)]
pub struct Received {
    pub to: Vec<String>,
    pub data: String,
}

#[derive(Clone)]
struct SinkHandler {
    inbox: Arc<Mutex<Vec<Received>>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl mailin_embedded::Handler for SinkHandler {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> mailin_embedded::Response {
        self.to = to.to_vec();
        self.data.clear();
        mailin_embedded::response::OK
    }
    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }
    fn data_end(&mut self) -> mailin_embedded::Response {
        let data = decode_mail(&String::from_utf8_lossy(&self.data));
        self.inbox.lock().unwrap().push(Received { to: std::mem::take(&mut self.to), data });
        mailin_embedded::response::OK
    }
}

/// Undoes the transfer encodings lettre may use for non-ASCII text (quoted-printable
/// or base64 bodies, encoded-word subjects), so tests can search the text as written.
fn decode_mail(raw: &str) -> String {
    use base64::Engine;
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    let mut out = String::new();
    for line in head.split("\r\n") {
        let decoded: Vec<String> = line
            .split(' ')
            .map(|w| {
                match w
                    .strip_prefix("=?utf-8?b?")
                    .or_else(|| w.strip_prefix("=?UTF-8?B?"))
                    .and_then(|w| w.strip_suffix("?="))
                {
                    Some(b) => String::from_utf8_lossy(
                        &base64::engine::general_purpose::STANDARD.decode(b).unwrap_or_default(),
                    )
                    .into_owned(),
                    None => w.to_owned(),
                }
            })
            .collect();
        out.push_str(&decoded.join(" "));
        out.push('\n');
    }
    let lower = head.to_ascii_lowercase();
    let body = if lower.contains("content-transfer-encoding: base64") {
        let compact: String = body.split_whitespace().collect();
        String::from_utf8_lossy(&base64::engine::general_purpose::STANDARD.decode(compact).unwrap_or_default())
            .into_owned()
    } else if lower.contains("content-transfer-encoding: quoted-printable") {
        let joined = body.replace("=\r\n", "");
        let bytes = joined.as_bytes();
        let mut v = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'='
                && i + 2 < bytes.len()
                && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
            {
                v.push(b);
                i += 3;
                continue;
            }
            v.push(bytes[i]);
            i += 1;
        }
        String::from_utf8_lossy(&v).into_owned()
    } else {
        body.to_owned()
    };
    out.push_str(&body);
    out
}

/// A real SMTP server on a free port, collecting what it receives.
#[derive(Clone)]
pub struct MailSink {
    inbox: Arc<Mutex<Vec<Received>>>,
    pub port: u16,
}

impl MailSink {
    pub fn start() -> MailSink {
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut server =
            mailin_embedded::Server::new(SinkHandler { inbox: inbox.clone(), to: Vec::new(), data: Vec::new() });
        server.with_name("smtp.test").with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        MailSink { inbox, port }
    }

    /// Waits (up to 15 s) until a received mail matches, and returns it.
    pub async fn wait_for(&self, what: &str, pred: impl Fn(&Received) -> bool) -> Received {
        for _ in 0..750 {
            if let Some(m) = self.inbox.lock().unwrap().iter().find(|m| pred(m)) {
                return m.clone();
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("no e-mail {what} arrived; got: {:#?}", self.inbox.lock().unwrap());
    }

    pub fn all(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().clone()
    }
}

pub struct TestApp {
    pub base: String,
    pub store: Store,
    /// The server's clock: it stands still until a test advances it.
    pub clock: Clock,
    pub mail: MailSink,
    pub campus_a: CampusId,
    pub campus_b: CampusId,
    pub campus_x: CampusId,
    /// The running server's state (its hub, to count connections).
    pub state: AppState,
    /// What the app's clients send with (over HTTPS, it trusts the test's certificate).
    pub http: reqwest::Client,
    db: Option<TestDb>,
    /// The attachments folder of a test that named none, removed by `stop`.
    attachments: Option<std::path::PathBuf>,
    certificates: Option<Arc<server::tls::Certificates>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

/// The `Strict-Transport-Security` max-age of `TestApp::spawn_tls`.
pub const HSTS: std::time::Duration = std::time::Duration::from_secs(600);

/// One argon2id hash for the seeded accounts of every test (hashing is the slow part).
async fn seed_hash() -> &'static str {
    static HASH: OnceCell<String> = OnceCell::const_new();
    HASH.get_or_init(|| async { server::auth::hash_password(&Password::parse(PASSWORD).unwrap()).await.unwrap() }).await
}

pub fn fields(login: &str, zh: &str) -> MemberFields {
    MemberFields::parse(&RawMemberFields { login, name_zh: zh, name_pt: "Nome", title: "教師", ..Default::default() })
        .unwrap()
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(ServerConfig::default()).await
    }

    pub async fn spawn_with(config: ServerConfig) -> TestApp {
        Self::spawn_on(config, None).await
    }

    /// The server over HTTPS with the certificate and key in `files` (read on the
    /// test's clock), and clients that trust what `trust` trusts.
    pub async fn spawn_tls(
        config: ServerConfig,
        files: server::tls::TlsFiles,
        trust: Arc<rustls::ClientConfig>,
    ) -> (TestApp, Arc<server::tls::Certificates>) {
        let app = Self::spawn_on(config, Some((files, trust))).await;
        let certificates = app.certificates.clone().unwrap();
        (app, certificates)
    }

    /// `CAMPUSLINK_TEST_API_DB=postgres` runs the API tests on PostgreSQL instead.
    async fn spawn_on(
        config: ServerConfig,
        tls: Option<(server::tls::TlsFiles, Arc<rustls::ClientConfig>)>,
    ) -> TestApp {
        let dialect = match std::env::var("CAMPUSLINK_TEST_API_DB").as_deref() {
            Ok("postgres") => Dialect::Postgres,
            _ => Dialect::Sqlite,
        };
        let db = TestDb::of(dialect).await;
        let clock = Clock::manual();
        let store = db.connect_with_clock(clock.clone()).await.unwrap();
        let hash = seed_hash().await;
        let names = |zh| Names { zh, pt: "", en: "" };
        let school = store.create_school(&Code::parse("S1").unwrap(), names("示範學校")).await.unwrap();
        let other = store.create_school(&Code::parse("S2").unwrap(), names("另一學校")).await.unwrap();
        let a = store.create_campus(school.id, &Code::parse("S1-A").unwrap(), names("中學部")).await.unwrap();
        let b = store.create_campus(school.id, &Code::parse("S1-B").unwrap(), names("小學部")).await.unwrap();
        let x = store.create_campus(other.id, &Code::parse("S2-X").unwrap(), names("本部")).await.unwrap();
        for (campus, letter) in [(a.id, "a"), (b.id, "b"), (x.id, "x")] {
            let dept = store.create_department(campus, None, "教務處", "").await.unwrap();
            for (login, role) in [(format!("admin.{letter}"), Role::Admin), (format!("teacher.{letter}"), Role::Member)]
            {
                let mut f = fields(&login, &format!("{letter}成員"));
                f.email = format!("{login}@{letter}.test");
                store
                    .create_member(
                        Some(campus),
                        MemberWrite { fields: &f, role, department_ids: &[dept.id] },
                        Some(hash),
                    )
                    .await
                    .unwrap();
            }
        }
        let f = fields("bureau", "教育局");
        store
            .create_member(None, MemberWrite { fields: &f, role: Role::Bureau, department_ids: &[] }, Some(hash))
            .await
            .unwrap();

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let base = format!("{scheme}://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel();
        let mail = MailSink::start();
        let smtp = server::mail::SmtpSettings {
            host: "127.0.0.1".into(),
            port: mail.port,
            security: server::mail::SmtpSecurity::None,
            username: String::new(),
            password: String::new(),
        };
        let mailer = Arc::new(server::mail::Mailer::smtp(&smtp, "campuslink <no-reply@campuslink.test>").unwrap());
        // Other nodes reach this one where it listens, as `serve` derives by default.
        let mut config = config;
        if config.calls.node_url.is_none() {
            config.calls.node_url = Some(base.clone());
        }
        let attachments = config.attachments_dir.is_none().then(|| {
            std::env::temp_dir().join(format!("campuslink-test-attachments-{}", uuid::Uuid::now_v7().simple()))
        });
        let config = ServerConfig {
            bureau_email: "bureau@dsedj.test".into(),
            attachments_dir: config.attachments_dir.clone().or_else(|| attachments.clone()),
            ..config
        };
        let state = AppState::new(store.clone(), config, mailer).await.unwrap();
        let stop = async {
            let _ = rx.await;
        };
        let (http, certificates) = match tls {
            None => {
                tokio::spawn(server::serve(listener, state.clone(), stop));
                (reqwest::Client::new(), None)
            }
            Some((files, trust)) => {
                let certificates = server::tls::Certificates::load(files, clock.clone()).unwrap();
                let tls = server::tls::Tls { certificates: certificates.clone(), hsts: HSTS };
                let served = state.clone();
                tokio::spawn(async move { server::serve_tls(listener, served, &tls, stop).await });
                let http = reqwest::Client::builder().use_preconfigured_tls((*trust).clone()).build().unwrap();
                (http, Some(certificates))
            }
        };
        TestApp {
            base,
            store,
            clock,
            mail,
            campus_a: a.id,
            campus_b: b.id,
            campus_x: x.id,
            state,
            http,
            certificates,
            attachments,
            db: Some(db),
            stop: Some(tx),
        }
    }

    /// The test database's URL, for a second node on it.
    pub fn database_url(&self) -> String {
        self.db.as_ref().map(|d| d.url.clone()).unwrap_or_default()
    }

    /// Another node on the test's database and clock: its own store (pool, caches, node
    /// id), hub, writer and, with calls on, media server, serving HTTP.
    pub async fn node(&self, config: ServerConfig) -> Node {
        let store = store::Store::connect_with_clock(&self.database_url(), self.clock.clone()).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut config = config;
        config.calls.node_url = Some(base.clone());
        let mail = std::env::temp_dir().join(format!("campuslink-node-mail-{}", uuid::Uuid::now_v7().simple()));
        let mailer = Arc::new(server::mail::Mailer::files(mail.clone(), "node <node@x.test>").unwrap());
        let state = AppState::new(store.clone(), config, mailer).await.unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(server::serve(listener, state.clone(), async {
            let _ = rx.await;
        }));
        Node { base, state, store, mail, stop: Some(tx) }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Signs in and returns a client that sends the bearer token.
    pub async fn login(&self, login: &str) -> Client {
        let (status, body) = self.try_login(login, PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "login {login}: {body}");
        Client {
            base: self.base.clone(),
            token: body["token"].as_str().unwrap().to_owned(),
            lang: None,
            http: self.http.clone(),
        }
    }

    pub async fn try_login(&self, login: &str, password: &str) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"login": login, "password": password}))
            .send()
            .await
            .unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// A client with no credentials.
    pub fn anonymous(&self) -> Client {
        Client { base: self.base.clone(), token: String::new(), lang: None, http: self.http.clone() }
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        self.store.close().await;
        if let Some(db) = self.db.take() {
            db.drop_db().await;
        }
        if let Some(dir) = self.attachments.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A second node (`TestApp::node`).
pub struct Node {
    pub base: String,
    pub state: AppState,
    pub store: store::Store,
    mail: std::path::PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Node {
    /// `c`'s session, through this node.
    pub fn client(&self, c: &Client) -> Client {
        Client { base: self.base.clone(), token: c.token.clone(), lang: c.lang, http: c.http.clone() }
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        self.store.close().await;
        let _ = std::fs::remove_dir_all(&self.mail);
    }
}

pub struct Client {
    pub base: String,
    pub token: String,
    pub lang: Option<&'static str>,
    pub http: reqwest::Client,
}

impl Client {
    pub fn with_lang(mut self, lang: &'static str) -> Self {
        self.lang = Some(lang);
        self
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self.http.request(method, format!("{}{path}", self.base));
        if !self.token.is_empty() {
            r = r.bearer_auth(&self.token);
        }
        if let Some(l) = self.lang {
            r = r.header("accept-language", l);
        }
        r
    }

    async fn send(&self, r: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let req = r.build().unwrap();
        let (method, path) = (req.method().as_str().to_ascii_lowercase(), req.url().path().to_owned());
        let resp = self.http.execute(req).await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        documented(&method, &path, status, &body);
        (status, body)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.request(reqwest::Method::GET, path)).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.request(reqwest::Method::POST, path).json(&body)).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.request(reqwest::Method::PATCH, path).json(&body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.request(reqwest::Method::PUT, path).json(&body)).await
    }
    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.request(reqwest::Method::DELETE, path)).await
    }
    /// A GET whose answer is bytes (an attachment): status, headers and body. The
    /// status must be one the document lists.
    pub async fn fetch(
        &self,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
        let mut r = self.request(reqwest::Method::GET, path);
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        let resp = r.send().await.unwrap();
        let (status, h) = (resp.status(), resp.headers().clone());
        let bytes = resp.bytes().await.unwrap().to_vec();
        let problem = if h.get("content-type").is_some_and(|c| c.as_bytes().starts_with(b"application/problem+json")) {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        } else {
            Value::Null
        };
        documented("get", path.split('?').next().unwrap_or(path), status, &problem);
        (status, h, bytes)
    }
    pub async fn upload(&self, path: &str, content_type: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        self.send(self.request(reqwest::Method::POST, path).header("content-type", content_type).body(bytes)).await
    }

    /// The first department of a campus, as this client sees it.
    pub async fn first_department(&self, campus: CampusId) -> String {
        let (s, body) = self.get(&format!("/api/v1/campuses/{campus}/departments")).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        body[0]["id"].as_str().unwrap().to_owned()
    }

    pub async fn member_total(&self, campus: CampusId) -> i64 {
        let (s, body) = self.get(&format!("/api/v1/campuses/{campus}/members?include_disabled=true")).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        body["total"].as_i64().unwrap()
    }
}

/// A real WebSocket client of `/api/v1/ws`.
pub struct Ws {
    stream: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
}

pub type WsMessage = tokio_tungstenite::tungstenite::Message;

impl Client {
    /// Opens the live connection with this client's bearer token.
    pub async fn ws(&self) -> Ws {
        self.try_ws(&[]).await.expect("WebSocket upgrade")
    }

    /// Opens it with extra headers; the HTTP status on a refused upgrade.
    pub async fn try_ws(&self, headers: &[(&str, &str)]) -> Result<Ws, u16> {
        self.try_ws_with(headers, None).await
    }

    /// The live connection over TLS (`wss:`), trusting what `tls` trusts.
    pub async fn wss(&self, tls: Arc<rustls::ClientConfig>) -> Ws {
        self.try_ws_with(&[], Some(tokio_tungstenite::Connector::Rustls(tls))).await.expect("WebSocket upgrade")
    }

    async fn try_ws_with(
        &self,
        headers: &[(&str, &str)],
        tls: Option<tokio_tungstenite::Connector>,
    ) -> Result<Ws, u16> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let url = format!("{}/api/v1/ws", self.base.replacen("http", "ws", 1));
        let mut req = url.into_client_request().unwrap();
        if !self.token.is_empty() {
            req.headers_mut().insert("authorization", format!("Bearer {}", self.token).parse().unwrap());
        }
        for (k, v) in headers {
            let name = tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(k.as_bytes()).unwrap();
            req.headers_mut().insert(name, v.parse().unwrap());
        }
        match tokio_tungstenite::connect_async_tls_with_config(req, None, false, tls).await {
            Ok((stream, _)) => Ok(Ws { stream }),
            Err(tokio_tungstenite::tungstenite::Error::Http(r)) => Err(r.status().as_u16()),
            Err(e) => panic!("WebSocket: {e}"),
        }
    }
}

impl Client {
    /// The live connection over a socket whose receive buffer is a few KiB, so that a
    /// reader that stops reading fills up quickly.
    pub async fn ws_with_small_buffer(&self) -> Ws {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let addr: std::net::SocketAddr = self.base.trim_start_matches("http://").parse().unwrap();
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let tcp = socket.connect(addr).await.unwrap();
        let mut req = format!("ws://{addr}/api/v1/ws").into_client_request().unwrap();
        req.headers_mut().insert("authorization", format!("Bearer {}", self.token).parse().unwrap());
        let (stream, _) =
            tokio_tungstenite::client_async(req, tokio_tungstenite::MaybeTlsStream::Plain(tcp)).await.unwrap();
        Ws { stream }
    }
}

impl Ws {
    pub async fn send(&mut self, v: Value) {
        use futures_util::SinkExt;
        self.stream.send(WsMessage::Text(v.to_string().into())).await.unwrap();
    }

    pub async fn send_raw(&mut self, m: WsMessage) {
        use futures_util::SinkExt;
        self.stream.send(m).await.unwrap();
    }

    /// The next message of any kind; panics after 20 s (a guard, not a wait).
    /// The close code the server ends the socket with, past any events still on the way.
    pub async fn close_code(&mut self) -> Option<u16> {
        loop {
            match self.next_message().await? {
                WsMessage::Close(f) => return f.map(|f| u16::from(f.code)),
                WsMessage::Text(_) => continue,
                other => panic!("before the close: {other:?}"),
            }
        }
    }

    pub async fn next_message(&mut self) -> Option<WsMessage> {
        use futures_util::StreamExt;
        loop {
            let m = tokio::time::timeout(std::time::Duration::from_secs(20), self.stream.next())
                .await
                .expect("a WebSocket frame within 20 s");
            match m {
                Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => continue,
                Some(Ok(m)) => return Some(m),
                _ => return None,
            }
        }
    }

    /// The next JSON frame.
    pub async fn next(&mut self) -> Value {
        match self.next_message().await {
            Some(WsMessage::Text(t)) => serde_json::from_str(&t).unwrap(),
            other => panic!("expected a JSON frame, got {other:?}"),
        }
    }

    /// Says hello and returns the position of `ready`, with the events before it.
    pub async fn hello(&mut self, after: Option<i64>) -> (Vec<Value>, i64) {
        self.send(json!({"type": "hello", "after": after})).await;
        let mut events = Vec::new();
        loop {
            let f = self.next().await;
            match f["type"].as_str() {
                Some("ready") => return (events, f["position"].as_i64().unwrap()),
                Some("event") => events.push(f),
                _ => panic!("before ready: {f}"),
            }
        }
    }

    /// The next frame of `kind` ("event" frames match on their event kind).
    pub async fn next_of(&mut self, kind: &str) -> Value {
        loop {
            let f = self.next().await;
            if f["type"] == kind || (f["type"] == "event" && f["kind"] == kind) {
                return f;
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}

/// Checks an answer against the OpenAPI document: a success status is one the
/// operation documents, and a problem's code is one of its `x-problem-codes`. Every
/// request the API tests make through `Client` goes through here, so the document's
/// statuses and codes are as accurate as the tests are thorough.
pub fn documented(method: &str, path: &str, status: StatusCode, body: &Value) {
    static SPEC: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    let spec = SPEC.get_or_init(server::openapi::spec);
    static OPS: std::sync::OnceLock<Vec<(String, Vec<String>, Value)>> = std::sync::OnceLock::new();
    let ops = OPS.get_or_init(|| {
        let mut out = Vec::new();
        for (p, item) in spec["paths"].as_object().unwrap() {
            for (m, op) in item.as_object().unwrap() {
                out.push((m.clone(), p.split('/').map(str::to_owned).collect(), op.clone()));
            }
        }
        out
    });
    let segs: Vec<&str> = path.split('/').collect();
    // The template that matches with the most literal segments (`/members/import`
    // before `/members/{member_id}`).
    let Some((_, _, op)) = ops
        .iter()
        .filter(|(m, t, _)| {
            m == method && t.len() == segs.len() && t.iter().zip(&segs).all(|(t, s)| t.starts_with('{') || t == s)
        })
        .max_by_key(|(_, t, _)| t.iter().filter(|t| !t.starts_with('{')).count())
    else {
        return;
    };
    let id = op["operationId"].as_str().unwrap_or("?");
    if status.is_success() || status == StatusCode::SWITCHING_PROTOCOLS {
        assert!(
            op["responses"][status.as_str()].is_object(),
            "{method} {path} ({id}) answered {status}, which the document does not list"
        );
        let schema = &op["responses"][status.as_str()]["content"]["application/json"]["schema"];
        if schema.is_object()
            && !body.is_null()
            && let Err(e) = conforms(spec, schema, body, "body")
        {
            panic!("{method} {path} ({id}) answered {status} with a body unlike its schema: {e}\n{body}");
        }
    } else if let Some(code) = body["code"].as_str() {
        let codes = op["x-problem-codes"].as_array().unwrap();
        assert!(
            codes.iter().any(|c| c == code),
            "{method} {path} ({id}) answered {status} {code}, which is not in its x-problem-codes {codes:?}"
        );
    }
}

/// Whether `value` has the shape `schema` documents: types, required keys, the
/// properties and items within, following `$ref`s, `allOf` and `oneOf`/`anyOf` — what
/// the web app's generated types rely on. Formats and patterns are not checked.
fn conforms(spec: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap_or(r);
        return conforms(spec, &spec["components"]["schemas"][name], value, at);
    }
    if let Some(all) = schema["allOf"].as_array() {
        for s in all {
            conforms(spec, s, value, at)?;
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(any) = schema[key].as_array()
            && !any.iter().any(|s| conforms(spec, s, value, at).is_ok())
        {
            return Err(format!("{at}: {value} matches none of its {key}"));
        }
    }
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let allowed: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !allowed.is_empty() && !allowed.iter().any(|t| *t == kind || (*t == "number" && kind == "integer")) {
        return Err(format!("{at}: a {kind}, documented as {allowed:?}"));
    }
    if let Some(options) = schema["enum"].as_array()
        && !options.contains(value)
    {
        return Err(format!("{at}: {value} is not one of {options:?}"));
    }
    if let Value::Object(fields) = value {
        for key in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if !fields.contains_key(key) {
                return Err(format!("{at}: required key {key:?} is missing"));
            }
        }
        if let Some(props) = schema["properties"].as_object() {
            for (key, v) in fields {
                if let Some(s) = props.get(key) {
                    conforms(spec, s, v, &format!("{at}.{key}"))?;
                }
            }
        }
    }
    if let (Value::Array(items), Some(s)) = (value, schema.get("items")) {
        for (i, v) in items.iter().enumerate() {
            conforms(spec, s, v, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

#[test]
fn the_body_check_can_fail() {
    let spec = json!({"components": {"schemas": {"Ref": {"type": "object", "required": ["id"],
        "properties": {"id": {"type": "string"}, "n": {"type": ["integer", "null"]}}}}}});
    let list = json!({"type": "array", "items": {"$ref": "#/components/schemas/Ref"}});
    assert!(conforms(&spec, &list, &json!([{"id": "a", "n": null}, {"id": "b", "n": 2}]), "body").is_ok());
    assert!(conforms(&spec, &list, &json!([{"n": 1}]), "body").unwrap_err().contains("\"id\""));
    assert!(conforms(&spec, &list, &json!([{"id": 1}]), "body").unwrap_err().contains("body[0].id"));
    assert!(conforms(&spec, &list, &json!([{"id": "a", "n": "x"}]), "body").is_err());
    assert!(conforms(&spec, &list, &json!({"id": "a"}), "body").is_err());
}
