//! What conversations and messages look like on the wire (docs/chat.md): the one place
//! that turns store rows into the JSON every client reads, over REST, from the log and
//! live. Member names come from `Refs`, an in-memory cache of member references kept
//! until the directory changes.

use axum::extract::ws::Utf8Bytes;
use domain::{CampusId, ConversationId, MemberId, MessageId};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use store::{Event, Message, Store, SystemNote};

/// A member as a conversation shows them.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct MemberRef {
    #[schema(value_type = uuid::Uuid)]
    pub id: MemberId,
    pub name_zh: String,
    pub name_pt: String,
    #[schema(value_type = Option<uuid::Uuid>, required = true)]
    pub campus_id: Option<CampusId>,
    pub title: String,
}

/// Member references, loaded in batches and kept until the store's generation moves.
#[derive(Default)]
pub struct Refs {
    map: RwLock<(u64, HashMap<MemberId, Arc<MemberRef>>)>,
}

impl Refs {
    pub async fn many(&self, store: &Store, ids: &[MemberId]) -> store::Result<HashMap<MemberId, Arc<MemberRef>>> {
        let generation = store.generation();
        let mut out = HashMap::with_capacity(ids.len());
        let mut missing = Vec::new();
        if let Ok(m) = self.map.read() {
            for id in ids {
                match m.1.get(id).filter(|_| m.0 == generation) {
                    Some(r) => {
                        out.insert(*id, r.clone());
                    }
                    None => missing.push(*id),
                }
            }
        }
        missing.sort();
        missing.dedup();
        if missing.is_empty() {
            return Ok(out);
        }
        let loaded = store.members_by_ids(&missing).await?;
        for r in self.keep(generation, &loaded) {
            out.insert(r.id, r);
        }
        Ok(out)
    }

