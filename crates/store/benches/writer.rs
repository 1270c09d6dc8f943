//! The writer alone: small sends through `Writer::write`, each acknowledged once its
//! group commit is durable (SQLite in WAL mode with `synchronous=FULL`, as campuslink
//! runs it), against the machine's bare group-commit limit (PERFORMANCE.md in the shared
//! notes: 57,000 rows/s at 100 rows per transaction). No HTTP, no WebSocket: the
//! realtime benchmark measures sends end to end.
//!
//! `taskset -c 0 cargo bench -p campuslink-store --bench writer` — everything on one
//! core, the senders included. BENCH_SENDERS (1000) closed-loop senders in groups of
//! ten, BENCH_SECONDS (10) per phase, BENCH_RATE (2000) sends/s for the open loop;
//! BENCH_DB=postgres runs it on the PostgreSQL of CAMPUSLINK_TEST_POSTGRES. Every loop
//! is bounded in time and stops by itself.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark fails loudly

/// The allocator the campuslink binary runs the writer with.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use domain::member_row::{MemberFields, RawMemberFields};
use domain::values::Code;
use domain::{ConversationId, MemberId, Role};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use store::testing::TestDb;
use store::{Dialect, MemberWrite, Names, NewText, WriteOp, WriteOutcome, Writer};

const BARE_GROUP_COMMIT: f64 = 57_000.0;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// CPU ticks (user + system, 1/100 s) this process has used.
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of stat (utime, stime); `after` starts at field 3.
    let field = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    field(11) + field(12)
}

fn send(c: ConversationId, sender: MemberId, client_id: String) -> WriteOp {
    WriteOp::Send(Box::new(NewText {
        conversation_id: c,
        sender,
        client_id,
        text: "明天第三節課改在禮堂".into(),
        mentions: vec![],
        mention_all: false,
        reply_to: None,
        attachment: None,
        forwarded: None,
    }))
}

/// A client id as the apps make them: time-ordered, UUIDv7's layout.
fn client_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let senders = env("BENCH_SENDERS", 1000) as usize;
    let seconds = env("BENCH_SECONDS", 10) as f64;
    let rate = env("BENCH_RATE", 2000) as f64;
    let dialect =
        if std::env::var("BENCH_DB").as_deref() == Ok("postgres") { Dialect::Postgres } else { Dialect::Sqlite };
    let db = TestDb::of(dialect).await;
    let store = db.connect().await.unwrap();
    let names = || Names { zh: "示範學校", pt: "", en: "" };
    let school = store.create_school(&Code::parse("S1").unwrap(), names()).await.unwrap();
    let campus = store.create_campus(school.id, &Code::parse("S1-A").unwrap(), names()).await.unwrap();
    eprintln!("seeding {senders} members in groups of ten ({dialect:?})");
    let mut people = Vec::with_capacity(senders);
    for i in 0..senders {
        let login = format!("t{i}");
        let f = MemberFields::parse(&RawMemberFields { login: &login, name_zh: &login, ..Default::default() }).unwrap();
        let write = MemberWrite { fields: &f, role: Role::Member, department_ids: &[] };
        people.push(store.create_member(Some(campus.id), write, None).await.unwrap().id);
    }
    let mut seats: Vec<(ConversationId, MemberId)> = Vec::with_capacity(senders);
    for (g, ten) in people.chunks(10).enumerate() {
        let (group, _) = store.create_group(ten[0], campus.id, &format!("教研組 {g}"), &ten[1..]).await.unwrap();
        seats.extend(ten.iter().map(|m| (group.id, *m)));
    }
    let batches = Arc::new(AtomicU64::new(0));
    let counted = batches.clone();
    let writer = Writer::start(store.clone(), move |_| {
        counted.fetch_add(1, Ordering::Relaxed);
    });

    // Closed loop: each sender sends again as soon as its last send is durable.
    let warmup = Duration::from_secs(2);
    let start = Instant::now();
    let (from, to) = (start + warmup, start + warmup + Duration::from_secs_f64(seconds));
    let mut tasks = Vec::new();
    for &(c, m) in &seats {
        let w = writer.clone();
        tasks.push(tokio::spawn(async move {
            let (mut acked, mut lat) = (0u64, Vec::new());
            loop {
                let sent = Instant::now();
                if sent >= to {
                    return (acked, lat);
                }
                let out = w.write(send(c, m, client_id())).await.unwrap();
                assert!(matches!(out, WriteOutcome::Sent(ref s) if !s.duplicate));
                if sent >= from {
                    acked += 1;
                    lat.push(sent.elapsed().as_secs_f64() * 1e3);
                }
            }
        }));
    }
    tokio::time::sleep_until(from.into()).await;
    let (cpu0, batches0) = (cpu_ticks(), batches.load(Ordering::Relaxed));
    tokio::time::sleep_until(to.into()).await;
    let (cpu1, batches1) = (cpu_ticks(), batches.load(Ordering::Relaxed));
    let (mut acked, mut lat) = (0u64, Vec::new());
    for t in tasks {
        let (a, l) = t.await.unwrap();
        acked += a;
        lat.extend(l);
    }
    lat.sort_by(f64::total_cmp);
    let per_s = acked as f64 / seconds;
    let cpu_us = (cpu1 - cpu0) as f64 * 1e4 / acked.max(1) as f64;
    println!("closed loop, {senders} senders on {dialect:?}:");
    println!(
        "  {per_s:.0} durable sends/s ({:.2} of the bare {BARE_GROUP_COMMIT:.0} rows/s at 100 per transaction)",
        per_s / BARE_GROUP_COMMIT
    );
    println!(
        "  send → ack p50 / p99: {:.1} / {:.1} ms; {:.0} sends per transaction; {cpu_us:.0} µs of CPU per send",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        acked as f64 / (batches1 - batches0).max(1) as f64,
    );

    // Open loop: sends at a fixed rate, each timed from when it was due.
    let total = (rate * seconds) as u64;
    let start = Instant::now() + Duration::from_millis(100);
    let mut tasks = Vec::with_capacity(total as usize);
    for k in 0..total {
        let due = start + Duration::from_secs_f64(k as f64 / rate);
        tokio::time::sleep_until(due.into()).await;
        let (c, m) = seats[k as usize % seats.len()];
        let w = writer.clone();
        tasks.push(tokio::spawn(async move {
            w.write(send(c, m, client_id())).await.unwrap();
            due.elapsed().as_secs_f64() * 1e3
        }));
    }
    let mut lat = Vec::with_capacity(tasks.len());
    for t in tasks {
        lat.push(t.await.unwrap());
    }
    lat.sort_by(f64::total_cmp);
    println!(
        "open loop, {rate:.0} sends/s: send → ack p50 / p99 / max {:.1} / {:.1} / {:.1} ms (bare: p99 4.6 ms per 10-row transaction)",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        percentile(&lat, 1.0)
    );
    drop(writer);
    store.close().await;
    db.drop_db().await;
}
