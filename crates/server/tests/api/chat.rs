//! Conversations over REST and the WebSocket with real clients: who may chat with whom,
//! exactly-once sends, ordering, resume from any position, read status, recall, groups,
//! what happens when a campus leaves, and the gateway's refusals.

use crate::helpers::{Client, PASSWORD, TestApp, Ws, WsMessage};
use crate::interconnection::connect_a_and_b;
use domain::CampusId;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::ServerConfig;
use std::collections::HashSet;

/// A and B interconnected and published, each exposing its 教務處 (where the seeded
/// admin and teacher are). Returns (admin_a, admin_b, interconnection id).
pub(crate) async fn published(app: &TestApp) -> (Client, Client, String) {
    let (admin_a, admin_b, ic) = connect_a_and_b(app).await;
    for (admin, campus) in [(&admin_a, app.campus_a), (&admin_b, app.campus_b)] {
        let dept = admin.first_department(campus).await;
        let (s, e) = admin
            .put(&format!("/api/v1/interconnections/{ic}/exposure/{campus}"), json!({"department_ids": [dept]}))
            .await;
        assert_eq!(s, StatusCode::OK, "{e}");
    }
    let (s, e) = admin_a.post(&format!("/api/v1/interconnections/{ic}/publish"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{e}");
    (admin_a, admin_b, ic)
}

/// A's admin removes campus B from the interconnection, confirming by password.
pub(crate) async fn remove_b(app: &TestApp, admin_a: &Client, ic: &str) {
    let b = app.campus_b;
    let (_, conf) = admin_a.post(&format!("/api/v1/interconnections/{ic}/campuses/{b}/removal"), json!({})).await;
    let cid = conf["id"].as_str().unwrap();
    let (s, _) = admin_a.post(&format!("/api/v1/confirmations/{cid}/password"), json!({"password": PASSWORD})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, e) = admin_a.delete(&format!("/api/v1/interconnections/{ic}/campuses/{b}?confirmation_id={cid}")).await;
    assert_eq!(s, StatusCode::OK, "{e}");
}

pub(crate) async fn me(c: &Client) -> String {
    let (_, m) = c.get("/api/v1/me").await;
    m["id"].as_str().unwrap().to_owned()
}

pub(crate) async fn direct(from: &Client, to: &str) -> String {
    let (s, c) = from.post("/api/v1/conversations/direct", json!({"member_id": to})).await;
    assert!(s == StatusCode::CREATED || s == StatusCode::OK, "{s} {c}");
    c["id"].as_str().unwrap().to_owned()
}

/// A message's readers as the sender's app asks for them: (read, unread) member ids.
async fn readers(c: &Client, conv: &str, message: &str) -> (Vec<String>, Vec<String>) {
    let (s, r) = c.get(&format!("/api/v1/conversations/{conv}/messages/{message}/readers")).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let ids =
        |k: &str| r[k].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    (ids("read"), ids("unread"))
}

pub(crate) async fn say(c: &Client, conv: &str, client_id: &str, text: &str) -> Value {
    let (s, m) =
        c.post(&format!("/api/v1/conversations/{conv}/messages"), json!({"client_id": client_id, "text": text})).await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    m
}

/// A member of `campus` outside the exposed 教務處.
pub(crate) async fn unexposed(admin: &Client, campus: CampusId, login: &str) -> String {
    let (_, d) = admin.post(&format!("/api/v1/campuses/{campus}/departments"), json!({"name_zh": "總務處"})).await;
    let body = json!({"login": login, "name_zh": "未公開", "department_ids": [d["id"]], "password": PASSWORD});
    let (s, m) = admin.post(&format!("/api/v1/campuses/{campus}/members"), body).await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    m["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_direct_chat_across_campuses_in_real_time_exactly_once() {
    let app = TestApp::spawn().await;
    published(&app).await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let (a_id, b_id) = (me(&ta).await, me(&tb).await);

    let mut wb = tb.ws().await;
    wb.hello(None).await;
    let (s, c) = ta.post("/api/v1/conversations/direct", json!({"member_id": b_id})).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let conv = c["id"].as_str().unwrap().to_owned();
    assert_eq!(c["peer"]["id"], json!(b_id));
    assert_eq!(c["read_only"], json!(false));
    let (s, again) = tb.post("/api/v1/conversations/direct", json!({"member_id": a_id})).await;
    assert_eq!((s, again["id"].as_str()), (StatusCode::OK, Some(conv.as_str())), "one chat whoever starts it");

    let m = say(&ta, &conv, "c-1", "你好，小學部！").await;
    let f = wb.next_of("message").await;
    assert_eq!(f["data"]["message"]["text"], "你好，小學部！");
    assert_eq!(f["data"]["message"]["sender"]["campus_id"], json!(app.campus_a), "the reader sees the sender's campus");
    assert_eq!(f["position"], m["position"]);

    // A resend after a lost answer returns the first message; other content refuses.
    let (s, resent) = ta
        .post(&format!("/api/v1/conversations/{conv}/messages"), json!({"client_id": "c-1", "text": "你好，小學部！"}))
        .await;
    assert_eq!((s, &resent["id"], &resent["position"]), (StatusCode::OK, &m["id"], &m["position"]));
    let (s, e) =
        ta.post(&format!("/api/v1/conversations/{conv}/messages"), json!({"client_id": "c-1", "text": "另一句"})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("client_id_reused")));

    // Over the socket too: the ack carries the durable message; a resend is the same one.
    let mut wa = ta.ws().await;
    wa.hello(None).await;
    wa.send(json!({"type": "send", "conversation_id": conv, "client_id": "c-2", "text": "第二條"})).await;
    let ack = wa.next_of("ack").await;
    assert_eq!(ack["client_id"], "c-2");
    wa.send(json!({"type": "send", "conversation_id": conv, "client_id": "c-2", "text": "第二條"})).await;
    let ack2 = wa.next_of("ack").await;
    assert_eq!(ack2["message"]["id"], ack["message"]["id"]);
    let (_, page) = tb.get(&format!("/api/v1/conversations/{conv}/messages")).await;
    let texts: Vec<&str> = page["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(texts, vec!["你好，小學部！", "第二條"], "each once, in order");

    // Read status: B has two unread; reading clears them, and A's app is told.
    let (_, list) = tb.get("/api/v1/conversations").await;
    assert_eq!(list[0]["unread"], 2);
    let last = ack["message"]["position"].as_i64().unwrap();
    let (s, r) = tb.post(&format!("/api/v1/conversations/{conv}/read"), json!({"position": last})).await;
    assert_eq!((s, r["read_position"].as_i64()), (StatusCode::OK, Some(last)));
    let read = wa.next_of("read").await;
    assert_eq!(
        (read["data"]["member_id"].as_str(), read["data"]["read_position"].as_i64()),
        (Some(b_id.as_str()), Some(last))
    );
    let (_, list) = tb.get("/api/v1/conversations").await;
    assert_eq!(list[0]["unread"], 0);
    let (_, detail) = ta.get(&format!("/api/v1/conversations/{conv}")).await;
    let b = detail["members"].as_array().unwrap().iter().find(|m| m["id"] == json!(b_id)).unwrap();
    assert!(b["read_position"].as_i64().unwrap() >= last, "已讀 on A's messages");
    // Read positions never move back.
    let (_, r) = tb.post(&format!("/api/v1/conversations/{conv}/read"), json!({"position": 1})).await;
    assert_eq!(r["read_position"].as_i64(), Some(last));
    wa.close().await;
    wb.close().await;
    app.stop().await;
}

/// Who may open a chat, as a table over the states the guide describes.
#[tokio::test]
async fn only_people_one_reaches_can_be_chatted_with() {
    let app = TestApp::spawn().await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let tx = app.login("teacher.x").await;
    let b_id = me(&tb).await;
    let a_id = me(&ta).await;
    // Before anything: the other campus does not exist for A.
    let (s, _) = ta.post("/api/v1/conversations/direct", json!({"member_id": b_id})).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "not interconnected");
    connect_a_and_b(&app).await;
    let (s, _) = ta.post("/api/v1/conversations/direct", json!({"member_id": b_id})).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "interconnected but unpublished");
    published_after_connect(&app).await;
    let hidden_b = unexposed(&app.login("admin.b").await, app.campus_b, "hidden.b").await;
    let hidden_a = unexposed(&app.login("admin.a").await, app.campus_a, "hidden.a").await;
    let own_campus = direct(&ta, &me(&app.login("admin.a").await).await).await;
    assert!(!own_campus.is_empty(), "own campus");
    let cases = [
        ("connected and exposed", &ta, b_id.clone(), StatusCode::CREATED),
        ("connected, target not exposed", &ta, hidden_b.clone(), StatusCode::NOT_FOUND),
        ("own campus, not exposed: still own campus", &ta, hidden_a.clone(), StatusCode::CREATED),
        ("other school", &tx, a_id.clone(), StatusCode::NOT_FOUND),
        ("other school the other way", &ta, me(&tx).await, StatusCode::NOT_FOUND),
        ("not a member id", &ta, uuid_like(), StatusCode::NOT_FOUND),
    ];
    for (what, who, target, want) in cases {
        let (s, body) = who.post("/api/v1/conversations/direct", json!({"member_id": target})).await;
        assert_eq!(s, want, "{what}: {body}");
    }
    // A viewer outside their own external directory sees nobody across (V2).
    let hidden = app.login("hidden.a").await;
    let (s, _) = hidden.post("/api/v1/conversations/direct", json!({"member_id": b_id})).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "V2");
    let (s, e) = ta.post("/api/v1/conversations/direct", json!({"member_id": a_id})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("cannot_chat_with_self")));
    let bureau = app.login("bureau").await;
    let (s, e) = bureau.post("/api/v1/conversations/direct", json!({"member_id": a_id})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::FORBIDDEN, Some("bureau_cannot_chat")));
    // A group may only hold people the creator reaches.
    let (s, _) = ta.post("/api/v1/conversations/group", json!({"member_ids": [b_id, hidden_b]})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = ta.post("/api/v1/conversations/group", json!({"member_ids": []})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, list) = ta.get("/api/v1/conversations").await;
    assert_eq!(list.as_array().unwrap().iter().filter(|c| c["kind"] == "group").count(), 0, "nothing written");
    app.stop().await;
}

