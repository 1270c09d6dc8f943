//! The API as an outsider probes it, driven by the OpenAPI document: every write
//! operation gets bodies that are not the documented object, and a documented body
//! under the wrong content type; every read gets query values that do not parse.
//! Every answer is problem+json (never a 5xx, never axum's plain text), and the
//! database is exactly as it was.

use crate::chat::published;
use crate::helpers::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Row counts of every table, and the failed-login counters: what a refused request
/// must leave as it was.
async fn snapshot(app: &TestApp) -> Vec<(String, i64)> {
    let tables = [
        "schools",
        "campuses",
        "members",
        "departments",
        "member_departments",
        "sessions",
        "filings",
        "interconnections",
        "interconnection_campuses",
        "invitations",
        "exposed_departments",
        "exposed_members",
        "confirmations",
        "audit_log",
        "mail_outbox",
        "events",
        "conversations",
        "conversation_members",
        "messages",
    ];
    let mut out = Vec::new();
    for t in tables {
        let [(n,)]: [(i64,); 1] = count(app, &format!("SELECT COUNT(*) FROM {t}")).await;
        out.push((t.to_owned(), n));
    }
    let [(f,)] = count(app, "SELECT CAST(COALESCE(SUM(failed_logins), 0) AS BIGINT) FROM members").await;
    out.push(("failed_logins".into(), f));
    out
}

fn concrete(path: &str, ids: &[(&str, String)]) -> String {
    let mut p = format!("/api/v1{path}");
    for (k, v) in ids {
        p = p.replace(k, v);
    }
    // Any id left is well-formed and unknown.
    p.split('/')
        .map(|seg| if seg.starts_with('{') { "01900000-0000-7000-8000-000000000000" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn every_operation_refuses_undocumented_shapes_with_problem_json_and_changes_nothing() {
    // With calls on, so the call routes are probed past "calls unavailable".
    let calls = server::calls::CallSettings { sfu: Some(sfu::SfuConfig::loopback()), ..Default::default() };
    let app = TestApp::spawn_with(server::ServerConfig { calls, ..Default::default() }).await;
    let (admin_a, _, ic) = published(&app).await;
    let b = app.campus_b;
    let ids = [
        ("{campus_id}", app.campus_a.to_string()),
        ("{ic_id}", ic.clone()),
        ("{school_id}", app.store.campus(b).await.unwrap().school_id.to_string()),
    ];
    let (_, conf) = admin_a.post(&format!("/api/v1/interconnections/{ic}/campuses/{b}/removal"), json!({})).await;
    let mut ids = ids.to_vec();
    ids.push(("{confirmation_id}", conf["id"].as_str().unwrap().to_owned()));
    let bureau = app.login("bureau").await;
    let before = snapshot(&app).await;
    let spec: Value = reqwest::get(app.url("/api/openapi.json")).await.unwrap().json().await.unwrap();
    let mut probes = 0;
    for (path, ops) in spec["paths"].as_object().unwrap() {
        let path = path.trim_start_matches("/api/v1");
        for (method, op) in ops.as_object().unwrap() {
            let url = concrete(path, &ids);
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let json_body = op["requestBody"]["content"]["application/json"].is_object();
            let mut requests: Vec<(String, reqwest::RequestBuilder)> = Vec::new();
            for who in [&admin_a, &bureau] {
                if json_body {
                    for body in ["[]", "null", r#"[[], ["x"], true, true]"#, "\"text\"", "1", "{", ""] {
                        requests.push((
                            format!("{method} {url} body {body:?}"),
                            who.request(m.clone(), &url).header("content-type", "application/json").body(body),
                        ));
                    }
                    requests.push((
                        format!("{method} {url} as text/plain"),
                        who.request(m.clone(), &url).header("content-type", "text/plain").body("{}"),
                    ));
                    requests.push((
                        format!("{method} {url} with no content type"),
                        who.request(m.clone(), &url).body("{}"),
                    ));
                }
                if method == "get" || method == "delete" {
                    let q = "limit=abc&offset=-x&since=abc&until=abc&after=abc&before=abc&include_disabled=maybe&confirmation_id=abc&status=nope&format=zzz";
                    requests.push((format!("{method} {url}?bad query"), who.request(m.clone(), &format!("{url}?{q}"))));
                }
            }
            for (what, r) in requests {
                let resp = r.send().await.unwrap();
                let status = resp.status();
                let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                let text = resp.text().await.unwrap();
                assert!(!status.is_server_error(), "{what}: {status} {text}");
                if !status.is_success() && status != StatusCode::SWITCHING_PROTOCOLS {
                    assert_eq!(ct, "application/problem+json", "{what}: {status} {ct} {text:.200}");
                    let p: Value = serde_json::from_str(&text).unwrap();
                    assert!(p["code"].is_string() && p["detail"].is_string(), "{what}: {p}");
                    crate::helpers::documented(method, &url, status, &p);
                }
                probes += 1;
            }
        }
    }
    assert!(probes > 300, "{probes} probes");
    assert_eq!(snapshot(&app).await, before, "a refused request changed the database");

    // The specific shapes the issue names, with their codes.
    let (s, e) = admin_a.put(&format!("/api/v1/interconnections/{ic}/exposure/{}", app.campus_a), json!([])).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("body_not_object")));
    let r = admin_a
        .request(reqwest::Method::POST, "/api/v1/filings")
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (s, e) = admin_a.get("/api/v1/audit?since=abc").await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_query")));
    let (s, e) = admin_a.with_lang("en").get(&format!("/api/v1/campuses/{}/members?limit=abc", app.campus_a)).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_query")));
    assert!(e["detail"].as_str().unwrap().contains("parameters"), "in the caller's language: {e}");
    let long = "x".repeat(9000);
    let (s, e) = app.login("teacher.a").await.get(&format!("/api/v1/me?pad={long}")).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::URI_TOO_LONG, Some("uri_too_long")));
    app.stop().await;
}

async fn count(app: &TestApp, sql: &str) -> [(i64,); 1] {
    let rows: Vec<(i64,)> = store::testing::query_as(&app.store, sql).await;
    rows.try_into().unwrap_or_else(|r| panic!("one row from {sql}, not {r:?}"))
}
