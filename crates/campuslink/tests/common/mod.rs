//! What the tests that run the real `campuslink` program share: starting it and
//! learning its address, stopping it with the test, signing in.

#![allow(dead_code)] // each test file uses its own part of it

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A fresh empty directory for one test (so no campuslink.toml of the repository is
/// picked up either).
pub fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("campuslink-{name}-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A running program, killed when the test drops it.
pub struct Server {
    pub child: Child,
    pub base: String,
    /// What it printed before its address.
    pub banner: Vec<String>,
    /// The lines it prints after it, as they come.
    pub output: std::sync::mpsc::Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `cmd` (stdout is taken here) and waits for the line with its address; the
/// rest of its standard output is drained into `output` so it never blocks on a full
/// pipe.
pub fn start(mut cmd: Command) -> Server {
    let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut banner = Vec::new();
    let base = loop {
        let line = lines.next().expect("the server printed its address").unwrap();
        if let Some(addr) = line.strip_prefix("campuslink listening on ") {
            break addr.trim().to_owned();
        }
        banner.push(line);
    };
    let (tx, output) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    Server { child, base, banner, output }
}

/// `campuslink demo` on a free port over `data` (and PostgreSQL at `database_url`).
pub fn demo(data: &Path, database_url: Option<&str>) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_campuslink"));
    cmd.args(["demo", "--listen", "127.0.0.1:0", "--data"]).arg(data);
    if let Some(url) = database_url {
        cmd.args(["--database-url", url]);
    }
    cmd.env("CAMPUSLINK_LOG", "warn").stderr(Stdio::inherit());
    start(cmd)
}

/// Signs a demo account in; its bearer token.
pub async fn login(http: &reqwest::Client, base: &str, login: &str) -> String {
    let r: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"login": login, "password": "campuslink"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["token"].as_str().unwrap_or_else(|| panic!("login {login}: {r}")).to_owned()
}

/// Opens the direct chat of two signed-in people (`from` opens it); its id.
pub async fn direct_chat(http: &reqwest::Client, base: &str, from: &str, to: &str) -> String {
    let me: Value = http.get(format!("{base}/api/v1/me")).bearer_auth(to).send().await.unwrap().json().await.unwrap();
    let conv: Value = http
        .post(format!("{base}/api/v1/conversations/direct"))
        .bearer_auth(from)
        .json(&json!({"member_id": me["id"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    conv["id"].as_str().unwrap_or_else(|| panic!("no direct chat: {conv}")).to_owned()
}
