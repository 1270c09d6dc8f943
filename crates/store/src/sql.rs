//! Small helpers for portable SQL over `Any`: numbered placeholders and row decoding.

use crate::{Result, StoreError};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::str::FromStr;

/// `$start, $start+1, …` for an `IN (…)` list of `n` values.
pub(crate) fn placeholders(start: usize, n: usize) -> String {
    (start..start + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

pub(crate) fn text(row: &AnyRow, col: &str) -> Result<String> {
    Ok(row.try_get::<String, _>(col)?)
}

pub(crate) fn opt_text(row: &AnyRow, col: &str) -> Result<Option<String>> {
    Ok(row.try_get::<Option<String>, _>(col)?)
}

pub(crate) fn int(row: &AnyRow, col: &str) -> Result<i64> {
    Ok(row.try_get::<i64, _>(col)?)
}

pub(crate) fn id<T: FromStr>(row: &AnyRow, col: &str) -> Result<T> {
    let s = text(row, col)?;
    s.parse().map_err(|_| StoreError::Corrupt(format!("{col}: {s:?} is not an id")))
}

pub(crate) fn opt_int(row: &AnyRow, col: &str) -> Result<Option<i64>> {
    Ok(row.try_get::<Option<i64>, _>(col)?)
}

pub(crate) fn opt_id<T: FromStr>(row: &AnyRow, col: &str) -> Result<Option<T>> {
    match opt_text(row, col)? {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| StoreError::Corrupt(format!("{col}: {s:?} is not an id"))),
    }
}

/// Turns a unique-constraint violation into `Duplicate(what)`.
pub(crate) fn unique(what: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Duplicate(what),
        _ => StoreError::Db(e),
    }
}

/// A query whose text is assembled at run time. Every caller builds it only from
/// constant SQL and numbered placeholders; values always go in as binds.
pub(crate) fn dynq(sql: String) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
    sqlx::query(sqlx::AssertSqlSafe(sql))
}

/// `sql` with each of `values` bound in turn as text: for `IN (…)` lists of ids, whose
/// placeholders `sql` already has (see `placeholders`).
pub(crate) fn dynq_bound<T: ToString>(
    sql: String,
    values: impl IntoIterator<Item = T>,
) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments> {
    values.into_iter().fold(dynq(sql), |q, v| q.bind(v.to_string()))
}
