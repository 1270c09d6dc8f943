//! History search benchmark on SQLite: 1,000,000 messages in 1,100 conversations of a
//! 2,000-member campus, indexed by the release binary's own indexer (its catch-up rate),
//! then searched by three teachers — one in 35 conversations, one in 120 (past the number
//! the FTS5 query names), and one whose few conversations are quiet (most matches are
//! someone else's) — for a Chinese pair, a rare Chinese word, Portuguese words
//! without their accents, prefixes and within one conversation: p50/p99 under concurrent
//! load. Then sends at a fixed rate, and their acknowledgement p50/p99, three ways: the
//! indexer off, the indexer catching up a backlog of messages it has not seen (a burst),
//! and the indexer idle, following each send.
//!
//! cargo build --release -p campuslink && cargo bench -p campuslink-server --bench search --no-run
//! taskset -c 1 cargo bench -p campuslink-server --bench search
//! (options through the environment: BENCH_MESSAGES (1000000), BENCH_BACKLOG (200000 per
//! round), BENCH_ROUNDS (2), BENCH_CLIENTS (8), BENCH_SECONDS (4 per search case, twice
//! that per send phase), BENCH_RATE (sends/s, 500), BENCH_SKIP_SEARCH, BENCH_KEEP_DB;
//! BENCH_LOG sets the server's CAMPUSLINK_LOG and keeps its log; BENCH_BIN names the
//! binary, else $CARGO_TARGET_DIR/release/campuslink)

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark fails loudly

#[path = "common/mod.rs"]
mod common;

use common::{Server, Snap, closed_loop, env_or, load_average, percentile_ms, usage};
use domain::MemberId;
use sqlx::Connection;
use std::time::{Duration, Instant};
use store::Store;
use store::testing::TestDb;

/// A small deterministic generator (xorshift64*), so every run seeds the same school.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// What teachers write, in the three languages; a message is one or two of these.
const PHRASES: [&str; 48] = [
    "明天下午三點開家長會",
    "請各位老師準時出席",
    "教務處通知：下週一調課",
    "數學科測驗安排已上載",
    "學生午膳時間改為十二點半",
    "校車時間更改，請留意",
    "家長日的流程表",
    "課程表已更新，請查閱",
    "收到，謝謝",
    "好的",
    "會議紀錄已發到群組",
    "請交回考勤表",
    "三年級的作業收齊了嗎",
    "圖書館星期五休息",
    "體育課改在禮堂上",
    "中文科教研會議延期",
    "英文默書範圍是第五課",
    "請協助維持秩序",
    "今天放學後補課",
    "我晚點回覆你",
    "A reunião é amanhã às dez",
    "Os alunos do 5.º ano vão à visita de estudo",
    "Obrigado pela ajuda",
    "O horário das aulas mudou",
    "Sala de professores no segundo andar",
    "A avaliação de matemática é na sexta-feira",
    "Por favor confirme a presença",
    "Reunião de pais adiada para quinta-feira",
    "Bom dia a todos",
    "Enviei o relatório por e-mail",
    "Meeting moved to Friday afternoon",
    "Thanks, received",
    "Please check the new timetable",
    "The science fair starts at nine",
    "Can you cover my class tomorrow",
    "Parents evening reminder",
    "Homework collected",
    "See you in the staff room",
    "收到 OK",
    "好的 Obrigado",
    "Noted 明白",
    "第二節改上數學",
    "下午的會議改到四點",
    "請帶學生到操場集合",
    "家長已經回覆了",
    "午休時間請保持安靜",
    "明天交報告",
    "週末愉快",
];

/// One in this many messages mentions the fire drill: a rare word to search for.
const RARE_EVERY: usize = 5000;
const RARE: &str = "消防演習安排在下月";

fn message_text(r: &mut Rng, n: usize) -> String {
    let mut t = PHRASES[r.below(PHRASES.len())].to_owned();
    if r.below(3) == 0 {
        t.push('，');
        t.push_str(PHRASES[r.below(PHRASES.len())]);
    }
    if n % RARE_EVERY == 17 {
        t.push('。');
        t.push_str(RARE);
    }
    t
}

