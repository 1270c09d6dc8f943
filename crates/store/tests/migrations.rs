//! Upgrades: a database made by an earlier campuslink (schema 3) is migrated by this
//! one and keeps every row; nodes starting at once on one fresh PostgreSQL database
//! apply each migration exactly once.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use domain::access::SearchField;
use sqlx::Connection;
use store::testing::TestDb;
use store::{MemberFilter, Store};

/// The SQL of the migrations schema 3 had, as that release applied them on SQLite.
const SCHEMA_3: [(i64, &str, &str); 3] = [
    (1, "directory", include_str!("../migrations/common/0001_directory.sql")),
    (2, "search", include_str!("../migrations/sqlite/0002_search.sql")),
    (3, "interconnection", include_str!("../migrations/common/0003_interconnection.sql")),
];

fn id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[tokio::test]
async fn a_schema_3_database_is_migrated_and_keeps_its_rows() {
    let db = TestDb::sqlite();
    let (school, campus, dept, teacher, admin, filing) = (id(), id(), id(), id(), id(), id());
    {
        let mut conn = sqlx::SqliteConnection::connect(&format!("{}?mode=rwc", db.url)).await.unwrap();
        sqlx::raw_sql(
            "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        for (version, name, sql) in SCHEMA_3 {
            sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
            sqlx::query("INSERT INTO schema_migrations VALUES ($1, $2, 0)")
                .bind(version)
                .bind(name)
                .execute(&mut conn)
                .await
                .unwrap();
        }
        let rows = [
            format!(
                "INSERT INTO schools VALUES ('{school}', 'OLD', 'old', '舊學校', 'Escola Antiga', 'Old School', 1)"
            ),
            format!(
                "INSERT INTO campuses VALUES ('{campus}', '{school}', 'OLD-A', 'old-a', '本部', 'Sede', 'Main', 1)"
            ),
            format!("INSERT INTO departments VALUES ('{dept}', '{campus}', NULL, '教務處', 'Pedagógico', 0, 1)"),
            format!(
                "INSERT INTO members (id, campus_id, login, role, status, name_zh, name_pt, title, phone, email, \
                 staff_no, password_hash, created_at, updated_at) VALUES ('{teacher}', '{campus}', 'chan.tm', \
                 'member', 'active', '陳大文', 'Chan Tai Man', '教師', '', 'chan@old.mo', 'T-001', '$argon2id$x', 1, 1)"
            ),
            format!(
                "INSERT INTO members (id, campus_id, login, role, status, name_zh, name_pt, title, phone, email, \
                 staff_no, password_hash, created_at, updated_at) VALUES ('{admin}', '{campus}', 'admin.old', \
                 'admin', 'active', '李管理', 'Lei', '資訊主任', '', 'admin@old.mo', 'A-001', NULL, 1, 1)"
            ),
            format!("INSERT INTO member_departments VALUES ('{teacher}', '{dept}')"),
            // Schema 2's search table, which schema 5 replaces: the tokens are rebuilt.
            format!("INSERT INTO member_search VALUES ('{campus}', '陳', '{teacher}')"),
            format!(
                "INSERT INTO filings (id, number, school_id, filed_by, status, reason, created_at) \
                 VALUES ('{filing}', 'F-0001', '{school}', '{admin}', 'pending', '', 1)"
            ),
            format!("INSERT INTO filing_campuses VALUES ('{filing}', '{campus}')"),
        ];
        for sql in rows {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await.unwrap();
        }
        conn.close().await.unwrap();
    }

    let store = db.connect().await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), store::SCHEMA_VERSION);
    let s = store.school_by_code("OLD").await.unwrap().expect("the school is there");
    assert_eq!(s.id.to_string(), school);
    let campuses = store.campuses_of_school(s.id).await.unwrap();
    assert_eq!(campuses.len(), 1);
    let c = campuses[0].id;
    assert_eq!(store.departments(c).await.unwrap().len(), 1);
    let record = store.login_record("chan.tm").await.unwrap().expect("the account is there");
    assert_eq!(record.password_hash.as_deref(), Some("$argon2id$x"), "it can still sign in");
    let found = store
        .list_members(
            c,
            &MemberFilter {
                query: Some("大文".into()),
                search_in: vec![SearchField::Card],
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(found.members.iter().map(|m| m.login.as_str()).collect::<Vec<_>>(), ["chan.tm"], "search rebuilt");
    let filings = store.filings(None, None).await.unwrap();
    assert_eq!(filings.len(), 1);
    assert_eq!(filings[0].id.to_string(), filing);
    assert_eq!(store.member_count(c).await.unwrap(), 2);
    store.close().await;
    db.drop_db().await;
}

#[tokio::test]
async fn nodes_starting_at_once_on_postgres_apply_each_migration_once() {
    let db = TestDb::postgres().await;
    let nodes: Vec<_> = (0..6)
        .map(|_| {
            let url = db.url.clone();
            tokio::spawn(async move { Store::connect(&url).await })
        })
        .collect();
    let mut stores = Vec::new();
    for n in nodes {
        stores.push(n.await.unwrap().unwrap_or_else(|e| panic!("a node failed to start: {e}")));
    }
    let rows: Vec<(i64, i64)> = store::testing::query_as(
        &stores[0],
        "SELECT version, COUNT(*) FROM schema_migrations GROUP BY version ORDER BY version",
    )
    .await;
    let expected: Vec<(i64, i64)> = store::Dialect::Postgres.migration_versions().into_iter().map(|v| (v, 1)).collect();
    assert_eq!(rows, expected);
    for s in &stores {
        assert_eq!(s.schema_version().await.unwrap(), store::SCHEMA_VERSION);
        s.close().await;
    }
    db.drop_db().await;
}
