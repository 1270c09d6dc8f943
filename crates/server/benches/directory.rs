//! Directory benchmark: listing and searching a campus of 5,000 members under
//! concurrent load (p50/p99 latency, requests/s), and — for the release binary, when
//! built — time from start to serving, idle memory and binary size.
//!
//! cargo bench -p campuslink-server --bench directory
//! (options through the environment: BENCH_MEMBERS, BENCH_CLIENTS, BENCH_SECONDS)

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark fails loudly

#[path = "common/mod.rs"]
mod common;

use common::{closed_loop, env_or};

use domain::Role;
use domain::member_row::{IMPORT_COLUMNS, MemberFields, RawMemberFields, parse_import};
use domain::values::{Code, Password};
use server::{AppState, ServerConfig};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use store::testing::TestDb;
use store::{MemberWrite, Names};

const SURNAMES: [&str; 12] = ["陳", "李", "黃", "梁", "何", "林", "張", "劉", "鄭", "吳", "羅", "蘇"];
const GIVEN: [&str; 10] = ["嘉欣", "志明", "美玲", "家豪", "詠詩", "俊傑", "曉彤", "偉倫", "婉婷", "子軒"];
const ROMAN: [&str; 12] = ["Chan", "Lei", "Wong", "Leong", "Ho", "Lam", "Cheong", "Lau", "Cheang", "Ng", "Lo", "Sou"];

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Counts sqlx's query events (target `sqlx::query`, one per statement executed).
static QUERIES: AtomicU64 = AtomicU64::new(0);

struct CountQueries;

/// Total time per statement, to show where a slow case spends it (BENCH_SQL=1).
static SQL_TIME: std::sync::Mutex<Vec<(String, f64)>> = std::sync::Mutex::new(Vec::new());

#[derive(Default)]
struct Fields {
    statement: String,
    elapsed: f64,
}

impl tracing::field::Visit for Fields {
    fn record_f64(&mut self, field: &tracing::field::Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.elapsed = value;
        }
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "db.statement" || (field.name() == "summary" && self.statement.is_empty()) {
            self.statement = value.to_owned();
        }
    }
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "db.statement" {
            self.statement = format!("{value:?}");
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for CountQueries {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            QUERIES.fetch_add(1, Ordering::Relaxed);
            if std::env::var("BENCH_SQL").is_ok() {
                let mut f = Fields::default();
                event.record(&mut f);
                let mut t = SQL_TIME.lock().unwrap();
                let key: String =
                    f.statement.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(160).collect();
                match t.iter_mut().find(|(k, _)| *k == key) {
                    Some(e) => e.1 += f.elapsed,
                    None => t.push((key, f.elapsed)),
                }
            }
        }
    }
}

/// Joins `other` to an interconnection with `campus`, each showing a whole department
/// tree (for `campus`, its 教務處 with every member below it), published.
async fn connect(
    store: &store::Store,
    school: domain::SchoolId,
    other: domain::CampusId,
    other_dept: domain::DepartmentId,
    campus: domain::CampusId,
) {
    use store::{Effects, Exposure};
    let ic = store.create_interconnection(school, other, "bench", |_| Effects::default()).await.unwrap();
    let by = store.member_by_login("bench.remote").await.unwrap().unwrap().id;
    let inv = store.create_invitation(ic.id, "bench-token", by, 60_000, Effects::default()).await.unwrap();
    store.accept_invitation(&inv, campus, Effects::default()).await.unwrap();
    let root = store.departments(campus).await.unwrap().into_iter().find(|d| d.parent_id.is_none()).unwrap().id;
    for (c, d) in [(other, other_dept), (campus, root)] {
        let e = Exposure { department_ids: vec![d], member_ids: vec![], show_phone: false, show_email: false };
        store.set_exposure(ic.id, c, &e, Effects::default()).await.unwrap();
    }
    store.publish(ic.id, Effects::default()).await.unwrap();
}

