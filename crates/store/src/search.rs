//! History search in the database: one index row per message holding its tokens
//! (`domain::search::message_tokens`) — an FTS5 table on SQLite, a GIN-indexed tsvector
//! on PostgreSQL (each migration says why) — and the indexer's cursor.
//!
//! The index follows the event log, off the send path: `index_messages` takes the next
//! committed messages after the cursor, works out their tokens, then in one short
//! transaction writes them, drops the rows of messages recalled in that stretch of the
//! log, and moves the cursor. Positions commit in order, so everything up to the last
//! committed position is there to read and nothing is skipped. A search reads the index
//! and, in the same statement, the messages and the caller's memberships: a message is
//! returned only when `domain::search::findable` holds (the caller is still in its
//! conversation, it is inside their window, it is not recalled), whether or not the
//! indexer has caught up with a recall yet.

use crate::attachments::AttachmentMeta;
use crate::chat::{MESSAGE_COLS, message};
use crate::db::{self, Row};
use crate::sql::{dynq, id, int, opt_int, opt_text, placeholders, text};
use crate::{Dialect, Message, Result, Store};
use domain::search::{Term, message_tokens};
use domain::{ConversationId, MemberId, MessageId};

/// What one step of the indexer did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IndexStep {
    /// Messages whose tokens were written.
    pub indexed: usize,
    /// Index rows dropped for messages recalled.
    pub removed: usize,
    /// The cursor after the step.
    pub cursor: i64,
    /// The cursor had reached the last committed position (nothing was left to do), or
    /// reaches it with this step.
    pub caught_up: bool,
    /// Another indexer (a node on the same PostgreSQL database, or a second caller in
    /// this process) moved the cursor first: this step wrote nothing.
    pub lost_race: bool,
    /// How long the write transaction took (what a send arriving meanwhile waits for).
    pub write: std::time::Duration,
}

/// A search: the caller, the conversations to search in (the caller's current ones, or
/// one of them), the terms, and the page.
#[derive(Clone, Debug)]
pub struct MessageSearch<'a> {
    pub member: MemberId,
    pub conversations: &'a [ConversationId],
    pub terms: &'a [Term],
    /// Only messages before this position (the last one of the previous page).
    pub before: Option<i64>,
    pub limit: i64,
}

/// Beyond this many conversations the FTS5 query does not name them (each one costs a
/// step of every advance through the index); the join with the memberships still keeps
/// the search to them.
const NAMED_CONVERSATIONS_MAX: usize = 64;

/// The conversation token of an index row on SQLite (see the migration).
fn conversation_token(c: ConversationId) -> String {
    format!("§c{}", c.as_uuid().simple())
}

