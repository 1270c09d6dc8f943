//! Nothing acknowledged is lost, nothing is stored twice: the real `campuslink` program
//! under a sustained send load is killed with SIGKILL several times and started again
//! on the same database; clients resend what was not acknowledged with the same client
//! id, as the app does. Afterwards every acknowledged message is there exactly once,
//! with the id it was acknowledged with, and the event log resumes to all of them — on
//! SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

mod common;

use common::{demo, direct_chat, login};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use store::Dialect;
use store::testing::TestDb;

const KILLS: usize = 3;
const SENDERS: usize = 6;
/// Acknowledged sends between two kills.
const PER_PHASE: usize = 60;

/// What the senders share: where the server is now, and what it acknowledged.
#[derive(Default)]
struct Ledger {
    acked: HashMap<String, (String, i64)>,
    /// Client ids sent without an answer (the server died): resent later.
    unanswered: HashSet<String>,
}

async fn story(dialect: Dialect) {
    let db = match dialect {
        Dialect::Postgres => Some(TestDb::postgres().await),
        Dialect::Sqlite => None,
    };
    let url = db.as_ref().map(|d| d.url.clone());
    let data = std::env::temp_dir().join(format!("campuslink-durability-{}", uuid::Uuid::now_v7().simple()));
    let mut server = demo(&data, url.as_deref());
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let a1 = login(&http, &server.base, "teacher.a1").await;
    let a2 = login(&http, &server.base, "teacher.a2").await;
    let conv = direct_chat(&http, &server.base, &a1, &a2).await;
    let (_, start_log) = get(&http, &server.base, &a2, "/api/v1/events?after=0&limit=1000").await;
    let p0 = start_log["position"].as_i64().unwrap();

    let base = Arc::new(RwLock::new(server.base.clone()));
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut senders = Vec::new();
    for s in 0..SENDERS {
        let (base, ledger, stop, http, conv) = (base.clone(), ledger.clone(), stop.clone(), http.clone(), conv.clone());
        let token = if s % 2 == 0 { a1.clone() } else { a2.clone() };
        senders.push(tokio::spawn(async move {
            let mut n = 0;
            // Bounded: at most 2,000 sends per sender.
            while !stop.load(std::sync::atomic::Ordering::SeqCst) && n < 2000 {
                let client_id = format!("s{s}-{n}");
                n += 1;
                let b = base.read().unwrap().clone();
                match send(&http, &b, &token, &conv, &client_id).await {
                    Some(m) => {
                        ledger.lock().unwrap().acked.insert(client_id, m);
                    }
                    None => {
                        ledger.lock().unwrap().unanswered.insert(client_id);
                        tokio::time::sleep(Duration::from_millis(50)).await; // back off while the server restarts
                    }
                }
            }
        }));
    }

    for kill in 0..KILLS {
        let target = (kill + 1) * PER_PHASE;
        let deadline = Instant::now() + Duration::from_secs(120);
        while ledger.lock().unwrap().acked.len() < target {
            assert!(Instant::now() < deadline, "the server stopped acknowledging sends");
            tokio::time::sleep(Duration::from_millis(20)).await; // polls the ledger; no time passes for the server
        }
        server.child.kill().unwrap(); // SIGKILL: no shutdown, no flush
        server.child.wait().unwrap();
        server = demo(&data, url.as_deref());
        *base.write().unwrap() = server.base.clone();
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for s in senders {
        s.await.unwrap();
    }

    // The app resends what it never heard back about, with the same client id.
    let unanswered: Vec<String> = ledger.lock().unwrap().unanswered.iter().cloned().collect();
    for client_id in &unanswered {
        let token =
            if client_id[1..].split('-').next().unwrap().parse::<usize>().unwrap() % 2 == 0 { &a1 } else { &a2 };
        let m = send(&http, &server.base, token, &conv, client_id).await.expect("the restarted server answers");
        let mut l = ledger.lock().unwrap();
        if let Some(first) = l.acked.get(client_id) {
            assert_eq!(first, &m, "{client_id}: a resend returns the first message");
        }
        l.acked.insert(client_id.clone(), m);
    }

    // Every acknowledged message is stored exactly once, as acknowledged.
    let history = all_messages(&http, &server.base, &a2, &conv).await;
    let mut seen = HashMap::new();
    for m in &history {
        let cid = m["client_id"].as_str().unwrap().to_owned();
        assert!(seen.insert(cid.clone(), m.clone()).is_none(), "{cid} stored twice");
    }
    let acked = ledger.lock().unwrap().acked.clone();
    assert!(acked.len() >= KILLS * PER_PHASE);
    for (cid, (id, position)) in &acked {
        let m = seen.get(cid).unwrap_or_else(|| panic!("acknowledged {cid} is lost"));
        assert_eq!((m["id"].as_str().unwrap(), m["position"].as_i64().unwrap()), (id.as_str(), *position), "{cid}");
    }
    assert_eq!(seen.len(), acked.len(), "nothing stored that was never sent");

    // A client that was away since before the load catches up on all of it, in order.
    let mut after = p0;
    let mut positions = Vec::new();
    loop {
        let (_, page) = get(&http, &server.base, &a2, &format!("/api/v1/events?after={after}&limit=1000")).await;
        for e in page["events"].as_array().unwrap() {
            if e["kind"] == "message" {
                positions.push(e["position"].as_i64().unwrap());
            }
        }
        after = page["position"].as_i64().unwrap();
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "in order, no duplicates");
    let logged: HashSet<i64> = positions.into_iter().collect();
    for (cid, (_, p)) in &acked {
        assert!(logged.contains(p), "{cid} at {p} is in the log");
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
    if let Some(db) = db {
        db.drop_db().await;
    }
}

async fn get(http: &reqwest::Client, base: &str, token: &str, path: &str) -> (u16, Value) {
    let r = http.get(format!("{base}{path}")).bearer_auth(token).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// One send; `None` when the server did not answer (it was killed mid-request).
async fn send(http: &reqwest::Client, base: &str, token: &str, conv: &str, client_id: &str) -> Option<(String, i64)> {
    let r = http
        .post(format!("{base}/api/v1/conversations/{conv}/messages"))
        .bearer_auth(token)
        .json(&json!({"client_id": client_id, "text": format!("訊息 {client_id}")}))
        .send()
        .await
        .ok()?;
    let status = r.status().as_u16();
    let body: Value = r.json().await.ok()?;
    assert!(status == 201 || status == 200, "{client_id}: {status} {body}");
    Some((body["id"].as_str()?.to_owned(), body["position"].as_i64()?))
}

async fn all_messages(http: &reqwest::Client, base: &str, token: &str, conv: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut before: Option<i64> = None;
    loop {
        let q = before.map(|b| format!("&before={b}")).unwrap_or_default();
        let (_, page) = get(http, base, token, &format!("/api/v1/conversations/{conv}/messages?limit=200{q}")).await;
        let list = page["messages"].as_array().unwrap().clone();
        before = list.first().and_then(|m| m["position"].as_i64());
        let more = page["has_more"].as_bool().unwrap();
        out.splice(0..0, list);
        if !more {
            return out;
        }
    }
}

#[tokio::test]
async fn acknowledged_messages_survive_kill_9_exactly_once_on_sqlite() {
    story(Dialect::Sqlite).await;
}

#[tokio::test]
async fn acknowledged_messages_survive_kill_9_exactly_once_on_postgres() {
    story(Dialect::Postgres).await;
}
