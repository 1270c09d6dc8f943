//! Web Push end to end: a device subscribes with keys of its own; a message to its member
//! reaches a push service, which checks the server's VAPID signature and decrypts the
//! notification with the device's keys, as a browser would. The push service is an HTTP
//! server in this test on 127.0.0.1: the real ones (FCM, Mozilla, Apple) cannot be
//! reached from here, and would not show us what they received.

use crate::chat::{direct, me, published, say};
use crate::helpers::{Client, TestApp};
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode as Status};
use base64::Engine;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::ServerConfig;
use server::push::Payload;
use tokio::sync::mpsc;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// What the push service received for one device.
struct Received {
    device: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// A push service on 127.0.0.1: answers 201, or 410 for the device named `gone`.
struct PushService {
    base: String,
    rx: mpsc::UnboundedReceiver<Received>,
}

impl PushService {
    async fn start() -> PushService {
        let (tx, rx) = mpsc::unbounded_channel();
        async fn take(
            State(tx): State<mpsc::UnboundedSender<Received>>,
            UrlPath(device): UrlPath<String>,
            headers: HeaderMap,
            body: Bytes,
        ) -> Status {
            let gone = device == "gone";
            let _ = tx.send(Received { device, headers, body: body.to_vec() });
            if gone { Status::GONE } else { Status::CREATED }
        }
        let app = axum::Router::new().route("/push/{device}", axum::routing::post(take)).with_state(tx);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        PushService { base, rx }
    }

    async fn next(&mut self) -> Received {
        tokio::time::timeout(std::time::Duration::from_secs(30), self.rx.recv()).await.expect("a push").unwrap()
    }
}

/// A browser's push keys.
struct Device {
    endpoint: String,
    private: [u8; 32],
    auth: [u8; 16],
    public: [u8; 65],
}

impl Device {
    fn new(service: &PushService, name: &str) -> Device {
        let (private, public) = webpush::generate_ua_keys();
        let auth: [u8; 16] = std::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(name.len() as u8));
        Device { endpoint: format!("{}/push/{name}", service.base), private, auth, public }
    }

    fn subscription(&self, preview: bool) -> Value {
        json!({"endpoint": self.endpoint, "expirationTime": null, "keys": {"p256dh": B64.encode(self.public), "auth": B64.encode(self.auth)}, "preview": preview})
    }

    /// Checks the push was signed by the server for this endpoint, and decrypts it.
    fn open(&self, app: &TestApp, r: &Received) -> Payload {
        let auth = r.headers["authorization"].to_str().unwrap();
        let now = (app.clock.now_ms() / 1000) as u64;
        webpush::verify_authorization(auth, &self.endpoint, now).expect("a valid VAPID signature");
        assert_eq!(r.headers["content-encoding"], "aes128gcm");
        let plain = webpush::decrypt(&self.private, &self.auth, &r.body)
            .unwrap_or_else(|e| panic!("{} cannot decrypt what came for {}: {e}", self.endpoint, r.device));
        serde_json::from_slice(&plain).unwrap()
    }
}

async fn subscribe(c: &Client, body: Value) -> (StatusCode, Value) {
    c.post("/api/v1/push/subscriptions", body).await
}

