//! Sign-in, sessions, CSRF, lockout, rate limit, passwords.

use crate::helpers::{PASSWORD, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::ServerConfig;

#[tokio::test]
async fn login_returns_a_token_that_identifies_the_member() {
    let app = TestApp::spawn().await;
    let (status, body) = app.try_login("Teacher.A", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["me"]["login"], "teacher.a");
    assert_eq!(body["me"]["role"], "member");
    assert_eq!(body["me"]["campus"]["code"], "S1-A");
    assert_eq!(body["me"]["school"]["code"], "S1");
    let client = app.login("teacher.a").await;
    let (s, me) = client.get("/api/v1/me").await;
    assert_eq!((s, me["login"].as_str()), (StatusCode::OK, Some("teacher.a")));
    app.stop().await;
}

#[tokio::test]
async fn bad_logins_get_clear_errors() {
    let app = TestApp::spawn().await;
    let (s, b) = app.try_login("teacher.a", "wrong password").await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_credentials")));
    let (s, b) = app.try_login("nobody.here", PASSWORD).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_credentials")),
        "unknown accounts look like wrong passwords"
    );
    let (s, b) = app.try_login("", "").await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_input")));
    assert_eq!(b["errors"].as_array().unwrap().len(), 2);
    let resp = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .header("accept-language", "en")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let b: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(b["code"], "invalid_json");
    assert_eq!(b["detail"], "The request body is not valid JSON.");
    app.stop().await;
}

/// Signs in once, returning the status, the body and any `Retry-After`.
async fn attempt(app: &TestApp, login: &str, password: &str) -> (StatusCode, Value, Option<String>) {
    let resp = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"login": login, "password": password}))
        .send()
        .await
        .unwrap();
    let retry = resp.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    (resp.status(), resp.json().await.unwrap_or(Value::Null), retry)
}

#[tokio::test]
async fn repeated_failures_lock_the_account_for_a_while() {
    let app = TestApp::spawn().await;
    // An account and a login no one has go the same way, so a lock tells no one who
    // has an account: four refusals, then locked for the configured 15 minutes.
    for login in ["teacher.a", "Nobody.Here"] {
        for _ in 0..4 {
            let (s, b, _) = attempt(&app, login, "wrong password").await;
            assert_eq!((s, b["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_credentials")), "{login}");
        }
        let (s, b, retry) = attempt(&app, login, "wrong password").await;
        assert_eq!(
            (s, b["code"].as_str(), retry.as_deref()),
            (StatusCode::LOCKED, Some("account_locked"), Some("900")),
            "{login}"
        );
        assert!(b["detail"].as_str().unwrap().contains("管理員重設密碼"), "says how to get in sooner: {b}");
    }
    let (s, b, _) = attempt(&app, "teacher.a", PASSWORD).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::LOCKED, Some("account_locked")), "even the right password waits");
    let (s, _, _) = attempt(&app, "nobody.here", "wrong password").await;
    assert_eq!(s, StatusCode::LOCKED, "a login without case is one login");
    // Another account is not affected.
    app.login("teacher.b").await;
    // Ten minutes on, five are left.
    app.clock.advance(std::time::Duration::from_secs(600));
    let (s, _, retry) = attempt(&app, "teacher.a", PASSWORD).await;
    assert_eq!((s, retry.as_deref()), (StatusCode::LOCKED, Some("300")));
    let (s, _, retry) = attempt(&app, "nobody.here", "wrong password").await;
    assert_eq!((s, retry.as_deref()), (StatusCode::LOCKED, Some("300")));
    // Once the lock is over, both are back to a plain refusal, and the right password works.
    app.clock.advance(std::time::Duration::from_secs(300));
    assert_eq!(attempt(&app, "nobody.here", "wrong password").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(attempt(&app, "teacher.a", PASSWORD).await.0, StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn an_admin_password_reset_lifts_a_lock() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        attempt(&app, "teacher.a", "wrong password").await;
    }
    assert_eq!(attempt(&app, "teacher.a", PASSWORD).await.0, StatusCode::LOCKED);
    let admin = app.login("admin.a").await;
    let t = app.store.member_by_login("teacher.a").await.unwrap().unwrap();
    let path = format!("/api/v1/campuses/{}/members/{}/reset-password", app.campus_a, t.id);
    assert_eq!(admin.post(&path, json!({"new_password": "reset by admin"})).await.0, StatusCode::NO_CONTENT);
    assert_eq!(attempt(&app, "teacher.a", "reset by admin").await.0, StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn login_attempts_are_rate_limited_per_address() {
    let app = TestApp::spawn_with(ServerConfig { login_per_minute: 3, ..Default::default() }).await;
    for _ in 0..3 {
        let (s, _) = app.try_login("nobody.here", "whatever1").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let (s, b) = app.try_login("teacher.a", PASSWORD).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")));
    app.stop().await;
}

#[tokio::test]
async fn disabled_accounts_are_refused_and_signed_out() {
    let app = TestApp::spawn().await;
    let admin = app.login("admin.a").await;
    let teacher = app.login("teacher.a").await;
    let t = app.store.member_by_login("teacher.a").await.unwrap().unwrap();
    let (s, b) = admin.post(&format!("/api/v1/campuses/{}/members/{}/disable", app.campus_a, t.id), json!({})).await;
    assert_eq!((s, b["status"].as_str()), (StatusCode::OK, Some("disabled")));
    let (s, _) = teacher.get("/api/v1/me").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "the disabled member's session ended");
    let (s, b) = app.try_login("teacher.a", PASSWORD).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::FORBIDDEN, Some("account_disabled")));
    let a = app.store.member_by_login("admin.a").await.unwrap().unwrap();
    let (s, b) = admin.post(&format!("/api/v1/campuses/{}/members/{}/disable", app.campus_a, a.id), json!({})).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("cannot_disable_self")));
    // Nor demote themself: the campus could be left with no admin.
    let path = format!("/api/v1/campuses/{}/members/{}", app.campus_a, a.id);
    let (_, current) = admin.get(&path).await;
    let mut demoted = current.clone();
    demoted["role"] = json!("member");
    let (s, b) = admin.patch(&path, demoted).await;
    assert_eq!(
        (s, b["errors"][0]["field"].as_str(), b["errors"][0]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("role"), Some("own_role"))
    );
    assert_eq!(admin.get(&path).await.1["role"], "admin");
    app.stop().await;
}

