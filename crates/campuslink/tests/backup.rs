//! Backup and restore with the real program: a backup of a running installation taken
//! while messages keep arriving restores, into a fresh directory, every message
//! acknowledged before it began; a restore refuses, changing nothing, a directory in
//! use or a file that is not a whole campuslink backup.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

mod common;

use common::{demo, direct_chat, login, scratch};
use serde_json::{Value, json};
use std::collections::HashMap;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn campuslink(args: &[&str], paths: &[&Path]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_campuslink"));
    cmd.args(args).env("CAMPUSLINK_LOG", "warn");
    for p in paths {
        cmd.arg(p);
    }
    cmd.output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_load_restores_every_acknowledged_message() {
    let live = scratch("backup-live");
    let server = demo(&live, None);
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let a1 = login(&http, &server.base, "teacher.a1").await;
    let a2 = login(&http, &server.base, "teacher.a2").await;
    let conv = direct_chat(&http, &server.base, &a1, &a2).await;

    // client id → message id, for every send the server acknowledged.
    let acked: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut senders = Vec::new();
    for s in 0..3 {
        let (acked, stop, http, conv, base) =
            (acked.clone(), stop.clone(), http.clone(), conv.clone(), server.base.clone());
        let token = if s % 2 == 0 { a1.clone() } else { a2.clone() };
        senders.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) && n < 5000 {
                let client_id = format!("s{s}-{n}");
                n += 1;
                let r = http
                    .post(format!("{base}/api/v1/conversations/{conv}/messages"))
                    .bearer_auth(&token)
                    .json(&json!({"client_id": client_id, "text": format!("備份中 {client_id}")}))
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().is_success(), "{client_id}: {}", r.status());
                let body: Value = r.json().await.unwrap();
                acked.lock().unwrap().insert(client_id, body["id"].as_str().unwrap().to_owned());
            }
        }));
    }
    let wait_for = |n: usize| {
        let acked = acked.clone();
        async move {
            let deadline = Instant::now() + Duration::from_secs(60);
            while acked.lock().unwrap().len() < n {
                assert!(Instant::now() < deadline, "the server stopped acknowledging sends");
                tokio::time::sleep(Duration::from_millis(10)).await; // polls the ledger only
            }
        }
    };
    wait_for(100).await;

    let file = scratch("backup-files").join("campuslink-backup.db");
    let before: HashMap<String, String> = acked.lock().unwrap().clone();
    let (data, to) = (live.clone(), file.clone());
    let out = tokio::task::spawn_blocking(move || campuslink(&["backup", "--data"], &[&data, Path::new("--to"), &to]))
        .await
        .unwrap();
    let during = acked.lock().unwrap().len();
    eprintln!("acknowledged: {} before the backup, {during} after it", before.len());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("backed up"));
    wait_for(during + 20).await; // the server went on taking messages all along
    stop.store(true, Ordering::SeqCst);
    for s in senders {
        s.await.unwrap();
    }
    drop(server);

    let restored = scratch("backup-restored").join("data");
    let out = campuslink(&["restore", "--from"], &[&file, Path::new("--data"), &restored]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let store = store::Store::connect(&format!("sqlite://{}", restored.join("campuslink.db").display())).await.unwrap();
    assert!(conv.chars().all(|c| c.is_ascii_hexdigit() || c == '-'), "an id: {conv}");
    let rows: Vec<(String, String)> = store::testing::query_as(
        &store,
        &format!("SELECT client_id, id FROM messages WHERE conversation_id = '{conv}' AND client_id IS NOT NULL"),
    )
    .await;
    let in_backup: HashMap<String, String> = rows.into_iter().collect();
    for (cid, id) in &before {
        assert_eq!(in_backup.get(cid), Some(id), "{cid}, acknowledged before the backup, is in it");
    }
    let all = acked.lock().unwrap().clone();
    for (cid, id) in &in_backup {
        assert_eq!(all.get(cid), Some(id), "{cid} in the backup is as acknowledged");
    }
    assert!(store.login_record("teacher.a1").await.unwrap().is_some());
    store.close().await;
    for dir in [live, file.parent().unwrap().to_owned(), restored.parent().unwrap().to_owned()] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Names and sizes of everything under `dir`: what a refused restore must leave.
fn listing(dir: &Path) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| {
                let e = e.unwrap();
                (e.file_name().to_string_lossy().into_owned(), e.metadata().unwrap().len())
            })
            .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[tokio::test]
