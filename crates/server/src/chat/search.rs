//! History search (docs/chat.md, "History search"): the action behind
//! `GET /search/messages`, and the indexer that follows the event log.
//!
//! The indexer is a task of its own, off the send path: a send commits and is
//! acknowledged without waiting for it. It wakes whenever the hub has delivered
//! something new (and once at start, catching up from its cursor), lets a burst gather
//! for a moment, then indexes what was committed in short steps (`Store::index_messages`:
//! tokens worked out first, then one brief transaction, sized by `Pace`). Who
//! finds what is `domain::search::findable`, asked of every result.

use super::render::{self, MemberRef, MessageOut};
use super::{load, own_campus};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use domain::chat::Kind;
use domain::search::{QUERY_MAX, findable, message_terms};
use domain::{ConversationId, Invalid, MemberId};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use store::MessageSearch;

/// How long one index transaction should take: a send that arrives meanwhile waits for
/// it (on SQLite, where there is one writer at a time), about as long as for one more
/// group commit of the writer's.
const TARGET_WRITE: Duration = Duration::from_millis(2);
/// Messages per index transaction, at most and at least; `Pace` moves between them.
const BATCH_MAX: usize = 1000;
const BATCH_MIN: usize = 20;

/// How long the indexer lets a burst gather after it is woken, so a stream of sends
/// becomes a few index transactions instead of one per send.
const GATHER: Duration = Duration::from_millis(100);

/// Most results on one page, and the default.
pub const LIMIT_MAX: i64 = 50;
pub const LIMIT_DEFAULT: i64 = 20;

/// What a search asks.
pub struct SearchInput {
    pub q: String,
    pub conversation_id: Option<ConversationId>,
    pub before: Option<i64>,
    pub limit: i64,
}

/// A found message's conversation, as a result line names it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ConversationRef {
    #[schema(value_type = uuid::Uuid)]
    pub id: ConversationId,
    #[schema(value_type = crate::wire::ConversationKind)]
    pub kind: Kind,
    /// "" for a direct chat: the app shows the peer's name.
    pub name: String,
    /// The other person of a direct chat.
    #[schema(value_type = Option<MemberRef>, required = true)]
    pub peer: Option<Arc<MemberRef>>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    pub message: MessageOut,
    pub conversation: ConversationRef,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SearchOut {
    /// Newest first.
    pub results: Vec<SearchHit>,
    /// More, older, with `before` = the last result's position.
    pub has_more: bool,
    /// The query as the terms it was matched by (folded: lowercase, no accents; CJK
    /// characters and pairs), for the app to mark them in the results.
    pub terms: Vec<String>,
}

/// `GET /search/messages`: the messages the caller may find that hold every term of
/// `q`, newest first — in all the conversations they are in now, or in one of them.
pub async fn search(state: &AppState, caller: &Caller, input: SearchInput) -> ApiResult<SearchOut> {
    own_campus(caller)?;
    if input.q.chars().count() > QUERY_MAX {
        return Err(ApiError::field("q", Invalid::TooLong));
    }
    let terms = message_terms(&input.q);
    if terms.is_empty() {
        return Err(ApiError::field("q", Invalid::Required));
    }
    let mine: HashMap<ConversationId, i64> =
        state.store.current_conversations(caller.member.id).await?.into_iter().collect();
    let conversations: Vec<ConversationId> = match input.conversation_id {
        // One they were never in is not there for them; one they left has nothing to find.
        Some(c) => {
            load(state, caller, c).await?;
            mine.contains_key(&c).then_some(c).into_iter().collect()
        }
        None => mine.keys().copied().collect(),
    };
    let query = MessageSearch {
        member: caller.member.id,
        conversations: &conversations,
        terms: &terms,
        before: input.before,
        limit: input.limit,
    };
    let (found, has_more) = state.store.search_messages(&query).await?;
    // The statement applied the rule already; ask the rule itself of every result.
    let found: Vec<store::Message> = found
        .into_iter()
        .filter(|m| {
            let ok = mine
                .get(&m.conversation_id)
                .is_some_and(|joined| findable(*joined, None, m.position, m.recalled_at.is_some()));
            if !ok {
                tracing::error!(position = m.position, "search: a result the rule refuses was dropped");
            }
            ok
        })
        .collect();
    let list: Vec<&store::Message> = found.iter().collect();
    let messages = render::messages(&state.store, &state.hub.refs, &list).await?;
    let mut ids: Vec<ConversationId> = found.iter().map(|m| m.conversation_id).collect();
    ids.sort();
    ids.dedup();
    let mut conversations: HashMap<ConversationId, (Arc<crate::live::ConversationFacts>, Option<MemberId>)> =
        HashMap::with_capacity(ids.len());
    for c in ids {
        let facts = state.hub.memberships.get(&state.store, c).await?;
        let peer = match facts.conversation.kind {
            Kind::Direct => facts.members.iter().map(|x| x.member_id).find(|x| *x != caller.member.id),
            Kind::Group => None,
        };
        conversations.insert(c, (facts, peer));
    }
    let peers: Vec<MemberId> = conversations.values().filter_map(|(_, p)| *p).collect();
    let people = state.hub.refs.many(&state.store, &peers).await?;
    let results = messages
        .into_iter()
        .filter_map(|message| {
            let (facts, peer) = conversations.get(&message.conversation_id)?;
            let c = &facts.conversation;
            let peer = peer.and_then(|p| people.get(&p).cloned());
            let conversation = ConversationRef { id: c.id, kind: c.kind, name: c.name.clone(), peer };
            Some(SearchHit { message, conversation })
        })
        .collect();
    Ok(SearchOut { results, has_more, terms: terms.into_iter().map(|t| t.text).collect() })
}