fn main() {
    use tracing_subscriber::layer::SubscriberExt;
    let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry().with(CountQueries));
    let members = env_or("BENCH_MEMBERS", 5000);
    let clients = env_or("BENCH_CLIENTS", 32);
    let seconds = env_or("BENCH_SECONDS", 5) as u64;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async move {
        // BENCH_DATABASE=postgres runs it on the server named by CAMPUSLINK_TEST_POSTGRES.
        let dialect = match std::env::var("BENCH_DATABASE").as_deref() {
            Ok("postgres") => store::Dialect::Postgres,
            _ => store::Dialect::Sqlite,
        };
        let db = TestDb::of(dialect).await;
        let db_name = if dialect == store::Dialect::Postgres { "PostgreSQL" } else { "SQLite (WAL)" };
        let store = db.connect().await.unwrap();
        let school =
            store.create_school(&Code::parse("B").unwrap(), Names { zh: "學校", pt: "", en: "" }).await.unwrap();
        let campus = store
            .create_campus(school.id, &Code::parse("B-1").unwrap(), Names { zh: "中學部", pt: "", en: "" })
            .await
            .unwrap();

        let header: Vec<String> = IMPORT_COLUMNS.iter().map(|s| s.to_string()).collect();
        let rows: Vec<Vec<String>> = (0..members)
            .map(|i| {
                let (s, g, r) = (SURNAMES[i % 12], GIVEN[(i / 12) % 10], ROMAN[i % 12]);
                vec![
                    format!("m{i}"),
                    format!("{s}{g}"),
                    format!("{r} Member {i}"),
                    if i % 7 == 0 { "科主任".into() } else { "教師".into() },
                    format!("教務處/科{:02}", i % 25),
                    String::new(),
                    format!("m{i}@bench.mo"),
                    format!("T{i:05}"),
                ]
            })
            .collect();
        let t = Instant::now();
        let parsed = parse_import(&header, &rows).unwrap();
        let outcome = store.import_members(campus.id, &parsed).await.unwrap();
        println!(
            "seeded {} members in {:.1} s (one all-or-nothing import)",
            outcome.created,
            t.elapsed().as_secs_f64()
        );

        let hash = server::auth::hash_password(&Password::parse("bench password").unwrap()).await.unwrap();
        // A viewer on the campus itself, and an exposed viewer on a connected campus.
        let other = store
            .create_campus(school.id, &Code::parse("B-2").unwrap(), Names { zh: "小學部", pt: "", en: "" })
            .await
            .unwrap();
        let other_dept = store.create_department(other.id, None, "教務處", "").await.unwrap();
        for (login, campus, depts) in
            [("bench.local", campus.id, vec![]), ("bench.remote", other.id, vec![other_dept.id])]
        {
            let f = MemberFields::parse(&RawMemberFields { login, name_zh: "觀察者", ..Default::default() }).unwrap();
            store
                .create_member(
                    Some(campus),
                    MemberWrite { fields: &f, role: Role::Member, department_ids: &depts },
                    Some(&hash),
                )
                .await
                .unwrap();
        }
        connect(&store, school.id, other.id, other_dept.id, campus.id).await;
        let dept = store.departments(campus.id).await.unwrap().into_iter().find(|d| d.name_zh == "科07").unwrap().id;

        let mail_dir = std::env::temp_dir().join(format!("campuslink-bench-mail-{}", std::process::id()));
        let mailer =
            std::sync::Arc::new(server::mail::Mailer::files(mail_dir, "bench <bench@campuslink.invalid>").unwrap());
        // An in-process server, for counting SQL statements per request (sqlx reports
        // each one as a tracing event); the timings come from the release binary below.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let counting_base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(server::serve(
            listener,
            AppState::new(store.clone(), ServerConfig::default(), mailer.clone()).await.unwrap(),
            std::future::pending(),
        ));
        let c = campus.id;
        let cases: Vec<(&str, String)> = vec![
            ("list a department (200 members)", format!("/api/v1/campuses/{c}/members?department_id={dept}&limit=200")),
            ("list the campus, first page of 50", format!("/api/v1/campuses/{c}/members?limit=50")),
            ("search Chinese pair 陳嘉", format!("/api/v1/campuses/{c}/members?q=%E9%99%B3%E5%98%89&limit=50")),
            ("search one character 陳", format!("/api/v1/campuses/{c}/members?q=%E9%99%B3&limit=50")),
            ("search Portuguese prefix 'leo'", format!("/api/v1/campuses/{c}/members?q=leo&limit=50")),
            ("search staff number T01234", format!("/api/v1/campuses/{c}/members?q=T01234&limit=50")),
            ("departments tree", format!("/api/v1/campuses/{c}/departments")),
        ];
        let http = reqwest::Client::builder().pool_max_idle_per_host(clients).build().unwrap();
        let mut queries: Vec<f64> = Vec::new();
        for viewer in VIEWERS {
            let token = login(&http, &counting_base, viewer.0).await;
            for (_, path) in &cases {
                let url = format!("{counting_base}{path}");
                let before = QUERIES.load(Ordering::Relaxed);
                for _ in 0..10 {
                    let r = http.get(&url).bearer_auth(&token).send().await.unwrap();
                    assert!(r.status().is_success(), "{url}: {}", r.status());
                    r.bytes().await.unwrap();
                }
                queries.push((QUERIES.load(Ordering::Relaxed) - before) as f64 / 10.0);
            }
        }
        store.close().await;

        let target = Target::start(&db.url).await;
        println!("\nserver: {}", target.describe);
        let mut q = queries.into_iter();
        for viewer in VIEWERS {
            let token = login(&http, &target.base, viewer.0).await;
            println!(
                "\n{}: {clients} concurrent clients, {seconds} s per case, {members} members, {db_name}",
                viewer.1
            );
            println!("{:<38} {:>9} {:>9} {:>9} {:>9} {:>9}", "case", "req/s", "p50 ms", "p99 ms", "results", "queries");
            for (name, path) in &cases {
                let url = format!("{}{path}", target.base);
                let first: serde_json::Value =
                    http.get(&url).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
                let results = first["total"].as_i64().unwrap_or_else(|| first.as_array().map_or(0, |a| a.len() as i64));
                let all = closed_loop(&http, &url, &token, clients, seconds as f64).await;
                println!(
                    "{:<38} {:>9.0} {:>9.2} {:>9.2} {:>9} {:>9.1}",
                    name,
                    all.len() as f64 / seconds as f64,
                    percentile(&all, 0.50).as_secs_f64() * 1000.0,
                    percentile(&all, 0.99).as_secs_f64() * 1000.0,
                    results,
                    q.next().unwrap_or(f64::NAN)
                );
            }
        }
        target.finish(members);
        if std::env::var("BENCH_SQL").is_ok() {
            let mut t = SQL_TIME.lock().unwrap().clone();
            t.sort_by(|a, b| b.1.total_cmp(&a.1));
            println!("\nslowest statements in the counting pass (total seconds):");
            for (k, v) in t.iter().take(8) {
                println!("{v:>8.3}  {k}");
            }
        }
        if std::env::var("BENCH_KEEP_DB").is_ok() {
            println!("database kept at {}", db.url);
        } else {
            db.drop_db().await;
        }
    });
}