fn uuid_like() -> String {
    domain::MemberId::new().to_string()
}

/// Exposure and publishing for an interconnection `connect_a_and_b` already made.
async fn published_after_connect(app: &TestApp) {
    let admin_a = app.login("admin.a").await;
    let admin_b = app.login("admin.b").await;
    let (_, ics) = admin_a.get("/api/v1/interconnections").await;
    let ic = ics[0]["id"].as_str().unwrap().to_owned();
    for (admin, campus) in [(&admin_a, app.campus_a), (&admin_b, app.campus_b)] {
        let dept = admin.first_department(campus).await;
        admin.put(&format!("/api/v1/interconnections/{ic}/exposure/{campus}"), json!({"department_ids": [dept]})).await;
    }
    let (s, e) = admin_a.post(&format!("/api/v1/interconnections/{ic}/publish"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{e}");
}

pub(crate) async fn group(c: &Client, members: &[&str]) -> Value {
    let (s, g) = c.post("/api/v1/conversations/group", json!({"member_ids": members})).await;
    assert_eq!(s, StatusCode::CREATED, "{g}");
    g
}

/// The first sends to a group nobody has loaded yet (after a restart) wait for one load
/// of its members, not one each; a change loads them again.
#[tokio::test]
async fn a_group_is_loaded_once_however_many_wait_for_it() {
    let app = TestApp::spawn().await;
    published(&app).await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let g = group(&ta, &[&me(&tb).await]).await;
    let conv: domain::ConversationId = g["id"].as_str().unwrap().parse().unwrap();
    let facts = std::sync::Arc::new(server::live::Memberships::default());
    let waiting: Vec<_> = (0..20)
        .map(|_| {
            let (facts, store) = (facts.clone(), app.store.clone());
            tokio::spawn(async move { facts.get(&store, conv).await.unwrap().members.len() })
        })
        .collect();
    for w in waiting {
        assert_eq!(w.await.unwrap(), 2);
    }
    assert_eq!(facts.loads(), 1, "twenty waiting, one load");
    facts.get(&app.store, conv).await.unwrap();
    assert_eq!(facts.loads(), 1, "kept");
    facts.refresh(&app.store, conv).await.unwrap();
    facts.get(&app.store, conv).await.unwrap();
    assert_eq!(facts.loads(), 2, "a change loads again, and that is kept");
}

/// Many senders at once: every client, live or resuming from any position, gets the
/// same events in the same strictly increasing order, each once.
#[tokio::test]
async fn concurrent_senders_are_ordered_and_every_position_resumes() {
    let app = TestApp::spawn().await;
    published(&app).await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let aa = app.login("admin.a").await;
    let g = group(&ta, &[&me(&tb).await, &me(&aa).await]).await;
    let conv = g["id"].as_str().unwrap().to_owned();
    let mut live = tb.ws().await;
    let (_, start) = live.hello(None).await;

    let senders = [&ta, &tb, &aa];
    let mut tasks = Vec::new();
    for (i, who) in senders.iter().enumerate() {
        for n in 0..15 {
            let c = Client { base: who.base.clone(), token: who.token.clone(), lang: None, http: who.http.clone() };
            let conv = conv.clone();
            tasks.push(tokio::spawn(async move {
                say(&c, &conv, &format!("s{i}-{n}"), &format!("第{n}條 from {i}")).await;
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut got = Vec::new();
    while got.len() < 45 {
        let f = live.next_of("message").await;
        got.push(f["position"].as_i64().unwrap());
    }
    assert!(got.windows(2).all(|w| w[0] < w[1]), "live in order: {got:?}");
    assert_eq!(got.iter().collect::<HashSet<_>>().len(), 45, "each once");

    // Resume from every position between: exactly the events after it, in order.
    let (_, all) = tb.get(&format!("/api/v1/events?after={start}")).await;
    let all: Vec<i64> = all["events"].as_array().unwrap().iter().map(|e| e["position"].as_i64().unwrap()).collect();
    assert!(got.iter().all(|p| all.contains(p)), "the log has what was delivered live");
    for cut in [start, got[0], got[10], got[44]] {
        let mut w = tb.ws().await;
        let (replayed, ready) = w.hello(Some(cut)).await;
        let positions: Vec<i64> = replayed.iter().map(|e| e["position"].as_i64().unwrap()).collect();
        let want: Vec<i64> = all.iter().copied().filter(|p| *p > cut).collect();
        assert_eq!(positions, want, "resume after {cut}");
        assert!(ready >= *all.last().unwrap());
        w.close().await;
    }
    // Interleaved per sender in the order each sender sent.
    let (_, page) = tb.get(&format!("/api/v1/conversations/{conv}/messages?limit=200")).await;
    for i in 0..3 {
        let mine: Vec<String> = page["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m["client_id"].as_str())
            .filter(|c| c.starts_with(&format!("s{i}-")))
            .map(str::to_owned)
            .collect();
        assert_eq!(mine.len(), 15);
    }
    live.close().await;
    app.stop().await;
}

#[tokio::test]
async fn recall_is_the_senders_within_the_window() {
    let app = TestApp::spawn().await;
    published(&app).await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let conv = direct(&ta, &me(&tb).await).await;
    let old = say(&ta, &conv, "r-1", "說錯了").await;
    let mut wb = tb.ws().await;
    wb.hello(None).await;
    let path = |m: &Value| format!("/api/v1/conversations/{conv}/messages/{}/recall", m["id"].as_str().unwrap());
    let (s, e) = tb.post(&path(&old), json!({})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::FORBIDDEN, Some("not_sender")));
    let window = ServerConfig::default().recall_window;
    let hour = std::time::Duration::from_secs(3600);
    app.clock.advance(window - hour);
    let fresh = say(&ta, &conv, "r-2", "這條要撤回").await;
    app.clock.advance(hour + std::time::Duration::from_millis(1));
    let (s, e) = ta.post(&path(&old), json!({})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("recall_expired")), "24 h after: too late");
    let (s, r) = ta.post(&path(&fresh), json!({})).await;
    assert_eq!((s, r["recalled"].as_bool(), r["text"].as_str()), (StatusCode::OK, Some(true), Some("")), "{r}");
    let f = wb.next_of("message_recalled").await;
    assert_eq!(f["data"]["message_id"], fresh["id"]);
    // Gone from history and from the log for everyone.
    let (_, page) = tb.get(&format!("/api/v1/conversations/{conv}/messages")).await;
    let m = page["messages"].as_array().unwrap().iter().find(|m| m["id"] == fresh["id"]).unwrap().clone();
    assert_eq!((m["recalled"].as_bool(), m["text"].as_str()), (Some(true), Some("")));
    let (_, log) = tb.get("/api/v1/events?after=0").await;
    assert!(!log.to_string().contains("這條要撤回"), "the log no longer has the text");
    wb.close().await;
    app.stop().await;
}

#[tokio::test]
async fn groups_by_the_guide_and_what_a_campus_removal_does() {
    let app = TestApp::spawn().await;
    let (admin_a, _admin_b, ic) = published(&app).await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let (a_id, b_id, admin_a_id) = (me(&ta).await, me(&tb).await, me(&admin_a).await);
    let mut wb = tb.ws().await;
    wb.hello(None).await;
    let g = group(&ta, &[&b_id, &admin_a_id]).await;
    let conv = g["id"].as_str().unwrap().to_owned();
    assert_eq!(g["kind"], "group");
    assert_eq!(g["owner_id"], json!(a_id));
    assert_eq!(g["members"].as_array().unwrap().len(), 3);
    assert!(g["name"].as_str().unwrap().contains('、'), "named after its first members: {}", g["name"]);
    assert_eq!(g["campuses"].as_object().unwrap().len(), 2, "both campuses named");
    let created = wb.next_of("message").await;
    assert_eq!(created["data"]["message"]["system"]["action"], "created");

    // Only the owner renames; nobody adds someone they do not reach.
    let (s, e) = tb.patch(&format!("/api/v1/conversations/{conv}"), json!({"name": "新名"})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::FORBIDDEN, Some("not_group_owner")));
    let (s, r) = ta.patch(&format!("/api/v1/conversations/{conv}"), json!({"name": "跨校部教研組"})).await;
    assert_eq!((s, r["name"].as_str()), (StatusCode::OK, Some("跨校部教研組")));
    let tx_id = me(&app.login("teacher.x").await).await;
    let (s, _) = tb.post(&format!("/api/v1/conversations/{conv}/members"), json!({"member_ids": [tx_id]})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let m = say(&tb, &conv, "g-1", "@全體 明天開會").await;
    let direct_conv = direct(&ta, &b_id).await;
    say(&tb, &direct_conv, "d-1", "收到").await;

    // Remove B from the interconnection (identity confirmed by password).
    remove_b(&app, &admin_a, &ic).await;

    // B's teacher is told, live, in the group's own history; then it is read-only for them.
    let gone = loop {
        let f = wb.next_of("message").await;
        if f["data"]["message"]["system"]["action"] == "campus_disconnected" {
            break f;
        }
    };
    assert_eq!(gone["data"]["message"]["system"]["members"][0]["id"], json!(b_id));
    wb.next_of("conversation_left").await;
    let (s, e) =
        tb.post(&format!("/api/v1/conversations/{conv}/messages"), json!({"client_id": "g-2", "text": "還在嗎"})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("conversation_read_only")));
    let (_, page) = tb.get(&format!("/api/v1/conversations/{conv}/messages")).await;
    assert!(page["messages"].as_array().unwrap().iter().any(|x| x["id"] == m["id"]), "history kept up to the removal");
    let after = say(&ta, &conv, "g-3", "B 已不在").await;
    let (_, page) = tb.get(&format!("/api/v1/conversations/{conv}/messages")).await;
    assert!(!page["messages"].as_array().unwrap().iter().any(|x| x["id"] == after["id"]), "nothing after it");
    let (_, list) = tb.get("/api/v1/conversations").await;
    let mine = list.as_array().unwrap().iter().find(|c| c["id"] == json!(conv)).unwrap();
    assert_eq!((mine["left"].as_bool(), mine["read_only"].as_bool()), (Some(true), Some(true)));
    let (_, d) = ta.get(&format!("/api/v1/conversations/{conv}")).await;
    assert_eq!(d["members"].as_array().unwrap().len(), 2, "A's own keep the group");

    // The direct chat turns read-only for both, with its history kept.
    for (who, cid) in [(&ta, "d-2"), (&tb, "d-3")] {
        let (s, e) = who
            .post(&format!("/api/v1/conversations/{direct_conv}/messages"), json!({"client_id": cid, "text": "喂"}))
            .await;
        assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("conversation_read_only")));
        let (_, page) = who.get(&format!("/api/v1/conversations/{direct_conv}/messages")).await;
        assert_eq!(page["messages"].as_array().unwrap().len(), 1);
    }
    wb.close().await;
    app.stop().await;
}

#[tokio::test]
async fn group_membership_changes_are_system_messages() {
    let app = TestApp::spawn().await;
    published(&app).await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let aa = app.login("admin.a").await;
    let (b_id, aa_id) = (me(&tb).await, me(&aa).await);
    let g = group(&ta, &[&b_id]).await;
    let conv = g["id"].as_str().unwrap().to_owned();
    let mut wa = aa.ws().await;
    wa.hello(None).await;
    let (s, d) = tb.post(&format!("/api/v1/conversations/{conv}/members"), json!({"member_ids": [aa_id]})).await;
    assert_eq!(
        (s, d["members"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(3)),
        "any member adds people they reach"
    );
    let added = wa.next_of("message").await;
    assert_eq!(added["data"]["message"]["system"]["action"], "added", "the new member sees they were added");
    // Who has read a message: the sender is neither; someone removed before reading it
    // is no longer waited for, someone who read it stays among its readers.
    let said = say(&ta, &conv, "to-read", "請看").await;
    let (read_to, said_id) = (said["position"].as_i64().unwrap(), said["id"].as_str().unwrap().to_owned());
    let (s, _) = tb.post(&format!("/api/v1/conversations/{conv}/read"), json!({"position": read_to})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(readers(&ta, &conv, &said_id).await, (vec![b_id.clone()], vec![aa_id.clone()]));
    let (s, e) = tb.delete(&format!("/api/v1/conversations/{conv}/members/{aa_id}")).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::FORBIDDEN, Some("not_group_owner")));
    let ta_id = me(&ta).await;
    let (s, e) = ta.delete(&format!("/api/v1/conversations/{conv}/members/{ta_id}")).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("owner_cannot_leave")));
    let (s, d) = ta.post(&format!("/api/v1/conversations/{conv}/owner"), json!({"member_id": b_id})).await;
    assert_eq!((s, d["owner_id"].as_str()), (StatusCode::OK, Some(b_id.as_str())));
    let (s, _) = ta.delete(&format!("/api/v1/conversations/{conv}/members/{ta_id}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "leaving once someone else owns it");
    let (s, _) = tb.delete(&format!("/api/v1/conversations/{conv}/members/{aa_id}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "the new owner removes");
    wa.next_of("conversation_left").await;
    assert_eq!(
        readers(&tb, &conv, &said_id).await,
        (vec![b_id.clone()], vec![]),
        "the removed member who never read it is not waited for"
    );
    let (s, _) = tb.delete(&format!("/api/v1/conversations/{conv}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, e) =
        tb.post(&format!("/api/v1/conversations/{conv}/messages"), json!({"client_id": "x", "text": "?"})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("conversation_read_only")), "dissolved");
    let (_, page) = tb.get(&format!("/api/v1/conversations/{conv}/messages")).await;
    let actions: Vec<&str> =
        page["messages"].as_array().unwrap().iter().filter_map(|m| m["system"]["action"].as_str()).collect();
    assert_eq!(actions, vec!["created", "added", "owner_changed", "left", "removed", "dissolved"]);
    wa.close().await;
    app.stop().await;
}

#[tokio::test]
async fn bad_input_is_refused_and_writes_nothing() {
    let app = TestApp::spawn().await;
    published(&app).await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let conv = direct(&ta, &me(&tb).await).await;
    let path = format!("/api/v1/conversations/{conv}/messages");
    let long = "字".repeat(5001);
    let cases = [
        (json!({"client_id": "a", "text": ""}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
        (json!({"client_id": "a", "text": "   "}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
        (json!({"client_id": "a", "text": long}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
        (json!({"client_id": "", "text": "hi"}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
        (
            json!({"client_id": "a", "text": "hi", "mentions": [me(&app.login("admin.a").await).await]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "mention_not_member",
        ),
        (json!({"client_id": "a", "text": "hi", "mention_all": true}), StatusCode::UNPROCESSABLE_ENTITY, "not_a_group"),
        (
            json!({"client_id": "a", "text": "hi", "reply_to": uuid_like()}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        ),
        (json!({"client_id": "a", "text": "hi", "extra": 1}), StatusCode::BAD_REQUEST, "invalid_json"),
    ];
    for (body, status, code) in cases {
        let (s, e) = ta.post(&path, body.clone()).await;
        assert_eq!((s, e["code"].as_str()), (status, Some(code)), "{body}");
    }
    let outsider = app.login("admin.b").await;
    let (s, _) = outsider.post(&path, json!({"client_id": "z", "text": "hi"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "not in the conversation: as if it did not exist");
    let (s, _) = outsider.get(&path).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, e) = ta.get(&format!("{path}?limit=abc")).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_input")));
    let (_, page) = ta.get(&path).await;
    assert_eq!(page["messages"].as_array().unwrap().len(), 0, "nothing written");
    for (q, code) in
        [("after=abc", "invalid_position"), ("after=999999999", "invalid_position"), ("after=-1", "invalid_position")]
    {
        let (s, e) = ta.get(&format!("/api/v1/events?{q}")).await;
        assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(code)), "{q}");
    }
    app.stop().await;
}

/// Events follow visibility: nobody hears of a campus they cannot see.
#[tokio::test]
async fn events_reach_only_those_who_may_see_them() {
    let app = TestApp::spawn().await;
    // The seeding wrote each campus's own directory events: look only at what follows.
    let start = app.store.last_position().await.unwrap();
    let mut wx = app.login("teacher.x").await.ws().await;
    wx.hello(None).await;
    let mut wadmin_a = app.login("admin.a").await.ws().await;
    wadmin_a.hello(None).await;
    published(&app).await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let conv = direct(&ta, &me(&tb).await).await;
    say(&ta, &conv, "v-1", "秘密").await;
    wadmin_a.next_of("interconnection_changed").await;
    for (login, want, never) in [
        ("teacher.a", vec!["directory_changed", "conversation", "message"], vec!["interconnection_changed"]),
        ("admin.a", vec!["directory_changed", "interconnection_changed"], vec!["message"]),
        ("teacher.b", vec!["directory_changed", "message"], vec!["interconnection_changed"]),
        ("teacher.x", vec![], vec!["directory_changed", "interconnection_changed", "message", "conversation"]),
        ("admin.x", vec![], vec!["directory_changed", "interconnection_changed", "message", "conversation"]),
        ("bureau", vec![], vec!["directory_changed", "interconnection_changed", "message", "conversation"]),
    ] {
        let (s, log) = app.login(login).await.get(&format!("/api/v1/events?after={start}")).await;
        assert_eq!(s, StatusCode::OK, "{login}: {log}");
        let kinds: HashSet<&str> =
            log["events"].as_array().unwrap().iter().filter_map(|e| e["kind"].as_str()).collect();
        for k in want {
            assert!(kinds.contains(k), "{login} gets {k}: {kinds:?}");
        }
        for k in never {
            assert!(!kinds.contains(k), "{login} never gets {k}: {kinds:?}");
        }
    }
    // The other school's teacher heard nothing live either.
    wx.send(json!({"type": "ping"})).await;
    assert_eq!(wx.next().await["type"], "pong", "nothing arrived before the pong");
    wx.close().await;
    wadmin_a.close().await;
    app.stop().await;
}

#[tokio::test]
async fn the_gateway_refuses_what_it_must() {
    let app = TestApp::spawn().await;
    let ta = app.login("teacher.a").await;
    assert_eq!(app.anonymous().try_ws(&[]).await.err(), Some(401), "unauthenticated");
    // A browser's cookie from another site's page.
    let cookie_client = Client { base: ta.base.clone(), token: String::new(), lang: None, http: ta.http.clone() };
    let cookie = format!("campuslink_session={}", ta.token);
    let host = ta.base.trim_start_matches("http://").to_owned();
    assert_eq!(
        cookie_client.try_ws(&[("cookie", &cookie), ("origin", "http://evil.test")]).await.err(),
        Some(403),
        "cross-origin cookie upgrade"
    );
    let own_origin = format!("http://{host}");
    let mut ok = cookie_client.try_ws(&[("cookie", &cookie), ("origin", &own_origin)]).await.expect("same origin");
    ok.hello(None).await;
    ok.close().await;

    let mut w = ta.ws().await;
    let (_, ready) = w.hello(None).await;
    w.send_raw(WsMessage::Text("not json".into())).await;
    assert_eq!(w.next().await["code"], "invalid_json");
    w.send(json!({"type": "send", "conversation_id": "nope"})).await;
    assert_eq!(w.next().await["code"], "invalid_input");
    w.send(json!({"type": "send", "conversation_id": domain::ConversationId::new(), "client_id": "q", "text": "hi"}))
        .await;
    let p = w.next().await;
    assert_eq!((p["code"].as_str(), p["client_id"].as_str()), (Some("not_found"), Some("q")));
    w.send(json!({"type": "ping"})).await;
    assert_eq!(w.next().await["type"], "pong", "the socket survived bad frames");
    w.send_raw(WsMessage::Text("x".repeat(70 * 1024).into())).await;
    match w.next_message().await {
        Some(WsMessage::Close(Some(f))) => assert_eq!(u16::from(f.code), 1009),
        other => panic!("oversized frame: {other:?}"),
    }
    let mut future = ta.ws().await;
    future.send(json!({"type": "hello", "after": ready + 1000})).await;
    assert_eq!(future.next().await["code"], "invalid_position");

    // Signing out closes the session's sockets at once.
    let mut w = ta.ws().await;
    w.hello(None).await;
    let (s, _) = ta.post("/api/v1/auth/logout", json!({})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    match w.next_message().await {
        Some(WsMessage::Close(Some(f))) => assert_eq!(u16::from(f.code), 4001),
        other => panic!("after sign-out: {other:?}"),
    }
    app.stop().await;
}

/// A client that stops reading is told to resync and dropped; the others go on.
#[tokio::test]
async fn a_client_that_stops_reading_is_dropped_and_others_are_not_delayed() {
    let app = TestApp::spawn_with(ServerConfig { ws_queue: 8, ..Default::default() }).await;
    published(&app).await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let conv = direct(&ta, &me(&tb).await).await;
    let mut slow = slow_ws(&tb).await;
    let mut fast = tb.ws().await;
    fast.hello(None).await;
    let before = app.state.hub.connections();
    assert_eq!(before, 2);
    let mut sent = 0;
    // Bounded: stop as soon as the slow one is dropped, or after 3000 messages.
    while app.state.hub.connections() == before && sent < 3000 {
        say(&ta, &conv, &format!("f-{sent}"), &"填".repeat(5000)).await;
        sent += 1;
        let f = fast.next_of("message").await;
        assert_eq!(f["data"]["message"]["client_id"], format!("f-{}", sent - 1), "the fast reader keeps up");
    }
    assert_eq!(app.state.hub.connections(), 1, "the slow reader was dropped after {sent} messages");
    // What the slow one finds when it reads at last: events, then resync, then close.
    let mut saw_resync = false;
    while let Some(m) = slow.next_message().await {
        if let WsMessage::Text(t) = &m {
            let v: Value = serde_json::from_str(t).unwrap();
            if v["type"] == "resync" {
                assert_eq!(v["reason"], "behind");
                saw_resync = true;
            }
        }
        if matches!(m, WsMessage::Close(_)) {
            break;
        }
    }
    assert!(saw_resync);
    fast.close().await;
    app.stop().await;
}

/// A WebSocket with a small receive buffer that says hello and then does not read.
async fn slow_ws(c: &Client) -> Ws {
    let mut w = c.ws_with_small_buffer().await;
    w.hello(None).await;
    w
}

/// A member added to a department reaches every open app that may be showing it: its
/// own campus's and the connected campus's (content-free: they ask again), nobody else.
#[tokio::test]
async fn directory_changes_reach_open_apps_at_once() {
    let app = TestApp::spawn().await;
    let (_, admin_b, _) = published(&app).await;
    let mut wa = app.login("teacher.a").await.ws().await;
    wa.hello(None).await;
    let mut wb = app.login("teacher.b").await.ws().await;
    wb.hello(None).await;
    let mut wx = app.login("teacher.x").await.ws().await;
    wx.hello(None).await;
    let b = app.campus_b;
    let dept = admin_b.first_department(b).await;
    let body = json!({"login": "new.b", "name_zh": "新同事", "department_ids": [dept], "password": PASSWORD});
    let (s, _) = admin_b.post(&format!("/api/v1/campuses/{b}/members"), body).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(wb.next_of("directory_changed").await["data"], json!({}));
    assert_eq!(wa.next_of("directory_changed").await["data"], json!({}), "the connected campus too");
    wx.send(json!({"type": "ping"})).await;
    assert_eq!(wx.next().await["type"], "pong", "the other school heard nothing");
    for w in [wa, wb, wx] {
        w.close().await;
    }
    app.stop().await;
}

/// Two nodes on one PostgreSQL database: a message sent through one reaches a
/// WebSocket on the other at once, and a directory change there reaches the other's
/// caches. (SQLite is one node: there is nothing to listen to.)
#[tokio::test]
async fn two_nodes_on_one_database_deliver_to_each_other() {
    let app = TestApp::spawn().await;
    if app.store.dialect() == store::Dialect::Sqlite {
        assert!(app.store.listen().await.unwrap().is_none(), "SQLite has no other nodes to hear");
        app.stop().await;
        return;
    }
    published(&app).await;
    let node2 = app.node(ServerConfig::default()).await;
    let ta = app.login("teacher.a").await; // through node 1
    let tb = app.login("teacher.b").await;
    let tb2 = node2.client(&tb);
    let mut on_node2 = tb2.ws().await;
    on_node2.hello(None).await;
    let conv = direct(&ta, &me(&tb).await).await;
    let m = say(&ta, &conv, "n-1", "跨節點").await;
    let f = on_node2.next_of("message").await;
    assert_eq!(f["data"]["message"]["id"], m["id"], "node 2 delivers what node 1 committed");
    // And back: node 2's writer, node 1's socket.
    let mut on_node1 = ta.ws().await;
    on_node1.hello(None).await;
    let (s, back) =
        tb2.post(&format!("/api/v1/conversations/{conv}/messages"), json!({"client_id": "n-2", "text": "收到"})).await;
    assert_eq!(s, StatusCode::CREATED, "{back}");
    assert_eq!(on_node1.next_of("message").await["data"]["message"]["id"], back["id"]);
    // A removal on node 1 makes node 2 drop its cached reach at once.
    let admin_a = app.login("admin.a").await;
    let (_, ics) = admin_a.get("/api/v1/interconnections").await;
    let ic = ics[0]["id"].as_str().unwrap().to_owned();
    let b = app.campus_b;
    let (_, conf) = admin_a.post(&format!("/api/v1/interconnections/{ic}/campuses/{b}/removal"), json!({})).await;
    let cid = conf["id"].as_str().unwrap();
    admin_a.post(&format!("/api/v1/confirmations/{cid}/password"), json!({"password": PASSWORD})).await;
    let (s, _) = admin_a.delete(&format!("/api/v1/interconnections/{ic}/campuses/{b}?confirmation_id={cid}")).await;
    assert_eq!(s, StatusCode::OK);
    on_node2.next_of("directory_changed").await;
    let (s, e) = tb2
        .post(&format!("/api/v1/conversations/{conv}/messages"), json!({"client_id": "n-3", "text": "還在嗎"}))
        .await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("conversation_read_only")), "node 2 knows at once");
    // Signing out through node 1 closes the session's socket on node 2 at once; so does
    // disabling an account.
    let (s, _) = tb.post("/api/v1/auth/logout", json!({})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(on_node2.close_code().await, Some(4001), "node 2 after sign-out on node 1");
    // A password changed on node 1 ends the member's other sessions there, and on node 2
    // too; the session that changed it goes on, on both.
    let xa = app.login("teacher.x").await;
    let x_elsewhere = app.login("teacher.x").await;
    let mut x_on_node2 = node2.client(&x_elsewhere).ws().await;
    x_on_node2.hello(None).await;
    let mut kept_on_node2 = node2.client(&xa).ws().await;
    kept_on_node2.hello(None).await;
    let (s, _) =
        xa.post("/api/v1/me/password", json!({"current_password": PASSWORD, "new_password": "brand new pw"})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(x_on_node2.close_code().await, Some(4001), "node 2 after a password change on node 1");
    kept_on_node2.send(json!({"type": "ping"})).await;
    assert_eq!(kept_on_node2.next_of("pong").await["type"], "pong", "the changing session's socket stays");
    let ta2 = node2.client(&ta);
    let mut a_on_node2 = ta2.ws().await;
    a_on_node2.hello(None).await;
    let ta_id = me(&ta).await;
    let (s, _) = admin_a.post(&format!("/api/v1/campuses/{}/members/{ta_id}/disable", app.campus_a), json!({})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(a_on_node2.close_code().await, Some(4001), "node 2 after the account was disabled on node 1");
    on_node1.close().await;
    node2.stop().await;
    app.stop().await;
}
