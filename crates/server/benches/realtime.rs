//! Real-time benchmark: WebSocket fan-out to 10,000 connected members (500 groups × 20
//! and 50 × 200), durable sends through the group-commit writer, read status in a
//! 2,000-member group, server memory per idle connection, and catch-up after a
//! disconnect — on the release binary in its own process pinned to core 0, measured by
//! a lean WebSocket client on this process's core, each figure beside the bare limit of
//! the development machine (PERFORMANCE.md in the shared notes).
//!
//! cargo build --release -p campuslink && taskset -c 1 cargo bench -p campuslink-server --bench realtime
//! (options through the environment: BENCH_PHASES (abcde), BENCH_MEMBERS (10000),
//! BENCH_RATE (messages/s, one figure or "500x20,50x200" as two; default ≈100,000
//! deliveries/s), BENCH_SECONDS (10 per phase), BENCH_SENDERS (1000), BENCH_MISSED (10))

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark fails loudly

#[path = "common/mod.rs"]
mod common;
#[path = "realtime/ws.rs"]
mod ws;

use common::{Server, Snap, env_or, usage};
use domain::MemberId;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::rc::Rc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use store::testing::TestDb;
use tokio::task::spawn_local;
use ws::Ws;

// ---- the machine's bare limits and the anchors (PERFORMANCE.md) -------------------------

const BARE_20: (f64, &str, f64) = (130_000.0, "1.9 / 8 ms", 6.6);
const BARE_200: (f64, &str, f64) = (145_000.0, "4.1 / 51 ms", 6.4);
const EJABBERD_20: (f64, &str) = (15_000.0, "15,000 (p99 16–24 ms), 41–50 µs");
const EJABBERD_200: (f64, &str) = (16_000.0, "16,000 (p99 12 ms), 41–50 µs");
const BARE_GROUP_COMMIT: f64 = 57_000.0;
const BARE_IDLE_KB: f64 = 9.4;
const EJABBERD_IDLE_KB: f64 = 75.0;

// ---- options ----------------------------------------------------------------------------

struct Options {
    phases: String,
    members: usize,
    /// Messages/s for the 20-member and the 200-member layouts.
    rates: (f64, f64),
    seconds: f64,
    senders: usize,
    missed: usize,
}

impl Options {
    fn from_env() -> Options {
        let rates: Vec<f64> =
            std::env::var("BENCH_RATE").unwrap_or_default().split(',').filter_map(|r| r.trim().parse().ok()).collect();
        Options {
            phases: std::env::var("BENCH_PHASES").unwrap_or_else(|_| "abcde".into()).to_ascii_lowercase(),
            members: env_or("BENCH_MEMBERS", 10_000),
            rates: match rates[..] {
                [] => (100_000.0 / 20.0, 100_000.0 / 200.0),
                [r] => (r, r),
                [a, b, ..] => (a, b),
            },
            seconds: env_or("BENCH_SECONDS", 10) as f64,
            senders: env_or("BENCH_SENDERS", 1000),
            missed: env_or("BENCH_MISSED", 10),
        }
    }

    fn has(&self, phase: char) -> bool {
        self.phases.contains(phase)
    }
}

// ---- clock, CPU and memory from /proc ------------------------------------------------------

static CLOCK: OnceLock<Instant> = OnceLock::new();