struct School {
    ids: Vec<MemberId>,
    tokens: Vec<String>,
    /// Every conversation with its members (for senders).
    conversations: Vec<(String, Vec<usize>)>,
    /// The direct chats, (conversation, the two members), for the send phases.
    directs: Vec<(String, usize, usize)>,
}

impl School {
    /// The share of all messages `append_messages` puts in `member`'s conversations, and
    /// how many they are in.
    fn share(&self, member: usize) -> (f64, usize) {
        let n = self.conversations.len() as f64;
        let weight = |c: usize| ((c + 1) as f64 / n).sqrt() - (c as f64 / n).sqrt();
        let mine: Vec<usize> =
            (0..self.conversations.len()).filter(|c| self.conversations[*c].1.contains(&member)).collect();
        (mine.iter().map(|c| weight(*c)).sum(), mine.len())
    }

    /// A member of at least 3 conversations that together hold the smallest share of the
    /// messages: the case where most matches are someone else's.
    fn quiet_member(&self) -> usize {
        (2..MEMBERS)
            .map(|m| (m, self.share(m)))
            .filter(|(_, (_, k))| *k >= 3)
            .min_by(|a, b| a.1.0.total_cmp(&b.1.0))
            .map(|(m, _)| m)
            .unwrap()
    }
}

const MEMBERS: usize = 2000;
/// Member 0 is in this many groups (and 10 direct chats); member 1 in 100 (and 20).
const SEARCHER_A: usize = 0;
const SEARCHER_B: usize = 1;

async fn seed_school(store: &Store) -> School {
    let t = Instant::now();
    let (campus, ids, tokens) = common::seed_members(store, "SB", MEMBERS).await;
    let mut conversations = Vec::new();
    for g in 0..300 {
        let size = 8 + g % 33;
        let mut members: Vec<usize> = (0..size).map(|k| 2 + (g * 7 + k * 13) % (MEMBERS - 2)).collect();
        if g % 12 == 0 {
            members.push(SEARCHER_A);
        }
        if g % 3 == 0 {
            members.push(SEARCHER_B);
        }
        members.sort();
        members.dedup();
        let list: Vec<MemberId> = members.iter().map(|i| ids[*i]).collect();
        let (c, _) = store.create_group(list[0], campus, &format!("教研組{g}"), &list).await.unwrap();
        conversations.push((c.id.to_string(), members));
    }
    let mut pairs: Vec<(usize, usize)> =
        (0..800).map(|d| (2 + d % (MEMBERS - 2), 2 + (d * 31 + 7) % (MEMBERS - 2))).collect();
    pairs.extend((0..10).map(|i| (SEARCHER_A, 2 + i)));
    pairs.extend((0..20).map(|i| (SEARCHER_B, 2 + i * 3)));
    let mut directs = Vec::new();
    for (x, y) in pairs {
        if x == y {
            continue;
        }
        let (c, new, _) = store.open_direct(ids[x], ids[y], campus).await.unwrap();
        if new {
            conversations.push((c.id.to_string(), vec![x, y]));
            directs.push((c.id.to_string(), x, y));
        }
    }
    eprintln!(
        "seeded {MEMBERS} members with sessions, 300 groups and {} direct chats in {:.1} s",
        directs.len(),
        t.elapsed().as_secs_f64()
    );
    School { ids, tokens, conversations, directs }
}

