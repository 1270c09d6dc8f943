//! Applies the dialect's migrations at start, each in its own transaction, and records
//! them so a restart applies only what is new.

use crate::db::{self};
use crate::{Result, Store, StoreError};

/// The migrations after which every member's search tokens are rebuilt.
pub(crate) const REINDEX_SEARCH_AFTER: [i64; 2] = [5, 16];

/// The newest schema this build knows: the last migration's version (a test keeps the
/// two equal). `campuslink --version` prints it and `/readyz` compares the database's.
pub const SCHEMA_VERSION: i64 = 16;

/// Returns the versions it applied. On PostgreSQL, nodes starting at once on one
/// database take turns under a session advisory lock: each reads what is applied only
/// once it holds the lock, so a migration is applied by exactly one of them and the
/// others find it done. (A node that dies holding the lock loses its session, and the
/// lock with it.)
pub(crate) async fn run(store: &Store) -> Result<Vec<i64>> {
    let Some((lock, unlock)) = store.dialect.migration_lock() else {
        return apply(store).await;
    };
    let mut conn = store.pool.acquire().await?;
    db::query(lock).execute(&mut conn).await?;
    let result = apply(store).await;
    if let Err(e) = db::query(unlock).execute(&mut conn).await {
        // The lock is the session's: closing the connection releases it.
        tracing::warn!(error = %e, "cannot release the migration lock; closing its connection");
        conn.close().await;
    }
    result
}

/// Applies every known migration not recorded yet, in version order. Versions may have
/// gaps, and one below the newest applied is still applied when a later build brings
/// it (two branches adding migrations at once): what counts is each version's own row.
async fn apply(store: &Store) -> Result<Vec<i64>> {
    store
        .pool
        .raw(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .await?;
    let applied: Vec<i64> = db::query("SELECT version FROM schema_migrations ORDER BY version")
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(|r| r.get_at::<i64>(0))
        .collect::<Result<_, _>>()?;
    let known = store.dialect.migrations();
    if let Some(&newest) = applied.last()
        && known.iter().all(|(v, _, _)| *v < newest)
    {
        return Err(StoreError::SchemaTooNew { found: newest, known: SCHEMA_VERSION });
    }
    let mut done = Vec::new();
    for (version, name, sql) in &known {
        if applied.contains(version) {
            continue;
        }
        done.push(*version);
        let mut tx = store.begin().await?;
        tx.raw(sql).await?;
        db::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(*version)
            .bind(*name)
            .bind(store.now())
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        tracing::info!(version, name, "applied migration");
    }
    Ok(done)
}

/// The newest migration recorded in the database (0 before any).
pub(crate) async fn applied_version(store: &Store) -> Result<i64> {
    let row = db::query("SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM schema_migrations")
        .fetch_one(&store.pool)
        .await?;
    row.get_at::<i64>(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dialect;

    #[test]
    fn schema_version_is_the_last_migration() {
        for d in [Dialect::Sqlite, Dialect::Postgres] {
            assert_eq!(d.migrations().last().map(|m| m.0), Some(SCHEMA_VERSION));
            let versions = d.migration_versions();
            assert!(versions.windows(2).all(|w| w[0] < w[1]), "in order, each once: {versions:?}");
        }
    }
}
