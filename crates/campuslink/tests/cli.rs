//! The program itself: creating the first bureau officer of a new installation, and
//! what it refuses.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use std::io::Write;
use std::process::{Command, Stdio};

fn add_officer(data: &std::path::Path, login: &str, password: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_campuslink"))
        .args(["add-bureau-officer", "--login", login, "--name", "教育局主任", "--data"])
        .arg(data)
        .env("CAMPUSLINK_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn the_first_bureau_officer_is_created_from_the_command_line() {
    let data = std::env::temp_dir().join(format!("campuslink-cli-{}", std::process::id()));
    let out = add_officer(&data, "Chan.TM", "a long password");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("bureau officer chan.tm created"));

    let again = add_officer(&data, "chan.tm", "another password");
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already taken"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let short = add_officer(&data, "lei.m", "short");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("too_short"));
    let bad = add_officer(&data, "x", "a long password");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("login too_short"));

    let store = store::Store::connect(&format!("sqlite://{}", data.join("campuslink.db").display())).await.unwrap();
    let officer = store.login_record("chan.tm").await.unwrap().unwrap();
    assert_eq!(officer.member.role, domain::Role::Bureau);
    assert!(officer.password_hash.unwrap().starts_with("$argon2id$"));
    assert!(store.member_by_login("lei.m").await.unwrap().is_none(), "a refused account is not created");
    store.close().await;
    std::fs::remove_dir_all(&data).unwrap();
}
