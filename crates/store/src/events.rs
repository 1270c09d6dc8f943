//! The event log: every change a client should see, with a position that only grows.
//!
//! Positions are allocated inside the transaction that makes the change, under the
//! writers' lock (SQLite's write lock, taken by `BEGIN IMMEDIATE`; an advisory lock on
//! PostgreSQL), which is held until commit. So position p+1 is allocated only after p
//! has committed or rolled back, and a reader that sees p sees everything below it:
//! the log is gap-free for readers however many writers there are, and "committed up
//! to" is simply the highest position a reader sees.

use crate::db::{self, Row, Tx};
use crate::sql::{dynq, int, opt_int, opt_text, text, values};
use crate::{Dialect, Result, Store};
use domain::{CampusId, ConversationId, MemberId};

/// The highest position ever allocated: the log's last, or when pruning emptied it,
/// the floor, so positions never start over.
macro_rules! last_position {
    () => {
        "COALESCE((SELECT MAX(position) FROM events), (SELECT floor FROM event_floor WHERE id = 1), 0)"
    };
}
pub(crate) const LAST_POSITION: &str = concat!("SELECT ", last_position!(), " AS p");
/// The floor and the last position in one statement (`Store::log_bounds`).
const LOG_BOUNDS: &str =
    concat!("SELECT (SELECT floor FROM event_floor WHERE id = 1) AS floor, ", last_position!(), " AS p");

/// Who may read an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Audience {
    Member(MemberId),
    /// The conversation's members at the event's position.
    Conversation(ConversationId),
    /// Every member of the campus.
    Campus(CampusId),
    CampusAdmins(CampusId),
}

impl Audience {
    fn parts(self) -> (&'static str, String) {
        match self {
            Audience::Member(m) => ("member", m.to_string()),
            Audience::Conversation(c) => ("conversation", c.to_string()),
            Audience::Campus(c) => ("campus", c.to_string()),
            Audience::CampusAdmins(c) => ("campus_admins", c.to_string()),
        }
    }

    fn parse(kind: &str, id: &str) -> Option<Audience> {
        Some(match kind {
            "member" => Audience::Member(id.parse().ok()?),
            "conversation" => Audience::Conversation(id.parse().ok()?),
            "campus" => Audience::Campus(id.parse().ok()?),
            "campus_admins" => Audience::CampusAdmins(id.parse().ok()?),
            _ => return None,
        })
    }
}

/// An event to append. `data` is its JSON payload; a message event has none (its
/// content is the messages row at its position).
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub kind: &'static str,
    pub audience: Audience,
    pub data: String,
}

/// An event as stored, with its position.
#[derive(Clone, Debug)]
pub struct Event {
    pub position: i64,
    pub kind: String,
    pub audience: Audience,
    pub data: String,
    pub created_at: i64,
}

/// Hands out positions inside one write transaction: the first call takes the lock and
/// reads the highest position; later calls count on from there.
#[derive(Debug, Default)]
pub struct Positions {
    next: Option<i64>,
}

impl Positions {
    pub async fn take(&mut self, tx: &mut Tx, store: &Store) -> Result<i64> {
        let next = match self.next {
            Some(n) => n,
            None => {
                if let Some(lock) = store.dialect.position_lock() {
                    db::query(lock).execute(&mut *tx).await?;
                }
                let r = db::query(LAST_POSITION).fetch_one(&mut *tx).await?;
                int(&r, "p")? + 1
            }
        };
        self.next = Some(next + 1);
        Ok(next)
    }
}

/// Appends `event` at a fresh position.
pub async fn append(
    tx: &mut Tx,
    store: &Store,
    positions: &mut Positions,
    now: i64,
    event: &NewEvent,
) -> Result<Event> {
    let e = Event {
        position: positions.take(tx, store).await?,
        kind: event.kind.to_owned(),
        audience: event.audience,
        data: event.data.clone(),
        created_at: now,
    };
    insert(tx, store.dialect, std::slice::from_ref(&e)).await?;
    Ok(e)
}

