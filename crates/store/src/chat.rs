//! Conversations in the database: direct chats and groups, their members' windows and
//! read positions, and messages. Each message is one row plus its event in the log;
//! recipients are found from the conversation's members at delivery, never written
//! per recipient. Every change writes its events in the same transaction.

use crate::attachments::AttachmentMeta;
use crate::db::{self, Row, Tx};
use crate::events::{self, Audience, Event, NewEvent, Positions};
use crate::sql::{self, dynq, dynq_bound, id, int, opt_id, opt_int, opt_text, placeholders, text};
use crate::writer::{WriteOp, WriteOutcome};
use crate::{Dialect, Result, Store, StoreError};
use domain::access::Target;
use domain::chat::Kind;
use domain::{CampusId, ConversationId, DepartmentId, InterconnectionId, MemberId, MessageId};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversation {
    pub id: ConversationId,
    pub kind: Kind,
    pub name: String,
    pub home_campus_id: CampusId,
    pub owner_id: Option<MemberId>,
    pub created_by: MemberId,
    pub created_at: i64,
    pub dissolved_at: Option<i64>,
    /// The group announcement (群公告), "" when there is none.
    pub announcement: String,
    pub announcement_at: Option<i64>,
    pub announcement_by: Option<MemberId>,
}

/// One member's place in a conversation: they see its events in
/// `(joined_position, left_position]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Membership {
    pub member_id: MemberId,
    pub owner: bool,
    pub joined_position: i64,
    pub left_position: Option<i64>,
    pub read_position: i64,
    /// The member's own settings for the conversation.
    pub pinned_at: Option<i64>,
    pub muted: bool,
    pub marked_unread: bool,
    /// The time of the announcement the member has seen (0: none).
    pub announcement_seen: i64,
}

impl Membership {
    pub fn current(&self) -> bool {
        self.left_position.is_none()
    }
    /// Whether this member reads the conversation's event at `position`.
    pub fn sees(&self, position: i64) -> bool {
        position > self.joined_position && self.left_position.is_none_or(|l| position <= l)
    }
}

/// What a system message says happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemNote {
    /// "created" | "added" | "removed" | "left" | "renamed" | "owner_changed" |
    /// "dissolved" | "campus_disconnected" | "announcement" | "announcement_cleared" |
    /// "call" | "meeting"
    pub action: String,
    pub actor: Option<MemberId>,
    #[serde(default)]
    pub members: Vec<MemberId>,
    #[serde(default)]
    pub name: String,
    /// A call's record (`call`) or a meeting's join card (`meeting`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<CallNote>,
}

/// What the record of a call says: which call, with video or not, how it ended, and
/// how long it lasted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallNote {
    pub id: domain::CallId,
    pub video: bool,
    pub outcome: domain::call::Outcome,
    pub seconds: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub position: i64,
    pub sender_id: Option<MemberId>,
    pub client_id: Option<String>,
    pub text: String,
    pub mentions: Vec<MemberId>,
    pub mention_all: bool,
    pub reply_to: Option<MessageId>,
    pub system: Option<SystemNote>,
    pub attachment: Option<AttachmentMeta>,
    pub reactions: Vec<Reaction>,
    pub forwarded: Option<Forwarded>,
    pub created_at: i64,
    pub recalled_at: Option<i64>,
}

/// One emoji on a message and who put it there, first reaction first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reaction {
    pub emoji: String,
    /// Named as the API names it: the `reaction` event carries this summary as it is.
    #[serde(rename = "member_ids")]
    pub members: Vec<MemberId>,
}

/// Where a forwarded copy came from: its original sender, when they may be named to
/// the conversation it went to (`domain::chat::forward_names_sender`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forwarded {
    pub sender: Option<MemberId>,
}

/// A member's own settings for a conversation; `None` leaves one as it is.
#[derive(Clone, Copy, Debug, Default)]
pub struct Prefs {
    pub pinned: Option<bool>,
    pub muted: Option<bool>,
    pub marked_unread: Option<bool>,
}

/// A text message to send.
#[derive(Clone, Debug)]
pub struct NewText {
    pub conversation_id: ConversationId,
    pub sender: MemberId,
    pub client_id: String,
    pub text: String,
    pub mentions: Vec<MemberId>,
    pub mention_all: bool,
    pub reply_to: Option<MessageId>,
    /// An upload of the sender's to this conversation, not sent yet (checked before
    /// the writer; the writer claims it).
    pub attachment: Option<AttachmentMeta>,
    pub forwarded: Option<Forwarded>,
}

/// What a committed change hands to the hub: its events in position order, and for
/// message events the message.
#[derive(Clone, Debug, Default)]
pub struct Committed {
    pub events: Vec<Published>,
}

#[derive(Clone, Debug)]
pub struct Published {
    pub event: Event,
    pub message: Option<Arc<Message>>,
}

/// A conversation as one member sees it in their list.
#[derive(Clone, Debug)]
pub struct ConversationRow {
    pub conversation: Conversation,
    pub me: Membership,
    pub member_count: i64,
    /// The other person of a direct chat.
    pub peer: Option<MemberId>,
    pub last_message: Option<Message>,
    pub unread: i64,
}

pub(crate) const MESSAGE_COLS: &str = "m.id, m.conversation_id, m.position, m.sender_id, m.client_id, m.text, m.mentions, \
     m.mention_all, m.reply_to, m.system, m.attachment, m.reactions, m.forwarded, m.created_at, m.recalled_at";
const CONVERSATION_COLS: &str = "c.id, c.kind, c.name, c.home_campus_id, c.owner_id, c.created_by, c.created_at, \
     c.dissolved_at, c.announcement, c.announcement_at, c.announcement_by";
/// What makes message `m` unread for the member of `cm` (a `conversation_members` row)
/// once it is above their read position, which each query bounds itself (so that the
/// bound is the one its index range starts at): inside their window, someone else's,
/// a text (not a system message), not recalled. The list's unread counts and the
/// e-mail digest count with this one condition.
pub(crate) fn unread_above(m: &str, cm: &str) -> String {
    format!(
        "({cm}.left_position IS NULL OR {m}.position <= {cm}.left_position) \
         AND ({m}.sender_id IS NULL OR {m}.sender_id <> {cm}.member_id) AND {m}.system IS NULL AND {m}.recalled_at IS NULL"
    )
}

/// A member's place, from `conversation_members cm`.
pub(crate) const MEMBERSHIP_COLS: &str = "cm.member_id, cm.role, cm.joined_position, cm.left_position, cm.read_position, \
     cm.pinned_at, cm.muted, cm.marked_unread, cm.announcement_seen";

fn conversation(r: &Row) -> Result<Conversation> {
    let kind = text(r, "kind")?;
    Ok(Conversation {
        id: id(r, "id")?,
        kind: Kind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("conversation kind {kind:?}")))?,
        name: text(r, "name")?,
        home_campus_id: id(r, "home_campus_id")?,
        owner_id: opt_id(r, "owner_id")?,
        created_by: id(r, "created_by")?,
        created_at: int(r, "created_at")?,
        dissolved_at: opt_int(r, "dissolved_at")?,
        announcement: text(r, "announcement")?,
        announcement_at: opt_int(r, "announcement_at")?,
        announcement_by: opt_id(r, "announcement_by")?,
    })
}

