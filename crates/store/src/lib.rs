//! campuslink's storage: one implementation over SQLite (the embedded default) and
//! PostgreSQL, through sqlx's typed drivers (`db`: one query type run on either pool)
//! and portable SQL. Ids are TEXT, times BIGINT milliseconds. What differs between the
//! two lives in `dialect`, in `db`'s binding of lists, and in the two migration folders.

pub mod attachments;
pub mod backup;
pub mod bus;
mod calls;
mod chat;
mod clock;
mod db;
mod dialect;
mod directory;
mod events;
mod interconnect;
mod migrate;
mod notify;
mod outbox;
pub mod push;
mod registry;
mod search;
mod sessions;
mod sql;
pub mod testing;
mod writer;

pub use attachments::{Attachment, AttachmentMeta};
pub use calls::{Hosting, LiveCall};
pub use chat::{
    CallNote, Committed, Conversation, ConversationRow, Forwarded, Membership, Message, NewText, Prefs, Published,
    Reaction, Sent, SystemNote,
};
pub use clock::Clock;
pub use db::Pool;
pub use dialect::Dialect;
pub use directory::{Department, ImportOutcome, Member, MemberFilter, MemberPage, MemberStatus, MemberWrite};
pub use events::{Audience, Event, LogEntry, NewEvent, Reader};
pub use interconnect::{
    Audit, AuditEntry, AuditFilter, Confirmation, Effects, ExposedSet, Exposure, Filing, FilingStatus, IcCampus,
    Interconnection, Invitation, Mail,
};
pub use migrate::SCHEMA_VERSION;
pub use notify::{DigestDue, DigestUnread, NotifyChange, NotifySettings};
pub use outbox::OutboxMail;
pub use push::PushSubscription;
pub use registry::{Campus, Names, RegistryRow, School, SchoolWithCampuses};
pub use search::{IndexStep, MessageSearch};
pub use sessions::{Session, SessionMember};
pub use writer::{WriteOp, WriteOutcome, Writer};

use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// What can go wrong in the store, in terms the API can answer with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("duplicate {0:?}")]
    Duplicate(Unique),
    #[error("unknown department")]
    UnknownDepartment,
    #[error("department would become its own ancestor")]
    DepartmentCycle,
    #[error("department has members or sub-departments")]
    DepartmentNotEmpty,
    /// A state change that lost to another one (already used, already decided…).
    #[error("conflict: {0:?}")]
    Conflict(Conflict),
    /// A send's client id was used before for other content.
    #[error("client id reused")]
    ClientIdReused,
    /// The member is not (or no longer) in the conversation.
    #[error("not a member of the conversation")]
    NotMember,
    /// A send named an attachment that is not (or no longer) the sender's to send: sent
    /// already, recalled, discarded, or uploaded to another conversation.
    #[error("attachment unavailable")]
    AttachmentUnavailable,
    /// The member already put as many reactions on the message as one may.
    #[error("too many reactions")]
    TooManyReactions,
    #[error("commit failed: {0}")]
    CommitFailed(String),
    /// The writer stopped (the server is shutting down).
    #[error("writer stopped")]
    WriterStopped,
    #[error("import refused")]
    ImportRefused(Vec<domain::member_row::LineError>),
    /// The database was migrated by a newer campuslink; this one must not touch it.
    #[error(
        "the database's schema version {found} is newer than this campuslink knows ({known}); \
         run the newer campuslink, or restore a backup made before the upgrade"
    )]
    SchemaTooNew { found: i64, known: i64 },
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Which unique value a write collided with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unique {
    /// A member's login (unique across the installation, without case).
    Login,
    /// A school's or campus's code.
    Code,
    /// A department's Chinese name among its siblings (under one parent, or at the top).
    DepartmentName,
    /// A filing's number.
    FilingNumber,
    /// A conversation's call: one at a time, across every node.
    Call,
}

/// Which state a step found instead of the one it needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conflict {
    FilingNotPending,
    InvitationUsed,
    InvitationRevoked,
    InvitationExpired,
    /// The removal has no approved identity confirmation.
    ConfirmationRequired,
    ConfirmationExpired,
    ConfirmationUsed,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The SQLite write connection's page cache, as `PRAGMA cache_size` takes it (negative:
