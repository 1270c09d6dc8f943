//! HTTPS built in: the API and the live socket over TLS with a certificate made here,
//! a renewed certificate in use at the next handshake once `RECHECK` has passed on the
//! server's clock, a broken or mismatched replacement refused (the old one stays), a
//! bad pair refused at start, and the plain-HTTP listener that redirects to HTTPS.

use crate::helpers::{HSTS, TestApp};
use reqwest::StatusCode;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use server::ServerConfig;
use server::redirect::{Target, serve_redirect};
use server::tls::{Certificates, RECHECK, Reloaded, TlsError, TlsFiles};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A certificate for 127.0.0.1 and localhost with its own new key, as PEM.
struct Pair {
    cert: String,
    key: String,
}

impl Pair {
    fn new() -> Pair {
        let key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        let cert = params.self_signed(&key).unwrap();
        Pair { cert: cert.pem(), key: key.serialize_pem() }
    }

    fn der(&self) -> CertificateDer<'static> {
        CertificateDer::from_pem_slice(self.cert.as_bytes()).unwrap()
    }

    fn write(&self, files: &TlsFiles) {
        std::fs::write(&files.cert, &self.cert).unwrap();
        std::fs::write(&files.key, &self.key).unwrap();
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("campuslink-tls-{name}-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn files_in(dir: &Path) -> TlsFiles {
    TlsFiles { cert: dir.join("fullchain.pem"), key: dir.join("privkey.pem") }
}

/// A client configuration that trusts these certificates and nothing else.
fn trusting(pairs: &[&Pair]) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for p in pairs {
        roots.add(p.der()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

/// Does a TLS handshake with the server at `base` and returns the certificate it
/// presented (the client trusts `trust`, so the handshake proves it is one of those).
async fn presented(base: &str, trust: Arc<rustls::ClientConfig>) -> CertificateDer<'static> {
    let addr = base.trim_start_matches("https://");
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let tls = tokio_rustls::TlsConnector::from(trust).connect(name, tcp).await.unwrap();
    tls.get_ref().1.peer_certificates().unwrap()[0].clone().into_owned()
}

#[tokio::test]
async fn the_api_and_the_live_socket_are_served_over_https() {
    let dir = scratch("serve");
    let files = files_in(&dir);
    let pair = Pair::new();
    pair.write(&files);
    let trust = trusting(&[&pair]);
    let (app, _) = TestApp::spawn_tls(ServerConfig::default(), files, trust.clone()).await;
    assert!(app.base.starts_with("https://127.0.0.1:"), "{}", app.base);

    let resp = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.version(), reqwest::Version::HTTP_11);
    let hsts = resp.headers().get("strict-transport-security").unwrap().to_str().unwrap();
    assert_eq!(hsts, format!("max-age={}", HSTS.as_secs()));

    let ta = app.login("teacher.a").await;
    let (s, me) = ta.get("/api/v1/me").await;
    assert_eq!(s, StatusCode::OK, "{me}");
    assert_eq!(me["login"], "teacher.a");

    // The live connection over wss: a message sent on it is acked, and one sent to it
    // over HTTPS arrives.
    let mut live = ta.wss(trust.clone()).await;
    live.hello(None).await;
    let peer = app.login("admin.a").await;
    let (_, peer_me) = peer.get("/api/v1/me").await;
    let (s, conv) = ta.post("/api/v1/conversations/direct", serde_json::json!({"member_id": peer_me["id"]})).await;
    assert_eq!(s, StatusCode::CREATED, "{conv}");
    let conv = conv["id"].as_str().unwrap().to_owned();
    live.send(
        serde_json::json!({"type": "send", "conversation_id": conv, "client_id": "tls-1", "text": "經 TLS 送出"}),
    )
    .await;
    let ack = live.next_of("ack").await;
    assert_eq!(ack["message"]["text"], "經 TLS 送出");
    let (s, sent) = peer
        .post(
            &format!("/api/v1/conversations/{conv}/messages"),
            serde_json::json!({"client_id": "tls-2", "text": "經 TLS 送達"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sent}");
    // (The event of the socket's own message may come before or after its ack.)
    loop {
        let event = live.next_of("message").await;
        if event["data"]["message"]["text"] == "經 TLS 送達" {
            break;
        }
        assert_eq!(event["data"]["message"]["text"], "經 TLS 送出", "{event}");
    }
    live.close().await;

    // A client that trusts only its usual authorities refuses the certificate, and
    // plain HTTP on the HTTPS port gets no answer.
    let stranger = reqwest::Client::new();
    assert!(stranger.get(app.url("/healthz")).send().await.is_err(), "an untrusted certificate is refused");
    let plain = app.base.replacen("https://", "http://", 1);
    assert!(stranger.get(format!("{plain}/healthz")).send().await.is_err(), "no plain HTTP on the HTTPS port");
    app.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_renewed_certificate_is_served_without_a_restart_and_a_bad_one_is_refused() {
    let dir = scratch("reload");
    let files = files_in(&dir);
    let (first, second, third) = (Pair::new(), Pair::new(), Pair::new());
    first.write(&files);
    let trust = trusting(&[&first, &second, &third]);
    let (app, certificates) = TestApp::spawn_tls(ServerConfig::default(), files.clone(), trust.clone()).await;
    assert_eq!(presented(&app.base, trust.clone()).await, first.der());

    // Renewed on disk: handshakes look again only once RECHECK has passed.
    second.write(&files);
    assert_eq!(presented(&app.base, trust.clone()).await, first.der(), "not before RECHECK");
    app.clock.advance(RECHECK);
    assert_eq!(presented(&app.base, trust.clone()).await, second.der(), "the renewed certificate");
    let resp = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "requests go on over the new certificate");

    // A broken certificate file: refused, the one in use stays.
    std::fs::write(&files.cert, "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n").unwrap();
    app.clock.advance(RECHECK);
    assert_eq!(presented(&app.base, trust.clone()).await, second.der(), "a broken file is not used");
    // A certificate whose key is not in the key file (a renewal written half-way).
    std::fs::write(&files.cert, &third.cert).unwrap();
    app.clock.advance(RECHECK);
    assert_eq!(presented(&app.base, trust.clone()).await, second.der(), "a mismatched pair is not used");
    match certificates.reload() {
        Err(TlsError::Mismatch { key, .. }) => assert_eq!(key, files.key),
        other => panic!("a reload of a mismatched pair: {other:?}"),
    }
    // An empty key file.
    std::fs::write(&files.key, "").unwrap();
    assert!(matches!(certificates.reload(), Err(TlsError::NoKey(_))));
    assert_eq!(presented(&app.base, trust.clone()).await, second.der());

    // The key arrives: the pair is whole and in use.
    std::fs::write(&files.key, &third.key).unwrap();
    app.clock.advance(RECHECK);
    assert_eq!(presented(&app.base, trust.clone()).await, third.der(), "the whole pair");
    assert_eq!(certificates.reload().unwrap(), Reloaded::Unchanged);
    assert_eq!(certificates.fingerprint(), server::tls::fingerprint(&third.der()));
    app.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_bad_pair_is_refused_at_start_naming_the_file() {
    let dir = scratch("refuse");
    let files = files_in(&dir);
    let (one, other) = (Pair::new(), Pair::new());
    let clock = store::Clock::manual();
    let load = || Certificates::load(files.clone(), clock.clone()).map(drop).unwrap_err();

    let e = load();
    assert!(matches!(e, TlsError::ReadCert(..)), "{e}");
    assert!(e.to_string().contains(&files.cert.display().to_string()), "{e}");

    std::fs::write(&files.cert, &one.cert).unwrap();
    let e = load();
    assert!(matches!(e, TlsError::ReadKey(..)) && e.to_string().contains("privkey.pem"), "{e}");

    std::fs::write(&files.key, &other.key).unwrap();
    let e = load();
    assert!(matches!(e, TlsError::Mismatch { .. }), "{e}");
    let message = e.to_string();
    assert!(message.contains("privkey.pem") && message.contains("fullchain.pem"), "{message}");
    assert!(!message.contains("PRIVATE KEY"), "no key material in {message}");

    std::fs::write(&files.key, &one.cert).unwrap();
    assert!(matches!(load(), TlsError::NoKey(_)), "a certificate where the key should be");
    std::fs::write(&files.key, &one.key).unwrap();
    std::fs::write(&files.cert, &one.key).unwrap();
    assert!(matches!(load(), TlsError::NoCertificate(_)), "a key where the certificate should be");

    // One file holding both is fine (the certificate first, then the key).
    let both = dir.join("both.pem");
    std::fs::write(&both, format!("{}{}", one.cert, one.key)).unwrap();
    let c = Certificates::load(TlsFiles { cert: both.clone(), key: both }, clock).unwrap();
    assert_eq!(c.current().cert[0], one.der());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Sends `request` as it is to `addr` and returns the whole answer.
async fn raw(addr: std::net::SocketAddr, request: &str) -> String {
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut out = String::new();
    tcp.read_to_string(&mut out).await.unwrap();
    out
}

#[tokio::test]
async fn plain_http_is_redirected_to_the_same_path_over_https() {
    let start = |target: Target| async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(serve_redirect(listener, target, async {
            let _ = rx.await;
        }));
        (addr, tx)
    };
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

    let (addr, _stop) = start(Target::new(None, 8443)).await;
    let resp = http.get(format!("http://{addr}/invite/abc?lang=pt&x=1")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(resp.headers()["location"], "https://127.0.0.1:8443/invite/abc?lang=pt&x=1");
    let resp = http.post(format!("http://{addr}/api/v1/auth/login")).header("host", "school.test").send().await;
    let resp = resp.unwrap();
    assert_eq!(resp.status(), StatusCode::PERMANENT_REDIRECT, "every method");
    assert_eq!(resp.headers()["location"], "https://school.test:8443/api/v1/auth/login");
    assert!(resp.headers().get("set-cookie").is_none() && resp.text().await.unwrap().is_empty(), "nothing else");
    let answer = raw(addr, "GET /healthz HTTP/1.0\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.") && answer.contains(" 400 "), "no host, no redirect: {answer}");

    let (addr, _stop) = start(Target::new(Some("https://chat.school.edu.mo"), 8443)).await;
    let resp = http.get(format!("http://{addr}/admin?tab=2")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(resp.headers()["location"], "https://chat.school.edu.mo/admin?tab=2", "public_url's origin");
    let answer = raw(addr, "GET /x HTTP/1.0\r\n\r\n").await;
    assert!(answer.contains(" 308 ") && answer.contains("location: https://chat.school.edu.mo/x\r\n"), "{answer}");
}