/// Appends `n` messages (and their events) to the log directly, with multi-row inserts:
/// as if they had been sent, before any indexer saw them. Busier conversations get more.
async fn append_messages(url: &str, school: &School, n: usize, seed: u64) -> Duration {
    let t = Instant::now();
    let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
    let (start, now): (i64, i64) = sqlx::query_as(
        "SELECT COALESCE((SELECT MAX(position) FROM events), 0), CAST(strftime('%s','now') AS INTEGER) * 1000",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    let mut r = Rng(seed);
    let convs = &school.conversations;
    const ROWS: usize = 500;
    let mut position = start;
    let mut done = 0;
    while done < n {
        let mut tx = conn.begin().await.unwrap();
        for _ in 0..40 {
            if done >= n {
                break;
            }
            let rows = ROWS.min(n - done);
            let mut m = String::from(
                "INSERT INTO messages (id, conversation_id, position, sender_id, client_id, kind, text, mentions, \
                 mention_all, reply_to, system, attachment, created_at) VALUES ",
            );
            let mut e =
                String::from("INSERT INTO events (position, kind, audience, audience_id, data, created_at) VALUES ");
            let mut batch = Vec::with_capacity(rows);
            for i in 0..rows {
                position += 1;
                // Skewed: low indexes (shuffled by construction) are the busy ones.
                let c = ((r.unit().powi(2)) * convs.len() as f64) as usize % convs.len();
                let (conv, members) = &convs[c];
                let sender = members[r.below(members.len())];
                let at = now - (n - done - i) as i64 * 1000;
                batch.push((conv.clone(), sender, message_text(&mut r, done + i), at, position));
                m.push_str(if i == 0 {
                    "(?, ?, ?, ?, NULL, 'text', ?, '[]', 0, NULL, NULL, NULL, ?)"
                } else {
                    ", (?, ?, ?, ?, NULL, 'text', ?, '[]', 0, NULL, NULL, NULL, ?)"
                });
                e.push_str(if i == 0 {
                    "(?, 'message', 'conversation', ?, '', ?)"
                } else {
                    ", (?, 'message', 'conversation', ?, '', ?)"
                });
            }
            let mut q = sqlx::query(sqlx::AssertSqlSafe(m));
            for (conv, sender, text, at, p) in &batch {
                q = q
                    .bind(domain::MessageId::new().to_string())
                    .bind(conv.clone())
                    .bind(*p)
                    .bind(school.ids[*sender].to_string())
                    .bind(text.clone())
                    .bind(*at);
            }
            q.execute(&mut *tx).await.unwrap();
            let mut q = sqlx::query(sqlx::AssertSqlSafe(e));
            for (conv, _, _, at, p) in &batch {
                q = q.bind(*p).bind(conv.clone()).bind(*at);
            }
            q.execute(&mut *tx).await.unwrap();
            done += rows;
        }
        tx.commit().await.unwrap();
    }
    // Statistics, as the hourly `PRAGMA optimize` of a running server keeps them (and so
    // that the server's own at start has nothing to do while it is being measured).
    sqlx::raw_sql("ANALYZE").execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    t.elapsed()
}

async fn cursor_and_last(store: &Store) -> (i64, i64) {
    (store.search_cursor().await.unwrap(), store.last_position().await.unwrap())
}

/// Waits (bounded) until the indexer has reached the last position; the time it took.
async fn wait_indexed(store: &Store, max: Duration) -> Duration {
    let t = Instant::now();
    loop {
        let (cursor, last) = cursor_and_last(store).await;
        if cursor >= last {
            return t.elapsed();
        }
        assert!(t.elapsed() < max, "the indexer did not catch up in {max:?} ({cursor} of {last})");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The release binary on the bench's database, with its indexer on or off.
async fn start_server(db_url: &str, indexer: bool) -> Server {
    let on = if indexer { "true" } else { "false" };
    Server::start("search-bench", "serve", &["--database-url", db_url], &[("CAMPUSLINK__CHAT__SEARCH_INDEX", on)]).await
}

/// Open loop: `rate` sends a second for `seconds`, round robin over the direct chats,
/// each POSTed when due whether or not the earlier ones were answered. Ack latencies.
async fn send_burst(
    http: &reqwest::Client,
    base: &str,
    school: &School,
    rate: f64,
    seconds: f64,
    tag: &str,
) -> Vec<Duration> {
    let total = (rate * seconds) as usize;
    let gap = Duration::from_secs_f64(1.0 / rate);
    let start = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(total);
    for k in 0..total {
        tokio::time::sleep_until(start + gap * k as u32).await;
        let (conv, x, y) = &school.directs[k % school.directs.len()];
        let who = if k % 2 == 0 { *x } else { *y };
        let url = format!("{base}/api/v1/conversations/{conv}/messages");
        let token = school.tokens[who].clone();
        let body =
            serde_json::json!({"client_id": format!("{tag}-{k}"), "text": message_text(&mut Rng(k as u64 + 7), k)});
        let http = http.clone();
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let r = http.post(url).bearer_auth(token).json(&body).send().await.unwrap();
            assert!(r.status().is_success(), "send: {}", r.status());
            r.bytes().await.unwrap();
            t.elapsed()
        }));
    }
    let mut lat = Vec::with_capacity(total);
    for t in tasks {
        lat.push(t.await.unwrap());
    }
    lat.sort();
    lat
}

