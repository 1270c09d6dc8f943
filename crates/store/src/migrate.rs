//! Applies the dialect's migrations at start, each in its own transaction, and records
//! them so a restart applies only what is new.

use crate::{Result, Store, StoreError};
use sqlx::Row;

/// The migration after which every member's search tokens are rebuilt.
pub(crate) const SEARCH_FIELDS: i64 = 5;

/// Returns the versions it applied.
pub(crate) async fn run(store: &Store) -> Result<Vec<i64>> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(&store.pool)
    .await?;
    let applied: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations ORDER BY version")
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>(0))
        .collect::<Result<_, _>>()?;
    let known = store.dialect.migrations();
    if let Some(&newest) = applied.last()
        && known.iter().all(|(v, _, _)| *v < newest)
    {
        return Err(StoreError::Corrupt(format!(
            "database schema version {newest} is newer than this campuslink knows; upgrade campuslink"
        )));
    }
    let mut done = Vec::new();
    for (version, name, sql) in &known {
        if applied.contains(version) {
            continue;
        }
        done.push(*version);
        let mut tx = store.begin().await?;
        sqlx::raw_sql(*sql).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(*version)
            .bind(*name)
            .bind(store.now())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(version, name, "applied migration");
    }
    Ok(done)
}