#[tokio::test]
async fn browser_sessions_use_httponly_cookies_and_need_the_csrf_header() {
    let app = TestApp::spawn().await;
    let resp = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"login": "admin.a", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookies: Vec<String> =
        resp.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    let session = cookies.iter().find(|c| c.starts_with("campuslink_session=")).unwrap();
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict"), "{session}");
    let csrf_cookie = cookies.iter().find(|c| c.starts_with("campuslink_csrf=")).unwrap();
    assert!(!csrf_cookie.contains("HttpOnly"));
    let body: serde_json::Value = resp.json().await.unwrap();
    let csrf = body["csrf_token"].as_str().unwrap();
    let cookie_header = format!("{}; {}", session.split(';').next().unwrap(), csrf_cookie.split(';').next().unwrap());
    let http = reqwest::Client::new();
    let path = app.url(&format!("/api/v1/campuses/{}/departments", app.campus_a));

    let r = http.get(&path).header("cookie", &cookie_header).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "reads need no CSRF token");
    let r = http.post(&path).header("cookie", &cookie_header).json(&json!({"name_zh": "新部門"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["code"], "csrf_failed");
    let r = http
        .post(&path)
        .header("cookie", &cookie_header)
        .header("x-csrf-token", "forged")
        .json(&json!({"name_zh": "新部門"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = http
        .post(&path)
        .header("cookie", &cookie_header)
        .header("x-csrf-token", csrf)
        .json(&json!({"name_zh": "新部門"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);

    // Logout ends the session.
    let r = http
        .post(app.url("/api/v1/auth/logout"))
        .header("cookie", &cookie_header)
        .header("x-csrf-token", csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = http.get(&path).header("cookie", &cookie_header).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn passwords_are_changed_by_their_owner_and_reset_by_the_admin() {
    let app = TestApp::spawn().await;
    let teacher = app.login("teacher.a").await;
    let on_the_phone = app.login("teacher.a").await;
    let change = |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    let fields = |b: &Value| -> Vec<(String, String)> {
        b["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["field"].as_str().unwrap().to_owned(), e["code"].as_str().unwrap().to_owned()))
            .collect()
    };
    let pair = |f: &str, c: &str| (f.to_owned(), c.to_owned());
    let (s, b) = teacher.post("/api/v1/me/password", change("nope nope", "brand new pw")).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("wrong_password")));
    assert_eq!(fields(&b), [pair("current_password", "incorrect")]);
    let (s, b) = teacher.post("/api/v1/me/password", change(PASSWORD, "short")).await;
    assert_eq!((s, fields(&b)), (StatusCode::UNPROCESSABLE_ENTITY, vec![pair("new_password", "too_short")]));
    // Both fields empty: both said at once, before any password is checked.
    let (s, b) = teacher.post("/api/v1/me/password", change("", "")).await;
    assert_eq!(
        (s, b["code"].as_str(), fields(&b)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("invalid_input"),
            vec![pair("current_password", "required"), pair("new_password", "required")]
        )
    );
    let (s, b) = teacher.post("/api/v1/me/password", change(PASSWORD, PASSWORD)).await;
    assert_eq!((s, fields(&b)), (StatusCode::UNPROCESSABLE_ENTITY, vec![pair("new_password", "unchanged")]));
    assert_eq!(app.try_login("teacher.a", PASSWORD).await.0, StatusCode::OK, "nothing refused changed anything");
    let (s, _) = teacher.post("/api/v1/me/password", change(PASSWORD, "brand new pw")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    // The session that changed it goes on; every other one of the member ends.
    assert_eq!(teacher.get("/api/v1/me").await.0, StatusCode::OK, "this session goes on");
    assert_eq!(on_the_phone.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED, "the others end");
    assert_eq!(app.try_login("teacher.a", PASSWORD).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.try_login("teacher.a", "brand new pw").await.0, StatusCode::OK);

    let admin = app.login("admin.a").await;
    let t = app.store.member_by_login("teacher.a").await.unwrap().unwrap();
    let path = format!("/api/v1/campuses/{}/members/{}/reset-password", app.campus_a, t.id);
    let (s, _) = admin.post(&path, json!({"new_password": "reset by admin"})).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(teacher.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED, "a reset ends every session");
    assert_eq!(app.try_login("teacher.a", "brand new pw").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.try_login("teacher.a", "reset by admin").await.0, StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn health_security_headers_and_openapi() {
    let app = TestApp::spawn().await;
    let r = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let csp = r.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    let spec: serde_json::Value = reqwest::get(app.url("/api/openapi.json")).await.unwrap().json().await.unwrap();
    assert_eq!(spec["openapi"], "3.1.0");

    // Every documented operation exists and, but for login, wants a signed-in caller.
    let anon = app.anonymous();
    let some_id = "01900000-0000-7000-8000-000000000000";
    for (method, path) in server::openapi::operations() {
        let concrete =
            path.split('/').map(|seg| if seg.starts_with('{') { some_id } else { seg }).collect::<Vec<_>>().join("/");
        let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let r = anon.request(m, &format!("/api/v1{concrete}")).json(&json!({})).send().await.unwrap();
        let want = if path == "/auth/login" { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::UNAUTHORIZED };
        assert_eq!(r.status(), want, "{method} {path}");
        assert!(
            spec["paths"][format!("/api/v1{path}")][method.as_str()].is_object(),
            "{method} {path} in the document"
        );
    }
    let (s, b) = anon.get("/api/v1/no/such/route").await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    app.stop().await;
}

/// Prometheus metrics, on their own listener: requests are counted by route.
#[tokio::test]
async fn metrics_count_requests_by_route() {
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    // The first test to get here installs it; metrics are process-wide by design.
    let _ = metrics::set_global_recorder(recorder);
    // With a media server, for its gauges.
    let app = crate::calls::app().await;
    let admin = app.login("admin.a").await;
    admin.get(&format!("/api/v1/campuses/{}/departments", app.campus_a)).await;
    server::calls::record_media(&app.state).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/metrics", listener.local_addr().unwrap());
    tokio::spawn(server::serve_metrics(listener, handle, std::future::pending()));
    let text = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert!(text.contains("campuslink_http_requests_total"), "{text:.500}");
    assert!(text.contains(r#"path="/api/v1/campuses/{campus_id}/departments""#), "{text:.2000}");
    assert!(text.contains("campuslink_logins_total"), "{text:.500}");
    // The media server's: what it carries and whether it keeps up.
    for gauge in [
        "campuslink_media_participants 0",
        "campuslink_media_video_shed_level 0",
        "campuslink_media_socket_delay_seconds 0",
    ] {
        assert!(text.contains(gauge), "{gauge}: {text}");
    }
    app.stop().await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_rate_limit_counts_each_client() {
    let app =
        TestApp::spawn_with(ServerConfig { login_per_minute: 2, trust_forwarded_for: true, ..Default::default() })
            .await;
    let attempt = |client: &'static str| {
        let url = app.url("/api/v1/auth/login");
        async move {
            reqwest::Client::new()
                .post(url)
                .header("x-forwarded-for", format!("203.0.113.9, {client}"))
                .json(&json!({"login": "nobody.here", "password": "whatever1"}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(attempt("198.51.100.1").await, StatusCode::UNAUTHORIZED);
    assert_eq!(attempt("198.51.100.1").await, StatusCode::UNAUTHORIZED);
    assert_eq!(attempt("198.51.100.1").await, StatusCode::TOO_MANY_REQUESTS);
    // Another client behind the same proxy is not affected; a forged first entry
    // does not matter, only the one the proxy appended.
    assert_eq!(attempt("198.51.100.2").await, StatusCode::UNAUTHORIZED);
    app.stop().await;
}
