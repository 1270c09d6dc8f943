//! Upgrades, as the program handles them: `--version` names the newest schema it knows,
//! and a database migrated by a newer campuslink is refused with a clear message and
//! left exactly as it was.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use std::process::Command;

#[test]
fn the_version_names_the_schema() {
    let out = Command::new(env!("CARGO_BIN_EXE_campuslink")).arg("--version").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.trim(),
        format!("campuslink {} (database schema {})", env!("CARGO_PKG_VERSION"), store::SCHEMA_VERSION)
    );
}

/// What a refused start must not change: the tables, the recorded migrations, the rows.
async fn snapshot(pool: &sqlx::SqlitePool) -> Vec<(String, i64)> {
    let tables: Vec<(String,)> = sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .fetch_all(pool)
        .await
        .unwrap();
    let mut out = Vec::new();
    for (t,) in tables {
        let (n,): (i64,) =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM \"{t}\""))).fetch_one(pool).await.unwrap();
        out.push((t, n));
    }
    let (newest,): (i64,) = sqlx::query_as("SELECT MAX(version) FROM schema_migrations").fetch_one(pool).await.unwrap();
    out.push(("newest".into(), newest));
    out
}

#[tokio::test]
async fn a_database_from_a_newer_campuslink_is_refused_and_left_alone() {
    let data = std::env::temp_dir().join(format!("campuslink-upgrade-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).unwrap();
    let url = format!("sqlite://{}", data.join("campuslink.db").display());
    let store = store::Store::connect(&url).await.unwrap();
    store.close().await;
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from_the_future', 0)")
        .execute(&pool)
        .await
        .unwrap();
    let before = snapshot(&pool).await;
    pool.close().await;
    let bytes_before = std::fs::read(data.join("campuslink.db")).unwrap();

    for command in ["serve", "demo"] {
        let out = Command::new(env!("CARGO_BIN_EXE_campuslink"))
            .args([command, "--listen", "127.0.0.1:0", "--data"])
            .arg(&data)
            .env("CAMPUSLINK_LOG", "warn")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{command} started on a newer schema");
        assert!(
            stderr.contains("schema version 999 is newer than this campuslink knows"),
            "{command}: unclear message: {stderr}"
        );
        assert_eq!(stderr.trim().lines().count(), 1, "{command}: one clean line, not a dump: {stderr}");
    }

    assert_eq!(std::fs::read(data.join("campuslink.db")).unwrap(), bytes_before, "the file is untouched");
    let store = store::Store::connect(&url).await;
    assert!(matches!(store, Err(store::StoreError::SchemaTooNew { found: 999, .. })), "still refused");
    // Read without campuslink's migrations, which would refuse it.
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    assert_eq!(snapshot(&pool).await, before);
    pool.close().await;
    std::fs::remove_dir_all(&data).unwrap();
}