/// KiB): 64 MiB. Measured A/B in the writer benchmark: 1 KB read per send with it, 2–3 KB
/// with SQLite's default 2 MiB (the pages of every conversation's newest messages).
const WRITE_CACHE_KIB: &str = "-65536";

/// Pages of SQLite's log after which a commit on the write connection copies it into
/// the database itself (SQLite's default: 1,000): 32 MiB. The writer's checkpointer does
/// it beside the commits well before (`writer::checkpoints`).
const WRITE_AUTOCHECKPOINT: &str = "8192";

/// The database, shared by every request.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    /// Where write transactions run (`begin`). On SQLite one connection of its own,
    /// always the same: SQLite lets one transaction write at a time anyway, and a
    /// connection that made the last commit keeps its page cache, where one that did
    /// not must read every page it touches again (measured: 13 KB read per send when
    /// the writer's batches went round the pool). On PostgreSQL the same pool as reads.
    writes: Pool,
    dialect: Dialect,
    clock: Clock,
    /// Bumped after every commit that may change who reaches whom or how a member is
    /// shown (directory, registry, interconnection): caches of those facts compare it.
    generation: Arc<AtomicU64>,
    events_written: Arc<tokio::sync::Notify>,
    /// See `write_turn`.
    write_queue: Arc<tokio::sync::Mutex<()>>,
    /// This process among the nodes on one PostgreSQL database (to skip its own
    /// notifications), and where to listen for the others'.
    node: Arc<str>,
    url: Arc<str>,
}

impl Store {
    /// Connects to `url` (`sqlite://…` or `postgres://…`) and applies migrations.
    pub async fn connect(url: &str) -> Result<Store> {
        Self::connect_with_clock(url, Clock::system()).await
    }

