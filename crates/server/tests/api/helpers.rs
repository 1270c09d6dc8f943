//! `TestApp`: a real campuslink server on a free port over a fresh database, seeded
//! with two campuses of one school (A, B), a campus of another school (X), and a
//! bureau officer; typed helpers to sign in and call the API.

use domain::member_row::{MemberFields, RawMemberFields};
use domain::values::{Code, Password};
use domain::{CampusId, Role};
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::{AppState, ServerConfig};
use store::testing::TestDb;
use store::{Dialect, MemberWrite, Names, Store};
use tokio::sync::OnceCell;

pub const PASSWORD: &str = "correct horse";

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub campus_a: CampusId,
    pub campus_b: CampusId,
    db: Option<TestDb>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

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

    /// `CAMPUSLINK_TEST_API_DB=postgres` runs the API tests on PostgreSQL instead.
    pub async fn spawn_with(config: ServerConfig) -> TestApp {
        let dialect = match std::env::var("CAMPUSLINK_TEST_API_DB").as_deref() {
            Ok("postgres") => Dialect::Postgres,
            _ => Dialect::Sqlite,
        };
        let db = TestDb::of(dialect).await;
        let store = db.connect().await.unwrap();
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
                let f = fields(&login, &format!("{letter}成員"));
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
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel();
        let state = AppState::new(store.clone(), config);
        tokio::spawn(server::serve(listener, state, async {
            let _ = rx.await;
        }));
        TestApp { base, store, campus_a: a.id, campus_b: b.id, db: Some(db), stop: Some(tx) }
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
            http: reqwest::Client::new(),
        }
    }

    pub async fn try_login(&self, login: &str, password: &str) -> (StatusCode, Value) {
        let resp = reqwest::Client::new()
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
        Client { base: self.base.clone(), token: String::new(), lang: None, http: reqwest::Client::new() }
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        self.store.close().await;
        if let Some(db) = self.db.take() {
            db.drop_db().await;
        }
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
        let resp = r.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
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
    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.request(reqwest::Method::DELETE, path)).await
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