#[tokio::test]
async fn a_closed_app_is_told_by_web_push_and_only_when_it_should_be() {
    let app = TestApp::spawn_with(ServerConfig { push_allow_loopback_http: true, ..Default::default() }).await;
    published(&app).await;
    let mut service = PushService::start().await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let conv = direct(&ta, &me(&tb).await).await;

    let (s, k) = tb.get("/api/v1/push/key").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(B64.decode(k["public_key"].as_str().unwrap()).unwrap().len(), 65, "an uncompressed P-256 point");
    let phone = Device::new(&service, "phone");
    let (s, out) = subscribe(&tb, phone.subscription(true)).await;
    assert_eq!(s, StatusCode::CREATED, "{out}");

    // The app is closed: the message is pushed, signed, encrypted, with a preview.
    say(&ta, &conv, "p-1", "明天第三節調課").await;
    let r = service.next().await;
    assert_eq!(r.device, "phone");
    let p = phone.open(&app, &r);
    assert_eq!(
        (p.text.as_str(), p.sender_zh.as_str(), p.kind.as_str(), p.mention),
        ("明天第三節調課", "a成員", "direct", false)
    );
    assert_eq!(p.url, format!("/chats/{conv}"));
    assert_eq!(r.headers["urgency"], "normal");
    let topic = r.headers["topic"].to_str().unwrap().to_owned();
    assert!(topic.len() <= 32, "{topic}");

    // With the app open, no push; closed again, pushes resume.
    let mut ws = tb.ws().await;
    ws.hello(None).await;
    say(&ta, &conv, "p-2", "看到了嗎").await;
    ws.close().await;
    while app.state.hub.connections() > 0 {
        tokio::task::yield_now().await;
    }
    say(&ta, &conv, "p-3", "請回覆").await;
    let r = service.next().await;
    assert_eq!(phone.open(&app, &r).text, "請回覆", "the message sent while the app was open was not pushed");
    assert_eq!(r.headers["topic"].to_str().unwrap(), topic, "one chat, one topic: they collapse");

    // Muted: nothing, unless it mentions them.
    tb.patch(&format!("/api/v1/conversations/{conv}/settings"), json!({"muted": true})).await;
    say(&ta, &conv, "p-4", "不用回覆").await;
    let body = json!({"client_id": "p-5", "text": "@b成員 請確認", "mentions": [me(&tb).await]});
    let (s, _) = ta.post(&format!("/api/v1/conversations/{conv}/messages"), body).await;
    assert_eq!(s, StatusCode::CREATED);
    let r = service.next().await;
    let p = phone.open(&app, &r);
    assert_eq!((p.text.as_str(), p.mention), ("@b成員 請確認", true), "a mention reaches a muted chat");
    assert_eq!(r.headers["urgency"], "high");
    tb.patch(&format!("/api/v1/conversations/{conv}/settings"), json!({"muted": false})).await;

    // No preview: only that a message came, and from which chat.
    assert_eq!(subscribe(&tb, phone.subscription(false)).await.0, StatusCode::CREATED);
    say(&ta, &conv, "p-6", "成績表已上載").await;
    let p = phone.open(&app, &service.next().await);
    assert_eq!((p.text.as_str(), p.sender_zh.as_str(), p.conversation_id.to_string()), ("", "", conv.clone()));

    // A device the push service says is gone is forgotten.
    let old = Device::new(&service, "gone");
    assert_eq!(subscribe(&tb, old.subscription(true)).await.0, StatusCode::CREATED);
    say(&ta, &conv, "p-7", "最後一條").await;
    let mut devices = vec![service.next().await.device, service.next().await.device];
    devices.sort();
    assert_eq!(devices, ["gone", "phone"]);
    let count = || async {
        let rows: Vec<(i64,)> = store::testing::query_as(
            &app.store,
            &format!("SELECT COUNT(*) FROM push_subscriptions WHERE endpoint = '{}'", old.endpoint),
        )
        .await;
        rows[0].0
    };
    while count().await > 0 {
        tokio::task::yield_now().await;
    }

    // The sender is never told of their own message.
    let a_phone = Device::new(&service, "a-phone");
    subscribe(&ta, a_phone.subscription(true)).await;
    say(&ta, &conv, "p-8", "自己發的").await;
    say(&tb, &conv, "p-9", "收到").await;
    let mut got = Vec::new();
    for _ in 0..2 {
        let r = service.next().await;
        let device = if r.device == "phone" { &phone } else { &a_phone };
        got.push((r.device.clone(), device.open(&app, &r).text));
    }
    got.sort();
    assert_eq!(
        got,
        [("a-phone".to_owned(), "收到".to_owned()), ("phone".to_owned(), String::new())],
        "the phone asked for no preview"
    );
    app.stop().await;
}