/// (login, who they are)
const VIEWERS: [(&str, &str); 2] = [
    ("bench.local", "a member of the campus itself"),
    ("bench.remote", "an exposed member of a connected campus (visibility rule)"),
];

async fn login(http: &reqwest::Client, base: &str, who: &str) -> String {
    let login: serde_json::Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"login": who, "password": "bench password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login["token"].as_str().unwrap().to_owned()
}

/// The server under load: target/release/campuslink in its own process, on core 0
/// when `taskset` is there (run the bench itself with `taskset -c 1`), or, without a
/// release build, an in-process server sharing the load generator's cores.
struct Target {
    base: String,
    describe: String,
    child: Option<std::process::Child>,
    data: std::path::PathBuf,
    startup: Option<Duration>,
    idle_rss: String,
    size: u64,
}

fn rss(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).map(|l| l.trim_start_matches("VmRSS:").trim().to_owned())
        })
        .unwrap_or_else(|| "?".into())
}

impl Target {
    async fn start(db_url: &str) -> Target {
        let bin = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/release/campuslink");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let data = std::env::temp_dir().join(format!("campuslink-bench-{port}"));
        if !bin.exists() {
            let store = store::Store::connect(db_url).await.unwrap();
            let mailer = std::sync::Arc::new(
                server::mail::Mailer::files(data.join("mail"), "b <b@campuslink.invalid>").unwrap(),
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base = format!("http://{}", listener.local_addr().unwrap());
            tokio::spawn(server::serve(
                listener,
                AppState::new(store, ServerConfig::default(), mailer).await.unwrap(),
                std::future::pending(),
            ));
            return Target {
                base,
                describe:
                    "in-process (no target/release/campuslink: `cargo build --release` for separate-process figures)"
                        .into(),
                child: None,
                data,
                startup: None,
                idle_rss: "?".into(),
                size: 0,
            };
        }
        let size = std::fs::metadata(&bin).map(|m| m.len()).unwrap_or(0);
        let pinned = std::process::Command::new("taskset").arg("-V").output().is_ok();
        let mut cmd = if pinned {
            let mut c = std::process::Command::new("taskset");
            c.args(["-c", "0"]).arg(&bin);
            c
        } else {
            std::process::Command::new(&bin)
        };
        let t = Instant::now();
        let child = cmd
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data"])
            .arg(&data)
            .args(["--database-url", db_url])
            .env("CAMPUSLINK__AUTH__LOGIN_ATTEMPTS_PER_MINUTE", "1000")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let mut startup = None;
        while t.elapsed() < Duration::from_secs(20) {
            if reqwest::get(format!("{base}/healthz")).await.is_ok_and(|r| r.status().is_success()) {
                startup = Some(t.elapsed());
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        assert!(startup.is_some(), "the release binary did not answer /healthz within 20 s");
        tokio::time::sleep(Duration::from_millis(500)).await;
        let idle_rss = rss(child.id());
        let me = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("Cpus_allowed_list:"))
                    .map(|l| l.split_whitespace().last().unwrap_or("").to_owned())
            })
            .unwrap_or_default();
        let describe = format!(
            "target/release/campuslink in its own process{}; load generator on cores {me}",
            if pinned { ", pinned to core 0" } else { "" }
        );
        Target { base, describe, child: Some(child), data, startup, idle_rss, size }
    }

    fn finish(mut self, members: usize) {
        if let Some(mut child) = self.child.take() {
            let loaded = rss(child.id());
            let _ = child.kill();
            let _ = child.wait();
            println!("\nrelease binary: {:.1} MiB", self.size as f64 / 1048576.0);
            if let Some(d) = self.startup {
                println!(
                    "start to serving (/healthz ok), {members} members in the database: {:.0} ms",
                    d.as_secs_f64() * 1000.0
                );
            }
            println!("memory (RSS): {} idle after start, {loaded} after the load", self.idle_rss);
        }
        let _ = std::fs::remove_dir_all(&self.data);
    }
}