/// Nanoseconds on one monotonic clock shared by the publisher (the stamp in each text)
/// and every receiver.
fn now_ns() -> u64 {
    CLOCK.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

fn open_files_limit(pid: &str) -> (u64, u64) {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap_or_default();
    let line = limits.lines().find(|l| l.starts_with("Max open files")).unwrap_or("");
    let v: Vec<u64> = line.split_whitespace().filter_map(|x| x.parse().ok()).collect();
    (v.first().copied().unwrap_or(0), v.get(1).copied().unwrap_or(0))
}

/// Raises this process's soft limit on open files to the hard one with prlimit(1):
/// the workspace forbids `unsafe`, so setrlimit through libc is not an option.
fn raise_fd_limit() -> String {
    let (soft, hard) = open_files_limit("self");
    if soft < hard {
        let _ = std::process::Command::new("prlimit")
            .arg(format!("--pid={}", std::process::id()))
            .arg(format!("--nofile={hard}:{hard}"))
            .status();
    }
    let (now, hard) = open_files_limit("self");
    format!("open files: {now} (hard {hard}; was {soft}, raised with prlimit)")
}

// ---- the server under test ------------------------------------------------------------------

/// The writer's (batches, units) so far, from its batch-size histogram.
async fn writer_batches(server: &Server) -> (f64, f64) {
    (server.metric("campuslink_writer_batch_size_count").await, server.metric("campuslink_writer_batch_size_sum").await)
}

// ---- the school: members, sessions, groups ---------------------------------------------------

struct School {
    tokens: Vec<String>,
    /// Member i is in `group20[i / 20]`, `group200[i / 200]`, and the big group when i < 2,000.
    group20: Vec<String>,
    group200: Vec<String>,
    big: Option<(String, usize)>,
    /// `direct[i]`: member i with member i + members/2.
    direct: Vec<String>,
}

async fn seed(store: &store::Store, members: usize, senders: usize) -> School {
    let t = Instant::now();
    // One import, no passwords: nobody signs in, each has a session.
    let (campus, ids, tokens) = common::seed_members(store, "RT", members).await;
    eprintln!("seeded {members} members with sessions in {:.1} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let group20 = create_groups(store, campus, &ids, 20).await;
    let group200 = create_groups(store, campus, &ids, 200).await;
    let big_size = members.min(2000);
    let big = if big_size >= 2 {
        let (c, _) = store.create_group(ids[0], campus, "全校教師", &ids[..big_size]).await.unwrap();
        Some((c.id.to_string(), big_size))
    } else {
        None
    };
    let mut direct = Vec::new();
    for i in 0..senders.min(members / 2) {
        let (c, _, _) = store.open_direct(ids[i], ids[i + members / 2], campus).await.unwrap();
        direct.push(c.id.to_string());
    }
    eprintln!(
        "seeded {} + {} groups, a {big_size}-member group and {} direct chats in {:.1} s",
        group20.len(),
        group200.len(),
        direct.len(),
        t.elapsed().as_secs_f64()
    );
    School { tokens, group20, group200, big, direct }
}

/// Groups of `size` consecutive members, each created by its first member.
async fn create_groups(store: &store::Store, campus: domain::CampusId, ids: &[MemberId], size: usize) -> Vec<String> {
    let mut out = Vec::new();
    for (g, chunk) in ids.chunks_exact(size).enumerate() {
        let (c, _) = store.create_group(chunk[0], campus, &format!("g{size}-{g}"), chunk).await.unwrap();
        out.push(c.id.to_string());
    }
    out
}

// ---- what the load connections see ----------------------------------------------------------

#[derive(Default)]
struct Stats {
    /// Every event frame, and the bench's own messages among them.
    events: Cell<u64>,
    delivered: Cell<u64>,
    acked: Cell<u64>,
    ready: Cell<u64>,
    ended: Cell<u64>,
    problems: Cell<u64>,
    first_problem: RefCell<Option<String>>,
    resyncs: Cell<u64>,
    /// Messages stamped in [from, to) count: latency at each recipient, and to the ack.
    window: Cell<(u64, u64)>,
    in_window: Cell<u64>,
    latency_us: RefCell<Vec<u32>>,
    ack_latency_us: RefCell<Vec<u32>>,
    next_client_id: Cell<u64>,
    /// Sends over the WebSocket, each answered by an ack or a problem.
    sent: Cell<u64>,
}

fn bump(c: &Cell<u64>) {
    c.set(c.get() + 1);
}

#[derive(Default)]
struct ConnState {
    member: usize,
    /// The highest position seen: what a reconnect says in its hello.
    last: i64,
    ready: bool,
    started_ns: u64,
    hello_ns: u64,
    ready_ns: u64,
    events_before_ready: u64,
    duplicates: u64,
    recorded: Option<Vec<i64>>,
    in_flight: u32,
    /// Closed loop: on each ack, send the next message here, until then.
    closed_loop: Option<(Rc<str>, u64)>,
}

struct Peer {
    ws: Rc<Ws>,
    st: Rc<RefCell<ConnState>>,
}

struct Ctx {
    server: SocketAddrV4,
    tokens: Vec<String>,
    stats: Stats,
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w[0] == needle[0] && w == needle)
}

/// The string after the last `needle` (`"type":"`), up to its closing quote. The
/// server's JSON has sorted keys, so `type`, `position` and a message's `text` are
/// near the end of a frame: searching backwards stays short.
fn str_after<'a>(p: &'a [u8], needle: &[u8]) -> Option<&'a [u8]> {
    let start = rfind(p, needle)? + needle.len();
    let len = p[start..].iter().position(|b| *b == b'"')?;
    Some(&p[start..start + len])
}

fn int_after(p: &[u8], needle: &[u8]) -> Option<i64> {
    let start = rfind(p, needle)? + needle.len();
    let digits = p[start..].iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&p[start..start + digits]).ok()?.parse().ok()
}

/// The scheduled send time a bench message carries: its text is `@<ns> xxx…`.
fn stamp(p: &[u8]) -> Option<u64> {
    int_after(p, b"\"text\":\"@").map(|v| v as u64)
}

const PAD: &str =
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

/// A 100-character message stamped with its scheduled send time.
fn message_text(stamp: u64) -> String {
    let head = format!("@{stamp} ");
    format!("{head}{}", &PAD[..100usize.saturating_sub(head.len())])
}

fn send_frame(stats: &Stats, conversation: &str, stamp: u64) -> String {
    let id = stats.next_client_id.get();
    stats.next_client_id.set(id + 1);
    bump(&stats.sent);
    format!(
        r#"{{"type":"send","conversation_id":"{conversation}","client_id":"k{id}","text":"{}"}}"#,
        message_text(stamp)
    )
}

fn us_since(stamp: u64, now: u64) -> u32 {
    (now.saturating_sub(stamp) / 1000).min(u32::MAX as u64) as u32
}

fn on_text(ctx: &Ctx, ws: &Rc<Ws>, st: &RefCell<ConnState>, p: &[u8], now: u64) {
    let s = &ctx.stats;
    let in_window = |stamp: u64| {
        let (from, to) = s.window.get();
        stamp >= from && stamp < to
    };
    match str_after(p, b"\"type\":\"") {
        Some(b"event") => {
            let position = int_after(p, b"\"position\":").unwrap_or(-1);
            {
                let mut c = st.borrow_mut();
                if !c.ready {
                    c.events_before_ready += 1;
                }
                if position <= c.last {
                    c.duplicates += 1;
                } else {
                    c.last = position;
                }
                if let Some(r) = c.recorded.as_mut() {
                    r.push(position);
                }
            }
            bump(&s.events);
            if let Some(stamp) = stamp(p) {
                bump(&s.delivered);
                if in_window(stamp) {
                    bump(&s.in_window);
                    s.latency_us.borrow_mut().push(us_since(stamp, now));
                }
            }
        }
        Some(b"ack") => {
            bump(&s.acked);
            if let Some(stamp) = stamp(p).filter(|t| in_window(*t)) {
                s.ack_latency_us.borrow_mut().push(us_since(stamp, now));
            }
            let mut c = st.borrow_mut();
            c.in_flight = c.in_flight.saturating_sub(1);
            if let Some((conversation, until)) = c.closed_loop.clone()
                && now < until
            {
                c.in_flight += 1;
                drop(c);
                ws.send_text(&send_frame(s, &conversation, now_ns()));
            }
        }
        Some(b"ready") => {
            let mut c = st.borrow_mut();
            c.ready = true;
            c.ready_ns = now;
            c.last = c.last.max(int_after(p, b"\"position\":").unwrap_or(0));
            bump(&s.ready);
        }
        Some(b"problem") => {
            bump(&s.problems);
            let mut c = st.borrow_mut();
            c.in_flight = c.in_flight.saturating_sub(1);
            s.first_problem.borrow_mut().get_or_insert_with(|| String::from_utf8_lossy(p).into_owned());
        }
        Some(b"resync") => bump(&s.resyncs),
        _ => {}
    }
}