async fn a_restore_refuses_what_it_should_and_changes_nothing() {
    let work = scratch("backup-refusals");
    let source = work.join("source");
    std::fs::create_dir_all(&source).unwrap();
    let store = store::Store::connect(&format!("sqlite://{}", source.join("campuslink.db").display())).await.unwrap();
    let names = store::Names { zh: "示範學校", pt: "", en: "" };
    store.create_school(&domain::values::Code::parse("BK1").unwrap(), names).await.unwrap();
    store.close().await;
    let good = work.join("good.db");
    let out = campuslink(&["backup", "--data"], &[&source, Path::new("--to"), &good]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let again = campuslink(&["backup", "--data"], &[&source, Path::new("--to"), &good]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(work.join("truncated.db"), &bytes[..bytes.len() / 2]).unwrap();
    std::fs::write(work.join("text.db"), "campuslink\n".repeat(100)).unwrap();
    {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", work.join("foreign.db").display()))
            .await
            .unwrap();
        sqlx::query("CREATE TABLE notes (body TEXT)").execute(&pool).await.unwrap();
        pool.close().await;
        std::fs::copy(&good, work.join("newer.db")).unwrap();
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", work.join("newer.db").display())).await.unwrap();
        sqlx::query("INSERT INTO schema_migrations VALUES (999, 'future', 0)").execute(&pool).await.unwrap();
        pool.close().await;
    }

    // An installation in use: a data directory that already holds a database.
    let in_use = work.join("in-use");
    std::fs::create_dir_all(&in_use).unwrap();
    std::fs::write(in_use.join("campuslink.db"), b"the live database").unwrap();
    std::fs::write(in_use.join("campuslink.db-wal"), b"its log").unwrap();
    let fresh = work.join("fresh");
    for (file, target, message) in [
        ("good.db", &in_use, "is not empty; pass --overwrite"),
        ("truncated.db", &fresh, "is truncated"),
        ("text.db", &fresh, "is not a SQLite database"),
        ("foreign.db", &fresh, "not a campuslink backup"),
        ("newer.db", &fresh, "newer than this campuslink knows"),
        ("missing.db", &fresh, "missing.db"),
    ] {
        let before = listing(target);
        let out = campuslink(&["restore", "--from"], &[&work.join(file), Path::new("--data"), target]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{file} restored");
        assert!(stderr.contains(message), "{file}: {stderr}");
        assert_eq!(listing(target), before, "{file}: the data directory is as it was");
    }
    assert!(!fresh.exists(), "a refused restore creates nothing");

    let out = campuslink(&["restore", "--overwrite", "--from"], &[&good, Path::new("--data"), &in_use]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!in_use.join("campuslink.db-wal").exists(), "the old database's log is gone with it");
    let store = store::Store::connect(&format!("sqlite://{}", in_use.join("campuslink.db").display())).await.unwrap();
    assert!(store.school_by_code("BK1").await.unwrap().is_some());
    store.close().await;

    // PostgreSQL has its own tools; the command says so without connecting.
    for command in ["backup", "restore"] {
        let flag = if command == "backup" { "--to" } else { "--from" };
        let out = Command::new(env!("CARGO_BIN_EXE_campuslink"))
            .args([command, flag, "x.db", "--database-url", "postgres://campuslink:pw@127.0.0.1:1/campuslink"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(stderr.contains("pg_dump") && stderr.contains("pg_restore"), "{stderr}");
        assert!(!stderr.contains("pw@"), "{stderr}");
    }
    std::fs::remove_dir_all(&work).unwrap();
}