pub(crate) fn membership(r: &Row) -> Result<Membership> {
    Ok(Membership {
        member_id: id(r, "member_id")?,
        owner: text(r, "role")? == "owner",
        joined_position: int(r, "joined_position")?,
        left_position: opt_int(r, "left_position")?,
        read_position: int(r, "read_position")?,
        pinned_at: opt_int(r, "pinned_at")?,
        muted: int(r, "muted")? != 0,
        marked_unread: int(r, "marked_unread")? != 0,
        announcement_seen: int(r, "announcement_seen")?,
    })
}

/// A JSON column, or `None` when NULL.
fn json_col<T: serde::de::DeserializeOwned>(r: &Row, col: &str) -> Result<Option<T>> {
    match opt_text(r, col)? {
        None => Ok(None),
        Some(s) => serde_json::from_str(&s).map(Some).map_err(|e| StoreError::Corrupt(format!("{col}: {e}"))),
    }
}

pub(crate) fn message(r: &Row) -> Result<Message> {
    let mentions: Vec<MemberId> = serde_json::from_str(&text(r, "mentions")?)
        .map_err(|e| StoreError::Corrupt(format!("message mentions: {e}")))?;
    let system = match opt_text(r, "system")? {
        None => None,
        Some(s) => Some(serde_json::from_str(&s).map_err(|e| StoreError::Corrupt(format!("system note: {e}")))?),
    };
    let attachment = json_col(r, "attachment")?;
    Ok(Message {
        id: id(r, "id")?,
        conversation_id: id(r, "conversation_id")?,
        position: int(r, "position")?,
        sender_id: opt_id(r, "sender_id")?,
        client_id: opt_text(r, "client_id")?,
        text: text(r, "text")?,
        mentions,
        mention_all: int(r, "mention_all")? != 0,
        reply_to: opt_id(r, "reply_to")?,
        system,
        attachment,
        reactions: json_col(r, "reactions")?.unwrap_or_default(),
        forwarded: json_col(r, "forwarded")?,
        created_at: int(r, "created_at")?,
        recalled_at: opt_int(r, "recalled_at")?,
    })
}

fn json(v: &impl Serialize) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn ids_json(ids: &[MemberId]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())
}

/// A write transaction that appends to the event log: the hub hears of what it
/// committed through `Committed`.
pub(crate) struct LogTx {
    pub tx: Tx,
    pub positions: Positions,
    pub now: i64,
    pub out: Committed,
}

impl LogTx {
    pub(crate) async fn event(
        &mut self,
        store: &Store,
        kind: &'static str,
        audience: Audience,
        data: String,
    ) -> Result<i64> {
        let e = events::append(&mut self.tx, store, &mut self.positions, self.now, &NewEvent { kind, audience, data })
            .await?;
        let p = e.position;
        self.out.events.push(Published { event: e, message: None });
        Ok(p)
    }

    /// Writes a message row and its event at one fresh position.
    async fn message(&mut self, store: &Store, m: MessageDraft) -> Result<Arc<Message>> {
        let position = self.positions.take(&mut self.tx, store).await?;
        let msg = Message {
            id: MessageId::new(),
            conversation_id: m.conversation_id,
            position,
            sender_id: m.sender,
            client_id: m.client_id,
            text: m.text,
            mentions: m.mentions,
            mention_all: m.mention_all,
            reply_to: m.reply_to,
            system: m.system,
            attachment: None,
            reactions: Vec::new(),
            forwarded: None,
            created_at: self.now,
            recalled_at: None,
        };
        let msg = Arc::new(msg);
        insert_messages(&mut self.tx, store.dialect, std::slice::from_ref(&msg)).await?;
        let event = message_event(&msg);
        events::insert(&mut self.tx, store.dialect, std::slice::from_ref(&event)).await?;
        self.out.events.push(Published { event, message: Some(msg.clone()) });
        Ok(msg)
    }
    pub(crate) async fn system(
        &mut self,
        store: &Store,
        conversation: ConversationId,
        note: SystemNote,
    ) -> Result<Arc<Message>> {
        self.message(
            store,
            MessageDraft {
                conversation_id: conversation,
                sender: None,
                client_id: None,
                text: String::new(),
                mentions: Vec::new(),
                mention_all: false,
                reply_to: None,
                system: Some(note),
            },
        )
        .await
    }

    pub(crate) async fn commit(mut self, store: &Store) -> Result<Committed> {
        if !self.out.events.is_empty() {
            store.tell_nodes(&mut self.tx, crate::bus::EVENTS).await?;
        }
        self.tx.commit().await?;
        Ok(self.out)
    }
}

struct MessageDraft {
    conversation_id: ConversationId,
    sender: Option<MemberId>,
    client_id: Option<String>,
    text: String,
    mentions: Vec<MemberId>,
    mention_all: bool,
    reply_to: Option<MessageId>,
    system: Option<SystemNote>,
}

fn conversation_event(id: ConversationId) -> String {
    serde_json::json!({ "conversation_id": id }).to_string()
}

