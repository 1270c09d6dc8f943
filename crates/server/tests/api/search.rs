//! History search over the API, across two interconnected campuses: what each member
//! finds (only conversations they are in now, only inside their window, never a recalled
//! message), Chinese by words and pairs, Portuguese with or without accents, English;
//! paging; opening a conversation at a result (`around`); the refusals; and the indexer
//! following the log by itself.

use crate::chat::{direct, group, me, published, say};
use crate::helpers::{Client, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::chat::search::index_pending;

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

async fn search(c: &Client, q: &str, extra: &str) -> Value {
    let (s, body) = c.get(&format!("/api/v1/search/messages?q={}{extra}", urlencode(q))).await;
    assert_eq!(s, StatusCode::OK, "{q}: {body}");
    body
}

/// The texts found, newest first.
async fn texts(c: &Client, q: &str) -> Vec<String> {
    let body = search(c, q, "").await;
    body["results"].as_array().unwrap().iter().map(|r| r["message"]["text"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn members_find_what_they_may_across_campuses() {
    let app = TestApp::spawn().await;
    published(&app).await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let aa = app.login("admin.a").await;
    let ab = app.login("admin.b").await;
    let (ta_id, tb_id, aa_id, ab_id) = (me(&ta).await, me(&tb).await, me(&aa).await, me(&ab).await);
    let g = group(&ta, &[&tb_id, &aa_id]).await;
    let conv = g["id"].as_str().unwrap().to_owned();
    say(&ta, &conv, "g-1", "明天下午三點開家長會").await;
    say(&tb, &conv, "g-2", "A reunião é amanhã na sala 204").await;
    say(&aa, &conv, "g-3", "Parents' MEETING moved to Friday").await;
    let dm = direct(&ta, &tb_id).await;
    let private = say(&tb, &dm, "d-1", "家長會的資料我晚點發給你").await;
    index_pending(&app.state).await.unwrap();

    // Chinese by pairs, newest first, each with its conversation; the direct chat names
    // its peer, of the other campus.
    let body = search(&ta, "家長", "").await;
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{body}");
    assert_eq!(results[0]["message"]["id"], private["id"]);
    assert_eq!(results[0]["conversation"]["kind"], "direct");
    assert_eq!(results[0]["conversation"]["peer"]["id"], json!(tb_id));
    assert_eq!(results[0]["conversation"]["peer"]["campus_id"], json!(app.campus_b));
    assert_eq!(results[0]["message"]["sender"]["campus_id"], json!(app.campus_b), "the sender's campus");
    assert_eq!(results[1]["conversation"]["id"], json!(conv));
    assert_eq!(results[1]["conversation"]["name"], g["name"]);
    assert_eq!(results[1]["conversation"]["peer"], Value::Null);
    assert_eq!(body["has_more"], false);
    assert_eq!(body["terms"], json!(["家長"]));
    assert_eq!(texts(&ta, "長會").await.len(), 2);
    assert_eq!(texts(&ta, "會家").await, Vec::<String>::new(), "pairs keep their order");
    // Portuguese either way, English in any case, the last word as it is typed.
    for q in ["reunião", "reuniao", "REUNIAO amanhã", "reun", "amanhã sal"] {
        assert_eq!(texts(&tb, q).await, ["A reunião é amanhã na sala 204"], "{q}");
    }
    assert_eq!(search(&tb, "REUNIAO amanhã", "").await["terms"], json!(["amanha", "reuniao"]));
    assert_eq!(texts(&aa, "meeting friday").await, ["Parents' MEETING moved to Friday"]);
    assert_eq!(texts(&aa, "meeting monday").await, Vec::<String>::new(), "every term");
    // Within one conversation.
    let body = search(&ta, "家長", &format!("&conversation_id={dm}")).await;
    assert_eq!(body["results"].as_array().unwrap().len(), 1);
    // Paging by position.
    let first = search(&ta, "家長", "&limit=1").await;
    assert_eq!((first["results"].as_array().unwrap().len(), &first["has_more"]), (1, &json!(true)));
    let p = first["results"][0]["message"]["position"].as_i64().unwrap();
    let next = search(&ta, "家長", &format!("&limit=1&before={p}")).await;
    assert_eq!(next["results"][0]["message"]["text"], "明天下午三點開家長會");
    assert_eq!(next["has_more"], false);

    // Windows. B's admin, added now, finds nothing from before; then what follows.
    let (s, _) = ta.post(&format!("/api/v1/conversations/{conv}/members"), json!({"member_ids": [ab_id]})).await;
    assert_eq!(s, StatusCode::OK);
    say(&ab, &conv, "g-4", "大家好，家長日見").await;
    // B's teacher leaves: nothing of the group any more, their own messages neither.
    let (s, _) = tb.delete(&format!("/api/v1/conversations/{conv}/members/{tb_id}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    index_pending(&app.state).await.unwrap();
    assert_eq!(texts(&ab, "家長").await, ["大家好，家長日見"], "nothing from before joining");
    assert_eq!(texts(&ab, "reuniao").await, Vec::<String>::new());
    assert_eq!(texts(&tb, "reuniao").await, Vec::<String>::new(), "nothing of a group one left");
    assert_eq!(texts(&tb, "家長").await, ["家長會的資料我晚點發給你"], "the direct chat still");
    assert_eq!(search(&tb, "家長", &format!("&conversation_id={conv}")).await["results"], json!([]));
    // Someone of another school finds nothing, and no conversation of theirs is there.
    let tx = app.login("teacher.x").await;
    assert_eq!(texts(&tx, "家長").await, Vec::<String>::new());
    let (s, e) = tx.get(&format!("/api/v1/search/messages?q=abc&conversation_id={conv}")).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));

    // A recall: gone at once, and from the index when the indexer reaches it.
    let path = format!("/api/v1/conversations/{dm}/messages/{}/recall", private["id"].as_str().unwrap());
    let (s, _) = tb.post(&path, json!({})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(texts(&ta, "資料").await, Vec::<String>::new(), "before the indexer ran");
    index_pending(&app.state).await.unwrap();
    assert_eq!(texts(&ta, "資料").await, Vec::<String>::new());
    assert_eq!(texts(&ta, "家長").await, ["大家好，家長日見", "明天下午三點開家長會"]);
    let _ = ta_id;
    app.stop().await;
}

/// "Jump there": the page around a found message, inside the caller's window.
#[tokio::test]
async fn a_conversation_opens_around_a_found_message() {
    let app = TestApp::spawn().await;
    published(&app).await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let dm = direct(&ta, &me(&tb).await).await;
    let mut sent = Vec::new();
    for i in 0..30 {
        let text = if i == 7 { "第七條：家長會改到週五".to_owned() } else { format!("第{i}條") };
        sent.push(say(&ta, &dm, &format!("a-{i}"), &text).await);
    }
    index_pending(&app.state).await.unwrap();
    let hit = search(&tb, "週五", "").await["results"][0]["message"].clone();
    assert_eq!(hit["id"], sent[7]["id"]);
    let p = hit["position"].as_i64().unwrap();
    let (s, page) = tb.get(&format!("/api/v1/conversations/{dm}/messages?around={p}&limit=5")).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let ids: Vec<&Value> = page["messages"].as_array().unwrap().iter().map(|m| &m["id"]).collect();
    assert_eq!(ids, (5..10).map(|i| &sent[i]["id"]).collect::<Vec<_>>(), "centred on it, oldest first");
    assert_eq!((&page["has_more"], &page["has_newer"]), (&json!(true), &json!(true)));
    // Near the start the page fills from after it; near the end, from before.
    let first = sent[0]["position"].as_i64().unwrap();
    let (_, page) = tb.get(&format!("/api/v1/conversations/{dm}/messages?around={first}&limit=5")).await;
    assert_eq!(page["messages"][0]["id"], sent[0]["id"]);
    assert_eq!(page["messages"].as_array().unwrap().len(), 5);
    assert_eq!((&page["has_more"], &page["has_newer"]), (&json!(false), &json!(true)));
    let last = sent[29]["position"].as_i64().unwrap();
    let (_, page) = tb.get(&format!("/api/v1/conversations/{dm}/messages?around={last}&limit=5")).await;
    assert_eq!(page["messages"][4]["id"], sent[29]["id"]);
    assert_eq!((&page["has_more"], &page["has_newer"]), (&json!(true), &json!(false)));
    // Other pages do not say `has_newer`.
    let (_, page) = tb.get(&format!("/api/v1/conversations/{dm}/messages?limit=5")).await;
    assert!(page.get("has_newer").is_none(), "{page}");
    let (s, e) = tb.get(&format!("/api/v1/conversations/{dm}/messages?around={p}&before={p}")).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_input")));
    assert_eq!(e["errors"][0]["field"], "around");
    app.stop().await;
}

#[tokio::test]
async fn bad_searches_are_refused() {
    let app = TestApp::spawn().await;
    let ta = app.login("teacher.a").await;
    let long = "字".repeat(201);
    let cases: Vec<(String, StatusCode, &str, &str)> = vec![
        ("".into(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", "q"),
        ("q=".into(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", "q"),
        ("q=%21%21%20%3F".into(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", "q"),
        (format!("q={}", urlencode(&long)), StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", "q"),
        ("q=abc&limit=0".into(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", "limit"),
        ("q=abc&limit=51".into(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", "limit"),
        ("q=abc&before=x".into(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", "before"),
        ("q=abc&conversation_id=nope".into(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", "conversation_id"),
    ];
    for (query, status, code, field) in cases {
        let (s, e) = ta.get(&format!("/api/v1/search/messages?{query}")).await;
        assert_eq!((s, e["code"].as_str()), (status, Some(code)), "{query}: {e}");
        assert_eq!(e["errors"][0]["field"], field, "{query}: {e}");
    }
    let (_, e) = ta.get(&format!("/api/v1/search/messages?q={}", urlencode(&long))).await;
    assert_eq!(e["errors"][0]["code"], "too_long");
    let (s, e) =
        ta.get(&format!("/api/v1/search/messages?q=abc&conversation_id={}", domain::ConversationId::new())).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let (s, e) = app.login("bureau").await.get("/api/v1/search/messages?q=abc").await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::FORBIDDEN, Some("bureau_cannot_chat")));
    let (s, _) = app.anonymous().get("/api/v1/search/messages?q=abc").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(search(&ta, "nothing", "").await, json!({"results": [], "has_more": false, "terms": ["nothing"]}));
    app.stop().await;
}

/// Nobody calls the indexer here: it follows the log by itself, woken by the hub, and
/// the test waits for its watermark to pass the message (not for a time).
#[tokio::test]
async fn the_indexer_follows_the_log_by_itself() {
    let app = TestApp::spawn().await;
    published(&app).await;
    let ta = app.login("teacher.a").await;
    let tb = app.login("teacher.b").await;
    let dm = direct(&ta, &me(&tb).await).await;
    let m = say(&ta, &dm, "f-1", "自動索引：家長會通知").await;
    let position = m["position"].as_i64().unwrap();
    let mut indexed = app.state.indexed.subscribe();
    let reached = tokio::time::timeout(std::time::Duration::from_secs(20), indexed.wait_for(|p| *p >= position));
    assert!(reached.await.is_ok(), "the indexer did not reach {position} within 20 s (a guard, not a wait)");
    assert_eq!(texts(&tb, "通知").await, ["自動索引：家長會通知"]);
    app.stop().await;
}
