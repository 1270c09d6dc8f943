//! Calls and meetings across campuses, with real media: each device is a str0m
//! participant (real ICE, DTLS, SRTP, RTP on 127.0.0.1) joining through the API, and
//! the apps' sockets are real WebSocket clients. Time (the ring timeout, a call's
//! length) moves by the test's clock.

use crate::chat::{direct, group, me, published, remove_b};
use crate::helpers::{Client, TestApp, Ws};
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::ServerConfig;
use server::calls::CallSettings;
use sfu::client::MediaKind;
use sfu::client::{Client as Device, Participant, Sends};
use std::time::{Duration, Instant};

const WITHIN: Duration = Duration::from_secs(30);

pub(crate) async fn app() -> TestApp {
    let calls = CallSettings { sfu: Some(sfu::SfuConfig::loopback()), ..CallSettings::default() };
    TestApp::spawn_with(ServerConfig { calls, ..ServerConfig::default() }).await
}

async fn socket(c: &Client) -> Ws {
    let mut ws = c.ws().await;
    ws.hello(None).await;
    ws
}

async fn start(c: &Client, conv: &str, video: bool) -> Value {
    let (s, call) = c.post(&format!("/api/v1/conversations/{conv}/calls"), json!({"video": video})).await;
    assert_eq!(s, StatusCode::CREATED, "{call}");
    call
}

/// Joins `call` as a new device; its media starts flowing.
async fn join(c: &Client, call: &str) -> (Participant, Value) {
    let device = Device::new(Sends::default(), Instant::now()).await.unwrap();
    let (s, j) = c.post(&format!("/api/v1/calls/{call}/join"), json!({"sdp": device.offer()})).await;
    assert_eq!(s, StatusCode::OK, "{j}");
    (device.start(j["sdp"].as_str().unwrap()).unwrap(), j)
}

/// Waits until `p` has had `n` frames of `peer`'s audio (and video, when asked).
async fn hears(p: &Participant, peer: &Value, n: u64) -> bool {
    let peer = peer.as_u64().unwrap().to_string();
    p.wait_for(WITHIN, |s| s.frames(&peer, MediaKind::Audio) >= n && s.frames(&peer, MediaKind::Video) >= n / 4).await
}

/// The next `call` event with this status.
async fn call_event(ws: &mut Ws, status: &str) -> Value {
    loop {
        let f = ws.next_of("call").await;
        if f["data"]["status"] == status {
            return f["data"].clone();
        }
    }
}

/// The next system message of a call (`call` or `meeting`).
async fn record(ws: &mut Ws, action: &str) -> Value {
    loop {
        let f = ws.next_of("message").await;
        let m = &f["data"]["message"];
        if m["system"]["action"] == action {
            return m["system"].clone();
        }
    }
}

#[tokio::test]
async fn a_call_across_campuses_rings_every_device_is_answered_on_one_and_recorded() {
    let app = app().await;
    published(&app).await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let tb_phone = app.login("teacher.b").await;
    let b_id = me(&tb).await;
    let conv = direct(&ta, &b_id).await;
    let (mut wa, mut wb, mut wb_phone) = (socket(&ta).await, socket(&tb).await, socket(&tb_phone).await);

    let call = start(&ta, &conv, true).await;
    assert_eq!((call["status"].as_str(), call["direct"].as_bool()), (Some("ringing"), Some(true)));
    assert_eq!(call["callee_id"], json!(b_id));
    let id = call["id"].as_str().unwrap();
    for ws in [&mut wb, &mut wb_phone] {
        let ring = call_event(ws, "ringing").await;
        assert_eq!(ring["id"], json!(id), "every open app of the one called rings");
    }
    // Starting again (or from the other side) is the same call.
    let (s, again) = tb.post(&format!("/api/v1/conversations/{conv}/calls"), json!({"video": false})).await;
    assert_eq!((s, again["id"].as_str()), (StatusCode::CREATED, Some(id)));
    // An app that opens while it rings finds it.
    let (_, list) = tb.get("/api/v1/calls").await;
    assert_eq!(list.as_array().unwrap().len(), 1);

    let (a_dev, ja) = join(&ta, id).await;
    app.clock.advance(Duration::from_secs(3));
    let (b_dev, jb) = join(&tb, id).await;
    assert_eq!(jb["call"]["status"], "active");
    let on = call_event(&mut wb_phone, "active").await;
    assert_eq!(on["participants"].as_array().unwrap().len(), 2, "the phone stops ringing: {on}");
    assert!(hears(&a_dev, &jb["peer_id"], 50).await, "A gets B's audio and video");
    assert!(hears(&b_dev, &ja["peer_id"], 50).await, "B gets A's audio and video");

    app.clock.advance(Duration::from_secs(201));
    let (s, _) = tb.post(&format!("/api/v1/calls/{id}/leave"), json!({})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let ended = call_event(&mut wa, "ended").await;
    assert_eq!((ended["outcome"].as_str(), ended["seconds"].as_u64()), (Some("completed"), Some(201)));
    let note = record(&mut wa, "call").await;
    assert_eq!(note["call"]["outcome"], "completed");
    assert_eq!((note["call"]["seconds"].as_u64(), note["call"]["video"].as_bool()), (Some(201), Some(true)));
    assert!(b_dev.wait_for(WITHIN, |s| s.closed || !s.connected).await, "the media session ends too");
    let (_, list) = ta.get("/api/v1/calls").await;
    assert_eq!(list, json!([]));
    let (s, e) = ta.post(&format!("/api/v1/calls/{id}/leave"), json!({})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::GONE, Some("call_ended")));
}