struct Options {
    messages: usize,
    backlog: usize,
    rounds: usize,
    clients: usize,
    seconds: f64,
    rate: f64,
}

impl Options {
    fn from_env() -> Options {
        Options {
            messages: env_or("BENCH_MESSAGES", 1_000_000),
            backlog: env_or("BENCH_BACKLOG", 200_000),
            rounds: env_or("BENCH_ROUNDS", 2),
            clients: env_or("BENCH_CLIENTS", 8),
            seconds: env_or("BENCH_SECONDS", 4) as f64,
            rate: env_or("BENCH_RATE", 500) as f64,
        }
    }

    fn command(&self) -> String {
        format!(
            "BENCH_MESSAGES={} BENCH_BACKLOG={} BENCH_ROUNDS={} BENCH_CLIENTS={} BENCH_SECONDS={} BENCH_RATE={} \
             taskset -c 1 cargo bench -p campuslink-server --bench search",
            self.messages, self.backlog, self.rounds, self.clients, self.seconds, self.rate
        )
    }
}

fn main() {
    let o = Options::from_env();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(run(o));
}

async fn run(o: Options) {
    println!("{}\nload average at start: {}", o.command(), load_average());
    let db = TestDb::sqlite();
    let store = db.connect().await.unwrap();
    let school = seed_school(&store).await;
    let took = append_messages(&db.url, &school, o.messages, 0x9e37_79b9_7f4a_7c15).await;
    eprintln!("appended {} messages in {:.1} s", o.messages, took.as_secs_f64());

    // The release binary's own indexer catches up from its cursor at start.
    let server = start_server(&db.url, true).await;
    let (from, last) = cursor_and_last(&store).await;
    let snap = Snap::take(server.pid);
    let took = wait_indexed(&store, Duration::from_secs(1800)).await;
    let u = usage(snap, Snap::take(server.pid));
    println!(
        "server: {} in its own process, pinned to core 0 (taskset); SQLite (WAL, synchronous=FULL)",
        common::binary().display()
    );
    println!(
        "\nindexer catch-up at start: {} messages in {:.1} s = {:.0} messages/s, server {:.0} % of core 0 ({:.1} µs of CPU \
         per message); load average {}",
        last - from,
        took.as_secs_f64(),
        (last - from) as f64 / took.as_secs_f64(),
        u.server / u.wall * 100.0,
        u.server * 1e6 / (last - from).max(1) as f64,
        load_average()
    );
    let sizes: Vec<(String, i64)> = store::testing::query_as(
        &store,
        "SELECT CASE WHEN name LIKE 'message_search%' THEN 'the search index' ELSE 'the rest' END, SUM(pgsize) \
         FROM dbstat GROUP BY 1",
    )
    .await;
    for (what, bytes) in sizes {
        println!("database, {what}: {:.0} MiB", bytes as f64 / 1048576.0);
    }
    if std::env::var_os("BENCH_SKIP_SEARCH").is_none() {
        searches(&server, &school, &o).await;
    }
    drop(server);
    sends(&db.url, &store, &school, &o).await;
    store.close().await;
    if std::env::var_os("BENCH_KEEP_DB").is_some() {
        println!("database kept at {}", db.url);
    } else {
        db.drop_db().await;
    }
}

