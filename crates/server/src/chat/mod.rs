//! Conversations: the actions every edge calls (REST handlers in `http`, WebSocket
//! frames in `live::gateway`). Each one parses its input, loads the facts, asks the
//! rules (`domain::access::reaches`, `domain::chat`), commits its effects with their
//! events, and hands the events to the hub. Nothing here decides visibility itself.

pub mod attachments;
pub mod extras;
pub mod http;
pub mod render;
pub mod search;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use domain::access::{Viewer, reaches_all};
use domain::chat::{self as rules, ChatRefusal, Kind};
use domain::{CampusId, ConversationId, ErrorCode, Invalid, MemberId, MessageId, Role};
use render::{MemberRef, MessageOut};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use store::{Audience, Conversation, Membership, NewText, Reader, WriteOp, WriteOutcome};

/// A conversation's members as the cache holds them.
pub struct Members(Arc<crate::live::ConversationFacts>);

impl std::ops::Deref for Members {
    type Target = [Membership];
    fn deref(&self) -> &[Membership] {
        &self.0.members
    }
}

/// Groups up to this size tell everyone when someone reads (for "N人未讀"); larger ones
/// tell only the reader's own devices, so one read does not fan out to thousands.
const LIVE_READS_UP_TO: usize = 100;

/// The caller's campus: bureau officers have no conversations.
pub(crate) fn own_campus(caller: &Caller) -> ApiResult<CampusId> {
    campus_of(&caller.viewer)
}

fn campus_of(viewer: &Viewer) -> ApiResult<CampusId> {
    match (viewer.role, viewer.campus_id) {
        (Role::Admin | Role::Member, Some(c)) => Ok(c),
        _ => Err(ChatRefusal::BureauCannotChat.into()),
    }
}

/// Which of `ids` the caller reaches, by the one rule.
pub async fn reach(state: &AppState, caller: &Caller, ids: &[MemberId]) -> ApiResult<HashMap<MemberId, bool>> {
    reach_from(state, &caller.viewer, ids).await
}

/// Which of `ids` `viewer` reaches, by the one rule.
async fn reach_from(state: &AppState, viewer: &Viewer, ids: &[MemberId]) -> ApiResult<HashMap<MemberId, bool>> {
    let campus = campus_of(viewer)?;
    let store = &state.store;
    let grants = state.hub.grants.get(store, campus, viewer.member_id).await?;
    let targets = store.targets(ids, Some(campus)).await?;
    let mut out: HashMap<MemberId, bool> = ids.iter().map(|i| (*i, false)).collect();
    out.extend(reaches_all(viewer, &grants, &targets));
    Ok(out)
}

/// Whether the two people of a direct chat still reach each other. Reaching is
/// symmetric (both must be in their own campus's external directory of one published
/// interconnection, or share a campus), so one direction answers for both.
async fn direct_open(state: &AppState, caller: &Caller, c: ConversationId, peer: Option<MemberId>) -> ApiResult<bool> {
    Ok(directs_open(state, &caller.viewer, &[(c, peer)]).await?.get(&c).copied().unwrap_or(false))
}

/// `direct_open` for several direct chats of `viewer`'s, with one reach check for every
/// peer not cached.
pub(crate) async fn directs_open(
    state: &AppState,
    viewer: &Viewer,
    chats: &[(ConversationId, Option<MemberId>)],
) -> ApiResult<HashMap<ConversationId, bool>> {
    // Read before anything is loaded: what is loaded after a change is then kept under
    // the older generation, and so never used.
    let generation = state.store.generation();
    let mut out = HashMap::with_capacity(chats.len());
    let mut missing = Vec::new();
    for (c, peer) in chats {
        match (state.hub.direct.get(generation, c), peer) {
            (Some(v), _) => {
                out.insert(*c, v);
            }
            (None, Some(p)) => missing.push((*c, *p)),
            (None, None) => {
                out.insert(*c, false);
            }
        }
    }
    if !missing.is_empty() {
        let peers: Vec<MemberId> = missing.iter().map(|(_, p)| *p).collect();
        let reached = reach_from(state, viewer, &peers).await?;
        for (c, p) in missing {
            let ok = reached.get(&p).copied().unwrap_or(false);
            state.hub.direct.put(generation, c, ok);
            out.insert(c, ok);
        }
    }
    Ok(out)
}

