//! Beyond sending: emoji reactions, each member's own settings for a conversation (pin,
//! mute, mark unread), the group announcement, and forwarding — live to the right
//! people, with the refusals each has.

use crate::chat::{direct, group, me, published, say, unexposed};
use crate::helpers::{Client, PASSWORD, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn enc(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

async fn react(c: &Client, conv: &str, m: &Value, emoji: &str, on: bool) -> (StatusCode, Value) {
    let path = format!("/api/v1/conversations/{conv}/messages/{}/reactions/{}", m["id"].as_str().unwrap(), enc(emoji));
    if on { c.put(&path, json!({})).await } else { c.delete(&path).await }
}

fn field(e: &Value) -> Option<&str> {
    e["errors"][0]["field"].as_str()
}

#[tokio::test]
async fn reactions_are_live_one_each_and_limited() {
    let app = TestApp::spawn().await;
    published(&app).await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let (a_id, b_id) = (me(&ta).await, me(&tb).await);
    let conv = direct(&ta, &b_id).await;
    let m = say(&ta, &conv, "r-1", "明天早會改在禮堂").await;
    let mut wa = ta.ws().await;
    wa.hello(None).await;

    let (s, r) = react(&tb, &conv, &m, "👍", true).await;
    assert_eq!((s, &r["reactions"]), (StatusCode::OK, &json!([{"emoji": "👍", "member_ids": [b_id]}])));
    let live = wa.next_of("event").await;
    assert_eq!((live["kind"].as_str(), &live["data"]["reactions"]), (Some("reaction"), &r["reactions"]));
    let (_, again) = react(&tb, &conv, &m, "👍", true).await;
    assert_eq!(again["reactions"], r["reactions"], "putting it twice changes nothing");
    app.clock.advance(std::time::Duration::from_secs(1));
    let (_, both) = react(&ta, &conv, &m, "👍", true).await;
    assert_eq!(both["reactions"], json!([{"emoji": "👍", "member_ids": [b_id, a_id]}]));
    let (_, page) = tb.get(&format!("/api/v1/conversations/{conv}/messages")).await;
    let shown = page["messages"].as_array().unwrap().iter().find(|x| x["id"] == m["id"]).unwrap();
    assert_eq!(shown["reactions"], both["reactions"], "history shows them");
    let (_, off) = react(&tb, &conv, &m, "👍", false).await;
    assert_eq!(off["reactions"], json!([{"emoji": "👍", "member_ids": [a_id]}]));

    // One person, at most ten different ones.
    let emojis = ["😀", "😂", "❤️", "🎉", "👏", "🙏", "😮", "😢", "🔥", "✅"];
    for e in emojis {
        assert_eq!(react(&tb, &conv, &m, e, true).await.0, StatusCode::OK);
    }
    let (s, e) = react(&tb, &conv, &m, "👀", true).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("too_many_reactions")));
    assert_eq!(react(&ta, &conv, &m, "👀", true).await.0, StatusCode::OK, "the limit is per person");

    // Not an emoji; not their conversation; not a message one may react to.
    let (s, e) = react(&tb, &conv, &m, "好", true).await;
    assert_eq!((s, field(&e)), (StatusCode::UNPROCESSABLE_ENTITY, Some("emoji")));
    let tx = app.login("teacher.x").await;
    assert_eq!(react(&tx, &conv, &m, "👍", true).await.0, StatusCode::NOT_FOUND);
    ta.post(&format!("/api/v1/conversations/{conv}/messages/{}/recall", m["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(react(&tb, &conv, &m, "👍", true).await.0, StatusCode::NOT_FOUND, "recalled");
    app.stop().await;
}

#[tokio::test]
async fn pin_mute_and_unread_are_ones_own_on_every_device() {
    let app = TestApp::spawn().await;
    published(&app).await;
    let ta = app.login("teacher.a").await;
    let ta2 = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let conv = direct(&ta, &me(&tb).await).await;
    say(&tb, &conv, "u-1", "收到請回覆").await;
    let mut other_device = ta2.ws().await;
    other_device.hello(None).await;

    let path = format!("/api/v1/conversations/{conv}/settings");
    let (s, c) = ta.patch(&path, json!({"pinned": true, "muted": true})).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert!(c["pinned_at"].is_i64() && c["muted"] == json!(true), "{c}");
    let live = other_device.next_of("event").await;
    assert_eq!((live["kind"].as_str(), &live["data"]["conversation_id"]), (Some("conversation_prefs"), &json!(conv)));
    let (_, mine) = ta2.get("/api/v1/conversations").await;
    assert_eq!(mine[0]["pinned_at"], c["pinned_at"]);
    let (_, theirs) = tb.get("/api/v1/conversations").await;
    assert_eq!((&theirs[0]["pinned_at"], &theirs[0]["muted"]), (&Value::Null, &json!(false)), "the other side's own");

    // Pinning again keeps the first time; unpinning clears it.
    let (_, again) = ta.patch(&path, json!({"pinned": true})).await;
    assert_eq!(again["pinned_at"], c["pinned_at"]);
    let (_, c) = ta.patch(&path, json!({"pinned": false, "marked_unread": true})).await;
    assert_eq!((&c["pinned_at"], &c["marked_unread"], &c["muted"]), (&Value::Null, &json!(true), &json!(true)));
    // Reading clears the mark.
    let (s, _) = ta.post(&format!("/api/v1/conversations/{conv}/read"), json!({"position": c["last_position"]})).await;
    assert_eq!(s, StatusCode::OK);
    let (_, list) = ta.get("/api/v1/conversations").await;
    assert_eq!(list[0]["marked_unread"], json!(false));

    let (s, e) = ta.patch(&path, json!({"pinned": "yes"})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_json")));
    let (s, _) = ta.patch(&path, json!({"colour": "red"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "unknown settings are refused");
    assert_eq!(app.login("teacher.x").await.patch(&path, json!({"muted": true})).await.0, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn the_owner_announces_and_members_see_it_until_read() {
    let app = TestApp::spawn().await;
    published(&app).await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let g = group(&ta, &[&me(&tb).await]).await;
    let gid = g["id"].as_str().unwrap();
    let path = format!("/api/v1/conversations/{gid}/announcement");

    let (s, d) = ta.put(&path, json!({"text": "  下週一家長會，請各位準時。 "})).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["announcement"]["text"], "下週一家長會，請各位準時。");
    assert_eq!(d["announcement"]["by"]["id"], json!(me(&ta).await));
    assert_eq!(d["announcement_unseen"], json!(false), "its author has seen it");
    let (_, tbd) = tb.get(&format!("/api/v1/conversations/{gid}")).await;
    assert_eq!(tbd["announcement_unseen"], json!(true));
    let (_, page) = tb.get(&format!("/api/v1/conversations/{gid}/messages")).await;
    let last = page["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["system"]["action"].as_str(), last["system"]["name"].as_str()),
        (Some("announcement"), Some("下週一家長會，請各位準時。"))
    );
    let (s, _) = tb.post(&format!("{path}/seen"), json!({})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, tbd) = tb.get(&format!("/api/v1/conversations/{gid}")).await;
    assert_eq!(tbd["announcement_unseen"], json!(false));

    // Only the owner; not too long; "" clears it.
    let (s, e) = tb.put(&path, json!({"text": "我來改"})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::FORBIDDEN, Some("not_group_owner")));
    let (s, e) = ta.put(&path, json!({"text": "字".repeat(2001)})).await;
    assert_eq!((s, field(&e)), (StatusCode::UNPROCESSABLE_ENTITY, Some("text")));
    let (_, d) = ta.put(&path, json!({"text": ""})).await;
    assert_eq!(d["announcement"], Value::Null);
    let conv = direct(&ta, &me(&tb).await).await;
    let (s, e) = ta.put(&format!("/api/v1/conversations/{conv}/announcement"), json!({"text": "x"})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("not_a_group")));
    app.stop().await;
}

#[tokio::test]
async fn forwarding_copies_what_one_sees_and_names_only_who_everyone_reaches() {
    let app = TestApp::spawn().await;
    let (admin_a, _, _) = published(&app).await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let aa = app.login("admin.a").await;
    let b_id = me(&tb).await;
    let dm = direct(&ta, &b_id).await;
    let original = say(&tb, &dm, "f-1", "下午三點在禮堂集合").await;
    let photo =
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../media/tests/fixtures/photo.jpg"))
            .unwrap();
    let (_, up) = tb.upload(&format!("/api/v1/conversations/{dm}/attachments?name=p.jpg"), "image/jpeg", photo).await;
    let (_, pic) = tb
        .post(
            &format!("/api/v1/conversations/{dm}/messages"),
            json!({"client_id": "f-2", "text": "", "attachment_id": up["id"]}),
        )
        .await;

    // Into a group of A's campus whose members all reach B's teacher: the copy names them.
    let g = group(&ta, &[&me(&aa).await]).await;
    let gid = g["id"].as_str().unwrap();
    let body = json!({"client_id": "fw-1", "message_ids": [original["id"], pic["id"]]});
    let (s, out) = ta.post(&format!("/api/v1/conversations/{gid}/forward"), body.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{out}");
    let copies = out["messages"].as_array().unwrap();
    assert_eq!(copies.len(), 2);
    assert_eq!(
        (copies[0]["text"].as_str(), &copies[0]["forwarded"]["sender"]["id"]),
        (Some("下午三點在禮堂集合"), &json!(b_id))
    );
    assert_eq!(copies[0]["sender"]["id"], json!(me(&ta).await), "sent by the forwarder");
    let copy_pic = &copies[1]["attachment"];
    assert_ne!(copy_pic["id"], up["id"], "its own attachment");
    assert_eq!(aa.fetch(copy_pic["url"].as_str().unwrap(), &[]).await.0, StatusCode::OK, "the group may fetch it");
    assert_eq!(aa.fetch(up["url"].as_str().unwrap(), &[]).await.0, StatusCode::NOT_FOUND, "not the original");
    // The same forward again gives the same copies back.
    let (s, again) = ta.post(&format!("/api/v1/conversations/{gid}/forward"), body).await;
    assert_eq!((s, &again["messages"][0]["id"]), (StatusCode::CREATED, &copies[0]["id"]));
    // Recalling the original leaves the copy.
    tb.post(&format!("/api/v1/conversations/{dm}/messages/{}/recall", pic["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(aa.fetch(copy_pic["url"].as_str().unwrap(), &[]).await.0, StatusCode::OK);

    // A group with someone who does not reach B's teacher: the copy does not name them.
    let hidden = unexposed(&admin_a, app.campus_a, "hidden.a").await;
    let g2 = group(&ta, &[&hidden]).await;
    let g2id = g2["id"].as_str().unwrap();
    let (_, out) = ta
        .post(
            &format!("/api/v1/conversations/{g2id}/forward"),
            json!({"client_id": "fw-2", "message_ids": [original["id"]]}),
        )
        .await;
    assert_eq!(out["messages"][0]["forwarded"], json!({"sender": null}), "{out}");
    let th = app.login("hidden.a").await;
    let (_, page) = th.get(&format!("/api/v1/conversations/{g2id}/messages")).await;
    assert!(!page.to_string().contains(&b_id), "nothing names B's teacher to them");
    let _ = PASSWORD;

    // Refusals: a message one does not see, too many, a conversation one cannot post in.
    let tx = app.login("teacher.x").await;
    let (s, e) = ta
        .post(
            &format!("/api/v1/conversations/{gid}/forward"),
            json!({"client_id": "fw-3", "message_ids": [domain::MessageId::new()]}),
        )
        .await;
    assert_eq!((s, field(&e)), (StatusCode::UNPROCESSABLE_ENTITY, Some("message_ids")));
    let (s, e) = aa
        .post(
            &format!("/api/v1/conversations/{gid}/forward"),
            json!({"client_id": "fw-4", "message_ids": [original["id"]]}),
        )
        .await;
    assert_eq!((s, field(&e)), (StatusCode::UNPROCESSABLE_ENTITY, Some("message_ids")), "not in the chat it came from");
    let many: Vec<Value> = (0..21).map(|_| original["id"].clone()).collect();
    let (s, e) = ta
        .post(&format!("/api/v1/conversations/{gid}/forward"), json!({"client_id": "fw-5", "message_ids": many}))
        .await;
    assert_eq!((s, field(&e)), (StatusCode::UNPROCESSABLE_ENTITY, Some("message_ids")));
    assert_eq!(
        tx.post(
            &format!("/api/v1/conversations/{gid}/forward"),
            json!({"client_id": "fw-6", "message_ids": [original["id"]]})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let (s, _) = ta.delete(&format!("/api/v1/conversations/{g2id}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, e) = ta
        .post(
            &format!("/api/v1/conversations/{g2id}/forward"),
            json!({"client_id": "fw-7", "message_ids": [original["id"]]}),
        )
        .await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("conversation_read_only")));
    app.stop().await;
}
