//! Directory benchmark: listing and searching a campus of 5,000 members under
//! concurrent load (p50/p99 latency, requests/s), and — for the release binary, when
//! built — time from start to serving, idle memory and binary size.
//!
//! cargo bench -p campuslink-server --bench directory
//! (options through the environment: BENCH_MEMBERS, BENCH_CLIENTS, BENCH_SECONDS)

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark fails loudly

use domain::Role;
use domain::member_row::{IMPORT_COLUMNS, MemberFields, RawMemberFields, parse_import};
use domain::values::{Code, Password};
use server::{AppState, ServerConfig};
use std::time::{Duration, Instant};
use store::testing::TestDb;
use store::{MemberWrite, Names};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

const SURNAMES: [&str; 12] = ["陳", "李", "黃", "梁", "何", "林", "張", "劉", "鄭", "吳", "羅", "蘇"];
const GIVEN: [&str; 10] = ["嘉欣", "志明", "美玲", "家豪", "詠詩", "俊傑", "曉彤", "偉倫", "婉婷", "子軒"];
const ROMAN: [&str; 12] = ["Chan", "Lei", "Wong", "Leong", "Ho", "Lam", "Cheong", "Lau", "Cheang", "Ng", "Lo", "Sou"];

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let members = env_or("BENCH_MEMBERS", 5000);
    let clients = env_or("BENCH_CLIENTS", 32);
    let seconds = env_or("BENCH_SECONDS", 5) as u64;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async move {
        let db = TestDb::sqlite();
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
        let f =
            MemberFields::parse(&RawMemberFields { login: "bench.viewer", name_zh: "觀察者", ..Default::default() })
                .unwrap();
        store
            .create_member(
                Some(campus.id),
                MemberWrite { fields: &f, role: Role::Member, department_ids: &[] },
                Some(&hash),
            )
            .await
            .unwrap();
        let dept = store.departments(campus.id).await.unwrap().into_iter().find(|d| d.name_zh == "科07").unwrap().id;

        let mail_dir = std::env::temp_dir().join(format!("campuslink-bench-mail-{}", std::process::id()));
        let mailer =
            std::sync::Arc::new(server::mail::Mailer::files(mail_dir, "bench <bench@campuslink.invalid>").unwrap());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(server::serve(
            listener,
            AppState::new(store.clone(), ServerConfig::default(), mailer.clone()),
            std::future::pending(),
        ));
        let http = reqwest::Client::builder().pool_max_idle_per_host(clients).build().unwrap();
        let login: serde_json::Value = http
            .post(format!("{base}/api/v1/auth/login"))
            .json(&serde_json::json!({"login": "bench.viewer", "password": "bench password"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = login["token"].as_str().unwrap().to_owned();
        let c = campus.id;
        let cases: Vec<(&str, String)> = vec![
            ("list a department (200 members)", format!("/api/v1/campuses/{c}/members?department_id={dept}&limit=200")),
            ("list the campus, first page of 50", format!("/api/v1/campuses/{c}/members?limit=50")),
            ("search Chinese pair 陳嘉", format!("/api/v1/campuses/{c}/members?q=%E9%99%B3%E5%98%89&limit=50")),
            ("search one character 陳", format!("/api/v1/campuses/{c}/members?q=%E9%99%B3&limit=50")),
            ("search Portuguese prefix 'lea'", format!("/api/v1/campuses/{c}/members?q=lea&limit=50")),
            ("search staff number T01234", format!("/api/v1/campuses/{c}/members?q=T01234&limit=50")),
            ("departments tree", format!("/api/v1/campuses/{c}/departments")),
        ];
        println!("\n{clients} concurrent clients, {seconds} s per case, {members} members, SQLite (WAL)");
        println!("{:<38} {:>9} {:>9} {:>9} {:>9}", "case", "req/s", "p50 ms", "p99 ms", "results");
        for (name, path) in cases {
            let url = format!("{base}{path}");
            let first: serde_json::Value =
                http.get(&url).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
            let results = first["total"].as_i64().unwrap_or_else(|| first.as_array().map_or(0, |a| a.len() as i64));
            let deadline = Instant::now() + Duration::from_secs(seconds);
            let mut tasks = Vec::new();
            for _ in 0..clients {
                let (http, url, token) = (http.clone(), url.clone(), token.clone());
                tasks.push(tokio::spawn(async move {
                    let mut lat = Vec::new();
                    while Instant::now() < deadline {
                        let t = Instant::now();
                        let r = http.get(&url).bearer_auth(&token).send().await.unwrap();
                        assert!(r.status().is_success(), "{}", r.status());
                        r.bytes().await.unwrap();
                        lat.push(t.elapsed());
                    }
                    lat
                }));
            }
            let mut all = Vec::new();
            for t in tasks {
                all.extend(t.await.unwrap());
            }
            all.sort();
            println!(
                "{:<38} {:>9.0} {:>9.2} {:>9.2} {:>9}",
                name,
                all.len() as f64 / seconds as f64,
                percentile(&all, 0.50).as_secs_f64() * 1000.0,
                percentile(&all, 0.99).as_secs_f64() * 1000.0,
                results
            );
        }
        store.close().await;
        release_binary_figures(&db.url, members).await;
        db.drop_db().await;
    });
}

/// Start-up time, idle RSS and size of target/release/campuslink on the seeded database.
async fn release_binary_figures(db_url: &str, members: usize) {
    let bin = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/release/campuslink");
    if !bin.exists() {
        println!("\n(no target/release/campuslink: run `cargo build --release` for start-up, memory and size figures)");
        return;
    }
    let size = std::fs::metadata(&bin).map(|m| m.len()).unwrap_or(0);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let data = std::env::temp_dir().join(format!("campuslink-bench-{port}"));
    let t = Instant::now();
    let mut child = std::process::Command::new(&bin)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data"])
        .arg(&data)
        .args(["--database-url", db_url])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/healthz");
    let mut up = None;
    while t.elapsed() < Duration::from_secs(20) {
        if reqwest::get(&url).await.is_ok_and(|r| r.status().is_success()) {
            up = Some(t.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss = std::fs::read_to_string(format!("/proc/{}/status", child.id()))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).map(|l| l.trim_start_matches("VmRSS:").trim().to_owned())
        })
        .unwrap_or_else(|| "?".into());
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&data);
    println!("\nrelease binary: {:.1} MiB", size as f64 / 1048576.0);
    match up {
        Some(d) => println!(
            "start to serving (/healthz ok), {members} members in the database: {:.0} ms",
            d.as_secs_f64() * 1000.0
        ),
        None => println!("release binary did not answer /healthz within 20 s"),
    }
    println!("idle memory (RSS) after start: {rss}");
}
