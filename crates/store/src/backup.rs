//! Backup and restore of a SQLite installation. A backup is `VACUUM INTO`: one read
//! transaction, so a consistent copy of a running installation while writes go on. A
//! restore checks the file first (a SQLite header, whole, readable, with campuslink's
//! `schema_migrations`, not from a newer campuslink) and changes nothing until it
//! passes. PostgreSQL has pg_dump and pg_restore for this.

use crate::dialect::Dialect;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "campuslink backs up and restores SQLite only; on PostgreSQL use pg_dump and pg_restore \
         (see the README's production section)"
    )]
    NotSqlite,
    #[error("no database at {0}")]
    Missing(PathBuf),
    #[error("{0} already exists; choose a new file name")]
    Exists(PathBuf),
    #[error("{0} is not a SQLite database")]
    NotSqliteFile(PathBuf),
    #[error("{path} is truncated: {actual} bytes, where its header says {expected}")]
    Truncated { path: PathBuf, actual: u64, expected: u64 },
    #[error("{0} is a SQLite database but not a campuslink backup (it has no schema_migrations)")]
    Foreign(PathBuf),
    #[error("{0} is damaged: {1}")]
    Damaged(PathBuf, String),
    #[error(
        "{path} has schema version {found}, newer than this campuslink knows ({known}); restore it with the newer \
         campuslink"
    )]
    TooNew { path: PathBuf, found: i64, known: i64 },
    #[error(
        "{0} is not empty; pass --overwrite to replace the installation there (stop campuslink first), or restore \
         into an empty directory"
    )]
    NotEmpty(PathBuf),
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

type Result<T> = std::result::Result<T, BackupError>;

/// The file a `sqlite:` URL names; `NotSqlite` for any other database.
pub fn sqlite_path(url: &str) -> Result<PathBuf> {
    if Dialect::of_url(url).ok() != Some(Dialect::Sqlite) {
        return Err(BackupError::NotSqlite);
    }
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    Ok(PathBuf::from(rest.split('?').next().unwrap_or(rest)))
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |e| BackupError::Io(path.to_owned(), e)
}

/// Copies the database at `db` to a new file `to`, consistently even while campuslink
/// writes to it. The copy is written beside `to` and renamed only once it is whole and
/// checked, so `to` never names half a backup. Returns the backup's schema version.
pub async fn backup(db: &Path, to: &Path) -> Result<i64> {
    if !db.is_file() {
        return Err(BackupError::Missing(db.to_owned()));
    }
    if to.exists() {
        return Err(BackupError::Exists(to.to_owned()));
    }
    let name = to.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let partial = to.with_file_name(format!(".{name}.partial"));
    let _ = std::fs::remove_file(&partial); // left by an interrupted backup
    // Read-write (not create): reading a WAL database needs its shared-memory file.
    let mut conn =
        <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!("sqlite://{}?mode=rw", db.display())).await?;
    sqlx::query("PRAGMA busy_timeout = 10000").execute(&mut conn).await?;
    let vacuum = sqlx::query("VACUUM INTO $1").bind(partial.to_string_lossy().into_owned()).execute(&mut conn).await;
    let _ = sqlx::Connection::close(conn).await;
    if let Err(e) = vacuum {
        let _ = std::fs::remove_file(&partial);
        return Err(e.into());
    }
    let checked = match inspect(&partial).await {
        Ok(v) => v,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    durable_rename(&partial, to)?;
    Ok(checked)
}

