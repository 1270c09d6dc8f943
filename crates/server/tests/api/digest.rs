//! The e-mail digest of unread messages, end to end: members opt in through their
//! notification settings, time passes on the server's clock (the test's hand), a sweep
//! queues what is due, and the mail outbox sends it to the real SMTP server of the test.
//! What is in a digest, what is never in one, and that nothing comes twice — on SQLite
//! and on PostgreSQL, and with two nodes sweeping one database at once.

use crate::chat::{direct, group, me, published, remove_b, say};
use crate::helpers::{Client, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::ServerConfig;
use std::time::Duration;

const HOURS: u64 = 4;
const MINUTE: Duration = Duration::from_secs(60);

fn after() -> Duration {
    Duration::from_secs(HOURS * 3600)
}

fn config() -> ServerConfig {
    ServerConfig { digest_after: Some(after()), push_allow_loopback_http: true, ..Default::default() }
}

async fn settings(c: &Client, body: Value) -> Value {
    let (s, out) = c.patch("/api/v1/me/notifications", body).await;
    assert_eq!(s, StatusCode::OK, "{out}");
    out
}

async fn opt_in(c: &Client) {
    assert_eq!(settings(c, json!({"email_digest": true})).await["email_digest"], true);
}

/// Runs one sweep on the test's node: how many digests it queued.
async fn sweep(app: &TestApp) -> usize {
    server::notify::digest::sweep(&app.state).await.unwrap()
}

/// (subject, body) of every digest queued for `to`, oldest first: what the outbox holds,
/// whether or not the worker has sent it yet.
async fn digests(app: &TestApp, to: &str) -> Vec<(String, String)> {
    store::testing::query_as(
        &app.store,
        &format!("SELECT subject, body FROM mail_outbox WHERE recipient = '{to}' ORDER BY created_at, id"),
    )
    .await
}

/// teacher.a (their app in `lang`), admin.a of the same campus, and teacher.a's id.
async fn teacher_and_admin(app: &TestApp, lang: &'static str) -> (Client, Client, String) {
    let ta = app.login("teacher.a").await.with_lang(lang);
    let ta_id = me(&ta).await;
    (ta, app.login("admin.a").await, ta_id)
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn one_digest_after_n_hours_of_what_was_left_unread_and_nothing_twice() {
    let app = TestApp::spawn_with(config()).await;
    published(&app).await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let admin_a = app.login("admin.a").await;
    let b_id = me(&tb).await;

    let (s, mine) = tb.get("/api/v1/me/notifications").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        mine,
        json!({"email_digest": false, "preview": true, "digest_after_hours": HOURS, "has_email": true}),
        "off until the member asks"
    );
    // Messages from before the digest was turned on are never in one.
    let chat = direct(&ta, &b_id).await;
    say(&ta, &chat, "d-0", "開啟前的消息").await;
    opt_in(&tb).await;

    let g = group(&admin_a, &[&b_id, &me(&ta).await]).await;
    let (s, _) = admin_a.patch(&format!("/api/v1/conversations/{}", id(&g)), json!({"name": "跨校部教研組"})).await;
    assert_eq!(s, StatusCode::OK);
    say(&ta, &chat, "d-1", "明天第三節調課").await;
    say(&ta, &chat, "d-2", "請回覆\n謝謝").await;
    say(&admin_a, &id(&g), "g-1", "教研會改到禮堂").await;
    say(&tb, &id(&g), "g-2", "自己的消息不算").await;

    // Not a minute before N hours.
    app.clock.advance(after() - MINUTE);
    assert_eq!(sweep(&app).await, 0);
    assert!(digests(&app, "teacher.b@b.test").await.is_empty());

    app.clock.advance(2 * MINUTE);
    assert_eq!(sweep(&app).await, 1);
    let mail = app.mail.wait_for("digest", |m| m.to == ["teacher.b@b.test"]).await;
    assert!(mail.data.contains("跨校部教研組") && mail.data.contains("請回覆 謝謝"), "over SMTP: {}", mail.data);
    let [(subject, body)] = <[_; 1]>::try_from(digests(&app, "teacher.b@b.test").await).unwrap();
    assert_eq!(subject, "[campuslink] 你在 2 個會話中有未讀消息");
    assert!(body.starts_with("b成員，你好："), "{body}");
    assert!(body.contains(&format!("超過 {HOURS} 小時未讀")), "{body}");
    assert!(body.contains("• a成員 — 2 條未讀消息\n  a成員: 請回覆 謝謝\n"), "the direct chat, its latest: {body}");
    assert!(body.contains(&format!("  {}/chats/{chat}\n", app.base)), "a link to it: {body}");
    assert!(body.contains("• 跨校部教研組 — 1 條未讀消息\n  a成員: 教研會改到禮堂\n"), "{body}");
    assert!(body.find("跨校部教研組").unwrap() < body.find("• a成員").unwrap(), "latest first: {body}");
    assert!(body.contains(&format!("打開 campuslink：{}/", app.base)), "{body}");
    assert!(!body.contains("開啟前的消息") && !body.contains("自己的消息不算"), "{body}");
    assert!(digests(&app, "teacher.a@a.test").await.is_empty(), "who did not ask gets nothing");

    // Nothing more for the same messages, however long they stay unread.
    assert_eq!(sweep(&app).await, 0);
    app.clock.advance(after() * 3);
    assert_eq!(sweep(&app).await, 0);
    assert_eq!(digests(&app, "teacher.b@b.test").await.len(), 1);

    // A new message: its own digest, N hours after it.
    say(&ta, &chat, "d-3", "還在嗎").await;
    app.clock.advance(after() - MINUTE);
    assert_eq!(sweep(&app).await, 0);
    app.clock.advance(2 * MINUTE);
    assert_eq!(sweep(&app).await, 1);
    let all = digests(&app, "teacher.b@b.test").await;
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].0, "[campuslink] 你在 1 個會話中有未讀消息");
    assert!(all[1].1.contains("• a成員 — 1 條未讀消息\n  a成員: 還在嗎\n"), "{}", all[1].1);
    app.stop().await;
}