    /// `connect`, reading the time from `clock` (tests pass a manual one).
    pub async fn connect_with_clock(url: &str, clock: Clock) -> Result<Store> {
        let dialect = Dialect::of_url(url)?;
        let timeout = Duration::from_secs(10);
        let (pool, writes) = match dialect {
            Dialect::Sqlite => {
                let options = SqliteConnectOptions::from_str(&dialect::sqlite_url(url))?
                    .foreign_keys(true)
                    .busy_timeout(timeout)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full);
                // A SQLite connection is a file handle, not a socket: there is nothing to
                // ping before each use, and the ping would cost a round trip per query.
                let reads = SqlitePoolOptions::new()
                    .acquire_timeout(timeout)
                    .max_connections(8)
                    .test_before_acquire(false)
                    .connect_with(options.clone())
                    .await?;
                // The write connection keeps the pages of the indexes that sends touch
                // all over (each conversation's end, each sender's client ids): a
                // bigger cache than reads need, and never closed for being idle.
                let writes = SqlitePoolOptions::new()
                    .acquire_timeout(timeout)
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .test_before_acquire(false)
                    .connect_with(
                        options
                            .pragma("cache_size", WRITE_CACHE_KIB)
                            .pragma("wal_autocheckpoint", WRITE_AUTOCHECKPOINT)
                            // A batch's multi-row insert keeps a statement journal (to undo
                            // that one statement should it fail halfway); past 64 KiB it
                            // spilled to a temporary file, a write per page. In memory it
                            // costs no system call.
                            .pragma("temp_store", "memory"),
                    )
                    .await?;
                (Pool::Sqlite(reads), Pool::Sqlite(writes))
            }
            Dialect::Postgres => {
                let pool = Pool::Postgres(
                    PgPoolOptions::new().acquire_timeout(timeout).max_connections(16).connect(url).await?,
                );
                (pool.clone(), pool)
            }
        };
        let store = Store {
            pool,
            writes,
            dialect,
            clock,
            generation: Arc::new(AtomicU64::new(0)),
            events_written: Arc::default(),
            write_queue: Arc::default(),
            node: uuid::Uuid::now_v7().simple().to_string().into(),
            url: url.into(),
        };
        let applied = migrate::run(&store).await?;
        if migrate::REINDEX_SEARCH_AFTER.iter().any(|v| applied.contains(v)) {
            store.reindex_search().await?;
        }
        Ok(store)
    }

    /// A write transaction. On SQLite it takes the write lock up front (`BEGIN
    /// IMMEDIATE`): a transaction that read first and then tried to write would fail
    /// at once with "database is locked" whenever another write had committed in
    /// between, which busy_timeout cannot wait out. PostgreSQL needs nothing special.
    pub(crate) async fn begin(&self) -> Result<db::Tx> {
        Ok(match &self.writes {
            Pool::Sqlite(p) => db::Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(p) => db::Tx::Postgres(p.begin().await?),
        })
    }

    /// On SQLite, a turn at writing among this process's two busiest writers — the
    /// writer's group commits and the search indexer — held until the caller's
    /// transaction ends. They queue here, each woken the moment the other commits,
    /// instead of meeting at SQLite's write lock, whose busy handler retries after
    /// sleeping 1, 2, 5, 10… ms: those sleeps would land on sends' acknowledgements.
    /// `None` on PostgreSQL, whose writers lock rows, not the database.
    pub(crate) async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.dialect {
            Dialect::Sqlite => Some(self.write_queue.lock().await),
            Dialect::Postgres => None,
        }
    }

    /// Milliseconds since the epoch, by the store's clock.
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Commits a directory, registry or interconnection change and bumps the
    /// generation, so cached grants, reach and member names are loaded again.
    pub(crate) async fn commit(&self, mut tx: db::Tx) -> Result<()> {
        self.tell_nodes(&mut tx, bus::DIRECTORY).await?;
        tx.commit().await?;
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.events_written.notify_one();
        Ok(())
    }

    /// `commit` for a change to `campus`'s directory, telling the open apps of that
    /// campus and of the campuses connected to it to reload (`directory_changed`, with
    /// no content: each app asks the API again, which applies the visibility rule).
    pub(crate) async fn commit_directory(&self, mut tx: db::Tx, campus: Option<domain::CampusId>) -> Result<()> {
        if let Some(campus) = campus {
            let mut audience = vec![campus];
            audience.extend(self.connected_to_in(&mut tx, campus).await?);
            let mut positions = events::Positions::default();
            for c in audience {
                let e = events::NewEvent {
                    kind: "directory_changed",
                    audience: events::Audience::Campus(c),
                    data: "{}".into(),
                };
                events::append(&mut tx, self, &mut positions, self.now(), &e).await?;
            }
        }
        self.commit(tx).await
    }

    /// Wakes whoever delivers events (the hub) after a directory, registry or
    /// interconnection commit, which may have written events outside the writer.
    pub fn events_written(&self) -> &tokio::sync::Notify {
        &self.events_written
    }

    /// See `generation`: changes whenever the directory or an interconnection does.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The typed pool, for what only one database has (and for tests that inspect
    /// rows directly).
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The URL the store was opened with.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Refreshes the query planner's statistics. Without them SQLite walks a whole
    /// campus's members to find one search hit (measured: 2 ms instead of 0.05 ms on
    /// 5,000 members); called after imports, at start and hourly.
    pub async fn analyze(&self) -> Result<()> {
        self.pool.raw("ANALYZE").await?;
        Ok(())
    }

    /// The cheap, periodic form: SQLite re-analyzes only tables that changed a lot;
    /// PostgreSQL's autovacuum already keeps its statistics.
    pub async fn optimize(&self) -> Result<()> {
        if self.dialect == Dialect::Sqlite {
            self.pool.raw("PRAGMA optimize").await?;
        }
        Ok(())
    }

    /// Whether the database answers, for `/healthz`.
    pub async fn ping(&self) -> Result<()> {
        db::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// The newest migration applied to the database, for `/readyz`: another node may
    /// have migrated it further, or (restored from an old backup) not as far.
    pub async fn schema_version(&self) -> Result<i64> {
        migrate::applied_version(self).await
    }

    pub async fn close(&self) {
        self.pool.close().await;
        self.writes.close().await;
    }
}