/// Adds `member` at `joined` (after a left window: rejoins, reading from now on).
async fn join(tx: &mut Tx, c: ConversationId, member: MemberId, owner: bool, joined: i64) -> Result<()> {
    let role = if owner { "owner" } else { "member" };
    let done = db::query(
        "UPDATE conversation_members SET role = $1, joined_position = $2, left_position = NULL, read_position = $2 \
         WHERE conversation_id = $3 AND member_id = $4 AND left_position IS NOT NULL",
    )
    .bind(role)
    .bind(joined)
    .bind(c.to_string())
    .bind(member.to_string())
    .execute(&mut *tx)
    .await?;
    if done == 0 {
        db::query(
            "INSERT INTO conversation_members (conversation_id, member_id, role, joined_position, read_position) VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(c.to_string())
        .bind(member.to_string())
        .bind(role)
        .bind(joined)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

impl Store {
    pub(crate) async fn log_tx(&self) -> Result<LogTx> {
        Ok(LogTx {
            tx: self.begin().await?,
            positions: Positions::default(),
            now: self.now(),
            out: Committed::default(),
        })
    }

    // ---- facts for the rules ------------------------------------------------------

    /// What the reach rule needs about each of `ids` (missing ids are left out). The
    /// exposure of members of `viewer_campus` is not needed and not loaded.
    pub async fn targets(&self, ids: &[MemberId], viewer_campus: Option<CampusId>) -> Result<Vec<Target>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut targets = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let sql =
                format!("SELECT id, campus_id, status FROM members WHERE id IN ({})", placeholders(1, chunk.len()));
            let q = dynq_bound(sql, chunk);
            for r in q.fetch_all(&self.pool).await? {
                targets.push(Target {
                    id: id(&r, "id")?,
                    campus: opt_id(&r, "campus_id")?,
                    active: text(&r, "status")? == "active",
                    exposed_in: Vec::new(),
                });
            }
        }
        let others: Vec<MemberId> =
            targets.iter().filter(|t| t.campus.is_some() && t.campus != viewer_campus).map(|t| t.id).collect();
        if others.is_empty() {
            return Ok(targets);
        }
        let campuses: HashSet<CampusId> =
            targets.iter().filter(|t| others.contains(&t.id)).filter_map(|t| t.campus).collect();
        let exposure = self.exposure_of(&campuses.into_iter().collect::<Vec<_>>(), &others).await?;
        for t in &mut targets {
            if let Some(list) = exposure.get(&t.id) {
                t.exposed_in = list.clone();
            }
        }
        Ok(targets)
    }

    /// For members of `campuses`, the live interconnections whose external directory
    /// they are in (by a department, with its sub-departments, or by name).
    async fn exposure_of(
        &self,
        campuses: &[CampusId],
        members: &[MemberId],
    ) -> Result<HashMap<MemberId, Vec<InterconnectionId>>> {
        let sql = format!(
            "SELECT ed.interconnection_id, ed.campus_id, ed.department_id FROM exposed_departments ed \
             JOIN interconnection_campuses ic ON ic.interconnection_id = ed.interconnection_id AND ic.campus_id = ed.campus_id \
             JOIN interconnections i ON i.id = ed.interconnection_id \
             WHERE ed.campus_id IN ({}) AND ic.removed_at IS NULL AND i.dissolved_at IS NULL",
            placeholders(1, campuses.len())
        );
        let q = dynq_bound(sql, campuses);
        let mut roots: HashMap<CampusId, Vec<(InterconnectionId, DepartmentId)>> = HashMap::new();
        for r in q.fetch_all(&self.pool).await? {
            roots
                .entry(id(&r, "campus_id")?)
                .or_default()
                .push((id(&r, "interconnection_id")?, id(&r, "department_id")?));
        }
        let mut out: HashMap<MemberId, Vec<InterconnectionId>> = HashMap::new();
        let mut covered: HashMap<DepartmentId, HashSet<InterconnectionId>> = HashMap::new();
        if !roots.is_empty() {
            let sql =
                format!("SELECT id, parent_id FROM departments WHERE campus_id IN ({})", placeholders(1, roots.len()));
            let q = dynq_bound(sql, roots.keys());
            let parents: HashMap<DepartmentId, Option<DepartmentId>> = q
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| Ok((id(r, "id")?, opt_id(r, "parent_id")?)))
                .collect::<Result<_>>()?;
            for (ic, root) in roots.values().flatten() {
                for d in domain::tree::subtree(&parents, *root) {
                    covered.entry(d).or_default().insert(*ic);
                }
            }
        }
        for chunk in members.chunks(400) {
            if !covered.is_empty() {
                let sql = format!(
                    "SELECT member_id, department_id FROM member_departments WHERE member_id IN ({})",
                    placeholders(1, chunk.len())
                );
                let q = dynq_bound(sql, chunk);
                for r in q.fetch_all(&self.pool).await? {
                    let d: DepartmentId = id(&r, "department_id")?;
                    if let Some(ics) = covered.get(&d) {
                        let list = out.entry(id(&r, "member_id")?).or_default();
                        list.extend(ics.iter().copied().filter(|i| !list.contains(i)).collect::<Vec<_>>());
                    }
                }
            }
            let sql = format!(
                "SELECT em.member_id, em.interconnection_id FROM exposed_members em \
                 JOIN interconnection_campuses ic ON ic.interconnection_id = em.interconnection_id AND ic.campus_id = em.campus_id \
                 JOIN interconnections i ON i.id = em.interconnection_id \
                 WHERE em.member_id IN ({}) AND ic.removed_at IS NULL AND i.dissolved_at IS NULL",
                placeholders(1, chunk.len())
            );
            let q = dynq_bound(sql, chunk);
            for r in q.fetch_all(&self.pool).await? {
                let ic: InterconnectionId = id(&r, "interconnection_id")?;
                let list = out.entry(id(&r, "member_id")?).or_default();
                if !list.contains(&ic) {
                    list.push(ic);
                }
            }
        }
        Ok(out)
    }

    /// The campuses that share a live, published interconnection with `campus`.
    pub async fn connected_to(&self, campus: CampusId) -> Result<Vec<CampusId>> {
        connected(&self.pool, campus).await
    }

    /// `connected_to`, inside a transaction.
    pub(crate) async fn connected_to_in(&self, tx: &mut Tx, campus: CampusId) -> Result<Vec<CampusId>> {
        connected(tx, campus).await
    }
}

async fn connected(on: impl Into<db::On<'_>>, campus: CampusId) -> Result<Vec<CampusId>> {
    {
        let rows = db::query(
            "SELECT DISTINCT o.campus_id FROM interconnection_campuses mine \
             JOIN interconnection_campuses o ON o.interconnection_id = mine.interconnection_id AND o.campus_id <> mine.campus_id \
             JOIN interconnections i ON i.id = mine.interconnection_id \
             WHERE mine.campus_id = $1 AND mine.removed_at IS NULL AND o.removed_at IS NULL \
               AND i.published_at IS NOT NULL AND i.dissolved_at IS NULL",
        )
        .bind(campus.to_string())
        .fetch_all(on)
        .await?;
        rows.iter().map(|r| id(r, "campus_id")).collect()
    }
}

impl Store {
    // ---- reads --------------------------------------------------------------------------