/// Writes `events`, whose positions are already taken, with one statement per 256.
pub(crate) async fn insert(tx: &mut Tx, dialect: Dialect, events: &[Event]) -> Result<()> {
    for chunk in events.chunks(256) {
        let mut q = dynq(format!(
            "INSERT INTO events (position, kind, audience, audience_id, data, created_at) VALUES {}",
            values(dialect, 6, chunk.len())
        ));
        for e in chunk {
            let (kind, id) = e.audience.parts();
            q = q.bind(e.position).bind(&e.kind).bind(kind).bind(id).bind(&e.data).bind(e.created_at);
        }
        q.execute(&mut *tx).await?;
    }
    Ok(())
}

/// Whom the log is read for: a member, with their campus and whether they administer it.
#[derive(Clone, Copy, Debug)]
pub struct Reader {
    pub member: MemberId,
    pub campus: Option<CampusId>,
    pub admin: bool,
}

/// What a reader gets from the log: events, and for message events the message's
/// conversation (the rest the caller loads through `messages_at`).
#[derive(Clone, Debug)]
pub struct LogEntry {
    pub event: Event,
    pub message_conversation: Option<ConversationId>,
}

fn entry(r: &Row) -> Result<LogEntry> {
    let kind = text(r, "audience")?;
    let id = text(r, "audience_id")?;
    let audience = Audience::parse(&kind, &id)
        .ok_or_else(|| crate::StoreError::Corrupt(format!("event audience {kind:?} {id:?}")))?;
    Ok(LogEntry {
        event: Event {
            position: int(r, "position")?,
            kind: text(r, "kind")?,
            audience,
            data: opt_text(r, "data")?.unwrap_or_default(),
            created_at: opt_int(r, "created_at")?.unwrap_or(0),
        },
        message_conversation: None,
    })
}

/// The events a reader may see in `($2, $3]`, in order, at most `$6`: `$1` the member,
/// `$4` their campus, `$5` 1 for a campus admin. A message's event is found by its
/// messages row (the same position, created in the same transaction): the audience index
/// leaves message events out (schema 14), and every branch on `events` names
/// `kind <> 'message'` so that both planners may use that partial index. The message
/// branch reads only its index (`messages_conversation` holds the conversation and the
/// position), with no time of its own: the caller reads the messages themselves once,
/// by position (`messages_at`), where it read each row twice before.
///
/// The conversation branches search their index once per conversation of the reader
/// (`IN`), from `$2`, and check the reader's window for each row found. On SQLite every
/// branch names its index (`INDEXED BY`). Left to its statistics, SQLite chose by what it had
/// last analyzed: with the events table analyzed while nearly empty it scanned the
/// whole table, or built a Bloom filter over it, for every reader, and 10,000 clients
/// reconnecting at once were not all caught up within a minute. A test reads SQLite's
/// plan.
fn events_for_sql(dialect: Dialect) -> &'static str {
    static SQLITE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    static POSTGRES: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let cell = match dialect {
        Dialect::Sqlite => &SQLITE,
        Dialect::Postgres => &POSTGRES,
    };
    cell.get_or_init(|| {
        // Whether the reader was in the row's conversation at its position.
        let window = |t: &str, p: &str| {
            format!(
                "EXISTS (SELECT 1 FROM conversation_members w WHERE w.conversation_id = {t} AND w.member_id = $1 \
                 AND {p} > w.joined_position AND (w.left_position IS NULL OR {p} <= w.left_position))"
            )
        };
        format!(
            "SELECT x.position, x.kind, x.audience, x.audience_id, x.data, x.created_at FROM ( \
               SELECT e.* FROM events e{ix} WHERE e.audience = 'member' AND e.audience_id = $1 AND e.kind <> 'message' \
                 AND e.position > $2 AND e.position <= $3 \
               UNION ALL \
               SELECT e.* FROM events e{ix} WHERE e.audience = 'campus' AND e.audience_id = $4 AND e.kind <> 'message' \
                 AND e.position > $2 AND e.position <= $3 \
               UNION ALL \
               SELECT e.* FROM events e{ix} WHERE e.audience = 'campus_admins' AND e.audience_id = $4 AND $5 = 1 \
                 AND e.kind <> 'message' AND e.position > $2 AND e.position <= $3 \
               UNION ALL \
               SELECT e.* FROM events e{ix} WHERE e.audience = 'conversation' AND e.kind <> 'message' \
                 AND e.audience_id IN (SELECT conversation_id FROM conversation_members WHERE member_id = $1) \
                 AND e.position > $2 AND e.position <= $3 AND {ew} \
               UNION ALL \
               SELECT m.position, 'message' AS kind, 'conversation' AS audience, m.conversation_id AS audience_id, '' AS data, \
                 CAST(0 AS BIGINT) AS created_at \
               FROM messages m{mx} WHERE m.conversation_id IN (SELECT conversation_id FROM conversation_members WHERE member_id = $1) \
                 AND m.position > $2 AND m.position <= $3 AND {mw} \
             ) x ORDER BY x.position LIMIT $6",
            ix = dialect.indexed_by("events_audience"),
            ew = window("e.audience_id", "e.position"),
            mx = dialect.indexed_by("messages_conversation"),
            mw = window("m.conversation_id", "m.position"),
        )
    })
}