/// Puts the backup `from` in place as the database `target` (in `data_dir`). Refuses,
/// changing nothing, when `from` is not a whole campuslink backup, or when `data_dir`
/// holds anything and `overwrite` is false. Returns the backup's schema version (an
/// older one is migrated at the next start).
pub async fn restore(from: &Path, target: &Path, data_dir: &Path, overwrite: bool) -> Result<i64> {
    let version = inspect(from).await?;
    if !overwrite {
        let occupied = std::fs::read_dir(data_dir).map(|mut d| d.next().is_some()).unwrap_or(false);
        if occupied {
            return Err(BackupError::NotEmpty(data_dir.to_owned()));
        }
        if target.exists() {
            return Err(BackupError::NotEmpty(target.to_owned()));
        }
    }
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let incoming = target.with_file_name(format!(".{name}.restoring"));
    std::fs::copy(from, &incoming).map_err(io(&incoming))?;
    if let Err(e) = inspect(&incoming).await {
        let _ = std::fs::remove_file(&incoming);
        return Err(e);
    }
    // The old database's write-ahead log belongs to the old file: replayed over the
    // restored one it would corrupt it.
    for suffix in ["-wal", "-shm", "-journal"] {
        let side = target.with_file_name(format!("{name}{suffix}"));
        match std::fs::remove_file(&side) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(BackupError::Io(side, e)),
        }
    }
    durable_rename(&incoming, target)?;
    Ok(version)
}

/// Checks that `path` is a whole campuslink SQLite database and returns its schema
/// version. Reads only: the file is opened immutable, so not even a lock is written.
pub async fn inspect(path: &Path) -> Result<i64> {
    use std::io::Read;
    let mut header = [0u8; 100];
    let mut file = std::fs::File::open(path).map_err(io(path))?;
    let len = file.metadata().map_err(io(path))?.len();
    if len < 100 || file.read_exact(&mut header).is_err() || &header[..16] != b"SQLite format 3\0" {
        return Err(BackupError::NotSqliteFile(path.to_owned()));
    }
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536,
        n => u64::from(n),
    };
    let pages = u64::from(u32::from_be_bytes([header[28], header[29], header[30], header[31]]));
    // The page count in the header is trustworthy when "version-valid-for" matches the
    // change counter (every SQLite since 3.7.0 writes it so).
    let valid = header[92..96] == header[24..28];
    if page_size < 512 || !page_size.is_power_of_two() {
        return Err(BackupError::NotSqliteFile(path.to_owned()));
    }
    if (valid && len < pages * page_size) || len % page_size != 0 {
        return Err(BackupError::Truncated {
            path: path.to_owned(),
            actual: len,
            expected: if valid { pages * page_size } else { len.next_multiple_of(page_size) },
        });
    }
    let url = format!("sqlite://{}?mode=ro&immutable=true", path.display());
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url).await?;
    let result = check_contents(&mut conn, path).await;
    let _ = sqlx::Connection::close(conn).await;
    result
}

async fn check_contents(conn: &mut sqlx::SqliteConnection, path: &Path) -> Result<i64> {
    let damaged = |e: sqlx::Error| BackupError::Damaged(path.to_owned(), e.to_string());
    let (check,): (String,) = sqlx::query_as("PRAGMA quick_check").fetch_one(&mut *conn).await.map_err(damaged)?;
    if check != "ok" {
        return Err(BackupError::Damaged(path.to_owned(), check));
    }
    let (tables,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('schema_migrations', 'members')",
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(damaged)?;
    if tables < 2 {
        return Err(BackupError::Foreign(path.to_owned()));
    }
    let (version,): (i64,) = sqlx::query_as("SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM schema_migrations")
        .fetch_one(&mut *conn)
        .await
        .map_err(|_| BackupError::Foreign(path.to_owned()))?;
    if version < 1 {
        return Err(BackupError::Foreign(path.to_owned()));
    }
    if version > crate::SCHEMA_VERSION {
        return Err(BackupError::TooNew { path: path.to_owned(), found: version, known: crate::SCHEMA_VERSION });
    }
    Ok(version)
}

/// Renames `from` to `to` after both the file and, after the rename, its directory are
/// on disk: a power cut leaves either the old state or the whole new file.
fn durable_rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::File::open(from).and_then(|f| f.sync_all()).map_err(io(from))?;
    std::fs::rename(from, to).map_err(io(to))?;
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        // Directories cannot be opened for sync on every platform; the rename stands.
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}
