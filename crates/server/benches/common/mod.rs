//! What the benchmarks share: options from the environment, the release binary in a
//! process of its own pinned to core 0, a campus of members with sessions seeded through
//! the store, CPU and memory from /proc, and percentiles. Each bench uses part of it.

#![allow(dead_code)]

use domain::member_row::{IMPORT_COLUMNS, parse_import};
use domain::values::Code;
use domain::{CampusId, MemberId};
use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use store::{MemberFilter, Names};

pub fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `BENCH_BIN`, else `release/campuslink` under `$CARGO_TARGET_DIR` (or the workspace's
/// `target`).
pub fn binary() -> PathBuf {
    if let Some(b) = std::env::var_os("BENCH_BIN") {
        return b.into();
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("release/campuslink")
}

/// The `p` quantile of sorted durations, in milliseconds.
pub fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

/// Closed loop: `clients` at once, each GETting `url` again as soon as answered, for
/// `seconds`; every answer's latency, sorted.
pub async fn closed_loop(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    clients: usize,
    seconds: f64,
) -> Vec<Duration> {
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (http, url, token) = (http.clone(), url.to_owned(), token.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                let r = http.get(&url).bearer_auth(&token).send().await.unwrap();
                assert!(r.status().is_success(), "{url}: {}", r.status());
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
    all
}

// ---- the server under test ------------------------------------------------------------------

/// The release binary in its own process, on core 0 (when `taskset` exists), with as many
/// open files as the hard limit allows and its metrics on an address of their own;
/// killed, and its directories removed, when dropped.
pub struct Server {
    child: std::process::Child,
    pub pid: u32,
    pub addr: SocketAddrV4,
    pub base: String,
    pub metrics: String,
    pub data: PathBuf,
    /// A database directory to remove with the server.
    pub db_dir: Option<PathBuf>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::env::var_os("BENCH_LOG").is_some() {
            let kept = std::env::temp_dir().join(format!("{}.log", self.data.display()));
            let _ = std::fs::copy(self.data.join("server.log"), &kept);
            eprintln!("server log kept at {}", kept.display());
        }
        let _ = std::fs::remove_dir_all(&self.data);
        if let Some(d) = &self.db_dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

impl Server {
    /// `campuslink <command> --listen … --data … <args>` with `env` (and
    /// `CAMPUSLINK_LOG` from `BENCH_LOG`, whose log is then kept); waits until it answers
    /// `/healthz`.
    pub async fn start(name: &str, command: &str, args: &[&str], env: &[(&str, &str)]) -> Server {
        let bin = binary();
        assert!(bin.exists(), "no {}: run `cargo build --release -p campuslink` first", bin.display());
        let (port, metrics_port) = (free_port(), free_port());
        let data = std::env::temp_dir().join(format!("campuslink-{name}-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&data).unwrap();
        let log = std::fs::File::create(data.join("server.log")).unwrap();
        let pinned = std::process::Command::new("taskset").arg("-V").output().is_ok();
        // The shell raises the soft limit on open files and then becomes taskset, which
        // becomes the server: one process id throughout.
        let script = if pinned {
            r#"ulimit -n $(ulimit -Hn); exec taskset -c 0 "$0" "$@""#
        } else {
            r#"ulimit -n $(ulimit -Hn); exec "$0" "$@""#
        };
        let mut cmd = std::process::Command::new("sh");
        cmd.args(["-c", script])
            .arg(&bin)
            .args([command, "--listen", &format!("127.0.0.1:{port}"), "--data"])
            .arg(&data)
            .args(args)
            .env("CAMPUSLINK__METRICS__LISTEN", format!("127.0.0.1:{metrics_port}"));
        if let Ok(level) = std::env::var("BENCH_LOG") {
            cmd.env("CAMPUSLINK_LOG", level);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        // No campuslink.toml from wherever the bench was started.
        let child = cmd.current_dir(&data).stdout(std::process::Stdio::null()).stderr(log).spawn().unwrap();
        let pid = child.id();
        let server = Server {
            child,
            pid,
            addr: SocketAddrV4::new(Ipv4Addr::LOCALHOST, port),
            base: format!("http://127.0.0.1:{port}"),
            metrics: format!("http://127.0.0.1:{metrics_port}/metrics"),
            data,
            db_dir: None,
        };
        let t = Instant::now();
        loop {
            if reqwest::get(format!("{}/healthz", server.base)).await.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            assert!(
                t.elapsed() < Duration::from_secs(120),
                "the server did not answer /healthz: {}",
                server.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        server
    }

    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.data.join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    pub fn rss_kb(&self) -> u64 {
        status_kb(&self.pid.to_string(), "VmRSS:")
    }

    /// The value of one metric (summed over its labels' first line), 0 when absent.
    pub async fn metric(&self, name: &str) -> f64 {
        let text = match reqwest::get(&self.metrics).await {
            Ok(r) => r.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        text.lines()
            .find(|l| l.starts_with(name) && l[name.len()..].starts_with([' ', '{']))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    }
}

// ---- a campus of members --------------------------------------------------------------------

/// A campus of `members` teachers imported in one go (login `<code>{i}` lowercased, no
/// passwords: nobody signs in), each with a session; their ids and tokens by index.
pub async fn seed_members(store: &store::Store, code: &str, members: usize) -> (CampusId, Vec<MemberId>, Vec<String>) {
    let school = store.create_school(&Code::parse(code).unwrap(), Names { zh: "學校", pt: "", en: "" }).await.unwrap();
    let campus = store
        .create_campus(school.id, &Code::parse(&format!("{code}-1")).unwrap(), Names { zh: "中學部", pt: "", en: "" })
        .await
        .unwrap();
    let login = code.to_ascii_lowercase();
    let header: Vec<String> = IMPORT_COLUMNS.iter().map(|s| s.to_string()).collect();
    let rows: Vec<Vec<String>> = (0..members)
        .map(|i| {
            vec![
                format!("{login}{i}"),
                format!("成員{i}"),
                format!("Member {i}"),
                "教師".into(),
                format!("教務處/科{:02}", i % 25),
                String::new(),
                String::new(),
                format!("S{i:05}"),
            ]
        })
        .collect();
    store.import_members(campus.id, &parse_import(&header, &rows).unwrap()).await.unwrap();
    let mut by_login: HashMap<String, MemberId> = HashMap::new();
    let mut offset = 0;
    loop {
        let page = store.list_members(campus.id, &MemberFilter { limit: 1000, offset, ..Default::default() }).await;
        let page = page.unwrap();
        offset += page.members.len() as i64;
        by_login.extend(page.members.into_iter().map(|m| (m.login, m.id)));
        if offset >= page.total {
            break;
        }
    }
    let ids: Vec<MemberId> = (0..members).map(|i| by_login[&format!("{login}{i}")]).collect();
    let mut tokens = Vec::with_capacity(members);
    for id in &ids {
        let token = server::auth::random_token();
        store.create_session(&server::auth::token_hash(&token), *id, "csrf", 86_400_000).await.unwrap();
        tokens.push(token);
    }
    (campus.id, ids, tokens)
}

// ---- CPU and memory from /proc --------------------------------------------------------------

pub fn ticks_per_second() -> f64 {
    static TCK: OnceLock<f64> = OnceLock::new();
    *TCK.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// utime + stime of a process, in clock ticks.
pub fn cpu_ticks(pid: &str) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let Some(after_name) = stat.rfind(')').map(|p| &stat[p + 2..]) else { return 0 };
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    fields.get(11).and_then(|u| u.parse::<u64>().ok()).unwrap_or(0)
        + fields.get(12).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0)
}

/// (busy, total) ticks of cpu0 and cpu1.
pub fn core_ticks() -> [(u64, u64); 2] {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let mut out = [(0, 0); 2];
    for (i, name) in ["cpu0 ", "cpu1 "].iter().enumerate() {
        if let Some(line) = stat.lines().find_map(|l| l.strip_prefix(name)) {
            let v: Vec<u64> = line.split_whitespace().take(8).map(|x| x.parse().unwrap_or(0)).collect();
            let total: u64 = v.iter().sum();
            out[i] = (total - v.get(3).unwrap_or(&0) - v.get(4).unwrap_or(&0), total);
        }
    }
    out
}

pub fn status_kb(pid: &str, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The 1-minute load average, for the report.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Clone, Copy)]
pub struct Snap {
    pub at: Instant,
    pub server: u64,
    pub client: u64,
    pub cores: [(u64, u64); 2],
}

impl Snap {
    pub fn take(pid: u32) -> Snap {
        Snap { at: Instant::now(), server: cpu_ticks(&pid.to_string()), client: cpu_ticks("self"), cores: core_ticks() }
    }
}

pub struct Usage {
    pub wall: f64,
    /// Seconds of CPU.
    pub server: f64,
    pub client: f64,
    /// Busy share of each core, and of core 0 what was neither the server nor idle.
    pub core0: f64,
    pub core1: f64,
    pub core0_foreign: f64,
}

pub fn usage(a: Snap, b: Snap) -> Usage {
    let tck = ticks_per_second();
    let wall = b.at.duration_since(a.at).as_secs_f64().max(1e-9);
    let busy = |i: usize| {
        let (busy, total) = (b.cores[i].0 - a.cores[i].0, b.cores[i].1 - a.cores[i].1);
        busy as f64 / total.max(1) as f64
    };
    let server = (b.server - a.server) as f64 / tck;
    Usage {
        wall,
        server,
        client: (b.client - a.client) as f64 / tck,
        core0: busy(0),
        core1: busy(1),
        core0_foreign: (busy(0) - server / wall).max(0.0),
    }
}