/// The conversation and the caller's place in it; 404 for one they were never in.
async fn load(state: &AppState, caller: &Caller, c: ConversationId) -> ApiResult<(Conversation, Members, Membership)> {
    own_campus(caller)?;
    let facts = match state.hub.memberships.get(&state.store, c).await {
        Err(store::StoreError::NotFound) => return Err(ApiError::not_found()),
        r => r?,
    };
    let me = facts.members.iter().find(|m| m.member_id == caller.member.id).copied().ok_or_else(ApiError::not_found)?;
    let conv = facts.conversation.clone();
    let members = Members(facts);
    Ok((conv, members, me))
}

pub(crate) fn peer_of(members: &[Membership], me: MemberId) -> Option<MemberId> {
    members.iter().map(|m| m.member_id).find(|m| *m != me)
}

/// The caller may post: a current member of a live conversation, and for a direct chat
/// still reaching the other person.
async fn may_post(
    state: &AppState,
    caller: &Caller,
    conv: &Conversation,
    members: &[Membership],
    me: &Membership,
) -> ApiResult<()> {
    let open = match conv.kind {
        Kind::Direct => direct_open(state, caller, conv.id, peer_of(members, me.member_id)).await?,
        Kind::Group => true,
    };
    rules::may_send(conv.kind, me.current(), conv.dissolved_at.is_some(), open).map_err(Into::into)
}

/// The caller may take part in a call in the conversation: whoever may post there
/// (calls have no rule of their own). The conversation and the other members.
pub(crate) async fn may_call(
    state: &AppState,
    caller: &Caller,
    c: ConversationId,
) -> ApiResult<(Conversation, Vec<MemberId>)> {
    let (conv, members, me) = load(state, caller, c).await?;
    may_post(state, caller, &conv, &members, &me).await?;
    let others = members.iter().filter(|m| m.current() && m.member_id != me.member_id).map(|m| m.member_id).collect();
    Ok((conv, others))
}

fn group_only(conv: &Conversation) -> ApiResult<()> {
    if conv.kind == Kind::Group { Ok(()) } else { Err(ChatRefusal::NotGroup.into()) }
}

/// A live group the caller is still in.
fn live_group(conv: &Conversation, me: &Membership) -> ApiResult<()> {
    group_only(conv)?;
    if conv.dissolved_at.is_some() || !me.current() {
        return Err(ChatRefusal::ReadOnly.into());
    }
    Ok(())
}

async fn publish(state: &AppState, c: ConversationId, committed: store::Committed) -> ApiResult<()> {
    state.hub.memberships.refresh(&state.store, c).await?;
    state.hub.publish(committed);
    // Someone who left or was removed from the group leaves its meeting too.
    crate::calls::recheck(state, Some(&[c])).await
}

// ---- what the list and the detail show ------------------------------------------------