/// How many messages the indexer writes per transaction: halved when one took more
/// than twice `TARGET_WRITE`, doubled when one took less than half, so a transaction
/// takes about that long on whatever machine and database it runs.
#[derive(Clone, Copy, Debug)]
pub struct Pace {
    batch: usize,
}

impl Default for Pace {
    fn default() -> Self {
        Pace { batch: 100 }
    }
}

impl Pace {
    fn after(&mut self, step: &store::IndexStep) {
        if step.indexed + step.removed == 0 {
            return;
        }
        if step.write > TARGET_WRITE * 2 {
            self.batch = (self.batch / 2).max(BATCH_MIN);
        } else if step.write < TARGET_WRITE / 2 && step.indexed >= self.batch / 2 {
            self.batch = (self.batch * 2).min(BATCH_MAX);
        }
    }
}

/// Indexes everything committed before the call; returns the cursor, which is then at
/// or past the last position committed when it was called. The indexer task calls it
/// when woken; tests call it to search deterministically.
pub async fn index_pending(state: &AppState) -> store::Result<i64> {
    index_paced(state, &mut Pace::default()).await
}

/// Longest rest between two steps while catching up.
const REST_MAX: Duration = Duration::from_millis(50);

/// Index steps between two checkpoints of SQLite's log (`Store::checkpoint`) while
/// catching up; following the sends, the index writes little and SQLite's own
/// checkpoints do.
const CHECKPOINT_EVERY: usize = 8;

async fn index_paced(state: &AppState, pace: &mut Pace) -> store::Result<i64> {
    let target = state.store.last_position().await?;
    let mut steps = 0;
    let mut sends = state.hub.delivered();
    loop {
        let started = std::time::Instant::now();
        let step = state.store.index_messages(pace.batch).await?;
        pace.after(&step);
        steps += 1;
        if steps % CHECKPOINT_EVERY == 0 {
            state.store.checkpoint().await?;
        }
        state.indexed.send_if_modified(|at| {
            let moved = step.cursor > *at;
            *at = (*at).max(step.cursor);
            moved
        });
        if step.cursor >= target {
            return Ok(step.cursor);
        }
        // Catching up, it rests as long as it worked (half of one core at most), or three
        // times as long while messages are being sent (a quarter): sends and searches
        // meanwhile find the machine, and the writer's turn, about as free as ever.
        let busy = sends.has_changed().unwrap_or(false);
        sends.mark_unchanged();
        let rest = started.elapsed() * if busy { 3 } else { 1 };
        tokio::time::sleep(rest.min(REST_MAX)).await;
    }
}

/// The indexer: follows the hub's delivered position. Never stops on an error: it
/// logs, waits and goes on from its cursor.
pub async fn follow(state: AppState) {
    let mut delivered = state.hub.delivered();
    let mut pace = Pace::default();
    loop {
        if let Err(e) = index_paced(&state, &mut pace).await {
            tracing::warn!(error = %e, "search indexer: cannot index now; trying again");
            tokio::time::sleep(Duration::from_secs(2)).await;
            continue;
        }
        if delivered.changed().await.is_err() {
            return;
        }
        tokio::time::sleep(GATHER).await;
    }
}