fn percent_encoded(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// A member's typical queries, each alone and then from `clients` at once, for three
/// teachers.
async fn searches(server: &Server, school: &School, o: &Options) {
    let http = reqwest::Client::builder().pool_max_idle_per_host(o.clients * 2).build().unwrap();
    let scoped = school
        .conversations
        .iter()
        .find(|(_, m)| m.contains(&SEARCHER_A) && m.len() > 2)
        .map(|(c, _)| c.clone())
        .unwrap();
    let q = percent_encoded;
    let cases: Vec<(&str, String)> = vec![
        ("CJK pair 家長", format!("q={}", q("家長"))),
        ("CJK word 家長會 (two pairs)", format!("q={}", q("家長會"))),
        ("rare CJK word 消防演習", format!("q={}", q("消防演習"))),
        ("Portuguese reuniao (no accent)", "q=reuniao".into()),
        ("Portuguese avaliacao matematica", format!("q={}", q("avaliacao matematica"))),
        ("prefix 'reun'", "q=reun".into()),
        ("English + prefix 'meeting fri'", format!("q={}", q("meeting fri"))),
        ("within one group: 家長", format!("q={}&conversation_id={scoped}", q("家長"))),
        ("page 2 of 家長 (before=)", format!("q={}&before=", q("家長"))),
    ];
    let quiet = school.quiet_member();
    for who in [SEARCHER_A, SEARCHER_B, quiet] {
        let (share, count) = school.share(who);
        let token = &school.tokens[who];
        println!(
            "\na teacher in {count} conversations holding {:.1} % of the {} messages: one client, then {} at once, {} s \
             each; load average {}",
            share * 100.0,
            o.messages,
            o.clients,
            o.seconds,
            load_average()
        );
        println!(
            "{:<36} {:>8} {:>8} | {:>7} {:>8} {:>8} | {:>7}",
            "query", "p50 ms", "p99 ms", "req/s", "p50 ms", "p99 ms", "results"
        );
        for (name, query) in &cases {
            if name.starts_with("within") && who != SEARCHER_A {
                continue;
            }
            let mut url = format!("{}/api/v1/search/messages?{query}", server.base);
            if url.ends_with("before=") {
                let first_page = format!("{}/api/v1/search/messages?q={}", server.base, q("家長"));
                let first = search_once(&http, &first_page, token).await;
                let Some(last) = first["results"].as_array().and_then(|r| r.last()) else { continue };
                url.push_str(&last["message"]["position"].as_i64().unwrap().to_string());
            }
            let first = search_once(&http, &url, token).await;
            let found = first["results"].as_array().map_or(0, Vec::len);
            let more = if first["has_more"] == true { "+" } else { "" };
            let alone = closed_loop(&http, &url, token, 1, o.seconds).await;
            let lat = closed_loop(&http, &url, token, o.clients, o.seconds).await;
            println!(
                "{:<36} {:>8.2} {:>8.2} | {:>7.0} {:>8.2} {:>8.2} | {:>6}{more}",
                name,
                percentile_ms(&alone, 0.5),
                percentile_ms(&alone, 0.99),
                lat.len() as f64 / o.seconds,
                percentile_ms(&lat, 0.5),
                percentile_ms(&lat, 0.99),
                found,
            );
        }
    }
}

async fn search_once(http: &reqwest::Client, url: &str, token: &str) -> serde_json::Value {
    http.get(url).bearer_auth(token).send().await.unwrap().error_for_status().unwrap().json().await.unwrap()
}

/// Sends at a fixed rate, in rounds (so that what else the machine does falls on every
/// phase alike): with the indexer off; with it catching up a burst of messages it has not
/// seen; with it idle, following each send.
async fn sends(db_url: &str, store: &Store, school: &School, o: &Options) {
    let http = reqwest::Client::new();
    let (rate, seconds) = (o.rate, o.seconds * 2.0);
    println!(
        "\nsends: open loop, {rate:.0}/s for {seconds} s per phase over {} direct chats (POST, answered once durable), \
         {} rounds of: indexer off, catching up {} messages, idle",
        school.directs.len(),
        o.rounds,
        o.backlog
    );
    let mut phases: [(Vec<Duration>, f64, f64); 3] = Default::default();
    let mut rows: Vec<String> = Vec::new();
    for round in 0..o.rounds {
        let took = append_messages(db_url, school, o.backlog, 0x51ed_270b_a5a5_0001 + round as u64).await;
        eprintln!("round {round}: appended a backlog of {} messages in {:.1} s", o.backlog, took.as_secs_f64());
        // Each phase after 2 s of the same sends, unmeasured: a server just started (its
        // caches cold) answers its first ones more slowly whatever the indexer does.
        let server = start_server(db_url, false).await;
        send_burst(&http, &server.base, school, rate, 2.0, &format!("warm-off{round}")).await;
        let snap = Snap::take(server.pid);
        let off = send_burst(&http, &server.base, school, rate, seconds, &format!("off{round}")).await;
        let u_off = usage(snap, Snap::take(server.pid));
        drop(server);

        let server = start_server(db_url, true).await;
        let t = Instant::now();
        let (from, _) = cursor_and_last(store).await;
        send_burst(&http, &server.base, school, rate, 2.0, &format!("warm-up{round}")).await;
        let (c0, l0) = cursor_and_last(store).await;
        let snap = Snap::take(server.pid);
        let catching = send_burst(&http, &server.base, school, rate, seconds, &format!("up{round}")).await;
        let u_up = usage(snap, Snap::take(server.pid));
        let (c1, l1) = cursor_and_last(store).await;
        wait_indexed(store, Duration::from_secs(1800)).await;
        let caught = t.elapsed();
        let (indexed, _) = cursor_and_last(store).await;
        let snap = Snap::take(server.pid);
        let idle = send_burst(&http, &server.base, school, rate, seconds, &format!("idle{round}")).await;
        let u_idle = usage(snap, Snap::take(server.pid));
        let (c2, l2) = cursor_and_last(store).await;
        let followed = wait_indexed(store, Duration::from_secs(60)).await;
        drop(server);
        rows.push(format!(
            "round {round}: p99 off {:.1} / catching up {:.1} / idle {:.1} ms; {} behind when measuring began, {} when it \
             ended (caught up {:.1} s after the server started, {:.0} messages/s); idle: {} behind at the end, indexed \
             {:.2} s later; load average {}",
            percentile_ms(&off, 0.99),
            percentile_ms(&catching, 0.99),
            percentile_ms(&idle, 0.99),
            l0 - c0,
            l1 - c1,
            caught.as_secs_f64(),
            (indexed - from) as f64 / caught.as_secs_f64(),
            l2 - c2,
            followed.as_secs_f64(),
            load_average()
        ));
        for (all, (lat, u)) in phases.iter_mut().zip([(off, u_off), (catching, u_up), (idle, u_idle)]) {
            all.0.extend(lat);
            all.1 += u.server;
            all.2 += u.wall;
        }
    }
    println!(
        "{:<36} {:>7} {:>8} {:>8} {:>8} {:>8} {:>13}",
        "phase (all rounds)", "sends", "p50 ms", "p90 ms", "p99 ms", "max ms", "server core 0"
    );
    for (name, (lat, cpu, wall)) in
        ["indexer off", "indexer catching up a backlog", "indexer idle, following"].iter().zip(phases.iter_mut())
    {
        lat.sort();
        println!(
            "{:<36} {:>7} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>12.0} %",
            name,
            lat.len(),
            percentile_ms(lat, 0.5),
            percentile_ms(lat, 0.9),
            percentile_ms(lat, 0.99),
            lat.last().map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0),
            *cpu / wall.max(1e-9) * 100.0
        );
    }
    for r in rows {
        println!("  {r}");
    }
}