#[derive(Serialize, utoipa::ToSchema)]
pub struct ConversationOut {
    #[schema(value_type = uuid::Uuid)]
    pub id: ConversationId,
    #[schema(value_type = crate::wire::ConversationKind)]
    pub kind: Kind,
    pub name: String,
    #[schema(value_type = uuid::Uuid)]
    pub home_campus_id: CampusId,
    #[schema(value_type = Option<uuid::Uuid>, required = true)]
    pub owner_id: Option<MemberId>,
    #[schema(value_type = Option<MemberRef>, required = true)]
    pub peer: Option<Arc<MemberRef>>,
    pub member_count: i64,
    #[schema(required = true)]
    pub last_message: Option<MessageOut>,
    pub last_position: i64,
    pub read_position: i64,
    pub unread: i64,
    pub read_only: bool,
    pub left: bool,
    pub dissolved: bool,
    /// Pinned to the top of the caller's list, since then (ms).
    #[schema(required = true)]
    pub pinned_at: Option<i64>,
    /// 消息免打擾: no sound or notification, except for an @mention of the caller.
    pub muted: bool,
    /// Marked as unread by the caller; cleared once they read it.
    pub marked_unread: bool,
    /// A group announcement the caller has not seen yet.
    pub announcement_unseen: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MemberOut {
    #[serde(flatten)]
    #[schema(value_type = MemberRef)]
    pub member: Arc<MemberRef>,
    /// `owner` or `member`.
    #[schema(value_type = crate::wire::ConversationRole)]
    pub role: &'static str,
    pub read_position: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CampusName {
    pub name_zh: String,
    pub name_pt: String,
    pub name_en: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DetailOut {
    #[serde(flatten)]
    pub conversation: ConversationOut,
    pub members: Vec<MemberOut>,
    /// The names of the members' campuses, by campus id.
    #[schema(value_type = HashMap<String, CampusName>)]
    pub campuses: HashMap<CampusId, CampusName>,
    /// The group announcement (群公告), if there is one.
    #[schema(required = true)]
    pub announcement: Option<AnnouncementOut>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AnnouncementOut {
    pub text: String,
    pub at: i64,
    #[schema(value_type = Option<MemberRef>, required = true)]
    pub by: Option<Arc<MemberRef>>,
}

/// A conversation as `me` sees it. `open`: for a direct chat, whether the two still
/// reach each other.
fn conversation_out(
    conv: &Conversation,
    me: &Membership,
    member_count: i64,
    peer: Option<Arc<MemberRef>>,
    last_message: Option<MessageOut>,
    unread: i64,
    open: bool,
) -> ConversationOut {
    ConversationOut {
        id: conv.id,
        kind: conv.kind,
        name: conv.name.clone(),
        home_campus_id: conv.home_campus_id,
        owner_id: conv.owner_id,
        peer,
        member_count,
        last_position: last_message.as_ref().map(|m| m.position).unwrap_or(me.joined_position),
        last_message,
        read_position: me.read_position,
        unread,
        read_only: !me.current() || conv.dissolved_at.is_some() || (conv.kind == Kind::Direct && !open),
        left: !me.current(),
        dissolved: conv.dissolved_at.is_some(),
        pinned_at: me.pinned_at,
        muted: me.muted,
        marked_unread: me.marked_unread,
        announcement_unseen: conv.announcement_at.is_some_and(|at| at > me.announcement_seen) && me.current(),
    }
}

/// `GET /conversations`: the caller's list, most recent first.
pub async fn list(state: &AppState, caller: &Caller) -> ApiResult<Vec<ConversationOut>> {
    own_campus(caller)?;
    let rows = state.store.conversations_of(caller.member.id).await?;
    let lasts: Vec<&store::Message> = rows.iter().filter_map(|r| r.last_message.as_ref()).collect();
    let rendered = render::messages(&state.store, &state.hub.refs, &lasts).await?;
    let mut by_id: HashMap<MessageId, MessageOut> = rendered.into_iter().map(|m| (m.id, m)).collect();
    let peers: Vec<MemberId> = rows.iter().filter_map(|r| r.peer).collect();
    let refs = state.hub.refs.many(&state.store, &peers).await?;
    let directs: Vec<(ConversationId, Option<MemberId>)> =
        rows.iter().filter(|r| r.conversation.kind == Kind::Direct).map(|r| (r.conversation.id, r.peer)).collect();
    let open = directs_open(state, &caller.viewer, &directs).await?;
    Ok(rows
        .iter()
        .map(|r| {
            let last = r.last_message.as_ref().and_then(|m| by_id.remove(&m.id));
            let peer = r.peer.and_then(|p| refs.get(&p).cloned());
            let open = open.get(&r.conversation.id).copied().unwrap_or(true);
            conversation_out(&r.conversation, &r.me, r.member_count, peer, last, r.unread, open)
        })
        .collect())
}

/// `GET /conversations/{id}`: the conversation with its current members and campuses.
pub async fn detail(state: &AppState, caller: &Caller, c: ConversationId) -> ApiResult<DetailOut> {
    let (conv, _, _) = load(state, caller, c).await?;
    // Read positions move without a membership change: read them fresh.
    let members = state.store.memberships(c).await?;
    let me = members.iter().find(|m| m.member_id == caller.member.id).copied().ok_or_else(ApiError::not_found)?;
    let current: Vec<&Membership> = members.iter().filter(|m| m.current()).collect();
    let ids: Vec<MemberId> = current.iter().map(|m| m.member_id).chain(conv.announcement_by).collect();
    let refs = state.hub.refs.many(&state.store, &ids).await?;
    let peer = match conv.kind {
        Kind::Direct => peer_of(&members, me.member_id),
        Kind::Group => None,
    };
    let open = match conv.kind {
        Kind::Direct => direct_open(state, caller, conv.id, peer).await?,
        Kind::Group => true,
    };
    let (history, _) = state.store.history(c, &me, None, None, 1).await?;
    let last = match history.first() {
        Some(m) => Some(render::message(&state.store, &state.hub.refs, m).await?),
        None => None,
    };
    let unread = state.store.unread(c, me.member_id).await?;
    // Every campus in a conversation is of the home campus's school.
    let campus_ids: HashSet<CampusId> =
        refs.values().filter_map(|r| r.campus_id).chain(std::iter::once(conv.home_campus_id)).collect();
    let school = state.store.campus(conv.home_campus_id).await?.school_id;
    let campuses = state
        .store
        .campuses_of_school(school)
        .await?
        .into_iter()
        .filter(|campus| campus_ids.contains(&campus.id))
        .map(|campus| {
            (campus.id, CampusName { name_zh: campus.name_zh, name_pt: campus.name_pt, name_en: campus.name_en })
        })
        .collect();
    let peer_ref = peer.and_then(|p| refs.get(&p).cloned());
    let member_list = current
        .iter()
        .filter_map(|m| {
            refs.get(&m.member_id).map(|r| MemberOut {
                member: r.clone(),
                role: if m.owner { "owner" } else { "member" },
                read_position: m.read_position,
            })
        })
        .collect();
    Ok(DetailOut {
        conversation: conversation_out(&conv, &me, current.len() as i64, peer_ref, last, unread, open),
        members: member_list,
        campuses,
        announcement: conv.announcement_at.map(|at| AnnouncementOut {
            text: conv.announcement.clone(),
            at,
            by: conv.announcement_by.and_then(|b| refs.get(&b).cloned()),
        }),
    })
}

// ---- starting and shaping conversations -------------------------------------------------

/// Opens (or reopens) the direct chat with `peer` (C1). Returns it and whether it is new.
pub async fn open_direct(state: &AppState, caller: &Caller, peer: MemberId) -> ApiResult<(ConversationId, bool)> {
    let campus = own_campus(caller)?;
    if peer == caller.member.id {
        return Err(ChatRefusal::WithSelf.into());
    }
    if !reach(state, caller, &[peer]).await?.get(&peer).copied().unwrap_or(false) {
        return Err(ApiError::not_found());
    }
    let (c, new, committed) = state.store.open_direct(caller.member.id, peer, campus).await?;
    if new {
        publish(state, c.id, committed).await?;
    }
    Ok((c.id, new))
}

/// Refuses unless the caller reaches every one of `ids`, and each fits a group whose
/// home is `home` (own campus, or a campus connected to it).
async fn check_joiners(state: &AppState, caller: &Caller, home: CampusId, ids: &[MemberId]) -> ApiResult<()> {
    let reached = reach(state, caller, ids).await?;
    if ids.iter().any(|i| !reached.get(i).copied().unwrap_or(false)) {
        let mut e = ApiError::not_found();
        e.fields.push(domain::FieldError::new("member_ids", Invalid::InvalidFormat));
        return Err(e);
    }
    let connected = state.store.connected_to(home).await?;
    let refs = state.hub.refs.many(&state.store, ids).await?;
    if refs.values().any(|r| !r.campus_id.is_some_and(|c| rules::fits_group(home, &connected, c))) {
        return Err(ApiError::not_found());
    }
    Ok(())
}

fn distinct(ids: &[MemberId], without: MemberId) -> Vec<MemberId> {
    let mut seen = HashSet::new();
    ids.iter().copied().filter(|i| *i != without && seen.insert(*i)).collect()
}

/// Creates a group (G1): the caller owns it; its home is the caller's campus.
pub async fn create_group(
    state: &AppState,
    caller: &Caller,
    name: &str,
    ids: &[MemberId],
) -> ApiResult<ConversationId> {
    let campus = own_campus(caller)?;
    let name = rules::group_name(name).map_err(|i| ApiError::field("name", i))?;
    let others = distinct(ids, caller.member.id);
    if others.is_empty() {
        return Err(ApiError::field("member_ids", Invalid::Required));
    }
    rules::may_grow(1, others.len(), state.config.max_group_members)?;
    check_joiners(state, caller, campus, &others).await?;
    let name = if name.is_empty() {
        let mut ids = vec![caller.member.id];
        ids.extend(others.iter().copied());
        let refs = state.hub.refs.many(&state.store, &ids).await?;
        rules::default_group_name(ids.iter().filter_map(|i| refs.get(i)).map(|r| r.name_zh.as_str()))
    } else {
        name
    };
    let (c, committed) = state.store.create_group(caller.member.id, campus, &name, &others).await?;
    publish(state, c.id, committed).await?;
    Ok(c.id)
}

pub async fn add_members(state: &AppState, caller: &Caller, c: ConversationId, ids: &[MemberId]) -> ApiResult<()> {
    let (conv, members, me) = load(state, caller, c).await?;
    live_group(&conv, &me)?;
    let current: HashSet<MemberId> = members.iter().filter(|m| m.current()).map(|m| m.member_id).collect();
    let adding: Vec<MemberId> = distinct(ids, caller.member.id).into_iter().filter(|i| !current.contains(i)).collect();
    if adding.is_empty() {
        return Ok(());
    }
    rules::may_grow(current.len(), adding.len(), state.config.max_group_members)?;
    check_joiners(state, caller, conv.home_campus_id, &adding).await?;
    let committed = state.store.add_members(c, caller.member.id, &adding).await?;
    publish(state, c, committed).await
}

/// The owner removes someone, or someone leaves.
pub async fn remove_member(state: &AppState, caller: &Caller, c: ConversationId, target: MemberId) -> ApiResult<()> {
    let (conv, members, me) = load(state, caller, c).await?;
    live_group(&conv, &me)?;
    rules::may_remove(caller.member.id, conv.owner_id, target)?;
    if !members.iter().any(|m| m.member_id == target && m.current()) {
        return Err(ApiError::not_found());
    }
    let action = if target == caller.member.id { "left" } else { "removed" };
    let committed = state.store.remove_members(c, Some(caller.member.id), &[target], action).await?;
    publish(state, c, committed).await
}

pub async fn rename(state: &AppState, caller: &Caller, c: ConversationId, name: &str) -> ApiResult<()> {
    let (conv, _, me) = load(state, caller, c).await?;
    live_group(&conv, &me)?;
    rules::owner_only(caller.member.id, conv.owner_id)?;
    let name = rules::group_name(name).map_err(|i| ApiError::field("name", i))?;
    if name.is_empty() {
        return Err(ApiError::field("name", Invalid::Required));
    }
    let committed = state.store.rename_group(c, caller.member.id, &name).await?;
    publish(state, c, committed).await
}

pub async fn transfer(state: &AppState, caller: &Caller, c: ConversationId, to: MemberId) -> ApiResult<()> {
    let (conv, members, me) = load(state, caller, c).await?;
    live_group(&conv, &me)?;
    rules::owner_only(caller.member.id, conv.owner_id)?;
    if to == caller.member.id {
        return Ok(());
    }
    if !members.iter().any(|m| m.member_id == to && m.current()) {
        return Err(ApiError::not_found());
    }
    let committed = state.store.transfer_owner(c, caller.member.id, to).await?;
    publish(state, c, committed).await
}

pub async fn dissolve(state: &AppState, caller: &Caller, c: ConversationId) -> ApiResult<()> {
    let (conv, _, me) = load(state, caller, c).await?;
    live_group(&conv, &me)?;
    rules::owner_only(caller.member.id, conv.owner_id)?;
    let committed = state.store.dissolve_group(c, caller.member.id).await?;
    publish(state, c, committed).await
}

// ---- messages -------------------------------------------------------------------------

/// A send as it arrives, over REST or the WebSocket.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendInput {
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    #[schema(value_type = Option<uuid::Uuid>)]
    pub reply_to: Option<MessageId>,
    #[serde(default)]
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub mentions: Vec<MemberId>,
    #[serde(default)]
    pub mention_all: bool,
    /// An upload of the caller's to this conversation (`POST …/attachments`), sent with
    /// this message; `text` is then an optional caption.
    #[serde(default)]
    #[schema(value_type = Option<uuid::Uuid>)]
    pub attachment_id: Option<domain::AttachmentId>,
}

/// Sends a message (text, or an attachment with an optional caption); acknowledged once durable. A resend with the same client id
/// returns the first message (`true` for a duplicate).
pub async fn send(
    state: &AppState,
    caller: &Caller,
    c: ConversationId,
    input: SendInput,
) -> ApiResult<(MessageOut, bool)> {
    let mut errors = domain::error::Errors::default();
    let client_id = errors.take("client_id", rules::client_id(&input.client_id));
    let text = match input.attachment_id {
        Some(_) if input.text.trim().is_empty() => Some(String::new()),
        _ => errors.take("text", rules::message_text(&input.text)),
    };
    let (Some(client_id), Some(text)) = (client_id, text) else { return Err(ApiError::invalid(errors.0)) };
    let (conv, members, me) = load(state, caller, c).await?;
    may_post(state, caller, &conv, &members, &me).await?;
    // Most messages mention nobody: the set of a group's members is built only for one
    // that does.
    if !input.mentions.is_empty() {
        let current: HashSet<MemberId> = members.iter().filter(|m| m.current()).map(|m| m.member_id).collect();
        if input.mentions.iter().any(|m| !current.contains(m)) {
            let mut e: ApiError = ChatRefusal::MentionNotMember.into();
            e.fields.push(domain::FieldError::new("mentions", Invalid::InvalidFormat));
            return Err(e);
        }
    }
    if input.mention_all {
        group_only(&conv)?;
        rules::owner_only(caller.member.id, conv.owner_id)?;
    }
    if let Some(r) = input.reply_to {
        let quoted = state.store.messages_by_id(&[r]).await?;
        if !quoted.first().is_some_and(|q| q.conversation_id == c && me.sees(q.position)) {
            return Err(ApiError::field("reply_to", Invalid::InvalidFormat));
        }
    }
    let attachment = match input.attachment_id {
        None => None,
        Some(a) => {
            // Whether it is still unsent is the writer's to decide (a resend of this very
            // message names an attachment its first send claimed).
            let found = state.store.attachment(a).await?;
            match found {
                Some(f) if f.conversation_id == c && f.uploader_id == caller.member.id && f.removed_at.is_none() => {
                    Some(f.meta)
                }
                _ => return Err(ApiError::field("attachment_id", Invalid::InvalidFormat)),
            }
        }
    };
    let mut mentions = input.mentions.clone();
    mentions.sort();
    mentions.dedup();
    let op = WriteOp::Send(Box::new(NewText {
        conversation_id: c,
        sender: caller.member.id,
        client_id,
        text,
        mentions,
        mention_all: input.mention_all,
        reply_to: input.reply_to,
        attachment,
        forwarded: None,
    }));
    let sent = match state.writer.write(op).await? {
        WriteOutcome::Sent(s) => s,
        WriteOutcome::Read(_) => return Err(ApiError::internal("writer answered a send with a read")),
    };
    Ok((render::message(&state.store, &state.hub.refs, &sent.message).await?, sent.duplicate))
}

/// Recall (撤回) by the sender within the window.
pub async fn recall(state: &AppState, caller: &Caller, c: ConversationId, m: MessageId) -> ApiResult<MessageOut> {
    let (_, _, me) = load(state, caller, c).await?;
    let msg = state.store.messages_by_id(&[m]).await?.pop().ok_or_else(ApiError::not_found)?;
    if msg.conversation_id != c || !me.sees(msg.position) {
        return Err(ApiError::not_found());
    }
    if msg.recalled_at.is_none() {
        let window = state.config.recall_window.as_millis() as i64;
        rules::may_recall(caller.member.id, msg.sender_id, msg.created_at, state.store.now(), window)?;
        let committed = state.store.recall(&msg).await?;
        state.hub.publish(committed);
        if msg.attachment.is_some() {
            // Its bytes go now, not at the next hourly sweep.
            attachments::purge(state).await?;
        }
    }
    let msg = state.store.messages_by_id(&[m]).await?.pop().ok_or_else(ApiError::not_found)?;
    Ok(render::message(&state.store, &state.hub.refs, &msg).await?)
}

/// Marks read up to `position` on all the caller's devices. Returns the read position.
pub async fn mark_read(state: &AppState, caller: &Caller, c: ConversationId, position: i64) -> ApiResult<i64> {
    let (conv, members, me) = load(state, caller, c).await?;
    let live = conv.kind == Kind::Direct || members.iter().filter(|m| m.current()).count() <= LIVE_READS_UP_TO;
    let audience = if live { Audience::Conversation(c) } else { Audience::Member(me.member_id) };
    let op = WriteOp::Read { conversation: c, member: me.member_id, position, audience };
    match state.writer.write(op).await? {
        WriteOutcome::Read(p) => Ok(p),
        WriteOutcome::Sent(_) => Err(ApiError::internal("writer answered a read with a send")),
    }
}

pub struct Page {
    pub messages: Vec<MessageOut>,
    /// More in the page's direction (older; newer for `after`); for a page around a
    /// position, more before it.
    pub has_more: bool,
    /// For a page around a position: more after it.
    pub has_newer: Option<bool>,
}

pub async fn history(
    state: &AppState,
    caller: &Caller,
    c: ConversationId,
    before: Option<i64>,
    after: Option<i64>,
    limit: i64,
) -> ApiResult<Page> {
    let (_, _, me) = load(state, caller, c).await?;
    let (list, has_more) = state.store.history(c, &me, before, after, limit).await?;
    let refs: Vec<&store::Message> = list.iter().collect();
    Ok(Page { messages: render::messages(&state.store, &state.hub.refs, &refs).await?, has_more, has_newer: None })
}

/// The page of history around `position` (to open a conversation at a search result),
/// inside the caller's window like any other page.
pub async fn history_around(
    state: &AppState,
    caller: &Caller,
    c: ConversationId,
    position: i64,
    limit: i64,
) -> ApiResult<Page> {
    let (_, _, me) = load(state, caller, c).await?;
    let (list, before, after) = state.store.history_around(c, &me, position, limit).await?;
    let refs: Vec<&store::Message> = list.iter().collect();
    Ok(Page {
        messages: render::messages(&state.store, &state.hub.refs, &refs).await?,
        has_more: before,
        has_newer: Some(after),
    })
}

pub async fn readers(
    state: &AppState,
    caller: &Caller,
    c: ConversationId,
    m: MessageId,
) -> ApiResult<(Vec<Arc<MemberRef>>, Vec<Arc<MemberRef>>)> {
    let (_, _, me) = load(state, caller, c).await?;
    let msg = state.store.messages_by_id(&[m]).await?.pop().ok_or_else(ApiError::not_found)?;
    if msg.conversation_id != c || !me.sees(msg.position) {
        return Err(ApiError::not_found());
    }
    let (read, unread) = state.store.readers(&msg).await?;
    let all: Vec<MemberId> = read.iter().chain(unread.iter()).copied().collect();
    let refs = state.hub.refs.many(&state.store, &all).await?;
    let pick = |ids: &[MemberId]| ids.iter().filter_map(|i| refs.get(i).cloned()).collect::<Vec<_>>();
    Ok((pick(&read), pick(&unread)))
}

// ---- the log ----------------------------------------------------------------------------

/// Whom the log is read for.
pub fn reader(caller: &Caller) -> Reader {
    Reader { member: caller.member.id, campus: caller.viewer.campus_id, admin: caller.viewer.role == Role::Admin }
}

/// Refuses a resume position the log cannot serve: in the future (`invalid_position`)
/// or older than the kept log (`resync_required`). Returns the last position.
pub async fn check_position(state: &AppState, after: i64) -> ApiResult<i64> {
    let (floor, last) = state.store.log_bounds().await?;
    if after < 0 || after > last {
        return Err(ApiError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidPosition));
    }
    if after < floor {
        return Err(ApiError::new(axum::http::StatusCode::GONE, ErrorCode::ResyncRequired));
    }
    Ok(last)
}

/// The caller's events in `(after, until]`, as frames, at most `limit`.
pub async fn events(
    state: &AppState,
    reader: &Reader,
    after: i64,
    until: i64,
    limit: i64,
) -> ApiResult<Vec<(i64, serde_json::Value)>> {
    let entries = state.store.events_for(reader, after, until, limit).await?;
    let positions: Vec<i64> = entries.iter().filter(|e| e.event.kind == "message").map(|e| e.event.position).collect();
    let mut messages: HashMap<i64, store::Message> =
        state.store.messages_at(&positions).await?.into_iter().map(|m| (m.position, m)).collect();
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let m = messages.remove(&e.event.position);
        out.push((e.event.position, render::event_value(&state.store, &state.hub.refs, &e.event, m.as_ref()).await?));
    }
    Ok(out)
}

/// After a campus leaves an interconnection: group members no longer connected to
/// their group's home campus are removed, with a system message (DESIGN, "After
/// removal"). Direct chats turn read-only by themselves (the reach rule).
pub async fn after_campus_removed(state: &AppState, campuses: &[CampusId]) -> ApiResult<()> {
    let committed = state.store.disconnect_groups(campuses).await?;
    let mut touched: Vec<ConversationId> = committed
        .events
        .iter()
        .filter_map(|p| match p.event.audience {
            Audience::Conversation(c) => Some(c),
            _ => None,
        })
        .collect();
    touched.sort();
    touched.dedup();
    for c in touched {
        state.hub.memberships.refresh(&state.store, c).await?;
    }
    state.hub.publish(committed);
    // Calls across the boundary end now for the people on the other side.
    crate::calls::recheck(state, None).await
}
