//! Fresh databases for tests: a SQLite file in a temp directory, or a new database on
//! the PostgreSQL server named by `CAMPUSLINK_TEST_POSTGRES` (the test script starts
//! one). Each test gets its own and drops it.

use crate::{Clock, Dialect, Pool, Result, Store};
use std::path::PathBuf;

pub const POSTGRES_ENV: &str = "CAMPUSLINK_TEST_POSTGRES";

pub struct TestDb {
    pub url: String,
    dialect: Dialect,
    admin_url: Option<String>,
    name: String,
    dir: Option<PathBuf>,
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let name = format!("campuslink-test-{}", uuid::Uuid::now_v7().simple());
        let dir = std::env::temp_dir().join(&name);
        let _ = std::fs::create_dir_all(&dir);
        TestDb {
            url: format!("sqlite://{}", dir.join("campuslink.db").display()),
            dialect: Dialect::Sqlite,
            admin_url: None,
            name,
            dir: Some(dir),
        }
    }

    /// A new database on the test PostgreSQL server. Panics with a clear message when
    /// `CAMPUSLINK_TEST_POSTGRES` is not set: the README's test command sets it, and a
    /// PostgreSQL test that silently skipped would prove nothing.
    pub async fn postgres() -> TestDb {
        let admin_url = std::env::var(POSTGRES_ENV).unwrap_or_else(|_| {
            panic!("{POSTGRES_ENV} is not set: run the tests with scripts/test.sh, which starts PostgreSQL")
        });
        let name = format!("campuslink_test_{}", uuid::Uuid::now_v7().simple());
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("cannot reach test PostgreSQL at {admin_url}: {e}"));
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0")))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("cannot create test database: {e}"));
        let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin_url);
        TestDb {
            url: format!("{base}/{name}"),
            dialect: Dialect::Postgres,
            admin_url: Some(admin_url),
            name,
            dir: None,
        }
    }

    pub async fn of(dialect: Dialect) -> TestDb {
        match dialect {
            Dialect::Sqlite => TestDb::sqlite(),
            Dialect::Postgres => TestDb::postgres().await,
        }
    }

    pub async fn connect(&self) -> Result<Store> {
        Store::connect(&self.url).await
    }

    pub async fn connect_with_clock(&self, clock: Clock) -> Result<Store> {
        Store::connect_with_clock(&self.url, clock).await
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Drops the database (after `store.close()`).
    pub async fn drop_db(self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some(admin) = &self.admin_url
            && let Ok(mut conn) = <sqlx::PgConnection as sqlx::Connection>::connect(admin).await
        {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)))
                .execute(&mut conn)
                .await;
        }
    }
}

/// Runs `sql` (a test's own, no binds) on the store's database; rows changed.
pub async fn execute(store: &Store, sql: &str) -> u64 {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    let done = match store.pool() {
        Pool::Sqlite(p) => sqlx::raw_sql(sql).execute(p).await.map(|r| r.rows_affected()),
        Pool::Postgres(p) => sqlx::raw_sql(sql).execute(p).await.map(|r| r.rows_affected()),
    };
    done.unwrap_or_else(|e| panic!("{e}"))
}

/// Reads rows of `sql` (a test's own, no binds) as `T`, typically a tuple.
pub async fn query_as<T>(store: &Store, sql: &str) -> Vec<T>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin,
{
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    let rows = match store.pool() {
        Pool::Sqlite(p) => sqlx::query_as(sql).fetch_all(p).await,
        Pool::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await,
    };
    rows.unwrap_or_else(|e| panic!("{e}"))
}