/// `s` as an FTS5 string (a phrase of the one token it is).
fn fts_string(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A word being typed with at most this many completions in the index is searched as
/// those whole tokens; with more, as an FTS5 prefix.
const COMPLETIONS_MAX: usize = 16;

/// The prefix length FTS5 indexes itself (`prefix='3'` in the migration): a prefix that
/// long is one ready doclist, read as fast as a token's, so it is not completed.
const PREFIX_INDEXED: usize = 3;

/// Whether `t` is a word being typed past what the prefix index holds, whose
/// completions are searched instead (see `COMPLETIONS_MAX`).
fn completes(t: &Term) -> bool {
    t.prefix && t.text.chars().count() > PREFIX_INDEXED
}

/// One term as FTS5 reads it: a token, a prefix, or a prefix's completions, any of them.
fn fts_term(t: &Term, completions: Option<&[String]>) -> String {
    match completions {
        Some(list) if t.prefix => {
            format!("({})", list.iter().map(|c| fts_string(c)).collect::<Vec<_>>().join(" OR "))
        }
        _ => format!("{}{}", fts_string(&t.text), if t.prefix { "*" } else { "" }),
    }
}

/// The FTS5 MATCH expression: every term (as `fts_term` wrote it), and one of the
/// conversations.
fn fts_match(terms: &[String], conversations: &[ConversationId]) -> String {
    let mut q = format!("({})", terms.join(" AND "));
    if !conversations.is_empty() && conversations.len() <= NAMED_CONVERSATIONS_MAX {
        let named: Vec<String> = conversations.iter().map(|c| fts_string(&conversation_token(*c))).collect();
        q.push_str(&format!(" AND ({})", named.join(" OR ")));
    }
    q
}

/// `s` as a tsquery lexeme.
fn ts_lexeme(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
}

/// The tsquery: every term, the last being typed as a prefix (`:*`).
fn ts_query(terms: &[Term]) -> String {
    terms
        .iter()
        .map(|t| format!("{}{}", ts_lexeme(&t.text), if t.prefix { ":*" } else { "" }))
        .collect::<Vec<_>>()
        .join(" & ")
}

/// A message the indexer read, with its tokens.
struct Doc {
    position: i64,
    conversation: ConversationId,
    tokens: Vec<String>,
}

/// A message as the indexer reads it: text messages only, not recalled; a picture's or
/// file's name counts, a voice message's (made up by the recorder) not.
struct Raw {
    position: i64,
    conversation: ConversationId,
    text: String,
    name: Option<String>,
}

fn raw(r: &Row) -> Result<Option<Raw>> {
    if text(r, "kind")? != "text" || opt_int(r, "recalled_at")?.is_some() {
        return Ok(None);
    }
    let attachment: Option<AttachmentMeta> = match opt_text(r, "attachment")? {
        Some(a) => serde_json::from_str(&a).ok(),
        None => None,
    };
    Ok(Some(Raw {
        position: int(r, "position")?,
        conversation: id(r, "conversation_id")?,
        text: text(r, "text")?,
        name: attachment.filter(|a| a.kind != domain::attachment::Kind::Voice).map(|a| a.name),
    }))
}

/// The tokens of each message, on a thread of the blocking pool: a batch takes a few
/// milliseconds of CPU, which on the async workers would hold up requests meanwhile.
async fn tokenize(list: Vec<Raw>) -> Result<Vec<Doc>> {
    tokio::task::spawn_blocking(move || {
        list.into_iter()
            .filter_map(|m| {
                let tokens = message_tokens(&m.text, m.name.as_deref());
                (!tokens.is_empty()).then_some(Doc { position: m.position, conversation: m.conversation, tokens })
            })
            .collect()
    })
    .await
    .map_err(|e| crate::StoreError::Corrupt(format!("indexer: {e}")))
}

impl Store {
    /// The indexer's cursor: every message at or below it is indexed (unless recalled).
    pub async fn search_cursor(&self) -> Result<i64> {
        let r = db::query("SELECT position FROM search_cursor WHERE id = 1").fetch_one(&self.pool).await?;
        int(&r, "position")
    }

    /// One step of the indexer: the next (at most) `batch` committed messages after the
    /// cursor. Reading and tokenizing happen before the write transaction, which then
    /// only inserts, deletes and moves the cursor — and moves it only from where this
    /// step read it, so two indexers at once (nodes on one PostgreSQL database) never
    /// write a batch twice: the later one finds the cursor moved and writes nothing.
    pub async fn index_messages(&self, batch: usize) -> Result<IndexStep> {
        let batch = batch.max(1);
        let started = std::time::Instant::now();
        let cursor = self.search_cursor().await?;
        // Read the last committed position first: every message up to it is visible.
        let last = self.last_position().await?;
        if cursor >= last {
            return Ok(IndexStep { cursor, caught_up: true, ..Default::default() });
        }
        let rows = db::query(
            "SELECT position, conversation_id, kind, text, attachment, recalled_at FROM messages \
             WHERE position > $1 AND position <= $2 ORDER BY position LIMIT $3",
        )
        .bind(cursor)
        .bind(last)
        .bind(batch as i64)
        .fetch_all(&self.pool)
        .await?;
        let until = match rows.last() {
            Some(r) if rows.len() == batch => int(r, "position")?,
            _ => last,
        };
        let mut list = Vec::with_capacity(rows.len());
        for r in &rows {
            list.extend(raw(r)?);
        }
        drop(rows);
        let docs = tokenize(list).await?;
        let removed = self.recalled_before(cursor, until).await?;

        let read = started.elapsed();
        let turn_guard = self.write_turn().await;
        let turn = started.elapsed();
        let mut tx = self.begin().await?;
        let written = self.index_statements(&mut tx, cursor, until, &docs, &removed).await?;
        match written {
            Some(_) => tx.commit().await?,
            None => tx.rollback().await?,
        }
        drop(turn_guard);
        let write = started.elapsed() - turn;
        let Some(dropped) = written else {
            let now_at = self.search_cursor().await?;
            return Ok(IndexStep { cursor: now_at, lost_race: true, write, ..Default::default() });
        };
        metrics::histogram!("campuslink_search_index_write_seconds").record(write.as_secs_f64());
        metrics::counter!("campuslink_search_indexed_total").increment(docs.len() as u64);
        metrics::gauge!("campuslink_search_cursor").set(until as f64);
        tracing::debug!(
            indexed = docs.len(),
            removed = dropped,
            read_ms = read.as_secs_f64() * 1e3,
            wait_ms = (turn - read).as_secs_f64() * 1e3,
            write_ms = write.as_secs_f64() * 1e3,
            "search index step"
        );
        Ok(IndexStep {
            indexed: docs.len(),
            removed: dropped,
            cursor: until,
            caught_up: until >= last,
            lost_race: false,
            write,
        })
    }

    /// The statements of one indexer step's transaction: the tokens in, the recalled
    /// rows out, the cursor moved from `cursor` to `until`; `None` (nothing written, to be
    /// rolled back) when the cursor was no longer at `cursor`.
    async fn index_statements(
        &self,
        tx: &mut db::Tx,
        cursor: i64,
        until: i64,
        docs: &[Doc],
        removed: &[i64],
    ) -> Result<Option<usize>> {
        let lock = match self.dialect {
            Dialect::Sqlite => "SELECT position FROM search_cursor WHERE id = 1",
            Dialect::Postgres => "SELECT position FROM search_cursor WHERE id = 1 FOR UPDATE",
        };
        if int(&db::query(lock).fetch_one(&mut *tx).await?, "position")? != cursor {
            return Ok(None);
        }
        for chunk in docs.chunks(500) {
            let q = match self.dialect {
                Dialect::Sqlite => {
                    let mut q = dynq(format!(
                        "INSERT INTO message_search (rowid, tokens) VALUES {}",
                        crate::sql::values(Dialect::Sqlite, 2, chunk.len())
                    ));
                    for d in chunk {
                        let mut line = d.tokens.join(" ");
                        line.push(' ');
                        line.push_str(&conversation_token(d.conversation));
                        q = q.bind(d.position).bind(line);
                    }
                    q
                }
                Dialect::Postgres => {
                    let rows: Vec<String> = (0..chunk.len())
                        .map(|i| format!("(${}, ${}, array_to_tsvector(${}::text[]))", 3 * i + 1, 3 * i + 2, 3 * i + 3))
                        .collect();
                    let mut q = dynq(format!(
                        "INSERT INTO message_search (position, conversation_id, tokens) VALUES {} \
                         ON CONFLICT (position) DO NOTHING",
                        rows.join(", ")
                    ));
                    for d in chunk {
                        q = q.bind(d.position).bind(d.conversation.to_string()).bind(d.tokens.clone());
                    }
                    q
                }
            };
            q.execute(&mut *tx).await?;
        }
        let mut dropped = 0;
        for chunk in removed.chunks(500) {
            let key = match self.dialect {
                Dialect::Sqlite => "rowid",
                Dialect::Postgres => "position",
            };
            let mut q = dynq(format!("DELETE FROM message_search WHERE {key} IN ({})", placeholders(1, chunk.len())));
            for p in chunk {
                q = q.bind(*p);
            }
            dropped += q.execute(&mut *tx).await? as usize;
        }
        db::query("UPDATE search_cursor SET position = $1 WHERE id = 1").bind(until).execute(&mut *tx).await?;
        Ok(Some(dropped))
    }

    /// On SQLite, copies what the write-ahead log holds into the database, without
    /// waiting for anyone (PASSIVE: the writer's commits go on meanwhile), on a read
    /// connection. The writer calls it beside its commits and the indexer now and then,
    /// so that the commit that finds the log past its limit and checkpoints it is rarely
    /// a send's. Nothing on PostgreSQL.
    pub async fn checkpoint(&self) -> Result<()> {
        if self.dialect == Dialect::Sqlite {
            db::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&self.pool).await?;
        }
        Ok(())
    }

    /// Positions of the messages recalled in `(after, until]` of the log that the index
    /// may hold (indexed at or before `after`; a later one is read recalled, and skipped).
    async fn recalled_before(&self, after: i64, until: i64) -> Result<Vec<i64>> {
        let rows =
            db::query("SELECT data FROM events WHERE kind = 'message_recalled' AND position > $1 AND position <= $2")
                .bind(after)
                .bind(until)
                .fetch_all(&self.pool)
                .await?;
        let mut ids = Vec::with_capacity(rows.len());
        for r in &rows {
            let data: serde_json::Value = serde_json::from_str(&text(r, "data")?)
                .map_err(|e| crate::StoreError::Corrupt(format!("message_recalled event: {e}")))?;
            if let Some(m) = data["message_id"].as_str().and_then(|s| s.parse::<MessageId>().ok()) {
                ids.push(m);
            }
        }
        Ok(self.messages_by_id(&ids).await?.into_iter().map(|m| m.position).filter(|p| *p <= after).collect())
    }

    /// The index's tokens that start with `prefix` (SQLite), at most one more than
    /// `COMPLETIONS_MAX`.
    async fn completions(&self, prefix: &str) -> Result<Vec<String>> {
        let rows =
            db::query("SELECT term FROM message_search_terms WHERE term >= $1 AND term < $2 ORDER BY term LIMIT $3")
                .bind(prefix)
                .bind(domain::search::prefix_upper_bound(prefix))
                .bind(COMPLETIONS_MAX as i64 + 1)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|r| text(r, "term")).collect()
    }

    /// The conversations `member` is in now, with the position each of their windows
    /// starts after.
    pub async fn current_conversations(&self, member: MemberId) -> Result<Vec<(ConversationId, i64)>> {
        let rows = db::query(
            "SELECT conversation_id, joined_position FROM conversation_members WHERE member_id = $1 AND left_position IS NULL",
        )
        .bind(member.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((id(r, "conversation_id")?, int(r, "joined_position")?))).collect()
    }

    /// The messages matching every term, newest first, at most `limit`, and whether
    /// there are more: only in `conversations`, and only what the caller may find
    /// (`domain::search::findable`, with their memberships read in the same statement).
    pub async fn search_messages(&self, s: &MessageSearch<'_>) -> Result<(Vec<Message>, bool)> {
        if s.terms.is_empty() || s.conversations.is_empty() || s.limit < 1 {
            return Ok((Vec::new(), false));
        }
        let before = s.before.unwrap_or(i64::MAX);
        let mut fts_terms = Vec::with_capacity(s.terms.len());
        if self.dialect == Dialect::Sqlite {
            for t in s.terms {
                let completions = if completes(t) { Some(self.completions(&t.text).await?) } else { None };
                match completions {
                    Some(list) if list.is_empty() => return Ok((Vec::new(), false)),
                    Some(list) if list.len() <= COMPLETIONS_MAX => fts_terms.push(fts_term(t, Some(&list))),
                    _ => fts_terms.push(fts_term(t, None)),
                }
            }
        }
        let q = match self.dialect {
            // FTS5 is the outer loop (CROSS JOIN keeps it there) and walks the index
            // newest first (ORDER BY rowid DESC is its own order), so the LIMIT stops it.
            Dialect::Sqlite => dynq(format!(
                "SELECT {MESSAGE_COLS} FROM message_search CROSS JOIN messages m CROSS JOIN conversation_members cm \
                 WHERE message_search MATCH $1 AND message_search.rowid < $2 AND m.position = message_search.rowid \
                   AND cm.conversation_id = m.conversation_id AND cm.member_id = $3 AND cm.left_position IS NULL \
                   AND m.position > cm.joined_position AND m.recalled_at IS NULL \
                 ORDER BY message_search.rowid DESC LIMIT $4"
            ))
            .bind(fts_match(&fts_terms, s.conversations))
            .bind(before)
            .bind(s.member.to_string())
            .bind(s.limit + 1),
            Dialect::Postgres => dynq(format!(
                "SELECT {MESSAGE_COLS} FROM message_search s JOIN messages m ON m.position = s.position \
                 JOIN conversation_members cm ON cm.conversation_id = s.conversation_id AND cm.member_id = $3 \
                 WHERE s.tokens @@ $1::tsquery AND s.position < $2 AND s.conversation_id = ANY($5) \
                   AND cm.left_position IS NULL AND s.position > cm.joined_position AND m.recalled_at IS NULL \
                 ORDER BY s.position DESC LIMIT $4"
            ))
            .bind(ts_query(s.terms))
            .bind(before)
            .bind(s.member.to_string())
            .bind(s.limit + 1)
            .bind(s.conversations.iter().map(|c| c.to_string()).collect::<Vec<_>>()),
        };
        let mut list: Vec<Message> = q.fetch_all(&self.pool).await?.iter().map(message).collect::<Result<_>>()?;
        let more = list.len() as i64 > s.limit;
        list.truncate(s.limit as usize);
        Ok((list, more))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_quote_every_term() {
        let terms = domain::search::message_terms("家長會 reun");
        let c: ConversationId = "0192f0c4-7b0e-7c4e-9a4b-3c2d1e0f9a8b".parse().unwrap();
        let parts: Vec<String> = terms.iter().map(|t| fts_term(t, None)).collect();
        assert_eq!(
            fts_match(&parts, &[c]),
            "(\"reun\"* AND \"家長\" AND \"長會\") AND (\"§c0192f0c47b0e7c4e9a4b3c2d1e0f9a8b\")"
        );
        let completed = ["reuniao".to_owned(), "reunir".to_owned()];
        assert_eq!(fts_term(&terms[0], Some(&completed)), "(\"reuniao\" OR \"reunir\")");
        assert_eq!(fts_term(&terms[1], Some(&completed)), "\"家長\"", "only a prefix is completed");
        assert!(completes(&terms[0]));
        let typed = domain::search::message_terms("reu");
        assert!(typed[0].prefix && !completes(&typed[0]), "a prefix FTS5 indexes is searched as one");
        assert_eq!(ts_query(&terms), "'reun':* & '家長' & '長會'");
        let odd = [Term { text: "a'b\"c".into(), prefix: false }];
        assert_eq!(ts_query(&odd), "'a''b\"c'");
        assert_eq!(fts_match(&[fts_term(&odd[0], None)], &[]), "(\"a'b\"\"c\")");
    }
}
