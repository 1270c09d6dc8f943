//! What differs between SQLite and PostgreSQL, in one place.

use crate::{Result, StoreError, db};

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
    pub(crate) fn migrations(self) -> [(i64, &'static str, &'static str); 16] {
        let (search, search_fields, message_search, message_search_terms) = match self {
            Dialect::Sqlite => (
                include_str!("../migrations/sqlite/0002_search.sql"),
                include_str!("../migrations/sqlite/0005_search_fields.sql"),
                include_str!("../migrations/sqlite/0010_message_search.sql"),
                include_str!("../migrations/sqlite/0011_message_search_terms.sql"),
            ),
            Dialect::Postgres => (
                include_str!("../migrations/postgres/0002_search.sql"),
                include_str!("../migrations/postgres/0005_search_fields.sql"),
                include_str!("../migrations/postgres/0010_message_search.sql"),
                include_str!("../migrations/postgres/0011_message_search_terms.sql"),
            ),
        };
        [
            (1, "directory", include_str!("../migrations/common/0001_directory.sql")),
            (2, "search", search),
            (3, "interconnection", include_str!("../migrations/common/0003_interconnection.sql")),
            (4, "conversations", include_str!("../migrations/common/0004_conversations.sql")),
            (5, "search_fields", search_fields),
            (6, "message_client_index", include_str!("../migrations/common/0006_message_client_index.sql")),
            (7, "attachments", include_str!("../migrations/common/0007_attachments.sql")),
            (8, "conversation_extras", include_str!("../migrations/common/0008_conversation_extras.sql")),
            (9, "push", include_str!("../migrations/common/0009_push.sql")),
            (10, "message_search", message_search),
            (11, "message_search_terms", message_search_terms),
            (12, "notification_settings", include_str!("../migrations/common/0012_notification_settings.sql")),
            (13, "live_calls", include_str!("../migrations/common/0013_live_calls.sql")),
            (14, "append_indexes", include_str!("../migrations/common/0014_append_indexes.sql")),
            (15, "recalled_index", include_str!("../migrations/common/0015_recalled_index.sql")),
            (16, "login_search", include_str!("../migrations/common/0016_login_search.sql")),
        ]
    }

    /// The versions of the migrations this build knows, in order.
    pub fn migration_versions(self) -> Vec<i64> {
        self.migrations().iter().map(|m| m.0).collect()
    }

    /// A derived table `k(a, b)` of pairs, bound by `bind_pairs` as the statement's
    /// first placeholders: two arrays joined element by element on PostgreSQL, one JSON
    /// array of pairs on SQLite (each pair a row the planner can look up by index).
    /// One statement then looks up a whole batch, whatever its size. Callers join it
    /// with `CROSS JOIN` and put the lookup in `WHERE`: SQLite then keeps the pairs as
    /// the outer loop and probes the index, whatever its statistics say (a unique index
    /// over mostly NULL client ids looks useless to its planner); PostgreSQL plans as
    /// it likes.
    pub(crate) fn pairs(self) -> &'static str {
        match self {
            Dialect::Sqlite => "(SELECT value ->> 0 AS a, value ->> 1 AS b FROM json_each($1)) k",
            Dialect::Postgres => "UNNEST($1::text[], $2::text[]) AS k(a, b)",
        }
    }

    /// Binds `pairs` for the table of `pairs()`.
    pub(crate) fn bind_pairs<'a>(self, q: db::Query<'a>, pairs: Vec<(String, String)>) -> db::Query<'a> {
        match self {
            Dialect::Sqlite => q.bind(serde_json::to_string(&pairs).unwrap_or_else(|_| "[]".into())),
            Dialect::Postgres => {
                let (a, b): (Vec<String>, Vec<String>) = pairs.into_iter().unzip();
                q.bind(a).bind(b)
            }
        }
    }

    /// ` INDEXED BY <index>` on SQLite, which then must search that index whatever its
    /// statistics say (PostgreSQL has no such clause and needs none): after a table name,
    /// where a plan chosen from stale statistics would walk the whole table.
    pub(crate) fn indexed_by(self, index: &str) -> String {
        match self {
            Dialect::Sqlite => format!(" INDEXED BY {index}"),
            Dialect::Postgres => String::new(),
        }
    }

    /// The larger of two SQL expressions: SQLite's two-argument `MAX`, PostgreSQL's
    /// `GREATEST`. As one bound of an index range it lets the planner start there.
    pub(crate) fn greatest(self, a: &str, b: &str) -> String {
        match self {
            Dialect::Sqlite => format!("MAX({a}, {b})"),
            Dialect::Postgres => format!("GREATEST({a}, {b})"),
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