#[tokio::test]
async fn nothing_for_what_was_read_in_time_nor_for_who_opted_out() {
    let app = TestApp::spawn_with(config()).await;
    let (ta, aa, ta_id) = teacher_and_admin(&app, "zh-Hant").await;
    let chat = direct(&aa, &ta_id).await;
    opt_in(&ta).await;

    // Read an hour later: never mailed.
    let m = say(&aa, &chat, "r-1", "請看通告").await;
    app.clock.advance(Duration::from_secs(3600));
    let (s, _) = ta.post(&format!("/api/v1/conversations/{chat}/read"), json!({"position": m["position"]})).await;
    assert_eq!(s, StatusCode::OK);
    app.clock.advance(after() * 2);
    assert_eq!(sweep(&app).await, 0);

    // Turned off: nothing, though it stays unread; turned on again, only what comes after.
    say(&aa, &chat, "r-2", "關閉時的消息").await;
    assert_eq!(settings(&ta, json!({"email_digest": false})).await["email_digest"], false);
    app.clock.advance(after() * 2);
    assert_eq!(sweep(&app).await, 0);
    opt_in(&ta).await;
    app.clock.advance(after() * 2);
    assert_eq!(sweep(&app).await, 0, "nothing from while it was off");
    assert!(digests(&app, "teacher.a@a.test").await.is_empty());

    // Bureau officers have no conversations, so no settings; unknown fields are refused.
    let bureau = app.login("bureau").await;
    let (s, e) = bureau.get("/api/v1/me/notifications").await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::FORBIDDEN, Some("bureau_cannot_chat")));
    let (s, e) = ta.patch("/api/v1/me/notifications", json!({"email_digest": true, "hours": 1})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_json")));
    app.stop().await;

    // A server without digests: not offered, refused if asked for, never sent.
    let app = TestApp::spawn().await;
    let (ta, aa, ta_id) = teacher_and_admin(&app, "en").await;
    let (_, mine) = ta.get("/api/v1/me/notifications").await;
    assert_eq!(mine["digest_after_hours"], 0);
    let (s, e) = ta.patch("/api/v1/me/notifications", json!({"email_digest": true})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("digest_unavailable")));
    assert_eq!(e["detail"], "This server sends no e-mail digests.");
    let chat = direct(&aa, &ta_id).await;
    say(&aa, &chat, "o-1", "沒有摘要").await;
    app.clock.advance(Duration::from_secs(30 * 24 * 3600));
    assert_eq!(sweep(&app).await, 0);
    assert_eq!(app.store.outbox_counts().await.unwrap(), (0, 0));
    app.stop().await;
}

