//! The media server under load: rooms of str0m participants sending real RTP on
//! loopback, every participant receiving every other's streams.
//!
//! Reports the down-tracks forwarded, loss, what the server adds to a frame's trip
//! (writer to receiver, in one process), and the CPU the engine's thread used, read from
//! /proc: the engine is one thread, so its share of one core says how many down-tracks
//! one core carries. Then the time from joining to the first frame of a 1:1 call.
//!
//! `cargo bench -p campuslink-sfu --bench forwarding`, with
//! BENCH_ROOMS (20) × BENCH_SIZE (10) participants, BENCH_VIDEO=1 for video only at
//! BENCH_KBPS (500) without simulcast (audio only otherwise), BENCH_SECONDS (10). The
//! engine thread is pinned to core 0 and the participants to core 1 (BENCH_PIN=0: not).
//! BENCH_ENGINES (1) engines share the rooms (then nothing is pinned). BENCH_NO_SHED=1
//! turns off the shedding of video when the engine falls behind.
//! BENCH_MEETING=N instead measures one meeting of N: everyone sends audio and camera in
//! three simulcast layers and shows everyone else in a grid tile 180 lines tall (so gets
//! the smallest layer), as a meeting of thirty does on a school's one machine. Only
//! BENCH_READERS (4) of them read what they receive (loss and latency are theirs); the
//! others drop it unread, so the machine's second core can play thirty devices while the
//! server does for them all what it would for real ones. BENCH_SPEAKERS (2) of them talk;
//! the others send audio as a browser does with Opus DTX in silence (one frame in 400 ms,
//! which the server asks for). BENCH_SPEAKERS=30 has everyone talk at once.
//! Each run also reports the server's memory per participant: the process's resident
//! memory grown by the server's sessions, read while the participants have not started.
//! BENCH_BARE=1 instead measures this machine's floor for the same traffic: a thread
//! on core 0 sends one datagram per down-track packet (BENCH_ROOMS × BENCH_SIZE ×
//! (BENCH_SIZE − 1) destinations at 50 a second each, BENCH_BYTES (125) long, the size
//! of a forwarded audio packet) to sockets read on core 1, with no WebRTC at all: what
//! the kernel alone costs per forwarded packet, which no media server on this machine
//! goes below.
//! Everything stops by itself; traffic stays on 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used)]

/// The allocator the campuslink binary runs the media server with.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use sfu::client::{Client, MediaKind, Participant, Seen, Sends};
use sfu::layers::Layer;
use sfu::{PeerId, RoomId, Sfu, SfuConfig};
use std::time::{Duration, Instant};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Clock ticks per second of /proc's CPU times (USER_HZ on Linux).
const USER_HZ: f64 = 100.0;

/// CPU ticks (user + system) in a /proc `stat` file.
fn ticks(stat: &str) -> u64 {
    let stat = std::fs::read_to_string(stat).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
}

/// CPU ticks of each of this process's threads named `name`, in the order of their ids.
fn thread_ticks(name: &str) -> Vec<u64> {
    thread_ids(name).iter().map(|id| ticks(&format!("/proc/self/task/{id}/stat"))).collect()
}

/// CPU ticks of the whole process.
fn process_ticks() -> u64 {
    ticks("/proc/self/stat")
}

/// The ids of this process's threads named `name`, in order.
fn thread_ids(name: &str) -> Vec<u64> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return Vec::new() };
    let mut ids: Vec<u64> = tasks
        .flatten()
        .filter(|t| std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.trim() == name))
        .filter_map(|t| t.file_name().to_string_lossy().parse().ok())
        .collect();
    ids.sort_unstable();
    ids
}

/// The id of this process's thread named `name`.
fn thread_id(name: &str) -> Option<String> {
    thread_ids(name).first().map(|id| id.to_string())
}