/// Opens member's connection and says hello; its reader runs until the socket ends.
async fn open(ctx: &Rc<Ctx>, member: usize, after: Option<i64>, record: bool) -> std::io::Result<Peer> {
    let started_ns = now_ns();
    // Source addresses 127.0.0.2…9: 10,000 sockets (twice, on a reconnect) would use up
    // the ephemeral ports of one address pair.
    let source = Ipv4Addr::new(127, 0, 0, 2 + (member % 8) as u8);
    let seed = (member as u32).wrapping_mul(2_654_435_761) ^ started_ns as u32;
    let connecting = ws::connect(ctx.server, source, &ctx.tokens[member], seed);
    let (ws, leftover) = tokio::time::timeout(Duration::from_secs(10), connecting)
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no upgrade within 10 s"))??;
    let st = Rc::new(RefCell::new(ConnState {
        member,
        last: after.unwrap_or(0),
        started_ns,
        hello_ns: now_ns(),
        recorded: record.then(Vec::new),
        ..Default::default()
    }));
    match after {
        Some(p) => ws.send_text(&format!(r#"{{"type":"hello","after":{p}}}"#)),
        None => ws.send_text(r#"{"type":"hello","after":null}"#),
    }
    let (c, w, s) = (ctx.clone(), ws.clone(), st.clone());
    spawn_local(async move {
        w.read_frames(leftover, now_ns, |p, now| on_text(&c, &w, &s, p, now)).await;
        bump(&c.stats.ended);
    });
    Ok(Peer { ws, st })
}

struct Opened {
    peers: Vec<Option<Peer>>,
    failed: usize,
    retries: usize,
    first_error: Option<String>,
    started_ns: u64,
    /// Until every opened connection was ready (None: some never were, within the limit).
    all_ready: Option<Duration>,
}

/// Opens one connection per member of `who` (at most `limit` upgrades at once), retrying
/// a failed one three times, and waits until each has its `ready`.
async fn open_all(
    ctx: &Rc<Ctx>,
    who: &[usize],
    after: &dyn Fn(usize) -> Option<i64>,
    limit: usize,
    record: bool,
) -> Opened {
    let slots: Rc<RefCell<Vec<Option<Peer>>>> = Rc::new(RefCell::new((0..who.len()).map(|_| None).collect()));
    let gate = Rc::new(tokio::sync::Semaphore::new(limit.min(tokio::sync::Semaphore::MAX_PERMITS)));
    let failed = Rc::new(Cell::new(0usize));
    let retries = Rc::new(Cell::new(0usize));
    let first_error: Rc<RefCell<Option<String>>> = Rc::default();
    let ready_before = ctx.stats.ready.get();
    let started_ns = now_ns();
    let mut tasks = Vec::with_capacity(who.len());
    for (slot, &member) in who.iter().enumerate() {
        let (ctx, slots, gate, failed, retries, first_error) =
            (ctx.clone(), slots.clone(), gate.clone(), failed.clone(), retries.clone(), first_error.clone());
        let after = after(member);
        tasks.push(spawn_local(async move {
            let _permit = gate.acquire().await.unwrap();
            for attempt in 0..4u64 {
                match open(&ctx, member, after, record).await {
                    Ok(peer) => {
                        slots.borrow_mut()[slot] = Some(peer);
                        return;
                    }
                    Err(e) if attempt < 3 => {
                        first_error.borrow_mut().get_or_insert_with(|| e.to_string());
                        retries.set(retries.get() + 1);
                        tokio::time::sleep(Duration::from_millis(200 * (attempt + 1))).await;
                    }
                    Err(e) => {
                        first_error.borrow_mut().get_or_insert_with(|| e.to_string());
                        failed.set(failed.get() + 1);
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let opened = who.len() - failed.get();
    let deadline = Instant::now() + Duration::from_secs(60);
    while ((ctx.stats.ready.get() - ready_before) as usize) < opened && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let peers: Vec<Option<Peer>> = slots.borrow_mut().drain(..).collect();
    let all_ready = (((ctx.stats.ready.get() - ready_before) as usize) >= opened).then(|| {
        let last = peers.iter().flatten().map(|p| p.st.borrow().ready_ns).max().unwrap_or(started_ns);
        Duration::from_nanos(last.saturating_sub(started_ns))
    });
    Opened {
        peers,
        failed: failed.get(),
        retries: retries.get(),
        first_error: first_error.take(),
        started_ns,
        all_ready,
    }
}

/// Closes connections cleanly and waits (at most 20 s) until their readers ended.
async fn close_all<'a>(ctx: &Ctx, peers: impl Iterator<Item = &'a Peer>) {
    let before = ctx.stats.ended.get();
    let mut n = 0;
    for p in peers {
        if !p.ws.is_closed() {
            p.ws.close();
            n += 1;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while ctx.stats.ended.get() < before + n && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Waits (at most `max`) until every send has its answer: past saturation the server
/// works through a backlog after the window, which must not spill into the next phase.
async fn wait_backlog(ctx: &Ctx, max: Duration) -> (Duration, u64) {
    let start = Instant::now();
    let open = || ctx.stats.sent.get().saturating_sub(ctx.stats.acked.get() + ctx.stats.problems.get());
    while open() > 0 && start.elapsed() < max {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (start.elapsed(), open())
}

/// Waits until no frame has arrived for half a second (at most `max`).
async fn quiesce(ctx: &Ctx, max: Duration) {
    let start = Instant::now();
    let count = || ctx.stats.events.get() + ctx.stats.acked.get();
    let (mut seen, mut since) = (count(), Instant::now());
    while start.elapsed() < max {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if count() != seen {
            (seen, since) = (count(), Instant::now());
        } else if since.elapsed() >= Duration::from_millis(500) {
            return;
        }
    }
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize] as f64 / 1000.0
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn thousands(v: f64) -> String {
    let s = format!("{:.0}", v.max(0.0));
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

// ---- the report -----------------------------------------------------------------------------

struct Row {
    figure: String,
    ours: String,
    bare: String,
    ratio: String,
    ejabberd: String,
}

#[derive(Default)]
struct Report {
    rows: Vec<Row>,
    notes: Vec<String>,
}

impl Report {
    fn row(&mut self, figure: impl Into<String>, ours: impl Into<String>, bare: &str, ratio: String, ejabberd: &str) {
        let r = Row { figure: figure.into(), ours: ours.into(), bare: bare.into(), ratio, ejabberd: ejabberd.into() };
        eprintln!("  {}: {}", r.figure, r.ours);
        self.rows.push(r);
    }

    fn print(&self, command: &str) {
        let width = |f: fn(&Row) -> &str, title: &str| {
            self.rows.iter().map(|r| f(r).chars().count()).max().unwrap_or(0).max(title.chars().count())
        };
        let titles = ["figure", "campuslink", "bare limit (PERFORMANCE.md)", "ratio to bare", "ejabberd anchor"];
        let w = [
            width(|r| &r.figure, titles[0]),
            width(|r| &r.ours, titles[1]),
            width(|r| &r.bare, titles[2]),
            width(|r| &r.ratio, titles[3]),
            width(|r| &r.ejabberd, titles[4]),
        ];
        let line = |cells: [&str; 5]| {
            let padded: Vec<String> = cells
                .iter()
                .zip(w)
                .map(|(c, w)| format!("{c}{}", " ".repeat(w.saturating_sub(c.chars().count()))))
                .collect();
            println!("| {} |", padded.join(" | "));
        };
        println!("\n{command}\n");
        line(titles);
        let rule: Vec<String> = w.iter().map(|w| "-".repeat(*w)).collect();
        println!("|-{}-|", rule.join("-|-"));
        for r in &self.rows {
            line([&r.figure, &r.ours, &r.bare, &r.ratio, &r.ejabberd]);
        }
        for n in &self.notes {
            println!("- {n}");
        }
    }
}

// ---- (a) fan-out and the open-loop publisher -------------------------------------------------

struct OpenLoop {
    sent_in_window: u64,
    skipped: u64,
    start: (Snap, u64, u64),
    end: (Snap, u64, u64),
}

/// Sends message k at its scheduled time start + k/rate (on the first 1 ms tick at or
/// after it), stamped with that time, through `pick(k)`: open loop, so a slow server or
/// client shows up as latency instead of a lower rate. Warm-up, then the window.
async fn open_loop(
    ctx: &Ctx,
    pid: u32,
    rate: f64,
    warmup: f64,
    seconds: f64,
    pick: &dyn Fn(u64) -> Option<(Rc<Ws>, Rc<str>)>,
) -> OpenLoop {
    let s = &ctx.stats;
    let start = now_ns();
    let window_from = start + (warmup * 1e9) as u64;
    let window_to = window_from + (seconds * 1e9) as u64;
    s.window.set((window_from, window_to));
    s.in_window.set(0);
    s.latency_us.borrow_mut().clear();
    s.ack_latency_us.borrow_mut().clear();
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let (mut k, mut sent_in_window, mut skipped) = (0u64, 0u64, 0u64);
    let mut window_start = None;
    loop {
        tick.tick().await;
        let now = now_ns();
        if window_start.is_none() && now >= window_from {
            window_start = Some((Snap::take(pid), s.delivered.get(), s.acked.get()));
        }
        if now >= window_to {
            break;
        }
        let due = ((now - start) as f64 * rate / 1e9) as u64 + 1;
        while k < due {
            let stamp = start + (k as f64 * 1e9 / rate) as u64;
            match pick(k) {
                Some((ws, conversation)) if !ws.is_closed() => {
                    ws.send_text(&send_frame(s, &conversation, stamp));
                    if stamp >= window_from && stamp < window_to {
                        sent_in_window += 1;
                    }
                }
                _ => skipped += 1,
            }
            k += 1;
        }
    }
    let end = (Snap::take(pid), s.delivered.get(), s.acked.get());
    OpenLoop { sent_in_window, skipped, start: window_start.unwrap_or(end), end }
}

#[allow(clippy::too_many_arguments)]
async fn fanout(
    ctx: &Ctx,
    server: &Server,
    fleet: &[Option<Peer>],
    groups: &[String],
    size: usize,
    rate: f64,
    seconds: f64,
    report: &mut Report,
) {
    let bare = if size == 20 { BARE_20 } else { BARE_200 };
    let ejabberd = if size == 20 { EJABBERD_20 } else { EJABBERD_200 };
    let label = format!("(a) {} groups × {size}", groups.len());
    eprintln!("\n{label}: {rate} messages/s = {} deliveries/s, open loop", thousands(rate * size as f64));
    let convs: Vec<Rc<str>> = groups.iter().map(|g| Rc::from(g.as_str())).collect();
    let g = groups.len() as u64;
    // Message k goes to group k mod G, from its members in turn.
    let pick = |k: u64| {
        let group = (k % g) as usize;
        let member = group * size + ((k / g) % size as u64) as usize;
        fleet.get(member).and_then(|p| p.as_ref()).map(|p| (p.ws.clone(), convs[group].clone()))
    };
    let (resyncs, problems) = (ctx.stats.resyncs.get(), ctx.stats.problems.get());
    let run = open_loop(ctx, server.pid, rate, 3.0, seconds, &pick).await;
    let expected = run.sent_in_window * size as u64;
    let drain = Instant::now();
    while ctx.stats.in_window.get() < expected && drain.elapsed() < Duration::from_secs(3) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (backlog, unanswered) = wait_backlog(ctx, Duration::from_secs(90)).await;
    let u = usage(run.start.0, run.end.0);
    let delivered = (run.end.1 - run.start.1) as f64;
    let mut lat = ctx.stats.latency_us.take();
    lat.sort_unstable();
    let per_s = delivered / u.wall;
    let cpu_us = u.server * 1e6 / delivered.max(1.0);
    report.row(
        format!("{label}: deliveries/s held (offered {})", thousands(rate * size as f64)),
        thousands(per_s),
        &thousands(bare.0),
        format!("{:.2}", per_s / bare.0),
        &format!("{:.1}× ({})", per_s / ejabberd.0, thousands(ejabberd.0)),
    );
    report.row(
        format!("{label}: send→receive p50 / p99 / max"),
        format!("{:.1} / {:.1} / {:.0} ms", percentile(&lat, 0.5), percentile(&lat, 0.99), percentile(&lat, 1.0)),
        bare.1,
        String::new(),
        "",
    );
    report.row(
        format!("{label}: server CPU per delivery"),
        format!("{cpu_us:.1} µs"),
        &format!("{} µs", bare.2),
        format!("{:.2}× the cost", cpu_us / bare.2),
        ejabberd.1.rsplit(", ").next().unwrap_or(""),
    );
    let missing = expected as i64 - ctx.stats.in_window.get() as i64;
    report.row(
        format!("{label}: missing / dropped (resync) / refused"),
        format!(
            "{missing} of {} / {} / {}",
            thousands(expected as f64),
            ctx.stats.resyncs.get() - resyncs,
            ctx.stats.problems.get() - problems
        ),
        "0",
        String::new(),
        "",
    );
    report.notes.push(format!(
        "{label}: server core {:.0} % busy, of which {:.0} % not the server; client {:.0} % of core 1 ({:.1} µs per delivery); \
         {} sends skipped (closed connection); every send answered {:.1} s after the window{}",
        u.core0 * 100.0,
        u.core0_foreign * 100.0,
        u.client / u.wall * 100.0,
        u.client * 1e6 / delivered.max(1.0),
        run.skipped,
        backlog.as_secs_f64(),
        if unanswered > 0 { format!(" ({unanswered} still unanswered after 90 s)") } else { String::new() }
    ));
    if let Some(p) = ctx.stats.first_problem.borrow().as_ref() {
        report.notes.push(format!("first problem frame: {}", p.chars().take(200).collect::<String>()));
    }
}

// ---- REST helpers -------------------------------------------------------------------------

/// Posts (member, conversation) messages over REST, `concurrency` at a time, and returns
/// each one's (conversation, position).
async fn post_messages(
    ctx: &Rc<Ctx>,
    http: &reqwest::Client,
    base: &str,
    jobs: Vec<(usize, String)>,
    concurrency: usize,
) -> Vec<(String, i64)> {
    let queue = Rc::new(RefCell::new(VecDeque::from(jobs)));
    let done: Rc<RefCell<Vec<(String, i64)>>> = Rc::default();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (queue, done, http, base, ctx) = (queue.clone(), done.clone(), http.clone(), base.to_owned(), ctx.clone());
        tasks.push(spawn_local(async move {
            loop {
                let Some((member, conversation)) = queue.borrow_mut().pop_front() else { return };
                let id = ctx.stats.next_client_id.get();
                ctx.stats.next_client_id.set(id + 1);
                let answer: serde_json::Value = http
                    .post(format!("{base}/api/v1/conversations/{conversation}/messages"))
                    .bearer_auth(&ctx.tokens[member])
                    .json(&serde_json::json!({"client_id": format!("r{id}"), "text": format!("offline {id}")}))
                    .send()
                    .await
                    .unwrap()
                    .error_for_status()
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                done.borrow_mut().push((conversation, answer["position"].as_i64().unwrap()));
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    done.take()
}

async fn timed(request: reqwest::RequestBuilder) -> (Duration, serde_json::Value) {
    let t = Instant::now();
    let r = request.send().await.unwrap();
    let status = r.status();
    let body: serde_json::Value = r.json().await.unwrap_or_default();
    assert!(status.is_success(), "{status}: {body}");
    (t.elapsed(), body)
}

fn durations_ms(mut v: Vec<Duration>) -> (f64, f64, f64) {
    v.sort();
    let at = |p: f64| v.get(((v.len().max(1) - 1) as f64 * p).round() as usize).map_or(f64::NAN, |d| ms(*d));
    (at(0.5), at(0.99), at(1.0))
}

// ---- the run ------------------------------------------------------------------------------------

fn main() {
    let fd = raise_fd_limit();
    let o = Options::from_env();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    tokio::task::LocalSet::new().block_on(&rt, run(o, fd));
}

async fn run(o: Options, fd: String) {
    let command = format!(
        "BENCH_PHASES={} BENCH_MEMBERS={} BENCH_RATE={},{} BENCH_SECONDS={} BENCH_SENDERS={} BENCH_MISSED={} \
         taskset -c 1 cargo bench -p campuslink-server --bench realtime",
        o.phases, o.members, o.rates.0, o.rates.1, o.seconds, o.senders, o.missed
    );
    eprintln!("{command}\n{fd}");
    let db = TestDb::sqlite();
    let db_dir = db.url.strip_prefix("sqlite://").and_then(|p| std::path::Path::new(p).parent()).map(Into::into);
    let store = db.connect().await.unwrap();
    let school = seed(&store, o.members, o.senders).await;
    store.close().await;
    let mut server = Server::start("realtime", "serve", &["--database-url", &db.url], &[]).await;
    server.db_dir = db_dir;
    let (soft, _) = open_files_limit(&server.pid.to_string());
    let pinned = std::fs::read_to_string(format!("/proc/{}/status", server.pid))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:").map(|v| v.trim().to_owned()))
        .unwrap_or_default();
    let me = std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:").map(|v| v.trim().to_owned()))
        .unwrap_or_default();
    let mut report = Report::default();
    report.notes.push(format!(
        "server: {}, SQLite (WAL, synchronous=FULL) in {}, on cores {pinned}, {soft} open files; \
         load generator: this process (one current_thread runtime) on cores {me}; {fd}",
        common::binary().display(),
        std::env::temp_dir().display()
    ));
    let ctx = Rc::new(Ctx { server: server.addr, tokens: school.tokens.clone(), stats: Stats::default() });
    let http = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    let n = o.members;
    let everyone: Vec<usize> = (0..n).collect();

    // (d) memory per idle connection, and the fleet the fan-out and catch-up use.
    let mut fleet: Vec<Option<Peer>> = Vec::new();
    if o.has('a') || o.has('d') || o.has('e') {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let rss_before = server.rss_kb();
        eprintln!("\nconnecting {n} members (hello → ready), 256 upgrades at a time");
        let opened = open_all(&ctx, &everyone, &|_| None, 256, false).await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let rss_after = server.rss_kb();
        let connected = opened.peers.iter().flatten().count();
        assert!(connected > 0, "no connection opened: {:?}\n{}", opened.first_error, server.log_tail());
        if o.has('d') {
            let per = (rss_after.saturating_sub(rss_before)) as f64 * 1024.0 / connected as f64 / 1000.0;
            report.row(
                format!("(d) server RSS per idle authenticated WebSocket ({} connected)", thousands(connected as f64)),
                format!("{per:.1} KB"),
                &format!("{BARE_IDLE_KB} KB (4 KiB buffers)"),
                format!("{:.2}× the memory", per / BARE_IDLE_KB),
                &format!("{:.2}× ({EJABBERD_IDLE_KB} KB)", per / EJABBERD_IDLE_KB),
            );
            report.notes.push(format!(
                "(d) VmRSS {} → {} KiB; {} connected in {:.1} s, {} failed, {} retried{}",
                thousands(rss_before as f64),
                thousands(rss_after as f64),
                thousands(connected as f64),
                opened.all_ready.map_or(f64::NAN, |d| d.as_secs_f64()),
                opened.failed,
                opened.retries,
                opened.first_error.as_ref().map(|e| format!(" (first error: {e})")).unwrap_or_default()
            ));
        }
        fleet = opened.peers;
    }

    if o.has('a') {
        if !school.group20.is_empty() {
            fanout(&ctx, &server, &fleet, &school.group20, 20, o.rates.0, o.seconds, &mut report).await;
            quiesce(&ctx, Duration::from_secs(20)).await;
        }
        if !school.group200.is_empty() {
            fanout(&ctx, &server, &fleet, &school.group200, 200, o.rates.1, o.seconds, &mut report).await;
            quiesce(&ctx, Duration::from_secs(20)).await;
        }
    }

    if o.has('e') && n >= 20 {
        catch_up(&ctx, &server, &http, &school, &mut fleet, &o, &mut report).await;
    }
    close_all(&ctx, fleet.iter().flatten()).await;
    drop(fleet);

    if o.has('b') && !school.direct.is_empty() {
        durable(&ctx, &server, &school, &o, &mut report).await;
    }
    if o.has('c')
        && let Some(big) = &school.big
    {
        read_status(&ctx, &server, &http, big, &mut report).await;
    }
    report.print(&command);
    drop(server);
    db.drop_db().await;
}

// ---- (e) catch-up --------------------------------------------------------------------------

#[allow(clippy::too_many_arguments)]
async fn catch_up(
    ctx: &Rc<Ctx>,
    server: &Server,
    http: &reqwest::Client,
    school: &School,
    fleet: &mut [Option<Peer>],
    o: &Options,
    report: &mut Report,
) {
    let n = o.members;
    // Anyone the fan-out dropped catches up first, so every `last` below is current.
    let gone: Vec<usize> = (0..n).filter(|i| fleet[*i].as_ref().is_none_or(|p| p.ws.is_closed())).collect();
    if !gone.is_empty() {
        let lasts: HashMap<usize, Option<i64>> =
            gone.iter().map(|i| (*i, fleet[*i].as_ref().map(|p| p.st.borrow().last))).collect();
        let healed = open_all(ctx, &gone, &|i| lasts[&i], 256, false).await;
        for (i, p) in gone.iter().zip(healed.peers) {
            fleet[*i] = p;
        }
        report.notes.push(format!("(e) {} connections dropped earlier were reopened first", gone.len()));
    }
    quiesce(ctx, Duration::from_secs(20)).await;

    // One client misses 1,000 events in its 20-member group, then comes back, ten times.
    let (x, sender, missed_one) = (1usize, 0usize, 1000usize);
    eprintln!("\n(e) member {x} misses {missed_one} messages, then resumes");
    let p = fleet[x].as_ref().unwrap().st.borrow().last;
    close_all(ctx, fleet[x].iter()).await;
    let conv = school.group20[0].clone();
    let jobs = (0..missed_one).map(|_| (sender, conv.clone())).collect();
    let mut expected: Vec<i64> =
        post_messages(ctx, http, &server.base, jobs, 16).await.into_iter().map(|m| m.1).collect();
    expected.sort_unstable();
    quiesce(ctx, Duration::from_secs(20)).await;
    let (mut to_ready, mut hello_to_ready, mut exact) = (Vec::new(), Vec::new(), 0);
    let reps = 10;
    for rep in 0..=reps {
        let peer = open(ctx, x, Some(p), true).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !peer.st.borrow().ready && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        quiesce(ctx, Duration::from_secs(5)).await;
        {
            let st = peer.st.borrow();
            assert!(st.ready, "member {x} was not caught up within 20 s");
            to_ready.push(Duration::from_nanos(st.ready_ns - st.started_ns));
            hello_to_ready.push(Duration::from_nanos(st.ready_ns - st.hello_ns));
            if st.recorded.as_deref() == Some(&expected[..]) && st.events_before_ready == missed_one as u64 {
                exact += 1;
            }
        }
        if rep == reps {
            // The last one stays: the fleet is whole again for the reconnect below.
            fleet[x] = Some(peer);
        } else {
            close_all(ctx, std::iter::once(&peer)).await;
        }
    }
    let (p50, _, max) = durations_ms(to_ready);
    let (h50, _, hmax) = durations_ms(hello_to_ready);
    report.row(
        format!("(e) one client missed {missed_one} events: connect → ready p50 / max ({} runs)", reps + 1),
        format!("{p50:.1} / {max:.1} ms (hello → ready {h50:.1} / {hmax:.1} ms)"),
        "—",
        String::new(),
        "",
    );
    report.row(
        "(e) … got exactly the missed events, in order",
        format!("{exact} of {} runs", reps + 1),
        "all",
        String::new(),
        "",
    );

    // Everyone drops, misses `missed` messages in each of their two groups, and comes back at once.
    eprintln!("\n(e) {n} clients drop, miss {} messages each, and reconnect at once", 2 * o.missed);
    quiesce(ctx, Duration::from_secs(20)).await;
    let lasts: Vec<i64> = fleet.iter().map(|p| p.as_ref().map_or(0, |p| p.st.borrow().last)).collect();
    close_all(ctx, fleet.iter().flatten()).await;
    for p in fleet.iter_mut() {
        *p = None;
    }
    let mut jobs = Vec::new();
    for _ in 0..o.missed {
        jobs.extend(school.group20.iter().enumerate().map(|(g, c)| (g * 20, c.clone())));
        jobs.extend(school.group200.iter().enumerate().map(|(g, c)| (g * 200 + 1, c.clone())));
    }
    let t = Instant::now();
    let posted = post_messages(ctx, http, &server.base, jobs, 32).await;
    eprintln!("posted {} messages over REST in {:.1} s", posted.len(), t.elapsed().as_secs_f64());
    let mut by_conv: HashMap<&str, Vec<i64>> = HashMap::new();
    for (c, pos) in &posted {
        by_conv.entry(c.as_str()).or_default().push(*pos);
    }
    let everyone: Vec<usize> = (0..n).collect();
    let opened = open_all(ctx, &everyone, &|i| Some(lasts[i]), usize::MAX, true).await;
    quiesce(ctx, Duration::from_secs(20)).await;
    let (mut lost, mut extra, mut dups, mut out_of_order, mut exact, mut replayed) = (0, 0, 0, 0, 0, 0u64);
    let mut ready_after: Vec<Duration> = Vec::new();
    for (i, peer) in opened.peers.iter().enumerate() {
        let Some(peer) = peer else { continue };
        let st = peer.st.borrow();
        if st.ready {
            ready_after.push(Duration::from_nanos(st.ready_ns.saturating_sub(opened.started_ns)));
        }
        let mut want: Vec<i64> = [school.group20.get(i / 20), school.group200.get(i / 200)]
            .into_iter()
            .flatten()
            .flat_map(|c| by_conv.get(c.as_str()).into_iter().flatten().copied())
            .filter(|pos| *pos > lasts[i])
            .collect();
        want.sort_unstable();
        let got = st.recorded.clone().unwrap_or_default();
        replayed += st.events_before_ready;
        if got.windows(2).any(|w| w[0] >= w[1]) {
            out_of_order += 1;
        }
        let mut sorted = got.clone();
        sorted.sort_unstable();
        sorted.dedup();
        dups += got.len() - sorted.len();
        lost += want.iter().filter(|p| sorted.binary_search(p).is_err()).count();
        extra += sorted.iter().filter(|p| want.binary_search(p).is_err()).count();
        if got == want {
            exact += 1;
        }
    }
    let (p50, p99, _) = durations_ms(ready_after.clone());
    report.row(
        format!("(e) {} clients reconnect at once: all ready after", thousands(n as f64)),
        match opened.all_ready {
            Some(d) => format!("{:.2} s (p50 {:.0} ms, p99 {:.0} ms)", d.as_secs_f64(), p50, p99),
            None => format!("not all within 60 s ({} ready)", ready_after.len()),
        },
        "—",
        String::new(),
        "",
    );
    report.row(
        format!("(e) … each got exactly what it missed ({} events each)", 2 * o.missed),
        format!(
            "{exact} of {n} clients; lost {lost}, extra {extra}, doubled {dups}, out of order {out_of_order}, {} failed to connect",
            opened.failed
        ),
        "all, 0 lost",
        String::new(),
        "",
    );
    report.notes.push(format!(
        "(e) reconnect: {} events replayed before ready; {} connection attempts retried{}",
        thousands(replayed as f64),
        opened.retries,
        opened.first_error.as_ref().map(|e| format!(" (first error: {e})")).unwrap_or_default()
    ));
    for (slot, p) in fleet.iter_mut().zip(opened.peers) {
        *slot = p;
    }
}

// ---- (b) durable sends ------------------------------------------------------------------------

async fn durable(ctx: &Rc<Ctx>, server: &Server, school: &School, o: &Options, report: &mut Report) {
    let senders: Vec<usize> = (0..school.direct.len()).collect();
    eprintln!("\n(b) {} senders, each in a direct chat with a member who is offline", senders.len());
    let opened = open_all(ctx, &senders, &|_| None, 256, false).await;
    let peers: Vec<Peer> = opened.peers.into_iter().flatten().collect();
    let convs: Vec<Rc<str>> = school.direct.iter().map(|c| Rc::from(c.as_str())).collect();
    let s = &ctx.stats;

    // Closed loop: each sender sends again as soon as its previous send is acknowledged.
    let warmup = 2.0;
    let start = now_ns();
    let (from, to) = (start + (warmup * 1e9) as u64, start + ((warmup + o.seconds) * 1e9) as u64);
    s.window.set((from, to));
    s.ack_latency_us.borrow_mut().clear();
    for p in &peers {
        let conv = convs[p.st.borrow().member].clone();
        p.st.borrow_mut().closed_loop = Some((conv.clone(), to));
        p.st.borrow_mut().in_flight = 1;
        p.ws.send_text(&send_frame(s, &conv, now_ns()));
    }
    tokio::time::sleep(Duration::from_nanos(from.saturating_sub(now_ns()))).await;
    let (snap0, acked0, batches0) = (Snap::take(server.pid), s.acked.get(), writer_batches(server).await);
    tokio::time::sleep(Duration::from_nanos(to.saturating_sub(now_ns()))).await;
    let (snap1, acked1, batches1) = (Snap::take(server.pid), s.acked.get(), writer_batches(server).await);
    quiesce(ctx, Duration::from_secs(10)).await;
    let u = usage(snap0, snap1);
    let sends = (acked1 - acked0) as f64;
    let per_s = sends / u.wall;
    let mut lat = s.ack_latency_us.take();
    lat.sort_unstable();
    let batch = (batches1.1 - batches0.1) / (batches1.0 - batches0.0).max(1.0);
    report.row(
        format!("(b) closed loop, {} senders: durable sends/s", peers.len()),
        thousands(per_s),
        &format!("{} rows/s (100 rows/txn)", thousands(BARE_GROUP_COMMIT)),
        format!("{:.2}", per_s / BARE_GROUP_COMMIT),
        "— (stores nothing)",
    );
    report.row(
        "(b) closed loop: send → ack p50 / p99",
        format!("{:.1} / {:.1} ms", percentile(&lat, 0.5), percentile(&lat, 0.99)),
        "p99 8.4 ms per 100-row txn",
        String::new(),
        "",
    );
    report.row(
        "(b) closed loop: server CPU per send; writer batch",
        format!("{:.0} µs; {batch:.0} sends per transaction", u.server * 1e6 / sends.max(1.0)),
        "",
        String::new(),
        "",
    );
    report.notes.push(format!(
        "(b) closed loop: server core {:.0} % busy ({:.0} % not the server), client {:.0} % of core 1",
        u.core0 * 100.0,
        u.core0_foreign * 100.0,
        u.core1 * 100.0
    ));
    for p in &peers {
        p.st.borrow_mut().closed_loop = None;
    }

    // Open loop at a fixed rate, round-robin over the senders.
    let rate = 2000.0;
    let pick = |k: u64| {
        let p = &peers[(k % peers.len() as u64) as usize];
        Some((p.ws.clone(), convs[p.st.borrow().member].clone()))
    };
    let batches0 = writer_batches(server).await;
    let run = open_loop(ctx, server.pid, rate, 2.0, o.seconds, &pick).await;
    quiesce(ctx, Duration::from_secs(10)).await;
    let batches1 = writer_batches(server).await;
    let u = usage(run.start.0, run.end.0);
    let acks = (run.end.2 - run.start.2) as f64;
    let mut lat = s.ack_latency_us.take();
    lat.sort_unstable();
    let batch = (batches1.1 - batches0.1) / (batches1.0 - batches0.0).max(1.0);
    report.row(
        format!("(b) open loop {} sends/s: acked/s; send → ack p50 / p99 / max", thousands(rate)),
        format!(
            "{}; {:.1} / {:.1} / {:.0} ms",
            thousands(acks / u.wall),
            percentile(&lat, 0.5),
            percentile(&lat, 0.99),
            percentile(&lat, 1.0)
        ),
        "p99 4.6 ms per 10-row txn",
        String::new(),
        "",
    );
    report.notes.push(format!(
        "(b) open loop: {:.0} sends per writer transaction, server CPU {:.0} µs per send, {} acks in the window of {} sent",
        batch,
        u.server * 1e6 / acks.max(1.0),
        lat.len(),
        run.sent_in_window
    ));
    close_all(ctx, peers.iter()).await;
}

// ---- (c) read status -----------------------------------------------------------------------------

async fn read_status(
    ctx: &Rc<Ctx>,
    server: &Server,
    http: &reqwest::Client,
    big: &(String, usize),
    report: &mut Report,
) {
    let (conv, size) = (big.0.as_str(), big.1);
    let calls = 300.min(size - 1);
    eprintln!("\n(c) read status in the {size}-member group, {calls} calls each, one at a time");
    let url = |path: &str| format!("{}/api/v1/conversations/{conv}{path}", server.base);
    let (_, message) = timed(
        http.post(url("/messages"))
            .bearer_auth(&ctx.tokens[0])
            .json(&serde_json::json!({"client_id": "read-probe", "text": "read status probe"})),
    )
    .await;
    let (id, position) = (message["id"].as_str().unwrap().to_owned(), message["position"].as_i64().unwrap());
    let mut marks = Vec::new();
    for member in 1..=calls {
        let request =
            http.post(url("/read")).bearer_auth(&ctx.tokens[member]).json(&serde_json::json!({"position": position}));
        let (d, body) = timed(request).await;
        assert_eq!(body["read_position"].as_i64(), Some(position));
        marks.push(d);
    }
    let mut lists = Vec::new();
    let mut answer = (0, 0);
    for _ in 0..calls {
        let (d, body) = timed(http.get(url(&format!("/messages/{id}/readers"))).bearer_auth(&ctx.tokens[0])).await;
        answer = (body["read"].as_array().map_or(0, Vec::len), body["unread"].as_array().map_or(0, Vec::len));
        lists.push(d);
    }
    let (m50, m99, _) = durations_ms(marks);
    let (r50, r99, _) = durations_ms(lists);
    report.row(
        format!("(c) mark read in a {}-member group (POST …/read): p50 / p99", thousands(size as f64)),
        format!("{m50:.2} / {m99:.2} ms"),
        "—",
        String::new(),
        "",
    );
    report.row(
        format!("(c) who has read one message (GET …/readers, {} read + {} unread): p50 / p99", answer.0, answer.1),
        format!("{r50:.2} / {r99:.2} ms"),
        "—",
        String::new(),
        "",
    );
}
