//! What operators and load balancers ask of a node: `/readyz` answers 200 only when the
//! database, its schema and the background workers are all there, and otherwise names
//! the check that failed.

use crate::helpers::TestApp;
use reqwest::StatusCode;
use serde_json::Value;

async fn readyz(base: &str) -> (StatusCode, Value) {
    let resp = reqwest::get(format!("{base}/readyz")).await.unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn a_serving_node_is_ready() {
    let app = TestApp::spawn().await;
    let (status, body) = readyz(&app.base).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ready");
    for check in ["database", "migrations", "hub", "writer", "mail_outbox"] {
        assert_eq!(body["checks"][check], "ok", "{check}: {body}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_schema_behind_this_build_is_not_ready() {
    let app = TestApp::spawn().await;
    // As if the database were restored from before the last migration while this
    // node kept running.
    store::testing::execute(
        &app.store,
        &format!("DELETE FROM schema_migrations WHERE version = {}", store::SCHEMA_VERSION),
    )
    .await;
    let (status, body) = readyz(&app.base).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["failed"], serde_json::json!(["migrations"]));
    assert_eq!(body["checks"]["database"], "ok");
    app.stop().await;
}

#[tokio::test]
async fn an_unreachable_database_is_not_ready_but_says_so() {
    let app = TestApp::spawn().await;
    app.store.close().await;
    let (status, body) = readyz(&app.base).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["checks"]["database"], "unreachable");
    assert!(body["failed"].as_array().unwrap().contains(&"database".into()), "{body}");
    // The liveness check says the same in its own way.
    let health = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
    app.stop().await;
}

/// The router served without `serve` runs no mail outbox worker: a node like that
/// would queue mail forever, so it is not ready.
#[tokio::test]
async fn a_node_without_its_mail_worker_is_not_ready() {
    let app = TestApp::spawn().await;
    let state = server::AppState::new(app.store.clone(), server::ServerConfig::default(), app.state.mailer.clone())
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let served = tokio::spawn(async move { axum::serve(listener, server::app(state)).await });
    let (status, body) = readyz(&base).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["failed"], serde_json::json!(["mail_outbox"]));
    assert_eq!(body["checks"]["mail_outbox"], "not started");
    served.abort();
    app.stop().await;
}
