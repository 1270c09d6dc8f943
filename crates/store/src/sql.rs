//! Small helpers for portable SQL: numbered placeholders and row decoding.

use crate::db::{self, Row};
use crate::{Dialect, Result, StoreError, Unique};
use std::str::FromStr;

/// `$start, $start+1, …` for an `IN (…)` list of `n` values.
pub(crate) fn placeholders(start: usize, n: usize) -> String {
    (start..start + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// `($1, …, $width), ($width+1, …), …` for a multi-row `INSERT … VALUES` of `rows`,
/// the statement's only placeholders. SQLite gets anonymous `?`s: sqlx looks up each
/// numbered parameter's name, which SQLite finds by walking a list — quadratic in a
/// statement of thousands of placeholders.
pub(crate) fn values(dialect: Dialect, width: usize, rows: usize) -> String {
    let row = |r: usize| match dialect {
        Dialect::Sqlite => format!("({})", vec!["?"; width].join(", ")),
        Dialect::Postgres => format!("({})", placeholders(r * width + 1, width)),
    };
    (0..rows).map(row).collect::<Vec<_>>().join(", ")
}

pub(crate) fn text(row: &Row, col: &str) -> Result<String> {
    row.get::<String>(col)
}

pub(crate) fn opt_text(row: &Row, col: &str) -> Result<Option<String>> {
    row.get::<Option<String>>(col)
}

/// An integer column. PostgreSQL types a bare literal (`0 AS n`) as `integer`, which
/// sqlx will not widen to `i64` by itself.
pub(crate) fn int(row: &Row, col: &str) -> Result<i64> {
    row.get::<i64>(col).or_else(|e| row.get::<i32>(col).map(i64::from).map_err(|_| e))
}

pub(crate) fn id<T: FromStr>(row: &Row, col: &str) -> Result<T> {
    let s = text(row, col)?;
    s.parse().map_err(|_| StoreError::Corrupt(format!("{col}: {s:?} is not an id")))
}

pub(crate) fn opt_int(row: &Row, col: &str) -> Result<Option<i64>> {
    row.get::<Option<i64>>(col).or_else(|e| row.get::<Option<i32>>(col).map(|v| v.map(i64::from)).map_err(|_| e))
}

pub(crate) fn opt_id<T: FromStr>(row: &Row, col: &str) -> Result<Option<T>> {
    match opt_text(row, col)? {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| StoreError::Corrupt(format!("{col}: {s:?} is not an id"))),
    }
}

/// Turns a unique-constraint violation into `Duplicate(what)`.
pub(crate) fn unique(what: Unique) -> impl Fn(StoreError) -> StoreError {
    move |e| match &e {
        StoreError::Db(sqlx::Error::Database(d)) if d.is_unique_violation() => StoreError::Duplicate(what),
        _ => e,
    }
}

pub(crate) use crate::db::dynamic as dynq;

/// `sql` with each of `values` bound in turn as text: for `IN (…)` lists of ids, whose
/// placeholders `sql` already has (see `placeholders`).
pub(crate) fn dynq_bound<'a, T: ToString>(sql: String, values: impl IntoIterator<Item = T>) -> db::Query<'a> {
    values.into_iter().fold(dynq(sql), |q, v| q.bind(v.to_string()))
}
