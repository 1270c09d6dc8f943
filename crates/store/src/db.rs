//! Typed database access: a pool of SQLite or of PostgreSQL connections (sqlx's own
//! drivers, no `Any` layer), and one small query type whose SQL and binds the store
//! writes once for both. Rows stay the driver's own (`SqliteRow`, `PgRow`) and are
//! decoded in place; arrays bind natively on PostgreSQL (`= ANY($1)`, `UNNEST`) and as
//! a JSON array on SQLite (`json_each($1)`), so one statement can carry a whole batch.
//! Code that needs one database's own features (LISTEN, COPY, VACUUM INTO) matches
//! on `Pool`.

use crate::Result;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgPool, PgRow};
use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{Decode, Postgres, Row as _, Sqlite, Type};
use std::borrow::Cow;

/// The store's connections.
#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Pool {
    pub async fn close(&self) {
        match self {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }

    pub(crate) async fn acquire(&self) -> Result<Conn> {
        Ok(match self {
            Pool::Sqlite(p) => Conn::Sqlite(p.acquire().await?),
            Pool::Postgres(p) => Conn::Postgres(p.acquire().await?),
        })
    }

    /// Runs `sql` as it is: several statements, no binds (migrations, PRAGMAs).
    pub(crate) async fn raw(&self, sql: &'static str) -> Result<()> {
        match self {
            Pool::Sqlite(p) => sqlx::raw_sql(sql).execute(p).await.map(drop)?,
            Pool::Postgres(p) => sqlx::raw_sql(sql).execute(p).await.map(drop)?,
        }
        Ok(())
    }
}

/// An open transaction on either database.
#[derive(Debug)]
pub(crate) enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    pub(crate) async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    pub(crate) async fn rollback(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.rollback().await?,
            Tx::Postgres(t) => t.rollback().await?,
        }
        Ok(())
    }

    /// Runs `sql` as it is inside the transaction (a migration's statements).
    pub(crate) async fn raw(&mut self, sql: &'static str) -> Result<()> {
        match self {
            Tx::Sqlite(t) => sqlx::raw_sql(sql).execute(&mut **t).await.map(drop)?,
            Tx::Postgres(t) => sqlx::raw_sql(sql).execute(&mut **t).await.map(drop)?,
        }
        Ok(())
    }
}

/// One connection taken from the pool (for a session-scoped lock).
#[derive(Debug)]
pub(crate) enum Conn {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl Conn {
    pub(crate) async fn close(self) {
        use sqlx::Connection as _;
        let _ = match self {
            Conn::Sqlite(c) => c.detach().close().await,
            Conn::Postgres(c) => c.detach().close().await,
        };
    }
}

/// Where a statement runs.
pub(crate) enum On<'a> {
    Pool(&'a Pool),
    Tx(&'a mut Tx),
    Conn(&'a mut Conn),
}

impl<'a> From<&'a Pool> for On<'a> {
    fn from(p: &'a Pool) -> Self {
        On::Pool(p)
    }
}

impl<'a> From<&'a mut Tx> for On<'a> {
    fn from(t: &'a mut Tx) -> Self {
        On::Tx(t)
    }
}

impl<'a> From<&'a mut Conn> for On<'a> {
    fn from(c: &'a mut Conn) -> Self {
        On::Conn(c)
    }
}

/// A value bound to a placeholder.
#[derive(Clone, Debug)]
pub(crate) enum Arg<'a> {
    Text(Option<Cow<'a, str>>),
    Int(i64),
    OptInt(Option<i64>),
    /// A list: a `text[]` on PostgreSQL, a JSON array on SQLite.
    Texts(Vec<String>),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Text(Some(Cow::Borrowed(s)))
    }
}
impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg::Text(Some(Cow::Borrowed(s)))
    }
}
impl From<String> for Arg<'_> {
    fn from(s: String) -> Self {
        Arg::Text(Some(Cow::Owned(s)))
    }
}
impl From<Option<String>> for Arg<'_> {
    fn from(s: Option<String>) -> Self {
        Arg::Text(s.map(Cow::Owned))
    }
}
impl<'a> From<&'a Option<String>> for Arg<'a> {
    fn from(s: &'a Option<String>) -> Self {
        Arg::Text(s.as_deref().map(Cow::Borrowed))
    }
}
impl From<i64> for Arg<'_> {
    fn from(i: i64) -> Self {
        Arg::Int(i)
    }
}
impl From<Option<i64>> for Arg<'_> {
    fn from(i: Option<i64>) -> Self {
        Arg::OptInt(i)
    }
}
impl From<Vec<String>> for Arg<'_> {
    fn from(v: Vec<String>) -> Self {
        Arg::Texts(v)
    }
}

/// A statement with its binds, run on either database.
#[must_use]
pub(crate) struct Query<'a> {
    sql: Cow<'static, str>,
    args: Vec<Arg<'a>>,
}

/// A statement whose text is a constant.
pub(crate) fn query<'a>(sql: &'static str) -> Query<'a> {
    Query { sql: Cow::Borrowed(sql), args: Vec::new() }
}

