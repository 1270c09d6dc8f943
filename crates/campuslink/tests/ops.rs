//! The program as an operator meets it: `check-config` shows the settings in effect
//! with secrets hidden, a bad config file or variable stops it with the key named, and
//! `CAMPUSLINK_LOG_FORMAT=json` makes every log line a JSON object.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

mod common;

use common::scratch;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn campuslink(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_campuslink"));
    cmd.args(args).current_dir(dir).env("CAMPUSLINK_LOG", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn check_config_prints_the_settings_in_effect_without_secrets() {
    let dir = scratch("ops-effective");
    std::fs::write(
        dir.join("site.toml"),
        "[server]\nlisten = \"0.0.0.0:9000\"\n[mail]\nsmtp_host = \"smtp.school.mo\"\nsmtp_password = \"hunter2\"\n",
    )
    .unwrap();
    let out = campuslink(
        &dir,
        &["check-config", "--config", "site.toml", "--data", "/srv/campuslink"],
        &[
            ("CAMPUSLINK__AUTH__SESSION_HOURS", "12"),
            ("CAMPUSLINK__DATABASE__URL", "postgres://campuslink:s3cret@db/campuslink"),
            ("CAMPUSLINK__CALLS__ICE_SERVERS", "stun:stun.school.mo:3478,turn:turn.school.mo:3478?transport=udp"),
            ("CAMPUSLINK__CALLS__TURN_SECRET", "turn-s3cret"),
            ("CAMPUSLINK__CALLS__ADVERTISE", "10.0.0.5"),
        ],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    for line in [
        "listen = \"0.0.0.0:9000\"",      // the file
        "smtp_host = \"smtp.school.mo\"", // the file
        "session_hours = 12",             // the environment
        "data_dir = \"/srv/campuslink\"", // the flag
        "lockout_minutes = 15",           // a default
        "smtp_password = \"****\"",       // hidden
        "url = \"****\"",                 // hidden
        // lists, comma-separated in the environment
        "ice_servers = [\"stun:stun.school.mo:3478\", \"turn:turn.school.mo:3478?transport=udp\"]",
        "advertise = [\"10.0.0.5\"]",
        "turn_secret = \"****\"",
    ] {
        assert!(stdout.contains(line), "{line} missing from:\n{stdout}");
    }
    assert!(!stdout.contains("hunter2") && !stdout.contains("s3cret"), "{stdout}");
    assert!(!dir.join("campuslink-data").exists(), "checking creates nothing");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unknown_key_or_a_bad_value_stops_the_program_with_the_key_named() {
    let dir = scratch("ops-bad");
    let cases = [
        ("[server]\nlisne = \"0.0.0.0:80\"\n", "server.lisne"),
        ("[serverx]\nlisten = \"0.0.0.0:80\"\n", "serverx"),
        ("[server]\nsecure_cookies = \"maybe\"\n", "server.secure_cookies"),
        ("[mail]\nsmtp_port = 70000\n", "mail.smtp_port"),
        ("[mail]\nsmtp_security = \"ssl\"\n", "mail.smtp_security"),
        ("[server]\nlisten = \"8080\"\n", "server.listen"),
    ];
    for (file, key) in cases {
        std::fs::write(dir.join("campuslink.toml"), file).unwrap();
        for command in ["check-config", "serve"] {
            let out = campuslink(&dir, &[command], &[]);
            let stderr = text(&out.stderr);
            assert!(!out.status.success(), "{command} accepted {file:?}");
            assert!(stderr.contains(key), "{command} on {file:?}: {key} not named in {stderr}");
            assert!(!stderr.contains("backtrace"), "a clean message, not a dump: {stderr}");
        }
        assert!(!dir.join("campuslink-data").exists(), "a refused start creates nothing");
    }
    std::fs::remove_file(dir.join("campuslink.toml")).unwrap();
    let out = campuslink(&dir, &["check-config"], &[("CAMPUSLINK__SERVER__LISNE", "0.0.0.0:80")]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("server.lisne"), "{}", text(&out.stderr));
    let out = campuslink(&dir, &["check-config"], &[("CAMPUSLINK__AUTH__SESSION_HOURS", "a week")]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("auth.session_hours"), "{}", text(&out.stderr));
    let out = campuslink(&dir, &["check-config"], &[("CAMPUSLINK_LOG_FORMAT", "xml")]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("CAMPUSLINK_LOG_FORMAT must be text or json"), "{}", text(&out.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn json_logs_are_one_object_a_line() {
    let dir = scratch("ops-json");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_campuslink"));
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.join("data"))
        .current_dir(&dir)
        .env("CAMPUSLINK_LOG", "info")
        .env("CAMPUSLINK_LOG_FORMAT", "json")
        .stderr(Stdio::piped());
    let mut server = common::start(cmd);
    let (base, child) = (server.base.clone(), &mut server.child);
    let ready = reqwest::get(format!("{base}/readyz")).await.unwrap();
    assert_eq!(ready.status(), reqwest::StatusCode::OK);
    // SIGTERM: a graceful stop, which logs too.
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    assert!(child.wait().unwrap().success());
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let events: Vec<serde_json::Value> =
        stderr.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect();
    assert!(events.iter().all(|e| e["level"].is_string() && e["timestamp"].is_string()), "{stderr}");
    let serving = events.iter().find(|e| e["message"] == "serving").expect("the start is logged");
    assert!(serving["addr"].is_string(), "fields sit beside the message: {serving}");
    assert!(events.iter().any(|e| e["message"] == "stopped"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
