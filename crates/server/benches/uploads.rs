//! Upload benchmark: ten teachers send a 100 MB file each at the same time to the
//! release binary (`campuslink demo`, pinned to core 0 when `taskset` exists): the
//! aggregate throughput, each upload's time, and the server's memory before, at its peak
//! during the uploads, and after — which shows whether an upload is ever held in memory.
//! Then one download of each in full, for its throughput. Loopback only.
//!
//! cargo build --release -p campuslink && cargo bench -p campuslink-server --bench uploads --no-run
//! taskset -c 1 cargo bench -p campuslink-server --bench uploads
//! (BENCH_UPLOADS, BENCH_UPLOAD_MB change the load)

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark fails loudly

#[path = "common/mod.rs"]
mod common;

use common::{Server, env_or};

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn login(base: &str, login: &str) -> (String, String) {
    let r: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"login": login, "password": "campuslink"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (r["token"].as_str().unwrap().to_owned(), r["me"]["id"].as_str().unwrap().to_owned())
}

/// One upload over a plain socket, its body written in 64 KiB pieces of one reused
/// buffer: the client never holds the file either.
async fn upload(port: u16, token: &str, conv: &str, size: u64) -> (Duration, String) {
    let t = Instant::now();
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let head = format!(
        "POST /api/v1/conversations/{conv}/attachments?name=video.mp4 HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Authorization: Bearer {token}\r\nContent-Type: video/mp4\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let chunk: Vec<u8> = (0..64 * 1024).map(|i| (i * 7 % 251) as u8).collect();
    let mut left = size;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        s.write_all(&chunk[..n]).await.unwrap();
        left -= n as u64;
    }
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).await.unwrap();
    let text = String::from_utf8_lossy(&answer).to_string();
    assert!(text.starts_with("HTTP/1.1 201"), "upload refused: {}", &text[..text.len().min(300)]);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("");
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    (t.elapsed(), v["url"].as_str().unwrap().to_owned())
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(run());
}

async fn run() {
    let uploads = env_or("BENCH_UPLOADS", 10);
    let mb = env_or("BENCH_UPLOAD_MB", 100) as u64;
    let size = mb * 1024 * 1024;
    let server = Server::start("uploads", "demo", &[], &[]).await;
    let base = server.base.clone();
    let (_, peer) = login(&base, "teacher.a40").await;
    let mut senders = Vec::new();
    for i in 1..=uploads {
        let (token, _) = login(&base, &format!("teacher.a{i}")).await;
        let conv: serde_json::Value = reqwest::Client::new()
            .post(format!("{base}/api/v1/conversations/direct"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"member_id": peer}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        senders.push((token, conv["id"].as_str().unwrap().to_owned()));
    }
    let before = server.rss_kb();
    let peak = Arc::new(AtomicU64::new(before));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done, pid) = (peak.clone(), done.clone(), server.pid);
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(common::status_kb(&pid.to_string(), "VmRSS:"), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let t = Instant::now();
    let tasks: Vec<_> = senders
        .iter()
        .map(|(token, conv)| {
            let (token, conv, port) = (token.clone(), conv.clone(), server.addr.port());
            tokio::spawn(async move { upload(port, &token, &conv, size).await })
        })
        .collect();
    let mut times = Vec::new();
    let mut urls = Vec::new();
    for task in tasks {
        let (d, url) = task.await.unwrap();
        times.push(d);
        urls.push(url);
    }
    let wall = t.elapsed();
    done.store(true, Ordering::Relaxed);
    sampler.await.unwrap();
    let after = server.rss_kb();
    times.sort();
    let total_mb = (uploads as u64 * mb) as f64;
    println!(
        "uploads: {uploads} × {mb} MB at once in {:.2} s: {:.0} MB/s in all; each {:.2}–{:.2} s",
        wall.as_secs_f64(),
        total_mb / wall.as_secs_f64(),
        times[0].as_secs_f64(),
        times[times.len() - 1].as_secs_f64()
    );
    let peak = peak.load(Ordering::Relaxed);
    println!(
        "server memory (RSS): {:.1} MB before, {:.1} MB at the peak, {:.1} MB after ({:.1} MB more at the peak, \
         for {total_mb:.0} MB received)",
        before as f64 / 1024.0,
        peak as f64 / 1024.0,
        after as f64 / 1024.0,
        (peak.saturating_sub(before)) as f64 / 1024.0
    );

    // Downloads of what was sent, one at a time, by the sender (a member of the chat).
    let client = reqwest::Client::new();
    let t = Instant::now();
    let mut bytes = 0u64;
    for ((token, _), url) in senders.iter().zip(&urls).take(3) {
        let mut r = client.get(format!("{base}{url}")).bearer_auth(token).send().await.unwrap();
        assert!(r.status().is_success());
        while let Some(c) = r.chunk().await.unwrap() {
            bytes += c.len() as u64;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "downloads: {:.0} MB one after another at {:.0} MB/s",
        bytes as f64 / 1e6 * 1e6 / 1048576.0,
        bytes as f64 / 1048576.0 / secs
    );
}