impl Store {
    /// The highest position committed.
    pub async fn last_position(&self) -> Result<i64> {
        let r = db::query(LAST_POSITION).fetch_one(&self.pool).await?;
        int(&r, "p")
    }

    /// The highest position pruned from the log; a reader behind it must resync.
    pub async fn event_floor(&self) -> Result<i64> {
        let r = db::query("SELECT floor FROM event_floor WHERE id = 1").fetch_one(&self.pool).await?;
        int(&r, "floor")
    }

    /// The log's floor and its last position, read together: what a client resuming
    /// from a position is checked against, in one statement rather than two (10,000
    /// clients reconnecting at once each ask).
    pub async fn log_bounds(&self) -> Result<(i64, i64)> {
        let r = db::query(LOG_BOUNDS).fetch_one(&self.pool).await?;
        Ok((int(&r, "floor")?, int(&r, "p")?))
    }

    /// Every event after `after` (and up to `until`) that `reader` may see, in order, at
    /// most `limit`. Who sees an event is its audience; a conversation's events are read
    /// by its members between their joining and their leaving (`events_for_sql`).
    pub async fn events_for(&self, reader: &Reader, after: i64, until: i64, limit: i64) -> Result<Vec<LogEntry>> {
        let campus = reader.campus.map(|c| c.to_string()).unwrap_or_default();
        let rows = db::query(events_for_sql(self.dialect))
            .bind(reader.member.to_string())
            .bind(after)
            .bind(until)
            .bind(campus)
            .bind(i64::from(reader.admin))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        let mut out: Vec<LogEntry> = rows.iter().map(entry).collect::<Result<_>>()?;
        for e in &mut out {
            if let Audience::Conversation(c) = e.event.audience {
                e.message_conversation = Some(c);
            }
        }
        Ok(out)
    }

