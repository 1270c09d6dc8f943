//! What differs between SQLite and PostgreSQL, in one place.

use crate::{Result, StoreError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn of_url(url: &str) -> Result<Dialect> {
        if url.starts_with("sqlite:") {
            Ok(Dialect::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Dialect::Postgres)
        } else {
            Err(StoreError::Db(sqlx::Error::Configuration(
                format!(
                    "database URL must start with sqlite: or postgres://, not {:?}",
                    url.split(':').next().unwrap_or("")
                )
                .into(),
            )))
        }
    }

    /// The migrations for this dialect, in order: (version, name, SQL).
    pub(crate) fn migrations(self) -> [(i64, &'static str, &'static str); 5] {
        let (search, search_fields) = match self {
            Dialect::Sqlite => (
                include_str!("../migrations/sqlite/0002_search.sql"),
                include_str!("../migrations/sqlite/0005_search_fields.sql"),
            ),
            Dialect::Postgres => (
                include_str!("../migrations/postgres/0002_search.sql"),
                include_str!("../migrations/postgres/0005_search_fields.sql"),
            ),
        };
        [
            (1, "directory", include_str!("../migrations/common/0001_directory.sql")),
            (2, "search", search),
            (3, "interconnection", include_str!("../migrations/common/0003_interconnection.sql")),
            (4, "conversations", include_str!("../migrations/common/0004_conversations.sql")),
            (5, "search_fields", search_fields),
        ]
    }

    /// A derived table `k(a, b)` of the pairs of two lists bound as $1 and $2 (the
    /// i-th of each): an array join on PostgreSQL, two JSON arrays on SQLite. One
    /// statement then looks up a whole batch, whatever its size.
    pub(crate) fn pairs(self) -> &'static str {
        match self {
            Dialect::Sqlite => {
                "(SELECT x.value AS a, y.value AS b FROM json_each($1) x JOIN json_each($2) y ON y.key = x.key) k"
            }
            Dialect::Postgres => "UNNEST($1::text[], $2::text[]) AS k(a, b)",
        }
    }

    /// Takes the lock under which event positions are allocated, held to the end of the
    /// transaction. SQLite needs none: a write transaction holds the database's write
    /// lock from `BEGIN IMMEDIATE` on.
    pub(crate) fn position_lock(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some("SELECT pg_advisory_xact_lock(7262001)"),
        }
    }
}

impl Dialect {
    /// (lock, unlock) around applying migrations, so nodes starting at once do not
    /// apply the same one twice. SQLite needs none for one node per file.
    pub(crate) fn migration_lock(self) -> Option<(&'static str, &'static str)> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some(("SELECT pg_advisory_lock(7262002)", "SELECT pg_advisory_unlock(7262002)")),
        }
    }
}

/// A SQLite URL that creates the file when missing.
pub(crate) fn sqlite_url(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}