#[tokio::test]
async fn a_muted_chat_is_left_out_but_a_mention_in_it_is_not() {
    let app = TestApp::spawn_with(config()).await;
    let (ta, aa, ta_id) = teacher_and_admin(&app, "en").await;
    opt_in(&ta).await;
    let quiet = id(&group(&aa, &[&ta_id]).await);
    let noisy = id(&group(&aa, &[&ta_id]).await);
    for g in [&quiet, &noisy] {
        let (s, _) = ta.patch(&format!("/api/v1/conversations/{g}/settings"), json!({"muted": true})).await;
        assert_eq!(s, StatusCode::OK);
    }
    aa.patch(&format!("/api/v1/conversations/{noisy}"), json!({"name": "Staff room"})).await;
    say(&aa, &quiet, "q-1", "nobody needs to read this").await;
    say(&aa, &noisy, "n-1", "chatter").await;
    let body = json!({"client_id": "n-2", "text": "@a成員 please sign the form", "mentions": [ta_id]});
    let (s, m) = aa.post(&format!("/api/v1/conversations/{noisy}/messages"), body).await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    say(&aa, &noisy, "n-3", "more chatter").await;

    app.clock.advance(after() + MINUTE);
    assert_eq!(sweep(&app).await, 1);
    let [(subject, body)] = <[_; 1]>::try_from(digests(&app, "teacher.a@a.test").await).unwrap();
    assert_eq!(subject, "[campuslink] Unread messages in 1 conversation", "in the member's language");
    assert!(body.starts_with("Hello Nome,"), "{body}");
    assert!(body.contains(&format!("for more than {HOURS} hours")), "{body}");
    assert!(
        body.contains("• Staff room — 1 unread message (you were mentioned)\n  Nome: @a成員 please sign the form\n"),
        "only the mention: {body}"
    );
    assert!(!body.contains("chatter") && !body.contains("nobody needs"), "{body}");
    app.stop().await;
}