/// The thread named `name` (the engine's) on core 0 and everything else (the
/// participants) on core 1, so the participants never take the engine's core:
/// `taskset`, as PERFORMANCE.md pins. Whether it could.
fn pin_engine(name: &str) -> bool {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // The engine's thread names itself as it starts.
    let mut engine = thread_id(name);
    for _ in 0..100 {
        if engine.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
        engine = thread_id(name);
    }
    let Some(engine) = engine else { return false };
    let taskset = |args: &[&str]| {
        std::process::Command::new("taskset")
            .args(args)
            .stdout(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    cores >= 2
        && env("BENCH_PIN", 1) == 1
        && taskset(&["-a", "-p", "-c", "1", &std::process::id().to_string()])
        && taskset(&["-p", "-c", "0", &engine])
}

/// This process's resident memory, in KiB (VmRSS in /proc/self/status).
fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn percentile(v: &mut [u32], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_unstable();
    v[((v.len() - 1) as f64 * p) as usize] as f64 / 1000.0
}

struct Member {
    room: usize,
    peer: u64,
    p: Participant,
    /// Whether it reads (and counts) the media it receives.
    reads: bool,
}

fn received(s: &Seen, kind: MediaKind) -> u64 {
    s.arrived.iter().filter(|((_, k), _)| *k == kind).map(|(_, a)| a.frames).sum()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let rooms = env("BENCH_ROOMS", 20) as usize;
    let size = env("BENCH_SIZE", 10) as usize;
    if env("BENCH_BARE", 0) == 1 {
        return bare(rooms * size * size.saturating_sub(1), env("BENCH_BYTES", 125) as usize, env("BENCH_SECONDS", 10))
            .await;
    }
    let video = env("BENCH_VIDEO", 0) == 1;
    let kbps = env("BENCH_KBPS", 500) as usize;
    let seconds = env("BENCH_SECONDS", 10);
    let meeting = env("BENCH_MEETING", 0) as usize;
    // A meeting's receivers start with the estimate their grid needs (every tile's small
    // layer and everyone's audio), as their feedback would bring it to on a LAN: the
    // participants that read nothing send no feedback, and this loaded loopback is no
    // network for the estimator to learn from.
    let grid = meeting.saturating_sub(1) as u64 * (Layer::Q.rate() + 64_000) * 11 / 10;
    let engines = env("BENCH_ENGINES", 1).max(1) as usize;
    let shed_video = std::env::var_os("BENCH_NO_SHED").is_none();
    let (sfu, _notices) = Sfu::start(SfuConfig {
        engines,
        shed_video,
        max_per_room: size.max(meeting).max(2),
        start_bitrate: if meeting > 0 { grid } else { sfu::START_BITRATE },
        ..SfuConfig::loopback()
    })
    .expect("media server");
    // Several engines share the cores with the participants: nothing is pinned.
    let pinned = engines == 1 && pin_engine("campuslink-sfu");
    println!("engine thread {}", if pinned { "pinned to core 0, participants to core 1" } else { "not pinned" });
    let epoch = Instant::now();
    let sends = if video {
        Sends { audio: false, video: true, simulcast: false, video_frame: kbps * 1000 / 8 / 30, silent: false }
    } else {
        Sends { audio: true, video: false, simulcast: false, video_frame: 0, silent: false }
    };
    let (rooms, size, video, sends) = if meeting > 0 {
        // Loss and latency are read on the audio, which every receiver gets whole.
        (1, meeting, false, Sends::default())
    } else {
        (rooms, size, video, sends)
    };
    let kind = if video { MediaKind::Video } else { MediaKind::Audio };

    // Every participant's offer first, then every server session, then the participants
    // start: the resident memory grown between the first two steps is the server's.
    let readers = if meeting > 0 { env("BENCH_READERS", 4) as usize } else { size };
    let speakers = if meeting > 0 { env("BENCH_SPEAKERS", 2) as usize } else { size };
    let mut clients = Vec::new();
    for room in 0..rooms {
        for i in 0..size {
            let peer = (room * size + i + 1) as u64;
            let c = Client::new(Sends { silent: i >= speakers, ..sends }, epoch).await.expect("client");
            clients.push((room, peer, if i < readers { c } else { c.reading_no_media() }));
        }
    }
    let rss0 = resident_kib();
    let mut answers = Vec::new();
    for (room, peer, c) in &clients {
        answers.push(sfu.join(RoomId(*room as u128 + 1), PeerId(*peer), c.offer()).await.expect("join"));
    }
    let per_participant = (resident_kib().saturating_sub(rss0)) as f64 / clients.len().max(1) as f64;
    let mut members = Vec::new();
    for ((room, peer, c), answer) in clients.into_iter().zip(answers) {
        let p = c.start(&answer).expect("start");
        if meeting > 0 {
            for other in 1..=size as u64 {
                if other != peer {
                    p.want(PeerId(other), 180);
                }
            }
        }
        members.push(Member { room, peer, p, reads: (peer as usize - 1) % size < readers });
    }
    // Everyone hears everyone before measuring; a stream that never starts is counted
    // (and reported), not waited for without end.
    let mut missing = 0usize;
    // One deadline for them all, so a loaded machine ends the wait in a minute.
    let deadline = Instant::now() + Duration::from_secs(60);
    for m in members.iter().filter(|m| m.reads) {
        let others: Vec<String> =
            members.iter().filter(|o| o.room == m.room && o.peer != m.peer).map(|o| o.peer.to_string()).collect();
        let left = deadline.saturating_duration_since(Instant::now());
        m.p.wait_for(left, |s| others.iter().all(|o| s.frames(o, kind) > 0)).await;
        let seen = m.p.seen();
        missing += others.iter().filter(|o| seen.frames(o, kind) == 0).count();
    }
    if missing > 0 {
        println!("  {missing} streams never reached their receiver (counted as lost below)");
    }
    // And the server has opened every down-track, the unread ones' too.
    let all = members.iter().map(|m| members.iter().filter(|o| o.room == m.room).count() - 1).sum::<usize>()
        * if meeting > 0 { 2 } else { 1 };
    let mut stats = sfu.stats().await.unwrap();
    while stats.down_tracks < all && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        stats = sfu.stats().await.unwrap();
    }
    for m in &members {
        m.p.take_latencies().await;
    }
    let before: Vec<Seen> = members.iter().map(|m| m.p.seen()).collect();
    let ticks0 = thread_ticks("campuslink-sfu");
    let all0 = process_ticks();
    let t0 = Instant::now();
    // The measurement window: the participants send in real time.
    println!("  measuring for {seconds} s");
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let ticks1 = thread_ticks("campuslink-sfu");
    let all1 = process_ticks();
    let elapsed = t0.elapsed().as_secs_f64();
    let after: Vec<Seen> = members.iter().map(|m| m.p.seen()).collect();

    let wire = |reads: bool| {
        let got: Vec<u64> = members
            .iter()
            .zip(after.iter().zip(&before))
            .filter(|(m, _)| m.reads == reads)
            .map(|(_, (a, b))| a.wire_bytes - b.wire_bytes)
            .collect();
        (got.iter().sum::<u64>(), got.len())
    };
    let down_bytes = wire(true).0 + wire(false).0;
    let each = |(bytes, n): (u64, usize)| bytes as f64 * 8.0 / elapsed / 1e6 / n.max(1) as f64;
    let mut expected = 0u64;
    let mut got = 0u64;
    for (i, m) in members.iter().enumerate() {
        let sent = |s: &Seen| if video { s.sent_video } else { s.sent_audio };
        let receivers = members.iter().filter(|o| o.room == m.room && o.reads && o.peer != m.peer).count() as u64;
        expected += (sent(&after[i]) - sent(&before[i])) * receivers;
        got += received(&after[i], kind) - received(&before[i], kind);
    }
    let mut lat = Vec::new();
    for m in &members {
        lat.extend(m.p.take_latencies().await);
    }
    let (engine0, engine1) = (ticks0.iter().sum::<u64>(), ticks1.iter().sum::<u64>());
    let cpu = (engine1 - engine0) as f64 / USER_HZ / elapsed;
    let loss = 1.0 - got as f64 / expected.max(1) as f64;
    let what = if meeting > 0 {
        format!(
            "audio + simulcast video, 180-line tiles; {} talk, {} read what they get",
            speakers.min(size),
            readers.min(size)
        )
    } else if video {
        format!("video {kbps} kbit/s")
    } else {
        "audio".into()
    };
    println!(
        "{} rooms × {} ({}): {} down-tracks, {:.0} frames/s forwarded, loss {:.3} %",
        rooms,
        size,
        what,
        stats.down_tracks,
        got as f64 / elapsed,
        loss.max(0.0) * 100.0
    );
    if !video {
        println!(
            "  writer → receiver p50 {:.2} ms, p99 {:.2} ms (one process: includes the participants' own scheduling)",
            percentile(&mut lat, 0.5),
            percentile(&mut lat, 0.99)
        );
    }
    println!(
        "  engine thread{}: {:.1} % of a core → {:.0} down-tracks per core; the participants: {:.0} % of a core",
        if engines > 1 { "s together" } else { "" },
        cpu * 100.0,
        stats.down_tracks as f64 / cpu.max(1e-6),
        ((all1 - all0) - (engine1 - engine0)) as f64 / USER_HZ / elapsed * 100.0
    );
    if engines > 1 {
        let each: Vec<String> = ticks1
            .iter()
            .zip(&ticks0)
            .map(|(b, a)| format!("{:.1} %", (b - a) as f64 / USER_HZ / elapsed * 100.0))
            .collect();
        println!("  each engine: {}", each.join(", "));
    }
    println!(
        "  sent {:.1} Mbit/s to the participants (UDP payloads); server memory {:.0} KiB per participant (at join)",
        down_bytes as f64 * 8.0 / elapsed / 1e6,
        per_participant
    );
    if meeting > 0 {
        let end = sfu.stats().await.unwrap_or_default();
        let held = end.cameras_held;
        let video: u64 = members
            .iter()
            .enumerate()
            .filter(|(_, m)| m.reads)
            .map(|(i, _)| received(&after[i], MediaKind::Video) - received(&before[i], MediaKind::Video))
            .sum();
        let tiles = members.iter().filter(|m| m.reads).count() * (size - 1);
        let written: u64 = after.iter().zip(&before).map(|(a, b)| a.sent_video - b.sent_video).sum();
        println!(
            "  a reading participant's tile shows {:.1} frames/s; a camera writes {:.1} frames/s per layer",
            video as f64 / elapsed / tiles.max(1) as f64,
            written as f64 / elapsed / members.len() as f64 / 3.0
        );
        println!(
            "  each reading participant got {:.2} Mbit/s, each other {:.2} Mbit/s; {} of {} tiles given no video at the end (video shed: {})",
            each(wire(true)),
            each(wire(false)),
            held,
            stats.down_tracks / 2,
            if shed_video {
                format!("{:?}, socket delay {} ms", end.shed, end.socket_delay.as_millis())
            } else {
                "off".to_owned()
            }
        );
    }
    drop(members);

    // (d) From joining a 1:1 call to the first frame of the other's video.
    let mut times = Vec::new();
    let sends = Sends::default();
    for i in 0..20u64 {
        let room = RoomId(10_000 + i as u128);
        let start = Instant::now();
        let a = Client::new(sends, epoch).await.unwrap();
        let b = Client::new(sends, epoch).await.unwrap();
        let answer = sfu.join(room, PeerId(1), a.offer()).await.unwrap();
        let a = a.start(&answer).unwrap();
        let answer = sfu.join(room, PeerId(2), b.offer()).await.unwrap();
        let b = b.start(&answer).unwrap();
        assert!(a.wait_for(Duration::from_secs(20), |s| s.frames("2", MediaKind::Video) > 0).await);
        times.push(start.elapsed().as_micros() as u32);
        sfu.close_room(room);
        drop((a, b));
    }
    println!(
        "1:1 call, join to first remote video frame: p50 {:.1} ms, p95 {:.1} ms (20 calls)",
        percentile(&mut times, 0.5),
        percentile(&mut times, 0.95)
    );
}

/// The kernel's floor for `tracks` down-tracks of audio: one thread sends each of them
/// 50 datagrams of `bytes` a second from one socket, as the engine does, and nothing
/// else; the participants' runtime reads them. Reports that thread's CPU per datagram.
async fn bare(tracks: usize, bytes: usize, seconds: u64) {
    const PER_SECOND: usize = 50;
    let mut sinks = Vec::new();
    let mut addrs = Vec::new();
    for _ in 0..tracks.max(1) {
        let s = tokio::net::UdpSocket::bind("127.0.0.1:0").await.expect("bind a receiver");
        addrs.push(s.local_addr().expect("address"));
        sinks.push(s);
    }
    let got = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    for s in sinks {
        let got = got.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            while s.recv(&mut buf).await.is_ok() {
                got.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        });
    }
    let rate = addrs.len() * PER_SECOND;
    let window = Duration::from_secs(seconds.max(1));
    let sender = std::thread::Builder::new()
        .name("bare-sender".into())
        .spawn(move || {
            let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind the sender");
            let payload = vec![0x80u8; bytes.max(12)];
            let start = Instant::now();
            let (mut sent, mut next) = (0usize, 0usize);
            // Each millisecond, what is due by then: the engine's pace, not a tight loop.
            while start.elapsed() < window {
                let due = (start.elapsed().as_secs_f64() * rate as f64) as usize;
                while sent < due {
                    // A full send buffer drops the datagram, as in the engine.
                    let _ = socket.send_to(&payload, addrs[next]);
                    next = (next + 1) % addrs.len();
                    sent += 1;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            sent
        })
        .expect("sender thread");
    let pinned = pin_engine("bare-sender");
    // Ticks from here on: the sender is pinned and sending.
    let ticks0 = thread_ticks("bare-sender").iter().sum::<u64>();
    let got0 = got.load(std::sync::atomic::Ordering::Relaxed);
    let t0 = Instant::now();
    tokio::time::sleep(window.saturating_sub(Duration::from_millis(200))).await;
    let ticks1 = thread_ticks("bare-sender").iter().sum::<u64>();
    let elapsed = t0.elapsed().as_secs_f64();
    let got1 = got.load(std::sync::atomic::Ordering::Relaxed);
    let sent = tokio::task::spawn_blocking(move || sender.join().expect("sender")).await.expect("join");
    let cpu = (ticks1 - ticks0) as f64 / USER_HZ / elapsed;
    let received = (got1 - got0) as f64 / elapsed;
    println!("bare UDP on loopback (no WebRTC), sender {}", if pinned { "pinned to core 0" } else { "not pinned" });
    println!(
        "  {tracks} destinations × {PER_SECOND}/s of {bytes} bytes: {sent} sent, {received:.0} datagrams/s received"
    );
    println!(
        "  sender thread: {:.1} % of a core, {:.2} µs per datagram → {:.0} down-tracks per core at most",
        cpu * 100.0,
        cpu * 1e6 / received.max(1.0),
        tracks as f64 / cpu.max(1e-6)
    );
}
