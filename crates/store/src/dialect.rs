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
    pub(crate) fn migrations(self) -> [(i64, &'static str, &'static str); 3] {
        let search = match self {
            Dialect::Sqlite => include_str!("../migrations/sqlite/0002_search.sql"),
            Dialect::Postgres => include_str!("../migrations/postgres/0002_search.sql"),
        };
        [
            (1, "directory", include_str!("../migrations/common/0001_directory.sql")),
            (2, "search", search),
            (3, "interconnection", include_str!("../migrations/common/0003_interconnection.sql")),
        ]
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