#[tokio::test]
async fn nothing_of_what_the_member_may_no_longer_see() {
    let app = TestApp::spawn_with(config()).await;
    let (admin_a, admin_b, ic) = published(&app).await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let b_id = me(&tb).await;
    opt_in(&tb).await;

    // Across campuses: a direct chat and a group of A's, both unread when B is removed.
    let across = direct(&ta, &b_id).await;
    say(&ta, &across, "x-1", "跨校部的單聊").await;
    let a_group = id(&group(&ta, &[&b_id]).await);
    say(&ta, &a_group, "x-2", "中學部的群").await;
    // A group of B's own that B's teacher leaves with a message unread.
    let left = id(&group(&admin_b, &[&b_id]).await);
    say(&admin_b, &left, "l-1", "離開前的消息").await;
    let (s, _) = tb.delete(&format!("/api/v1/conversations/{left}/members/{b_id}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    // In B's own direct chat, one message stays and one is recalled.
    let own = direct(&admin_b, &b_id).await;
    say(&admin_b, &own, "o-1", "仍然可見").await;
    let gone = say(&admin_b, &own, "o-2", "撤回的消息").await;
    let (s, _) = admin_b.post(&format!("/api/v1/conversations/{own}/messages/{}/recall", id(&gone)), json!({})).await;
    assert_eq!(s, StatusCode::OK);

    remove_b(&app, &admin_a, &ic).await;
    app.clock.advance(after() + MINUTE);
    assert_eq!(sweep(&app).await, 1);
    let [(_, body)] = <[_; 1]>::try_from(digests(&app, "teacher.b@b.test").await).unwrap();
    assert!(body.contains("• b成員 — 1 條未讀消息\n  b成員: 仍然可見\n"), "{body}");
    for hidden in ["跨校部的單聊", "中學部的群", "離開前的消息", "撤回的消息", "a成員"] {
        assert!(!body.contains(hidden), "{hidden}: {body}");
    }
    app.stop().await;
}

#[tokio::test]
async fn hidden_previews_say_only_where_and_how_many_and_reach_every_device() {
    let app = TestApp::spawn_with(config()).await;
    let (ta, aa, ta_id) = teacher_and_admin(&app, "pt").await;
    let (_, public) = webpush::generate_ua_keys();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let device = json!({"endpoint": "http://127.0.0.1:9/push/phone", "keys": {"p256dh": b64.encode(public), "auth": b64.encode([7u8; 16])}, "preview": true});
    let (s, out) = ta.post("/api/v1/push/subscriptions", device).await;
    assert_eq!(s, StatusCode::CREATED, "{out}");

    let out = settings(&ta, json!({"email_digest": true, "preview": false})).await;
    assert_eq!((out["email_digest"].as_bool(), out["preview"].as_bool()), (Some(true), Some(false)));
    let previews: Vec<(i64,)> = store::testing::query_as(
        &app.store,
        &format!("SELECT preview FROM push_subscriptions WHERE member_id = '{ta_id}'"),
    )
    .await;
    assert_eq!(previews, vec![(0,)], "the phone's notifications hide them too");

    let chat = direct(&aa, &ta_id).await;
    say(&aa, &chat, "p-1", "segredo do conselho").await;
    app.clock.advance(after() + MINUTE);
    assert_eq!(sweep(&app).await, 1);
    let [(subject, body)] = <[_; 1]>::try_from(digests(&app, "teacher.a@a.test").await).unwrap();
    assert_eq!(subject, "[campuslink] Tem mensagens por ler numa conversa");
    assert!(body.starts_with("Olá, Nome."), "{body}");
    assert!(body.contains("• Nome — 1 mensagem por ler\n"), "{body}");
    assert!(body.contains(&format!("{}/chats/{chat}", app.base)), "{body}");
    assert!(!body.contains("segredo") && !body.contains("Nome: "), "no sender, no text: {body}");
    app.stop().await;
}

/// Two nodes on one database sweeping at the same moment write one digest.
#[tokio::test]
async fn two_nodes_sweeping_at_once_send_one_digest() {
    let app = TestApp::spawn_with(config()).await;
    let (ta, aa, ta_id) = teacher_and_admin(&app, "zh-Hant").await;
    opt_in(&ta).await;
    let chat = direct(&aa, &ta_id).await;
    say(&aa, &chat, "t-1", "兩個節點").await;
    let node2 = app.node(config()).await;
    app.clock.advance(after() + MINUTE);
    let (one, two) =
        tokio::join!(server::notify::digest::sweep(&app.state), server::notify::digest::sweep(&node2.state));
    assert_eq!(one.unwrap() + two.unwrap(), 1);
    assert_eq!(digests(&app, "teacher.a@a.test").await.len(), 1);
    assert_eq!(server::notify::digest::sweep(&node2.state).await.unwrap(), 0);
    node2.stop().await;
    app.stop().await;
}
