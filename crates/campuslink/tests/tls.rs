//! HTTPS from the program: `campuslink demo --tls` makes a self-signed certificate for
//! this machine (localhost, 127.0.0.1 and its other names), prints its fingerprint,
//! serves with it (Secure cookies, HSTS) and serves the same one on the next start;
//! `serve` refuses a certificate with another's key, naming the file.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

mod common;

use common::scratch;

use std::path::Path;
use std::process::{Command, Stdio};

fn demo_tls(dir: &Path) -> common::Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_campuslink"));
    cmd.args(["demo", "--tls", "--listen", "127.0.0.1:0", "--data"]).arg(dir.join("data"));
    cmd.current_dir(dir).env("CAMPUSLINK_LOG", "warn").stderr(Stdio::inherit());
    common::start(cmd)
}

/// The fingerprint line `demo --tls` printed.
fn printed_fingerprint(server: &common::Server) -> String {
    let line = server.banner.iter().find_map(|l| l.trim().strip_prefix("SHA-256 fingerprint: "));
    line.unwrap_or_else(|| panic!("no fingerprint in {:?}", server.banner)).to_owned()
}

#[tokio::test]
async fn demo_tls_serves_https_with_a_certificate_it_keeps() {
    let dir = scratch("tls-demo");
    let server = demo_tls(&dir);
    assert!(server.base.starts_with("https://127.0.0.1:"), "{}", server.base);
    let port = server.base.rsplit(':').next().unwrap().to_owned();
    let cert_file = dir.join("data/demo-tls/cert.pem");
    let cert_pem = std::fs::read(&cert_file).unwrap();
    let files = server::tls::TlsFiles { cert: cert_file.clone(), key: dir.join("data/demo-tls/key.pem") };
    let on_disk = server::tls::Certificates::load(files, store::Clock::system()).unwrap();
    let fingerprint = printed_fingerprint(&server);
    assert_eq!(fingerprint, on_disk.fingerprint(), "the fingerprint of what is served");
    assert!(server.banner.iter().any(|l| l.contains("--listen 0.0.0.0:")), "how to reach it from a phone");

    // A client that trusts only this certificate reaches it by both names.
    let http = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&cert_pem).unwrap())
        .resolve("localhost", server.base.trim_start_matches("https://").parse().unwrap())
        .build()
        .unwrap();
    for base in [server.base.clone(), format!("https://localhost:{port}")] {
        let resp = http.get(format!("{base}/healthz")).send().await.unwrap();
        assert_eq!(resp.status(), reqwest::StatusCode::OK, "{base}");
        assert_eq!(resp.headers()["strict-transport-security"], "max-age=300", "a short HSTS for a trial");
    }
    let resp = http
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&serde_json::json!({"login": "teacher.a1", "password": "campuslink"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), reqwest::StatusCode::OK);
    let cookies: Vec<_> = resp.headers().get_all("set-cookie").iter().map(|c| c.to_str().unwrap().to_owned()).collect();
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    assert!(cookies.iter().all(|c| c.ends_with("; Secure")), "Secure over HTTPS: {cookies:?}");
    drop(server);

    let again = demo_tls(&dir);
    assert_eq!(printed_fingerprint(&again), fingerprint, "the same certificate on the next start");
    assert_eq!(std::fs::read(&cert_file).unwrap(), cert_pem);
    drop(again);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_refuses_a_certificate_with_another_ones_key() {
    let dir = scratch("tls-mismatch");
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let other = rcgen::KeyPair::generate().unwrap();
    std::fs::write(dir.join("cert.pem"), cert.cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), other.serialize_pem()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_campuslink"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data", "data"])
        .current_dir(&dir)
        .env("CAMPUSLINK__SERVER__TLS_CERT", dir.join("cert.pem"))
        .env("CAMPUSLINK__SERVER__TLS_KEY", dir.join("key.pem"))
        .env("CAMPUSLINK_LOG", "warn")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("cannot serve HTTPS (server.tls_cert, server.tls_key)"), "{stderr}");
    assert!(
        stderr.contains(&format!("{} does not belong to the certificate", dir.join("key.pem").display())),
        "{stderr}"
    );
    assert!(!stderr.contains("PRIVATE KEY"), "{stderr}");
    assert!(!dir.join("data/campuslink.db").exists(), "refused before the database is opened");
    let _ = std::fs::remove_dir_all(&dir);
}