/// A statement whose text is assembled at run time. Every caller builds it only from
/// constant SQL and numbered placeholders; values always go in as binds.
pub(crate) fn dynamic<'a>(sql: String) -> Query<'a> {
    Query { sql: Cow::Owned(sql), args: Vec::new() }
}

fn json(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

impl<'a> Query<'a> {
    pub(crate) fn bind(mut self, v: impl Into<Arg<'a>>) -> Self {
        self.args.push(v.into());
        self
    }

    fn sqlite(self) -> sqlx::query::Query<'static, Sqlite, sqlx::sqlite::SqliteArguments> {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(self.sql));
        for a in self.args {
            q = match a {
                Arg::Text(s) => q.bind(s.as_deref()),
                Arg::Int(i) => q.bind(i),
                Arg::OptInt(i) => q.bind(i),
                Arg::Texts(v) => q.bind(json(&v)),
            };
        }
        q
    }

    fn postgres(self) -> sqlx::query::Query<'static, Postgres, sqlx::postgres::PgArguments> {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(self.sql));
        for a in self.args {
            q = match a {
                Arg::Text(s) => q.bind(s.as_deref()),
                Arg::Int(i) => q.bind(i),
                Arg::OptInt(i) => q.bind(i),
                Arg::Texts(v) => q.bind(v),
            };
        }
        q
    }

    /// Runs the statement; the number of rows it changed.
    pub(crate) async fn execute(self, on: impl Into<On<'_>>) -> Result<u64> {
        Ok(match on.into() {
            On::Pool(Pool::Sqlite(p)) => self.sqlite().execute(p).await?.rows_affected(),
            On::Pool(Pool::Postgres(p)) => self.postgres().execute(p).await?.rows_affected(),
            On::Tx(Tx::Sqlite(t)) => self.sqlite().execute(&mut **t).await?.rows_affected(),
            On::Tx(Tx::Postgres(t)) => self.postgres().execute(&mut **t).await?.rows_affected(),
            On::Conn(Conn::Sqlite(c)) => self.sqlite().execute(&mut **c).await?.rows_affected(),
            On::Conn(Conn::Postgres(c)) => self.postgres().execute(&mut **c).await?.rows_affected(),
        })
    }

    pub(crate) async fn fetch_all(self, on: impl Into<On<'_>>) -> Result<Vec<Row>> {
        Ok(match on.into() {
            On::Pool(Pool::Sqlite(p)) => rows(self.sqlite().fetch_all(p).await?, Row::Sqlite),
            On::Pool(Pool::Postgres(p)) => rows(self.postgres().fetch_all(p).await?, Row::Postgres),
            On::Tx(Tx::Sqlite(t)) => rows(self.sqlite().fetch_all(&mut **t).await?, Row::Sqlite),
            On::Tx(Tx::Postgres(t)) => rows(self.postgres().fetch_all(&mut **t).await?, Row::Postgres),
            On::Conn(Conn::Sqlite(c)) => rows(self.sqlite().fetch_all(&mut **c).await?, Row::Sqlite),
            On::Conn(Conn::Postgres(c)) => rows(self.postgres().fetch_all(&mut **c).await?, Row::Postgres),
        })
    }

    pub(crate) async fn fetch_optional(self, on: impl Into<On<'_>>) -> Result<Option<Row>> {
        Ok(match on.into() {
            On::Pool(Pool::Sqlite(p)) => self.sqlite().fetch_optional(p).await?.map(Row::Sqlite),
            On::Pool(Pool::Postgres(p)) => self.postgres().fetch_optional(p).await?.map(Row::Postgres),
            On::Tx(Tx::Sqlite(t)) => self.sqlite().fetch_optional(&mut **t).await?.map(Row::Sqlite),
            On::Tx(Tx::Postgres(t)) => self.postgres().fetch_optional(&mut **t).await?.map(Row::Postgres),
            On::Conn(Conn::Sqlite(c)) => self.sqlite().fetch_optional(&mut **c).await?.map(Row::Sqlite),
            On::Conn(Conn::Postgres(c)) => self.postgres().fetch_optional(&mut **c).await?.map(Row::Postgres),
        })
    }

    pub(crate) async fn fetch_one(self, on: impl Into<On<'_>>) -> Result<Row> {
        self.fetch_optional(on).await?.ok_or(crate::StoreError::Db(sqlx::Error::RowNotFound))
    }
}

fn rows<R>(v: Vec<R>, wrap: fn(R) -> Row) -> Vec<Row> {
    v.into_iter().map(wrap).collect()
}

/// A row as its driver returned it.
pub(crate) enum Row {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

/// A Rust type both drivers decode.
pub(crate) trait Column:
    for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}
impl<T> Column for T where T: for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres> {}

impl Row {
    pub(crate) fn get<T: Column>(&self, col: &str) -> Result<T> {
        Ok(match self {
            Row::Sqlite(r) => r.try_get(col)?,
            Row::Postgres(r) => r.try_get(col)?,
        })
    }

    pub(crate) fn get_at<T: Column>(&self, index: usize) -> Result<T> {
        Ok(match self {
            Row::Sqlite(r) => r.try_get(index)?,
            Row::Postgres(r) => r.try_get(index)?,
        })
    }
}