    /// Every event in `(after, until]`, whoever reads it: for the hub to fill a gap
    /// between what it was handed and what is committed.
    pub async fn events_between(&self, after: i64, until: i64) -> Result<Vec<Event>> {
        let rows = db::query(
            "SELECT position, kind, audience, audience_id, data, created_at FROM events WHERE position > $1 AND position <= $2 ORDER BY position",
        )
        .bind(after)
        .bind(until)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| entry(r).map(|e| e.event)).collect()
    }

    /// Drops events older than `before_ms` from the log (message history stays in the
    /// messages table) and raises the floor past them.
    pub async fn prune_events(&self, before_ms: i64) -> Result<u64> {
        let mut tx = self.begin().await?;
        let r = db::query("SELECT MAX(position) AS p FROM events WHERE created_at < $1")
            .bind(before_ms)
            .fetch_one(&mut tx)
            .await?;
        let Some(top) = opt_int(&r, "p")? else { return Ok(0) };
        let done = db::query("DELETE FROM events WHERE position <= $1").bind(top).execute(&mut tx).await?;
        db::query("UPDATE event_floor SET floor = $1 WHERE id = 1 AND floor < $1").bind(top).execute(&mut tx).await?;
        tx.commit().await?;
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

    use super::events_for_sql;
    use crate::testing::TestDb;

    /// SQLite's plan of `events_for_sql` finds each branch through an index, even with
    /// statistics taken when the log held one conversation (as a new installation's
    /// are until the next analysis): every branch on `events` through the partial
    /// audience index (which a branch without `kind <> 'message'` may not use), the
    /// conversation branches once per conversation of the reader, messages by
    /// conversation.
    #[tokio::test]
    async fn every_branch_of_a_readers_events_is_an_index_search() {
        use crate::{MemberWrite, Names};
        use domain::member_row::{MemberFields, RawMemberFields};
        use domain::values::Code;
        let db = TestDb::sqlite();
        let store = db.connect().await.unwrap();
        let names = || Names { zh: "示範學校", pt: "", en: "" };
        let school = store.create_school(&Code::parse("S1").unwrap(), names()).await.unwrap();
        let campus = store.create_campus(school.id, &Code::parse("S1-A").unwrap(), names()).await.unwrap();
        let mut people = Vec::new();
        for login in ["t1", "t2"] {
            let f = MemberFields::parse(&RawMemberFields { login, name_zh: login, ..Default::default() }).unwrap();
            let write = MemberWrite { fields: &f, role: domain::Role::Member, department_ids: &[] };
            people.push(store.create_member(Some(campus.id), write, None).await.unwrap().id);
        }
        store.create_group(people[0], campus.id, "教研組", &people[1..]).await.unwrap();
        store.analyze().await.unwrap();
        // The statistics of the installation that was slow: the log analyzed with one
        // row in it, 24,000 memberships at four per member. Read on a connection of its
        // own, which loads them afresh.
        use sqlx::{Connection, Row};
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        for (idx, stat) in [
            ("events_audience", "1 1 1 1"),
            ("sqlite_autoindex_events_1", "1 1"),
            ("conversation_members_member", "24000 4 1"),
            ("sqlite_autoindex_conversation_members_1", "24000 20 1"),
            ("messages_conversation", "551 1 1"),
        ] {
            sqlx::query("UPDATE sqlite_stat1 SET stat = ?1 WHERE idx = ?2")
                .bind(stat)
                .bind(idx)
                .execute(&mut conn)
                .await
                .unwrap();
        }
        sqlx::query("ANALYZE sqlite_schema").execute(&mut conn).await.unwrap();
        let sql = format!("EXPLAIN QUERY PLAN {}", events_for_sql(crate::Dialect::Sqlite));
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(people[1].to_string())
            .bind(0_i64)
            .bind(100_i64)
            .bind(campus.id.to_string())
            .bind(1_i64)
            .bind(100_i64)
            .fetch_all(&mut conn)
            .await
            .unwrap();
        let plan: Vec<String> = rows.iter().map(|r| r.get::<String, _>("detail")).collect();
        let scans: Vec<&String> = plan.iter().filter(|d| d.starts_with("SCAN") && d.as_str() != "SCAN x").collect();
        assert!(scans.is_empty(), "table scans in {plan:#?}");
        let by_audience =
            "SEARCH e USING INDEX events_audience (audience=? AND audience_id=? AND position>? AND position<?)";
        assert_eq!(plan.iter().filter(|d| d.as_str() == by_audience).count(), 4, "{plan:#?}");
        assert!(
            plan.iter()
                .any(|d| d.starts_with("SEARCH m USING COVERING INDEX messages_conversation (conversation_id=?")),
            "{plan:#?}"
        );
        assert_eq!(plan.iter().filter(|d| d.starts_with("LIST SUBQUERY")).count(), 2, "{plan:#?}");
        store.close().await;
    }
}