    /// Keeps members loaded at `generation` (by `many`, or by whoever loaded them for
    /// their own reasons: a connecting member's first send then costs no lookup) and
    /// returns their references. Members loaded before the kept ones' generation are
    /// not kept; newer ones start the map over.
    pub fn keep(&self, generation: u64, members: &[store::Member]) -> Vec<Arc<MemberRef>> {
        let refs: Vec<Arc<MemberRef>> = members
            .iter()
            .map(|member| {
                Arc::new(MemberRef {
                    id: member.id,
                    name_zh: member.name_zh.clone(),
                    name_pt: member.name_pt.clone(),
                    campus_id: member.campus_id,
                    title: member.title.clone(),
                })
            })
            .collect();
        let mut m = match self.map.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if generation < m.0 {
            return refs;
        }
        if m.0 != generation || m.1.len() > 200_000 {
            *m = (generation, HashMap::new());
        }
        for r in &refs {
            m.1.insert(r.id, r.clone());
        }
        refs
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReplyOut {
    #[schema(value_type = uuid::Uuid)]
    pub id: MessageId,
    #[schema(value_type = Option<MemberRef>, required = true)]
    pub sender: Option<Arc<MemberRef>>,
    pub text: String,
    /// What the quoted message carried, if anything (the app shows "[圖片]"…).
    #[schema(value_type = Option<crate::wire::AttachmentKind>, required = true)]
    pub attachment: Option<domain::attachment::Kind>,
    pub recalled: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SystemOut {
    #[schema(value_type = crate::wire::SystemAction)]
    pub action: String,
    #[schema(value_type = Option<MemberRef>, required = true)]
    pub actor: Option<Arc<MemberRef>>,
    #[schema(value_type = Vec<MemberRef>)]
    pub members: Vec<Arc<MemberRef>>,
    pub name: String,
    /// A call's record or a meeting's join card.
    #[schema(required = true)]
    pub call: Option<CallNoteOut>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CallNoteOut {
    #[schema(value_type = uuid::Uuid)]
    pub id: domain::CallId,
    pub video: bool,
    #[schema(value_type = crate::wire::CallOutcome)]
    pub outcome: domain::call::Outcome,
    pub seconds: u32,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MessageOut {
    #[schema(value_type = uuid::Uuid)]
    pub id: MessageId,
    #[schema(value_type = uuid::Uuid)]
    pub conversation_id: ConversationId,
    pub position: i64,
    #[schema(required = true)]
    pub client_id: Option<String>,
    #[schema(value_type = crate::wire::MessageKind)]
    pub kind: &'static str,
    #[schema(value_type = Option<MemberRef>, required = true)]
    pub sender: Option<Arc<MemberRef>>,
    pub text: String,
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub mentions: Vec<MemberId>,
    pub mention_all: bool,
    #[schema(required = true)]
    pub reply_to: Option<ReplyOut>,
    #[schema(required = true)]
    pub system: Option<SystemOut>,
    /// A picture, file or voice message (gone once recalled).
    #[schema(required = true)]
    pub attachment: Option<super::attachments::AttachmentOut>,
    /// Emoji reactions, first put first, with who put each.
    pub reactions: Vec<ReactionOut>,
    /// A forwarded copy (转发): its original sender, when they may be named here.
    #[schema(required = true)]
    pub forwarded: Option<ForwardedOut>,
    pub recalled: bool,
    pub created_at: i64,
}

#[derive(Clone, Serialize, utoipa::ToSchema)]
pub struct ReactionOut {
    pub emoji: String,
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub member_ids: Vec<MemberId>,
}

impl From<&store::Reaction> for ReactionOut {
    fn from(r: &store::Reaction) -> Self {
        ReactionOut { emoji: r.emoji.clone(), member_ids: r.members.clone() }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ForwardedOut {
    #[schema(value_type = Option<MemberRef>, required = true)]
    pub sender: Option<Arc<MemberRef>>,
}

fn ids_of(m: &Message, into: &mut Vec<MemberId>) {
    into.extend(m.sender_id);
    into.extend(m.forwarded.as_ref().and_then(|f| f.sender));
    if let Some(s) = &m.system {
        into.extend(s.actor);
        into.extend(s.members.iter().copied());
    }
}

/// Messages as the API shows them, with their senders, quoted replies and the people
/// named in system messages: three lookups however many messages.
pub async fn messages(store: &Store, refs: &Refs, list: &[&Message]) -> store::Result<Vec<MessageOut>> {
    let reply_ids: Vec<MessageId> = list.iter().filter_map(|m| m.reply_to).collect();
    let replies: HashMap<MessageId, Message> =
        store.messages_by_id(&reply_ids).await?.into_iter().map(|m| (m.id, m)).collect();
    let mut ids = Vec::new();
    for m in list {
        ids_of(m, &mut ids);
    }
    for r in replies.values() {
        ids.extend(r.sender_id);
    }
    let people = refs.many(store, &ids).await?;
    let person = |id: &MemberId| people.get(id).cloned();
    Ok(list
        .iter()
        .map(|m| MessageOut {
            id: m.id,
            conversation_id: m.conversation_id,
            position: m.position,
            client_id: m.client_id.clone(),
            kind: if m.system.is_some() { "system" } else { "text" },
            sender: m.sender_id.as_ref().and_then(person),
            text: m.text.clone(),
            mentions: m.mentions.clone(),
            mention_all: m.mention_all,
            reply_to: m.reply_to.and_then(|r| replies.get(&r)).map(|r| ReplyOut {
                id: r.id,
                sender: r.sender_id.as_ref().and_then(person),
                text: r.text.chars().take(200).collect(),
                attachment: r.attachment.as_ref().map(|a| a.kind),
                recalled: r.recalled_at.is_some(),
            }),
            system: m.system.as_ref().map(|s: &SystemNote| SystemOut {
                action: s.action.clone(),
                actor: s.actor.as_ref().and_then(person),
                members: s.members.iter().filter_map(person).collect(),
                name: s.name.clone(),
                call: s.call.as_ref().map(|c| CallNoteOut {
                    id: c.id,
                    video: c.video,
                    outcome: c.outcome,
                    seconds: c.seconds,
                }),
            }),
            attachment: m.attachment.as_ref().filter(|_| m.recalled_at.is_none()).map(Into::into),
            reactions: m.reactions.iter().map(Into::into).collect(),
            forwarded: m.forwarded.as_ref().map(|f| ForwardedOut { sender: f.sender.as_ref().and_then(person) }),
            recalled: m.recalled_at.is_some(),
            created_at: m.created_at,
        })
        .collect())
}

pub async fn message(store: &Store, refs: &Refs, m: &Message) -> store::Result<MessageOut> {
    let mut v = messages(store, refs, &[m]).await?;
    v.pop().ok_or(store::StoreError::NotFound)
}

/// An event as the WebSocket frame (and `GET /events` entry) says it:
/// `{"type":"event","position":P,"kind":K,"data":{…}}`.
pub async fn event_frame(store: &Store, refs: &Refs, e: &Event, message: Option<&Message>) -> store::Result<Utf8Bytes> {
    Ok(Utf8Bytes::from(event_value(store, refs, e, message).await?.to_string()))
}

/// `event_frame` as a JSON value (for `GET /events`).
pub async fn event_value(
    store: &Store,
    refs: &Refs,
    e: &Event,
    message: Option<&Message>,
) -> store::Result<serde_json::Value> {
    let data = event_data(store, refs, e, message).await?;
    Ok(serde_json::json!({"type": "event", "position": e.position, "kind": e.kind, "data": data}))
}

async fn event_data(
    store: &Store,
    refs: &Refs,
    e: &Event,
    message: Option<&Message>,
) -> store::Result<serde_json::Value> {
    Ok(match message {
        Some(m) => serde_json::json!({ "message": self::message(store, refs, m).await? }),
        None if e.data.is_empty() => serde_json::json!({}),
        None => serde_json::from_str(&e.data).map_err(|err| store::StoreError::Corrupt(err.to_string()))?,
    })
}