    pub async fn conversation(&self, c: ConversationId) -> Result<Conversation> {
        let row = dynq(format!("SELECT {CONVERSATION_COLS} FROM conversations c WHERE c.id = $1"))
            .bind(c.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        conversation(&row)
    }

    /// Every member a conversation ever had, with their windows.
    pub async fn memberships(&self, c: ConversationId) -> Result<Vec<Membership>> {
        let rows = dynq(format!("SELECT {MEMBERSHIP_COLS} FROM conversation_members cm WHERE cm.conversation_id = $1"))
            .bind(c.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(membership).collect()
    }

    pub async fn membership(&self, c: ConversationId, member: MemberId) -> Result<Option<Membership>> {
        let row = dynq(format!(
            "SELECT {MEMBERSHIP_COLS} FROM conversation_members cm WHERE cm.conversation_id = $1 AND cm.member_id = $2"
        ))
        .bind(c.to_string())
        .bind(member.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(membership).transpose()
    }

    pub async fn direct_between(&self, a: MemberId, b: MemberId) -> Result<Option<Conversation>> {
        let row = dynq(format!("SELECT {CONVERSATION_COLS} FROM conversations c WHERE c.direct_key = $1"))
            .bind(domain::chat::direct_key(a, b))
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(conversation).transpose()
    }

    /// The caller's conversations with what the list shows, most recent first: four
    /// statements however many conversations.
    pub async fn conversations_of(&self, member: MemberId) -> Result<Vec<ConversationRow>> {
        let rows = dynq(format!(
            "SELECT {CONVERSATION_COLS}, {MEMBERSHIP_COLS}, \
               (SELECT COUNT(*) FROM conversation_members x WHERE x.conversation_id = c.id AND x.left_position IS NULL) AS member_count, \
               (SELECT MAX(y.member_id) FROM conversation_members y WHERE y.conversation_id = c.id AND y.member_id <> $1 AND c.kind = 'direct') AS peer, \
               (SELECT MAX(m.position) FROM messages m WHERE m.conversation_id = c.id AND m.position > cm.joined_position \
                  AND (cm.left_position IS NULL OR m.position <= cm.left_position)) AS last_position, \
               (SELECT COUNT(*) FROM messages u WHERE u.conversation_id = c.id AND u.position > cm.read_position \
                  AND {unread}) AS unread \
             FROM conversation_members cm JOIN conversations c ON c.id = cm.conversation_id WHERE cm.member_id = $1",
            unread = unread_above("u", "cm"),
        ))
        .bind(member.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        let mut lasts = Vec::new();
        for r in &rows {
            if let Some(p) = opt_int(r, "last_position")? {
                lasts.push(p);
            }
            out.push((
                opt_int(r, "last_position")?,
                ConversationRow {
                    conversation: conversation(r)?,
                    me: membership(r)?,
                    member_count: int(r, "member_count")?,
                    peer: opt_id(r, "peer")?,
                    last_message: None,
                    unread: int(r, "unread")?,
                },
            ));
        }
        let mut by_position: HashMap<i64, Message> =
            self.messages_at(&lasts).await?.into_iter().map(|m| (m.position, m)).collect();
        let mut list: Vec<(i64, ConversationRow)> = out
            .into_iter()
            .map(|(p, mut row)| {
                row.last_message = p.and_then(|p| by_position.remove(&p));
                (p.unwrap_or(row.me.joined_position), row)
            })
            .collect();
        list.sort_by_key(|r| std::cmp::Reverse(r.0));
        Ok(list.into_iter().map(|(_, r)| r).collect())
    }

    /// What `sender` already sent under each of `client_ids`, by client id.
    pub async fn sent_by(&self, sender: MemberId, client_ids: &[String]) -> Result<HashMap<String, Message>> {
        if client_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT {MESSAGE_COLS} FROM messages m WHERE m.sender_id = $1 AND m.client_id IN ({})",
            placeholders(2, client_ids.len())
        );
        let mut q = dynq(sql).bind(sender.to_string());
        for c in client_ids {
            q = q.bind(c.as_str());
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(|r| message(r).map(|m| (m.client_id.clone().unwrap_or_default(), m))).collect()
    }

    /// Messages at the given positions (for the log's message events and list previews).
    pub async fn messages_at(&self, positions: &[i64]) -> Result<Vec<Message>> {
        let mut out = Vec::with_capacity(positions.len());
        for chunk in positions.chunks(500) {
            let sql =
                format!("SELECT {MESSAGE_COLS} FROM messages m WHERE m.position IN ({})", placeholders(1, chunk.len()));
            let mut q = dynq(sql);
            for p in chunk {
                q = q.bind(*p);
            }
            for r in q.fetch_all(&self.pool).await? {
                out.push(message(&r)?);
            }
        }
        out.sort_by_key(|m| m.position);
        Ok(out)
    }

    pub async fn messages_by_id(&self, ids: &[MessageId]) -> Result<Vec<Message>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!("SELECT {MESSAGE_COLS} FROM messages m WHERE m.id IN ({})", placeholders(1, ids.len()));
        let q = dynq_bound(sql, ids);
        q.fetch_all(&self.pool).await?.iter().map(message).collect()
    }

    /// A page of a conversation's history within `window` (a member's joined/left
    /// positions), oldest first: the `limit` before `before`, or after `after`, or the
    /// latest. Returns the page and whether there is more in that direction.
    pub async fn history(
        &self,
        c: ConversationId,
        window: &Membership,
        before: Option<i64>,
        after: Option<i64>,
        limit: i64,
    ) -> Result<(Vec<Message>, bool)> {
        let upper = window.left_position.unwrap_or(i64::MAX);
        let (cond, order, bound) = match (before, after) {
            (_, Some(a)) => ("m.position > $3", "ASC", a),
            (Some(b), None) => ("m.position < $3", "DESC", b),
            (None, None) => ("m.position < $3", "DESC", i64::MAX),
        };
        let sql = format!(
            "SELECT {MESSAGE_COLS} FROM messages m WHERE m.conversation_id = $1 AND m.position > $2 AND m.position <= $4 AND {cond} \
             ORDER BY m.position {order} LIMIT $5"
        );
        let rows = dynq(sql)
            .bind(c.to_string())
            .bind(window.joined_position)
            .bind(bound)
            .bind(upper)
            .bind(limit + 1)
            .fetch_all(&self.pool)
            .await?;
        let mut list: Vec<Message> = rows.iter().map(message).collect::<Result<_>>()?;
        let more = list.len() as i64 > limit;
        list.truncate(limit as usize);
        list.sort_by_key(|m| m.position);
        Ok((list, more))
    }

    /// A page of a conversation's history within `window` centred on `position` (a
    /// search result to open at), oldest first: up to half of `limit` at or before it and
    /// the rest after it, more of one side when the other runs out. Returns the page and
    /// whether there is more before it and after it.
    pub async fn history_around(
        &self,
        c: ConversationId,
        window: &Membership,
        position: i64,
        limit: i64,
    ) -> Result<(Vec<Message>, bool, bool)> {
        let upper = window.left_position.unwrap_or(i64::MAX);
        let side = |cond: &str, order: &str| {
            dynq(format!(
                "SELECT {MESSAGE_COLS} FROM messages m WHERE m.conversation_id = $1 AND m.position > $2 \
                 AND m.position <= $3 AND {cond} ORDER BY m.position {order} LIMIT $5"
            ))
            .bind(c.to_string())
            .bind(window.joined_position)
            .bind(upper)
            .bind(position)
            .bind(limit + 1)
        };
        let older: Vec<Message> =
            side("m.position <= $4", "DESC").fetch_all(&self.pool).await?.iter().map(message).collect::<Result<_>>()?;
        let newer: Vec<Message> =
            side("m.position > $4", "ASC").fetch_all(&self.pool).await?.iter().map(message).collect::<Result<_>>()?;
        let half = (limit + 1) / 2;
        let take_older = (older.len() as i64).min(half.max(limit - newer.len() as i64));
        let take_newer = (newer.len() as i64).min(limit - take_older);
        let more_before = older.len() as i64 > take_older;
        let more_after = newer.len() as i64 > take_newer;
        let mut list: Vec<Message> = older.into_iter().take(take_older as usize).collect();
        list.reverse();
        list.extend(newer.into_iter().take(take_newer as usize));
        Ok((list, more_before, more_after))
    }

    // ---- changes ------------------------------------------------------------------------

    /// Opens the direct chat of `a` and `b`, creating it the first time. Returns it and
    /// whether it is new.
    pub async fn open_direct(
        &self,
        a: MemberId,
        b: MemberId,
        home: CampusId,
    ) -> Result<(Conversation, bool, Committed)> {
        if let Some(c) = self.direct_between(a, b).await? {
            return Ok((c, false, Committed::default()));
        }
        let mut t = self.log_tx().await?;
        let c = Conversation {
            id: ConversationId::new(),
            kind: Kind::Direct,
            name: String::new(),
            home_campus_id: home,
            owner_id: None,
            created_by: a,
            created_at: t.now,
            dissolved_at: None,
            announcement: String::new(),
            announcement_at: None,
            announcement_by: None,
        };
        let inserted = db::query(
            "INSERT INTO conversations (id, kind, name, home_campus_id, owner_id, direct_key, created_by, created_at) \
             VALUES ($1, 'direct', '', $2, NULL, $3, $4, $5)",
        )
        .bind(c.id.to_string())
        .bind(home.to_string())
        .bind(domain::chat::direct_key(a, b))
        .bind(a.to_string())
        .bind(t.now)
        .execute(&mut t.tx)
        .await;
        if let Err(StoreError::Db(sqlx::Error::Database(d))) = &inserted
            && d.is_unique_violation()
        {
            drop(t);
            let c = self.direct_between(a, b).await?.ok_or(StoreError::NotFound)?;
            return Ok((c, false, Committed::default()));
        }
        inserted?;
        let p = t.event(self, "conversation", Audience::Conversation(c.id), conversation_event(c.id)).await?;
        for m in [a, b] {
            join(&mut t.tx, c.id, m, false, p - 1).await?;
        }
        Ok((c, true, t.commit(self).await?))
    }

    /// Creates a group owned by `creator` with `members` (the creator among them).
    pub async fn create_group(
        &self,
        creator: MemberId,
        home: CampusId,
        name: &str,
        members: &[MemberId],
    ) -> Result<(Conversation, Committed)> {
        let mut t = self.log_tx().await?;
        let c = Conversation {
            id: ConversationId::new(),
            kind: Kind::Group,
            name: name.to_owned(),
            home_campus_id: home,
            owner_id: Some(creator),
            created_by: creator,
            created_at: t.now,
            dissolved_at: None,
            announcement: String::new(),
            announcement_at: None,
            announcement_by: None,
        };
        db::query(
            "INSERT INTO conversations (id, kind, name, home_campus_id, owner_id, direct_key, created_by, created_at) \
             VALUES ($1, 'group', $2, $3, $4, NULL, $4, $5)",
        )
        .bind(c.id.to_string())
        .bind(name)
        .bind(home.to_string())
        .bind(creator.to_string())
        .bind(t.now)
        .execute(&mut t.tx)
        .await?;
        let others: Vec<MemberId> = members.iter().copied().filter(|m| *m != creator).collect();
        let note = SystemNote {
            action: "created".into(),
            actor: Some(creator),
            members: others,
            name: name.to_owned(),
            call: None,
        };
        let msg = t.system(self, c.id, note).await?;
        let mut seen = HashSet::new();
        for m in std::iter::once(creator).chain(members.iter().copied()).filter(|m| seen.insert(*m)) {
            join(&mut t.tx, c.id, m, m == creator, msg.position - 1).await?;
        }
        Ok((c, t.commit(self).await?))
    }

    /// Adds members (already checked by the rules) with a system message they see.
    pub async fn add_members(&self, c: ConversationId, actor: MemberId, members: &[MemberId]) -> Result<Committed> {
        let mut t = self.log_tx().await?;
        let note = SystemNote {
            action: "added".into(),
            actor: Some(actor),
            members: members.to_vec(),
            name: String::new(),
            call: None,
        };
        let msg = t.system(self, c, note).await?;
        for m in members {
            join(&mut t.tx, c, *m, false, msg.position - 1).await?;
        }
        t.event(self, "conversation", Audience::Conversation(c), conversation_event(c)).await?;
        t.commit(self).await
    }

    /// Ends `members`' windows at a system message saying why (`removed`, `left`,
    /// `campus_disconnected`), which they still see; each is told `conversation_left`.
    pub async fn remove_members(
        &self,
        c: ConversationId,
        actor: Option<MemberId>,
        members: &[MemberId],
        action: &str,
    ) -> Result<Committed> {
        let mut t = self.log_tx().await?;
        self.remove_in(&mut t, c, actor, members, action).await?;
        t.commit(self).await
    }

    async fn remove_in(
        &self,
        t: &mut LogTx,
        c: ConversationId,
        actor: Option<MemberId>,
        members: &[MemberId],
        action: &str,
    ) -> Result<()> {
        let note =
            SystemNote { action: action.into(), actor, members: members.to_vec(), name: String::new(), call: None };
        let msg = t.system(self, c, note).await?;
        for m in members {
            db::query(
                "UPDATE conversation_members SET left_position = $1, role = 'member' WHERE conversation_id = $2 AND member_id = $3 AND left_position IS NULL",
            )
            .bind(msg.position)
            .bind(c.to_string())
            .bind(m.to_string())
            .execute(&mut t.tx)
            .await?;
            t.event(self, "conversation_left", Audience::Member(*m), conversation_event(c)).await?;
        }
        t.event(self, "conversation", Audience::Conversation(c), conversation_event(c)).await?;
        Ok(())
    }

    pub async fn rename_group(&self, c: ConversationId, actor: MemberId, name: &str) -> Result<Committed> {
        let mut t = self.log_tx().await?;
        db::query("UPDATE conversations SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(c.to_string())
            .execute(&mut t.tx)
            .await?;
        let note = SystemNote {
            action: "renamed".into(),
            actor: Some(actor),
            members: Vec::new(),
            name: name.to_owned(),
            call: None,
        };
        t.system(self, c, note).await?;
        t.event(self, "conversation", Audience::Conversation(c), conversation_event(c)).await?;
        t.commit(self).await
    }

    pub async fn transfer_owner(&self, c: ConversationId, actor: MemberId, to: MemberId) -> Result<Committed> {
        let mut t = self.log_tx().await?;
        db::query("UPDATE conversations SET owner_id = $1 WHERE id = $2")
            .bind(to.to_string())
            .bind(c.to_string())
            .execute(&mut t.tx)
            .await?;
        for (m, role) in [(actor, "member"), (to, "owner")] {
            db::query("UPDATE conversation_members SET role = $1 WHERE conversation_id = $2 AND member_id = $3")
                .bind(role)
                .bind(c.to_string())
                .bind(m.to_string())
                .execute(&mut t.tx)
                .await?;
        }
        let note = SystemNote {
            action: "owner_changed".into(),
            actor: Some(actor),
            members: vec![to],
            name: String::new(),
            call: None,
        };
        t.system(self, c, note).await?;
        t.event(self, "conversation", Audience::Conversation(c), conversation_event(c)).await?;
        t.commit(self).await
    }

    /// Dissolves a group: a last system message; everyone keeps its history read-only.
    pub async fn dissolve_group(&self, c: ConversationId, actor: MemberId) -> Result<Committed> {
        let mut t = self.log_tx().await?;
        db::query("UPDATE conversations SET dissolved_at = $1 WHERE id = $2 AND dissolved_at IS NULL")
            .bind(t.now)
            .bind(c.to_string())
            .execute(&mut t.tx)
            .await?;
        let note = SystemNote {
            action: "dissolved".into(),
            actor: Some(actor),
            members: Vec::new(),
            name: String::new(),
            call: None,
        };
        t.system(self, c, note).await?;
        t.event(self, "conversation", Audience::Conversation(c), conversation_event(c)).await?;
        t.commit(self).await
    }

    /// Recalls a message: its content is gone for everyone, in history and in the log.
    pub async fn recall(&self, m: &Message) -> Result<Committed> {
        let mut t = self.log_tx().await?;
        let done = db::query(
            "UPDATE messages SET recalled_at = $1, text = '', mentions = '[]', mention_all = 0, attachment = NULL \
             WHERE id = $2 AND recalled_at IS NULL",
        )
        .bind(t.now)
        .bind(m.id.to_string())
        .execute(&mut t.tx)
        .await?;
        if done == 0 {
            return Ok(Committed::default());
        }
        db::query("UPDATE attachments SET removed_at = $1 WHERE message_id = $2 AND removed_at IS NULL")
            .bind(t.now)
            .bind(m.id.to_string())
            .execute(&mut t.tx)
            .await?;
        let data = serde_json::json!({"conversation_id": m.conversation_id, "message_id": m.id}).to_string();
        t.event(self, "message_recalled", Audience::Conversation(m.conversation_id), data).await?;
        t.commit(self).await
    }

    /// Puts (`on`) or takes away one member's reaction on a message, at most
    /// `domain::chat::REACTIONS_PER_MEMBER` different ones each (checked in the same
    /// statement, so two at once cannot pass it). The message's summary is rewritten and
    /// the conversation told. Returns the summary, and nothing to publish if nothing
    /// changed.
    pub async fn react(
        &self,
        m: &Message,
        member: MemberId,
        emoji: &str,
        on: bool,
    ) -> Result<(Vec<Reaction>, Committed)> {
        let mut t = self.log_tx().await?;
        let (mid, who) = (m.id.to_string(), member.to_string());
        let changed = if on {
            let done = db::query(
                "INSERT INTO reactions (message_id, member_id, emoji, created_at) SELECT $1, $2, $3, $4 \
                 WHERE (SELECT COUNT(*) FROM reactions WHERE message_id = $1 AND member_id = $2) < $5 \
                 ON CONFLICT DO NOTHING",
            )
            .bind(mid.as_str())
            .bind(who.as_str())
            .bind(emoji)
            .bind(t.now)
            .bind(domain::chat::REACTIONS_PER_MEMBER as i64)
            .execute(&mut t.tx)
            .await?;
            if done == 0 {
                let there = db::query(
                    "SELECT COUNT(*) AS n FROM reactions WHERE message_id = $1 AND member_id = $2 AND emoji = $3",
                )
                .bind(mid.as_str())
                .bind(who.as_str())
                .bind(emoji)
                .fetch_one(&mut t.tx)
                .await?;
                if int(&there, "n")? == 0 {
                    return Err(StoreError::TooManyReactions);
                }
            }
            done > 0
        } else {
            db::query("DELETE FROM reactions WHERE message_id = $1 AND member_id = $2 AND emoji = $3")
                .bind(mid.as_str())
                .bind(who.as_str())
                .bind(emoji)
                .execute(&mut t.tx)
                .await?
                > 0
        };
        if !changed {
            return Ok((m.reactions.clone(), Committed::default()));
        }
        let rows =
            db::query("SELECT emoji, member_id FROM reactions WHERE message_id = $1 ORDER BY created_at, member_id")
                .bind(mid.as_str())
                .fetch_all(&mut t.tx)
                .await?;
        let mut summary: Vec<Reaction> = Vec::new();
        for r in &rows {
            let (e, who): (String, MemberId) = (text(r, "emoji")?, id(r, "member_id")?);
            match summary.iter_mut().find(|x| x.emoji == e) {
                Some(x) => x.members.push(who),
                None => summary.push(Reaction { emoji: e, members: vec![who] }),
            }
        }
        let stored = if summary.is_empty() { None } else { Some(json(&summary)?) };
        db::query("UPDATE messages SET reactions = $1 WHERE id = $2")
            .bind(stored)
            .bind(mid.as_str())
            .execute(&mut t.tx)
            .await?;
        let data = json(&serde_json::json!({
            "conversation_id": m.conversation_id, "message_id": m.id, "reactions": summary
        }))?;
        t.event(self, "reaction", Audience::Conversation(m.conversation_id), data).await?;
        Ok((summary, t.commit(self).await?))
    }

    /// Changes a member's own settings for a conversation (pin, mute, mark unread); all
    /// their devices are told.
    pub async fn set_prefs(&self, c: ConversationId, member: MemberId, p: Prefs) -> Result<Committed> {
        let mut t = self.log_tx().await?;
        let flag = |v: Option<bool>| v.map(i64::from);
        db::query(
            "UPDATE conversation_members SET \
               pinned_at = CASE WHEN $1 IS NULL THEN pinned_at WHEN $1 = 1 THEN COALESCE(pinned_at, $4) ELSE NULL END, \
               muted = COALESCE($2, muted), marked_unread = COALESCE($3, marked_unread) \
             WHERE conversation_id = $5 AND member_id = $6",
        )
        .bind(flag(p.pinned))
        .bind(flag(p.muted))
        .bind(flag(p.marked_unread))
        .bind(t.now)
        .bind(c.to_string())
        .bind(member.to_string())
        .execute(&mut t.tx)
        .await?;
        t.event(self, "conversation_prefs", Audience::Member(member), conversation_event(c)).await?;
        t.commit(self).await
    }

    /// Sets (or, with "", clears) a group's announcement (群公告), with a system message
    /// everyone sees; its author has seen it.
    pub async fn set_announcement(&self, c: ConversationId, actor: MemberId, text: &str) -> Result<Committed> {
        let mut t = self.log_tx().await?;
        let at = (!text.is_empty()).then_some(t.now);
        db::query(
            "UPDATE conversations SET announcement = $1, announcement_at = $2, announcement_by = $3 WHERE id = $4",
        )
        .bind(text)
        .bind(at)
        .bind(at.map(|_| actor.to_string()))
        .bind(c.to_string())
        .execute(&mut t.tx)
        .await?;
        db::query(
            "UPDATE conversation_members SET announcement_seen = $1 WHERE conversation_id = $2 AND member_id = $3",
        )
        .bind(t.now)
        .bind(c.to_string())
        .bind(actor.to_string())
        .execute(&mut t.tx)
        .await?;
        let action = if text.is_empty() { "announcement_cleared" } else { "announcement" };
        let note = SystemNote {
            action: action.into(),
            actor: Some(actor),
            members: Vec::new(),
            name: text.to_owned(),
            call: None,
        };
        t.system(self, c, note).await?;
        t.event(self, "conversation", Audience::Conversation(c), conversation_event(c)).await?;
        t.commit(self).await
    }

    /// Records that a member has seen the announcement of time `at`.
    pub async fn see_announcement(&self, c: ConversationId, member: MemberId, at: i64) -> Result<Committed> {
        let mut t = self.log_tx().await?;
        let done = db::query(
            "UPDATE conversation_members SET announcement_seen = $1 WHERE conversation_id = $2 AND member_id = $3 \
             AND announcement_seen < $1",
        )
        .bind(at)
        .bind(c.to_string())
        .bind(member.to_string())
        .execute(&mut t.tx)
        .await?;
        if done == 0 {
            return Ok(Committed::default());
        }
        t.event(self, "conversation_prefs", Audience::Member(member), conversation_event(c)).await?;
        t.commit(self).await
    }

    /// Cross-campus groups after a campus leaves an interconnection: in every live group
    /// whose home campus no longer connects to a member's campus, that member is removed
    /// with a system message. `connected(home)` gives the campuses still connected.
    pub async fn disconnect_groups(&self, campuses: &[CampusId]) -> Result<Committed> {
        if campuses.is_empty() {
            return Ok(Committed::default());
        }
        // Groups with current members of these campuses, and those members.
        let sql = format!(
            "SELECT c.id AS conversation_id, c.home_campus_id, m.campus_id, cm.member_id FROM conversation_members cm \
             JOIN conversations c ON c.id = cm.conversation_id JOIN members m ON m.id = cm.member_id \
             WHERE c.kind = 'group' AND c.dissolved_at IS NULL AND cm.left_position IS NULL \
               AND (m.campus_id IN ({p}) OR c.home_campus_id IN ({p}))",
            p = placeholders(1, campuses.len())
        );
        let q = dynq_bound(sql, campuses);
        let rows = q.fetch_all(&self.pool).await?;
        let mut connected: HashMap<CampusId, Vec<CampusId>> = HashMap::new();
        let mut leaving: HashMap<ConversationId, Vec<MemberId>> = HashMap::new();
        for r in &rows {
            let home: CampusId = id(r, "home_campus_id")?;
            let campus: CampusId = id(r, "campus_id")?;
            let linked = match connected.get(&home) {
                Some(l) => l,
                None => {
                    let l = self.connected_to(home).await?;
                    connected.entry(home).or_insert(l)
                }
            };
            if !domain::chat::fits_group(home, linked, campus) {
                leaving.entry(id(r, "conversation_id")?).or_default().push(id(r, "member_id")?);
            }
        }
        if leaving.is_empty() {
            return Ok(Committed::default());
        }
        let mut t = self.log_tx().await?;
        let mut list: Vec<_> = leaving.into_iter().collect();
        list.sort_by_key(|(c, _)| *c);
        for (c, members) in list {
            self.remove_in(&mut t, c, None, &members, "campus_disconnected").await?;
        }
        t.commit(self).await
    }

    /// Messages of others after the member's read position, within their window.
    pub async fn unread(&self, c: ConversationId, member: MemberId) -> Result<i64> {
        let r = dynq(format!(
            "SELECT COUNT(*) AS n FROM conversation_members cm JOIN messages u ON u.conversation_id = cm.conversation_id \
             WHERE cm.conversation_id = $1 AND cm.member_id = $2 AND u.position > cm.read_position AND {}",
            unread_above("u", "cm")
        ))
        .bind(c.to_string())
        .bind(member.to_string())
        .fetch_one(&self.pool)
        .await?;
        int(&r, "n")
    }

    /// Who has read a message (read position ≥ its position) and who has not, its sender
    /// excluded: "read" is everyone who read it while a member, "unread" the members of
    /// now who saw it come and have not — as the app counts under the message. Someone
    /// who left without reading it can no longer, and is neither.
    pub async fn readers(&self, m: &Message) -> Result<(Vec<MemberId>, Vec<MemberId>)> {
        let rows = db::query(
            "SELECT member_id, read_position FROM conversation_members WHERE conversation_id = $1 \
             AND joined_position < $2 AND (left_position IS NULL OR (left_position >= $2 AND read_position >= $2))",
        )
        .bind(m.conversation_id.to_string())
        .bind(m.position)
        .fetch_all(&self.pool)
        .await?;
        let (mut read, mut unread) = (Vec::new(), Vec::new());
        for r in rows {
            let member: MemberId = id(&r, "member_id")?;
            if Some(member) == m.sender_id {
                continue;
            }
            if int(&r, "read_position")? >= m.position { read.push(member) } else { unread.push(member) }
        }
        Ok((read, unread))
    }
}

// ---- the writer's units: sends and reads, committed in groups --------------------------

/// A send's outcome: the message, and whether it was there already (a resend).
#[derive(Clone, Debug)]
pub struct Sent {
    pub message: Arc<Message>,
    pub duplicate: bool,
}

/// The event of a message: no data of its own, the row at its position is the content.
fn message_event(m: &Message) -> Event {
    Event {
        position: m.position,
        kind: "message".into(),
        audience: Audience::Conversation(m.conversation_id),
        data: String::new(),
        created_at: m.created_at,
    }
}

/// Most rows in one `INSERT … VALUES`: well inside both databases' limits on
/// placeholders (SQLite 32,766, PostgreSQL 65,535) at 14 columns.
const ROWS_PER_INSERT: usize = 256;

/// Inserts `messages` with one statement per `ROWS_PER_INSERT`.
async fn insert_messages(tx: &mut Tx, dialect: Dialect, messages: &[Arc<Message>]) -> Result<()> {
    const COLS: usize = 14;
    for chunk in messages.chunks(ROWS_PER_INSERT) {
        let mut q = dynq(format!(
            "INSERT INTO messages (id, conversation_id, position, sender_id, client_id, kind, text, mentions, \
             mention_all, reply_to, system, attachment, forwarded, created_at) VALUES {}",
            sql::values(dialect, COLS, chunk.len())
        ));
        for m in chunk {
            let system = match &m.system {
                Some(s) => Some(serde_json::to_string(s).map_err(|e| StoreError::Corrupt(e.to_string()))?),
                None => None,
            };
            let attachment = m.attachment.as_ref().map(json).transpose()?;
            let forwarded = m.forwarded.as_ref().map(json).transpose()?;
            q = q
                .bind(m.id.to_string())
                .bind(m.conversation_id.to_string())
                .bind(m.position)
                .bind(m.sender_id.map(|s| s.to_string()))
                .bind(&m.client_id)
                .bind(if m.system.is_some() { "system" } else { "text" })
                .bind(&m.text)
                .bind(ids_json(&m.mentions))
                .bind(i64::from(m.mention_all))
                .bind(m.reply_to.map(|r| r.to_string()))
                .bind(system)
                .bind(attachment)
                .bind(forwarded)
                .bind(m.created_at);
        }
        q.execute(&mut *tx).await?;
    }
    Ok(())
}

/// Claims an upload for the message sending it: only the uploader's, in the same
/// conversation, neither sent nor removed. `false` when it is not available (a second
/// send of it, a recall or the sweeper came first); the unit then fails alone.
async fn claim(tx: &mut Tx, a: domain::AttachmentId, send: &NewText, message: MessageId) -> Result<bool> {
    let done = db::query(
        "UPDATE attachments SET message_id = $1 WHERE id = $2 AND conversation_id = $3 AND uploader_id = $4 \
         AND message_id IS NULL AND removed_at IS NULL",
    )
    .bind(message.to_string())
    .bind(a.to_string())
    .bind(send.conversation_id.to_string())
    .bind(send.sender.to_string())
    .execute(&mut *tx)
    .await?;
    Ok(done == 1)
}

/// What a read mark needs about its member's place in the conversation.
struct ReadFacts {
    read: i64,
    left: Option<i64>,
    last: i64,
}

impl Store {
    /// Commits a batch of the writer's units in one transaction. The facts every unit
    /// needs come first, in one statement each for the whole batch (earlier sends under
    /// the same client ids, the senders' memberships, the readers' places); then each
    /// unit is decided in order — a refused one writes nothing — and takes its position;
    /// then the rows go in with multi-row inserts. A client id already used returns the
    /// first message, or is refused if the content differs; a sender must still be a
    /// member. Any database error fails the whole batch.
    pub async fn write_batch(&self, ops: &[&WriteOp]) -> Result<(Committed, Vec<Result<WriteOutcome>>)> {
        let _turn = self.write_turn().await;
        let mut t = self.log_tx().await?;
        let sends: Vec<&NewText> =
            ops.iter().filter_map(|o| if let WriteOp::Send(m) = o { Some(m.as_ref()) } else { None }).collect();
        let marks: Vec<(ConversationId, MemberId)> = ops
            .iter()
            .filter_map(|o| {
                if let WriteOp::Read { conversation, member, .. } = o { Some((*conversation, *member)) } else { None }
            })
            .collect();
        let mut earlier = self.sent_under(&mut t.tx, &sends).await?;
        let refused = self.not_members(&mut t.tx, sends.iter().map(|m| (m.conversation_id, m.sender))).await?;
        let mut places = self.read_facts(&mut t.tx, &marks).await?;

        let mut results = Vec::with_capacity(ops.len());
        let mut messages: Vec<Arc<Message>> = Vec::new();
        let mut new_events: Vec<Event> = Vec::new();
        let mut moved: HashMap<(ConversationId, MemberId), i64> = HashMap::new();
        let mut last_sent: HashMap<ConversationId, i64> = HashMap::new();
        for op in ops {
            match op {
                WriteOp::Send(m) => {
                    if let Some(first) = earlier.get(&(m.sender, m.client_id.clone())) {
                        let attached = |a: &Option<AttachmentMeta>| a.as_ref().map(|a| a.id);
                        let same = first.conversation_id == m.conversation_id
                            && (first.recalled_at.is_some()
                                || (first.text == m.text && attached(&first.attachment) == attached(&m.attachment)));
                        results.push(if same {
                            Ok(WriteOutcome::Sent(Sent { message: first.clone(), duplicate: true }))
                        } else {
                            Err(StoreError::ClientIdReused)
                        });
                        continue;
                    }
                    if refused.contains(&(m.conversation_id, m.sender)) {
                        results.push(Err(StoreError::NotMember));
                        continue;
                    }
                    let id = MessageId::new();
                    if let Some(a) = &m.attachment
                        && !claim(&mut t.tx, a.id, m, id).await?
                    {
                        results.push(Err(StoreError::AttachmentUnavailable));
                        continue;
                    }
                    let position = t.positions.take(&mut t.tx, self).await?;
                    let msg = Arc::new(Message {
                        id,
                        conversation_id: m.conversation_id,
                        position,
                        sender_id: Some(m.sender),
                        client_id: Some(m.client_id.clone()),
                        text: m.text.clone(),
                        mentions: m.mentions.clone(),
                        mention_all: m.mention_all,
                        reply_to: m.reply_to,
                        system: None,
                        attachment: m.attachment.clone(),
                        reactions: Vec::new(),
                        forwarded: m.forwarded.clone(),
                        created_at: t.now,
                        recalled_at: None,
                    });
                    earlier.insert((m.sender, m.client_id.clone()), msg.clone());
                    last_sent.insert(m.conversation_id, position);
                    let event = message_event(&msg);
                    new_events.push(event.clone());
                    t.out.events.push(Published { event, message: Some(msg.clone()) });
                    messages.push(msg.clone());
                    results.push(Ok(WriteOutcome::Sent(Sent { message: msg, duplicate: false })));
                }
                WriteOp::Read { conversation, member, position, audience } => {
                    let Some(place) = places.get_mut(&(*conversation, *member)) else {
                        results.push(Err(StoreError::NotMember));
                        continue;
                    };
                    let mut upper = place.last.max(last_sent.get(conversation).copied().unwrap_or(0));
                    if let Some(l) = place.left {
                        upper = upper.min(l);
                    }
                    let target = (*position).min(upper);
                    if target <= place.read {
                        results.push(Ok(WriteOutcome::Read(place.read)));
                        continue;
                    }
                    place.read = target;
                    moved.insert((*conversation, *member), target);
                    let event = Event {
                        position: t.positions.take(&mut t.tx, self).await?,
                        kind: "read".into(),
                        audience: *audience,
                        data: serde_json::json!({"conversation_id": conversation, "member_id": member, "read_position": target})
                            .to_string(),
                        created_at: t.now,
                    };
                    new_events.push(event.clone());
                    t.out.events.push(Published { event, message: None });
                    results.push(Ok(WriteOutcome::Read(target)));
                }
            }
        }

        insert_messages(&mut t.tx, self.dialect, &messages).await?;
        events::insert(&mut t.tx, self.dialect, &new_events).await?;
        for ((c, member), target) in moved {
            db::query(
                "UPDATE conversation_members SET read_position = $1, marked_unread = 0 WHERE conversation_id = $2 AND member_id = $3",
            )
            .bind(target)
            .bind(c.to_string())
            .bind(member.to_string())
            .execute(&mut t.tx)
            .await?;
        }
        Ok((t.commit(self).await?, results))
    }

    /// The messages already sent under each send's (sender, client id).
    async fn sent_under(&self, tx: &mut Tx, sends: &[&NewText]) -> Result<HashMap<(MemberId, String), Arc<Message>>> {
        if sends.is_empty() {
            return Ok(HashMap::new());
        }
        let q = dynq(format!(
            "SELECT {MESSAGE_COLS} FROM {} CROSS JOIN messages m \
             WHERE m.sender_id = k.a AND m.client_id = k.b AND m.client_id IS NOT NULL",
            self.dialect.pairs()
        ));
        let pairs = sends.iter().map(|m| (m.sender.to_string(), m.client_id.clone())).collect();
        let rows = self.dialect.bind_pairs(q, pairs).fetch_all(&mut *tx).await?;
        rows.iter()
            .map(|r| {
                let m = message(r)?;
                let sender = m.sender_id.ok_or_else(|| StoreError::Corrupt("a client id without a sender".into()))?;
                let client = m.client_id.clone().unwrap_or_default();
                Ok(((sender, client), Arc::new(m)))
            })
            .collect()
    }

    /// Which of `pairs` are not current members of a conversation that is not dissolved:
    /// the refused, usually none. (Asked the other way round, every send of a batch
    /// would come back as a row, and on SQLite each row crosses from the connection's
    /// thread on its own.)
    async fn not_members(
        &self,
        tx: &mut Tx,
        pairs: impl Iterator<Item = (ConversationId, MemberId)>,
    ) -> Result<HashSet<(ConversationId, MemberId)>> {
        let pairs: Vec<(String, String)> = pairs.map(|(c, m)| (c.to_string(), m.to_string())).collect();
        if pairs.is_empty() {
            return Ok(HashSet::new());
        }
        let q = dynq(format!(
            "SELECT k.a AS conversation_id, k.b AS member_id FROM {} WHERE NOT EXISTS ( \
               SELECT 1 FROM conversation_members cm JOIN conversations c ON c.id = cm.conversation_id \
               WHERE cm.conversation_id = k.a AND cm.member_id = k.b AND cm.left_position IS NULL \
                 AND c.dissolved_at IS NULL)",
            self.dialect.pairs()
        ));
        let rows = self.dialect.bind_pairs(q, pairs).fetch_all(&mut *tx).await?;
        rows.iter().map(|r| Ok((id(r, "conversation_id")?, id(r, "member_id")?))).collect()
    }

    /// Each reader's read position, window and the conversation's last message.
    async fn read_facts(
        &self,
        tx: &mut Tx,
        marks: &[(ConversationId, MemberId)],
    ) -> Result<HashMap<(ConversationId, MemberId), ReadFacts>> {
        if marks.is_empty() {
            return Ok(HashMap::new());
        }
        let q = dynq(format!(
            "SELECT cm.conversation_id, cm.member_id, cm.read_position, cm.left_position, \
               (SELECT MAX(m.position) FROM messages m WHERE m.conversation_id = cm.conversation_id) AS last \
             FROM {} CROSS JOIN conversation_members cm WHERE cm.conversation_id = k.a AND cm.member_id = k.b",
            self.dialect.pairs()
        ));
        let pairs = marks.iter().map(|(c, m)| (c.to_string(), m.to_string())).collect();
        let rows = self.dialect.bind_pairs(q, pairs).fetch_all(&mut *tx).await?;
        rows.iter()
            .map(|r| {
                let facts = ReadFacts {
                    read: int(r, "read_position")?,
                    left: opt_int(r, "left_position")?,
                    last: opt_int(r, "last")?.unwrap_or(0),
                };
                Ok(((id(r, "conversation_id")?, id(r, "member_id")?), facts))
            })
            .collect()
    }
}