#[tokio::test]
async fn missed_declined_cancelled_and_busy_calls_are_recorded() {
    let app = app().await;
    let ta = app.login("teacher.a").await;
    let aa = app.login("admin.a").await;
    let (ta_id, aa_id) = (me(&ta).await, me(&aa).await);
    let conv = direct(&aa, &ta_id).await;
    let mut wt = socket(&ta).await;

    // Nobody answers: missed when the ring times out (and not a moment before).
    start(&aa, &conv, false).await;
    app.clock.advance(Duration::from_secs(44));
    assert_eq!(server::calls::sweep(&app.state).await.unwrap(), 0);
    app.clock.advance(Duration::from_secs(1));
    assert_eq!(server::calls::sweep(&app.state).await.unwrap(), 1);
    assert_eq!(record(&mut wt, "call").await["call"]["outcome"], "missed");

    let call = start(&aa, &conv, false).await;
    let (s, _) = ta.post(&format!("/api/v1/calls/{}/decline", call["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(record(&mut wt, "call").await["call"]["outcome"], "declined");

    let call = start(&aa, &conv, false).await;
    let (s, _) = aa.post(&format!("/api/v1/calls/{}/leave", call["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(record(&mut wt, "call").await["call"]["outcome"], "cancelled");

    // Busy: the teacher is in a call with someone else.
    let tb2 = app.login("admin.a").await;
    let other = direct(&ta, &aa_id).await;
    assert_eq!(other, conv, "one direct chat per pair");
    let group = group(&ta, &[&aa_id]).await;
    let meeting = start(&ta, group["id"].as_str().unwrap(), false).await;
    let (_dev, _) = join(&ta, meeting["id"].as_str().unwrap()).await;
    let (s, e) = tb2.post(&format!("/api/v1/conversations/{conv}/calls"), json!({"video": true})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("callee_busy")));
    assert_eq!(record(&mut wt, "call").await["call"]["outcome"], "busy");
}

#[tokio::test]
async fn only_those_who_may_post_may_call_and_a_bad_offer_keeps_nothing() {
    let app = app().await;
    published(&app).await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let tx = app.login("teacher.x").await;
    let conv = direct(&ta, &me(&tb).await).await;
    let call = start(&ta, &conv, true).await;
    let id = call["id"].as_str().unwrap();

    // Someone of another school is not in the chat: the call does not exist for them.
    let (s, _) = tx.post(&format!("/api/v1/conversations/{conv}/calls"), json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = tx.post(&format!("/api/v1/calls/{id}/join"), json!({"sdp": "v=0"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, list) = tx.get("/api/v1/calls").await;
    assert_eq!(list, json!([]));

    for sdp in ["not an offer", "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"] {
        let (s, e) = tb.post(&format!("/api/v1/calls/{id}/join"), json!({"sdp": sdp})).await;
        assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("bad_offer")), "{sdp:?}");
    }
    let (s, e) = tb.post(&format!("/api/v1/calls/{id}/join"), json!({"offer": "x"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    let stats = app.state.calls.media_server().unwrap().stats().await.unwrap();
    assert_eq!(stats.peers, 0, "no session kept for a refused offer");
    let (_, list) = tb.get("/api/v1/calls").await;
    assert_eq!(list[0]["status"], "ringing", "and the call still rings");

    // A server with calls off says so.
    let off = TestApp::spawn().await;
    let ta = off.login("teacher.a").await;
    let conv = direct(&ta, &me(&off.login("admin.a").await).await).await;
    let (s, e) = ta.post(&format!("/api/v1/conversations/{conv}/calls"), json!({})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("calls_unavailable")));
    let (s, e) = ta.get("/api/v1/calls/ice-servers").await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("calls_unavailable")));
}

#[tokio::test]
async fn a_member_gets_the_ice_servers_with_turn_credentials_of_their_own() {
    use base64::Engine;
    use hmac::Mac;
    let calls = CallSettings {
        sfu: Some(sfu::SfuConfig::loopback()),
        ice_servers: vec!["stun:stun.school.test:3478".into(), "turn:turn.school.test:3478?transport=udp".into()],
        turn_secret: Some("north".into()),
        ..CallSettings::default()
    };
    let app = TestApp::spawn_with(ServerConfig { calls: calls.clone(), ..ServerConfig::default() }).await;
    let ta = app.login("teacher.a").await;
    let ta_id = me(&ta).await;

    let (s, out) = ta.get("/api/v1/calls/ice-servers").await;
    assert_eq!(s, StatusCode::OK, "{out}");
    let servers = out["ice_servers"].as_array().unwrap();
    assert_eq!(servers.len(), 2, "{out}");
    assert_eq!(servers[0], json!({"urls": ["stun:stun.school.test:3478"]}), "STUN needs no credentials");
    let turn = &servers[1];
    assert_eq!(turn["urls"], json!(["turn:turn.school.test:3478?transport=udp"]));
    let expiry = app.clock.now_ms() / 1000 + calls.turn_ttl.as_secs() as i64;
    let username = turn["username"].as_str().unwrap();
    assert_eq!(username, format!("{expiry}:{ta_id}"), "expiry:member");
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(b"north").unwrap();
    mac.update(username.as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(turn["credential"].as_str(), Some(expected.as_str()), "base64(HMAC-SHA1(secret, username))");

    let (s, e) = app.login("bureau").await.get("/api/v1/calls/ice-servers").await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::FORBIDDEN, Some("bureau_cannot_chat")), "in no call, ever");
    let (s, _) = app.anonymous().get("/api/v1/calls/ice-servers").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn removing_a_campus_ends_the_calls_across_it_at_once() {
    let app = app().await;
    let (admin_a, _admin_b, ic) = published(&app).await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let conv = direct(&ta, &me(&tb).await).await;
    let (mut wa, mut wb) = (socket(&ta).await, socket(&tb).await);
    let id = start(&ta, &conv, true).await["id"].as_str().unwrap().to_owned();
    let (a_dev, _) = join(&ta, &id).await;
    let (_b_dev, jb) = join(&tb, &id).await;
    assert!(hears(&a_dev, &jb["peer_id"], 20).await);

    remove_b(&app, &admin_a, &ic).await;
    // Ended by the time the removal answered: both sides are told why.
    assert!(app.state.calls.media_server().unwrap().stats().await.unwrap().rooms == 0);
    for ws in [&mut wa, &mut wb] {
        let ended = call_event(ws, "ended").await;
        assert_eq!(ended["notice"], "no_longer_allowed", "{ended}");
    }
    let (s, e) = tb.post(&format!("/api/v1/conversations/{conv}/calls"), json!({})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("conversation_read_only")));
}

#[tokio::test]
async fn a_meeting_in_a_group_everyone_hears_everyone_the_host_mutes_and_removes() {
    let app = app().await;
    published(&app).await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let aa = app.login("admin.a").await;
    let (b_id, aa_id) = (me(&tb).await, me(&aa).await);
    let g = group(&ta, &[&b_id, &aa_id]).await;
    let conv = g["id"].as_str().unwrap();
    let mut wa = socket(&ta).await;

    let meeting = start(&ta, conv, true).await;
    assert_eq!((meeting["status"].as_str(), meeting["direct"].as_bool()), (Some("active"), Some(false)));
    let card = record(&mut wa, "meeting").await;
    assert_eq!(card["call"]["outcome"], "ongoing", "a join card in the chat");
    let id = meeting["id"].as_str().unwrap();
    let mut devices = Vec::new();
    for c in [&ta, &tb, &aa] {
        devices.push(join(c, id).await);
    }
    for (i, (dev, _)) in devices.iter().enumerate() {
        for (j, (_, other)) in devices.iter().enumerate() {
            if i != j {
                assert!(hears(dev, &other["peer_id"], 30).await, "{i} hears {j}");
            }
        }
    }
    // A late joiner sees who is there.
    let (_, list) = aa.get("/api/v1/calls").await;
    assert_eq!(list[0]["participants"].as_array().unwrap().len(), 3);

    let (s, e) = tb.post(&format!("/api/v1/calls/{id}/participants/{aa_id}"), json!({"action": "mute"})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::FORBIDDEN, Some("not_call_host")));
    let (s, _) = ta.post(&format!("/api/v1/calls/{id}/participants/{b_id}"), json!({"action": "mute"})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let muted = ws_call(&mut wa, |c| c["participants"].as_array().unwrap().iter().any(|p| p["muted"] == true)).await;
    assert!(muted["participants"].as_array().unwrap().iter().any(|p| p["member_id"] == json!(b_id)));
    let (s, _) = ta.post(&format!("/api/v1/calls/{id}/participants/{aa_id}"), json!({"action": "remove"})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let removed = ws_call(&mut wa, |c| c["removed"] == json!([aa_id])).await;
    assert_eq!(
        (removed["notice"].as_str(), removed["participants"].as_array().unwrap().len()),
        (Some("removed_by_host"), 2)
    );

    // A hand goes up; then everyone leaves and the meeting ends with its record.
    let (s, c) = tb.post(&format!("/api/v1/calls/{id}/state"), json!({"hand": true, "video": true})).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    app.clock.advance(Duration::from_secs(600));
    for c in [&tb, &ta] {
        let (s, _) = c.post(&format!("/api/v1/calls/{id}/leave"), json!({})).await;
        assert_eq!(s, StatusCode::NO_CONTENT);
    }
    let note = loop {
        let n = record(&mut wa, "meeting").await;
        if n["call"]["outcome"] == "completed" {
            break n;
        }
    };
    assert_eq!(note["call"]["seconds"].as_u64(), Some(600));
    assert_eq!(note["members"].as_array().unwrap().len(), 3, "everyone who took part: {note}");
}

async fn ws_call(ws: &mut Ws, cond: impl Fn(&Value) -> bool) -> Value {
    loop {
        let f = ws.next_of("call").await;
        if cond(&f["data"]) {
            return f["data"].clone();
        }
    }
}

/// Two nodes on one database, each with its media server. A meeting the first hosts is
/// listed, started again, joined, changed and left through the second, which passes
/// those requests on to the host (its refusals too); everyone hears everyone; someone in
/// it is busy for a call started on the second. Then the host stops renewing its calls
/// (it died): once the lease has passed, the second ends the meeting with its record,
/// and the group's next meeting starts there.
#[tokio::test]
async fn a_meeting_hosted_by_one_node_is_joined_through_another_and_ended_when_its_node_dies() {
    let app = app().await;
    published(&app).await;
    let calls = CallSettings { sfu: Some(sfu::SfuConfig::loopback()), ..CallSettings::default() };
    let node2 = app.node(ServerConfig { calls, ..ServerConfig::default() }).await;
    let ta = app.login("teacher.a").await;
    let tb = node2.client(&app.login("teacher.b").await);
    let aa = node2.client(&app.login("admin.a").await);
    let (b_id, aa_id) = (me(&tb).await, me(&aa).await);
    let g = group(&ta, &[&b_id, &aa_id]).await;
    let conv = g["id"].as_str().unwrap();
    let mut wa = socket(&ta).await;

    let meeting = start(&ta, conv, true).await;
    let id = meeting["id"].as_str().unwrap();
    let (_, list) = tb.get("/api/v1/calls").await;
    assert_eq!(list[0]["id"].as_str(), Some(id), "the other node lists it: {list}");
    assert_eq!(start(&tb, conv, false).await["id"].as_str(), Some(id), "one meeting per group, on any node");
    let (a_dev, ja) = join(&ta, id).await;
    let (b_dev, jb) = join(&tb, id).await;
    assert!(hears(&a_dev, &jb["peer_id"], 30).await, "A hears B, who joined through the other node");
    assert!(hears(&b_dev, &ja["peer_id"], 30).await, "B hears A");
    let (s, c) = tb.post(&format!("/api/v1/calls/{id}/state"), json!({"muted": true, "video": true})).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let muted = ws_call(&mut wa, |c| c["participants"].as_array().unwrap().iter().any(|p| p["muted"] == true)).await;
    assert_eq!(muted["id"].as_str(), Some(id));
    // The host's refusal comes back as it is.
    let (s, e) = tb.post(&format!("/api/v1/calls/{id}/participants/{aa_id}"), json!({"action": "mute"})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::FORBIDDEN, Some("not_call_host")));
    // B is in a call on the first node: busy for a call the second would host.
    let to_b = direct(&aa, &b_id).await;
    let (s, e) = aa.post(&format!("/api/v1/conversations/{to_b}/calls"), json!({"video": false})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("callee_busy")));

    // Five minutes on: the host renews its calls as it runs (`serve` sweeps every second).
    app.clock.advance(Duration::from_secs(300));
    server::calls::sweep(&app.state).await.unwrap();
    let (s, _) = tb.post(&format!("/api/v1/calls/{id}/leave"), json!({})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    ws_call(&mut wa, |c| c["removed"] == json!([b_id])).await;

    // The first node dies (here: it stops renewing). Not before the lease is over…
    app.clock.advance(server::calls::HOST_LEASE - Duration::from_secs(1));
    server::calls::sweep(&node2.state).await.unwrap();
    let (_, list) = tb.get("/api/v1/calls").await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    // …and then at once, as of its last word.
    app.clock.advance(Duration::from_secs(2));
    server::calls::sweep(&node2.state).await.unwrap();
    // (Read from the log: on SQLite the first node does not hear the second's commits.)
    let (_, log) = ta.get("/api/v1/events?after=0").await;
    let of_call = |kind: &str| -> Vec<Value> {
        let events = log["events"].as_array().unwrap().iter().filter(|e| e["kind"] == kind);
        events.map(|e| e["data"].clone()).collect()
    };
    let ended: Vec<Value> = of_call("call").into_iter().filter(|c| c["status"] == "ended").collect();
    assert_eq!(ended.len(), 1, "ended once: {ended:?}");
    assert_eq!((ended[0]["id"].as_str(), ended[0]["notice"].as_str()), (Some(id), Some("connection_lost")));
    let records: Vec<Value> = of_call("message")
        .into_iter()
        .map(|m| m["message"]["system"].clone())
        .filter(|n| n["action"] == "meeting" && n["call"]["outcome"] == "completed")
        .collect();
    assert_eq!(records.len(), 1, "{records:?}");
    let note = &records[0];
    assert_eq!(note["call"]["seconds"].as_u64(), Some(300), "{note}");
    assert_eq!(note["members"].as_array().unwrap().len(), 2, "both who took part: {note}");
    let (_, list) = tb.get("/api/v1/calls").await;
    assert_eq!(list, json!([]));
    server::calls::sweep(&node2.state).await.unwrap();
    let (_, again) = ta.get("/api/v1/events?after=0").await;
    assert_eq!(again["events"].as_array().unwrap().len(), log["events"].as_array().unwrap().len(), "nothing twice");
    let next = start(&tb, conv, false).await;
    assert_ne!(next["id"].as_str(), Some(id), "a new meeting, on the node that is left");
    // Should the first node come back to itself, it finds its meeting over and lets it go.
    server::calls::sweep(&app.state).await.unwrap();
    assert!(a_dev.wait_for(WITHIN, |s| s.closed || !s.connected).await, "its media session ends");
    let (_, list) = ta.get("/api/v1/calls").await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["id"], next["id"], "the first node lists the second's meeting");
    drop((a_dev, b_dev));
    wa.close().await;
    node2.stop().await;
    app.stop().await;
}

/// An account disabled through another node: the node hosting the call takes them out
/// when it checks its calls (as it does on the other node's directory notice).
#[tokio::test]
async fn a_participant_disabled_through_another_node_is_taken_out_by_the_host() {
    let app = app().await;
    let node2 = app.node(ServerConfig::default()).await;
    let ta = app.login("teacher.a").await;
    let aa = app.login("admin.a").await;
    let ta_id = me(&ta).await;
    let g = group(&aa, &[&ta_id]).await;
    let conv = g["id"].as_str().unwrap();
    let mut wa = socket(&aa).await;
    let id = start(&aa, conv, false).await["id"].as_str().unwrap().to_owned();
    let (_a_dev, _) = join(&aa, &id).await;
    let (t_dev, _) = join(&ta, &id).await;
    server::calls::recheck(&app.state, None).await.unwrap();
    let (_, list) = aa.get("/api/v1/calls").await;
    assert_eq!(list[0]["participants"].as_array().unwrap().len(), 2, "nobody out before: {list}");

    let aa2 = node2.client(&aa);
    let (s, b) = aa2.post(&format!("/api/v1/campuses/{}/members/{ta_id}/disable", app.campus_a), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    server::calls::recheck(&app.state, None).await.unwrap();
    let out = ws_call(&mut wa, |c| c["removed"] == json!([ta_id])).await;
    assert_eq!((out["notice"].as_str(), out["participants"].as_array().unwrap().len()), (Some("no_longer_allowed"), 1));
    assert!(t_dev.wait_for(WITHIN, |s| s.closed || !s.connected).await, "their media session ends");
    wa.close().await;
    node2.stop().await;
    app.stop().await;
}
