//! `campuslink demo --test-clock`: a browser test moves the server's clock with
//! `advance <seconds>` lines on standard input, each acknowledged on stdout, and the
//! server acts on the new time (a call that rang out is missed).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

mod common;

use common::{direct_chat, login, scratch};
use serde_json::{Value, json};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Writes `line` to the server's standard input and waits for its acknowledgement.
fn order(server: &mut common::Server, line: &str, ack: &str) {
    let stdin = server.child.stdin.as_mut().unwrap();
    writeln!(stdin, "{line}").unwrap();
    stdin.flush().unwrap();
    loop {
        let printed = server.output.recv_timeout(Duration::from_secs(10)).expect("the clock acknowledged");
        if printed == ack {
            return;
        }
    }
}

async fn calls(http: &reqwest::Client, base: &str, token: &str) -> Value {
    http.get(format!("{base}/api/v1/calls")).bearer_auth(token).send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn demo_test_clock_moves_the_servers_time_from_standard_input() {
    let dir = scratch("test-clock");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_campuslink"));
    cmd.args(["demo", "--test-clock", "--listen", "127.0.0.1:0", "--data"]).arg(dir.join("data"));
    cmd.current_dir(&dir).env("CAMPUSLINK_LOG", "warn").stdin(Stdio::piped()).stderr(Stdio::inherit());
    let mut server = common::start(cmd);
    let http = reqwest::Client::new();
    let base = server.base.clone();
    let a1 = login(&http, &base, "teacher.a1").await;
    let a2 = login(&http, &base, "teacher.a2").await;
    let conv = direct_chat(&http, &base, &a1, &a2).await;
    let resp = http
        .post(format!("{base}/api/v1/conversations/{conv}/calls"))
        .bearer_auth(&a1)
        .json(&json!({"video": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), reqwest::StatusCode::CREATED);
    assert_eq!(calls(&http, &base, &a2).await.as_array().unwrap().len(), 1, "it rings");

    order(&mut server, "advance 46", "clock advanced 46");
    let deadline = Instant::now() + Duration::from_secs(10);
    while calls(&http, &base, &a2).await != json!([]) {
        assert!(Instant::now() < deadline, "the call rang out on the moved clock");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    order(&mut server, "advance 3600", "clock advanced 3600");
    let me = http.get(format!("{base}/api/v1/me")).bearer_auth(&a1).send().await.unwrap();
    assert_eq!(me.status(), reqwest::StatusCode::OK, "still serving, an hour on");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