#[tokio::test]
async fn malformed_subscriptions_are_refused_with_their_field() {
    let app = TestApp::spawn().await;
    let tb = app.login("teacher.b").await;
    let (_, public) = webpush::generate_ua_keys();
    let (p256dh, auth) = (B64.encode(public), B64.encode([7u8; 16]));
    let cases = [
        (json!({"endpoint": "http://127.0.0.1:9/push/x", "keys": {"p256dh": p256dh, "auth": auth}}), "endpoint"),
        (json!({"endpoint": "ftp://push.example/x", "keys": {"p256dh": p256dh, "auth": auth}}), "endpoint"),
        (json!({"endpoint": "", "keys": {"p256dh": p256dh, "auth": auth}}), "endpoint"),
        (
            json!({"endpoint": "https://push.example/x", "keys": {"p256dh": "bm90IGEga2V5", "auth": auth}}),
            "keys.p256dh",
        ),
        (
            json!({"endpoint": "https://push.example/x", "keys": {"p256dh": p256dh, "auth": B64.encode([1u8; 15])}}),
            "keys.auth",
        ),
    ];
    for (body, field) in cases {
        let (s, e) = subscribe(&tb, body.clone()).await;
        assert_eq!((s, e["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{body}");
    }
    let rows: Vec<(i64,)> = store::testing::query_as(&app.store, "SELECT COUNT(*) FROM push_subscriptions").await;
    assert_eq!(rows[0].0, 0, "nothing kept");
    let good = json!({"endpoint": "https://push.example/x", "keys": {"p256dh": p256dh, "auth": auth}});
    assert_eq!(subscribe(&tb, good).await.0, StatusCode::CREATED);
    let ta = app.login("teacher.a").await;
    let (s, _) = ta.post("/api/v1/push/subscriptions/delete", json!({"endpoint": "https://push.example/x"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "not theirs");
    let (s, _) = tb.post("/api/v1/push/subscriptions/delete", json!({"endpoint": "https://push.example/x"})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let bureau = app.login("bureau").await;
    let (s, _) = bureau
        .post(
            "/api/v1/push/subscriptions",
            json!({"endpoint": "https://push.example/y", "keys": {"p256dh": p256dh, "auth": auth}}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "bureau officers have no chats to be told of");
    app.stop().await;
}

#[tokio::test]
async fn a_call_rings_a_closed_app_by_web_push_and_a_missed_one_says_so() {
    let calls = server::calls::CallSettings { sfu: Some(sfu::SfuConfig::loopback()), ..Default::default() };
    let app = TestApp::spawn_with(ServerConfig { push_allow_loopback_http: true, calls, ..Default::default() }).await;
    published(&app).await;
    let mut service = PushService::start().await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let conv = direct(&ta, &me(&tb).await).await;
    let phone = Device::new(&service, "phone");
    let (s, out) = subscribe(&tb, phone.subscription(true)).await;
    assert_eq!(s, StatusCode::CREATED, "{out}");

    // B's app is closed: the ring reaches the phone, urgent, kept only while it rings.
    let (s, call) = ta.post(&format!("/api/v1/conversations/{conv}/calls"), json!({"video": true})).await;
    assert_eq!(s, StatusCode::CREATED, "{call}");
    let r = service.next().await;
    let p = phone.open(&app, &r);
    let ring = p.call.as_ref().expect("a call's notification");
    assert_eq!((ring.id.to_string().as_str(), ring.video, ring.missed), (call["id"].as_str().unwrap(), true, false));
    assert_eq!((p.sender_zh.as_str(), p.url.clone()), ("a成員", format!("/chats/{conv}")));
    assert_eq!(r.headers["urgency"], "high");
    assert_eq!(r.headers["ttl"], "45");
    assert!(r.headers.get("topic").is_none(), "a call does not replace the chat's messages");

    // Nobody answers: 未接來電 in its place.
    app.clock.advance(std::time::Duration::from_secs(45));
    assert_eq!(server::calls::sweep(&app.state).await.unwrap(), 1);
    let r = service.next().await;
    let p = phone.open(&app, &r);
    assert!(p.call.as_ref().is_some_and(|c| c.missed), "{p:?}");

    // With B's app open, the app rings and the phone is not pushed.
    let mut ws = tb.ws().await;
    ws.hello(None).await;
    let (s, call) = ta.post(&format!("/api/v1/conversations/{conv}/calls"), json!({"video": false})).await;
    assert_eq!(s, StatusCode::CREATED, "{call}");
    let (s, _) = ta.post(&format!("/api/v1/calls/{}/leave", call["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    // A message after it is what the phone gets next (once the app is closed): no ring came.
    ws.close().await;
    while app.state.hub.connections() > 0 {
        tokio::task::yield_now().await;
    }
    say(&ta, &conv, "r-1", "剛才打給你").await;
    let r = service.next().await;
    let p = phone.open(&app, &r);
    assert_eq!((p.text.as_str(), p.call.is_none()), ("剛才打給你", true));
}
