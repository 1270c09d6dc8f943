//! What a chat app does beyond sending: emoji reactions, forwarding messages to another
//! conversation, the group announcement (群公告), and each member's own settings for a
//! conversation (pin to the top, mute, mark as unread). Each action loads the facts,
//! asks the rule in `domain::chat`, writes one transaction with its events, publishes.

use super::render::{self, MessageOut, ReactionOut};
use super::{ConversationOut, DetailOut, group_only, live_group, load, may_post, publish};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use domain::access::{Role, Viewer, reaches};
use domain::chat::{self as rules};
use domain::{ConversationId, Invalid, MemberId, MessageId};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use store::{Forwarded, Message, NewText, Prefs, WriteOp, WriteOutcome};

/// A message of `c` the caller sees and may act on: not a system message, not recalled.
async fn visible_message(
    state: &AppState,
    c: ConversationId,
    me: &store::Membership,
    m: MessageId,
) -> ApiResult<Message> {
    let msg = state.store.messages_by_id(&[m]).await?.pop().ok_or_else(ApiError::not_found)?;
    if msg.conversation_id != c || !me.sees(msg.position) || msg.system.is_some() || msg.recalled_at.is_some() {
        return Err(ApiError::not_found());
    }
    Ok(msg)
}

/// Puts (`on`) or takes away the caller's `emoji` on a message. Returns the message's
/// reactions after it.
pub async fn react(
    state: &AppState,
    caller: &Caller,
    c: ConversationId,
    m: MessageId,
    emoji: &str,
    on: bool,
) -> ApiResult<Vec<ReactionOut>> {
    let emoji = rules::reaction(emoji).map_err(|e| ApiError::field("emoji", e))?;
    let (conv, members, me) = load(state, caller, c).await?;
    may_post(state, caller, &conv, &members, &me).await?;
    let msg = visible_message(state, c, &me, m).await?;
    let mine = msg.reactions.iter().filter(|r| r.emoji != emoji && r.members.contains(&me.member_id)).count();
    if on {
        rules::may_react(mine)?;
    }
    let (summary, committed) = match state.store.react(&msg, me.member_id, &emoji, on).await {
        Err(store::StoreError::TooManyReactions) => return Err(rules::ChatRefusal::TooManyReactions.into()),
        r => r?,
    };
    state.hub.publish(committed);
    Ok(summary.iter().map(Into::into).collect())
}

/// The caller's settings for a conversation, each optional.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrefsInput {
    /// Pin to the top of the list (置頂).
    pub pinned: Option<bool>,
    /// 消息免打擾.
    pub muted: Option<bool>,
    /// Mark as unread (標為未讀); reading it clears the mark.
    pub marked_unread: Option<bool>,
}

/// Changes the caller's own settings for a conversation; every device of theirs is told.
pub async fn set_prefs(
    state: &AppState,
    caller: &Caller,
    c: ConversationId,
    input: PrefsInput,
) -> ApiResult<ConversationOut> {
    load(state, caller, c).await?;
    let prefs = Prefs { pinned: input.pinned, muted: input.muted, marked_unread: input.marked_unread };
    if prefs.pinned.is_some() || prefs.muted.is_some() || prefs.marked_unread.is_some() {
        let committed = state.store.set_prefs(c, caller.member.id, prefs).await?;
        publish(state, c, committed).await?;
    }
    Ok(super::detail(state, caller, c).await?.conversation)
}

/// Sets (or with "" clears) a group's announcement: the owner's.
pub async fn set_announcement(
    state: &AppState,
    caller: &Caller,
    c: ConversationId,
    text: &str,
) -> ApiResult<DetailOut> {
    let text = rules::announcement_text(text).map_err(|e| ApiError::field("text", e))?;
    let (conv, _, me) = load(state, caller, c).await?;
    live_group(&conv, &me)?;
    rules::owner_only(caller.member.id, conv.owner_id)?;
    if text != conv.announcement {
        let committed = state.store.set_announcement(c, caller.member.id, &text).await?;
        publish(state, c, committed).await?;
    }
    super::detail(state, caller, c).await
}

/// The caller has seen the group's announcement: it is no longer shown on entry.
pub async fn see_announcement(state: &AppState, caller: &Caller, c: ConversationId) -> ApiResult<()> {
    let (conv, _, me) = load(state, caller, c).await?;
    group_only(&conv)?;
    if let Some(at) = conv.announcement_at {
        let committed = state.store.see_announcement(c, me.member_id, at).await?;
        publish(state, c, committed).await?;
    }
    Ok(())
}

/// Messages to forward, and the client id they go under (each copy takes
/// `client_id:n`, so a resend of the same forward gives the same copies back).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForwardInput {
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub message_ids: Vec<MessageId>,
}

/// Forwards (轉發) messages the caller sees, one by one, into `target`, where they must
/// be able to send. A copy keeps the text and the attachment (its bytes shared, not
/// re-uploaded) but no mentions or quote; it names its original sender only when
/// everyone in `target` reaches that person.
pub async fn forward(
    state: &AppState,
    caller: &Caller,
    target: ConversationId,
    input: ForwardInput,
) -> ApiResult<Vec<MessageOut>> {
    let client_id = rules::client_id(&input.client_id).map_err(|e| ApiError::field("client_id", e))?;
    if input.message_ids.is_empty() {
        return Err(ApiError::field("message_ids", Invalid::Required));
    }
    if input.message_ids.len() > rules::FORWARD_MAX || client_id.len() + 4 > rules::CLIENT_ID_MAX {
        return Err(ApiError::field(
            if input.message_ids.len() > rules::FORWARD_MAX { "message_ids" } else { "client_id" },
            Invalid::TooLong,
        ));
    }
    let (conv, members, me) = load(state, caller, target).await?;
    may_post(state, caller, &conv, &members, &me).await?;

    // Every source must be a message the caller sees, its attachment one they may fetch.
    let mut sources = state.store.messages_by_id(&input.message_ids).await?;
    let order: HashMap<MessageId, usize> = input.message_ids.iter().enumerate().map(|(i, m)| (*m, i)).collect();
    sources.sort_by_key(|m| order.get(&m.id).copied().unwrap_or(usize::MAX));
    sources.dedup_by_key(|m| m.id);
    if sources.len() != input.message_ids.iter().collect::<HashSet<_>>().len() {
        return Err(ApiError::field("message_ids", Invalid::InvalidFormat));
    }
    for m in &sources {
        let seen = async {
            let (_, _, mine) = load(state, caller, m.conversation_id).await?;
            visible_message(state, m.conversation_id, &mine, m.id).await?;
            if let Some(a) = &m.attachment {
                super::attachments::fetchable(state, caller, a.id).await?;
            }
            Ok::<_, ApiError>(())
        };
        if seen.await.is_err() {
            return Err(ApiError::field("message_ids", Invalid::InvalidFormat));
        }
    }

    let originals: Vec<MemberId> = sources.iter().filter_map(original_sender).collect();
    let current: Vec<MemberId> = members.iter().filter(|m| m.current()).map(|m| m.member_id).collect();
    let named = reached_by_all(state, &current, &originals).await?;
    // A resend of this forward gives the copies it made back, without copying again.
    let ids: Vec<String> = (0..sources.len()).map(|i| format!("{client_id}:{i}")).collect();
    let mut earlier = state.store.sent_by(caller.member.id, &ids).await?;
    let mut out = Vec::with_capacity(sources.len());
    for (i, m) in sources.iter().enumerate() {
        if let Some(first) = earlier.remove(&ids[i]) {
            if first.conversation_id != target || first.forwarded.is_none() {
                return Err(rules::ChatRefusal::ClientIdReused.into());
            }
            out.push(render::message(&state.store, &state.hub.refs, &first).await?);
            continue;
        }
        let attachment = match &m.attachment {
            Some(a) => Some(super::attachments::copy(state, caller, a.id, target).await?),
            None => None,
        };
        let sender = original_sender(m).filter(|s| named.contains(s));
        let op = WriteOp::Send(Box::new(NewText {
            conversation_id: target,
            sender: caller.member.id,
            client_id: ids[i].clone(),
            text: m.text.clone(),
            mentions: Vec::new(),
            mention_all: false,
            reply_to: None,
            attachment,
            forwarded: Some(Forwarded { sender }),
        }));
        match state.writer.write(op).await? {
            WriteOutcome::Sent(s) => out.push(render::message(&state.store, &state.hub.refs, &s.message).await?),
            WriteOutcome::Read(_) => return Err(ApiError::internal("writer answered a send with a read")),
        }
    }
    Ok(out)
}

/// Who first wrote a message: a forwarded copy keeps naming its first sender.
fn original_sender(m: &Message) -> Option<MemberId> {
    match &m.forwarded {
        Some(f) => f.sender,
        None => m.sender_id,
    }
}

/// Most members whose reach is worked out one by one for a forward; in a bigger
/// conversation a copy names its sender only when all its members share that sender's
/// campus (where everyone reaches everyone active).
const NAMING_CHECKS: usize = 200;

/// Which of `people` every one of `members` reaches (by the one rule, each member with
/// their own grants).
async fn reached_by_all(state: &AppState, members: &[MemberId], people: &[MemberId]) -> ApiResult<HashSet<MemberId>> {
    let mut people: Vec<MemberId> = people.to_vec();
    people.sort();
    people.dedup();
    if people.is_empty() {
        return Ok(HashSet::new());
    }
    let refs = state.hub.refs.many(&state.store, members).await?;
    let targets = state.store.targets(&people, None).await?;
    let mut ok: HashMap<MemberId, Vec<bool>> = HashMap::new();
    let viewers: Vec<(MemberId, Option<domain::CampusId>)> =
        members.iter().map(|m| (*m, refs.get(m).and_then(|r| r.campus_id))).collect();
    for t in &targets {
        let same_campus = viewers.iter().all(|(_, c)| *c == t.campus);
        if same_campus || viewers.len() > NAMING_CHECKS {
            ok.entry(t.id).or_default().push(same_campus && t.active);
            continue;
        }
        for (m, campus) in &viewers {
            let Some(campus) = campus else {
                ok.entry(t.id).or_default().push(false);
                continue;
            };
            let viewer = Viewer { member_id: *m, role: Role::Member, campus_id: Some(*campus) };
            let grants = state.hub.grants.get(&state.store, *campus, *m).await?;
            ok.entry(t.id).or_default().push(*m == t.id || reaches(&viewer, &grants, t));
        }
    }
    Ok(ok.into_iter().filter(|(_, each)| rules::forward_names_sender(each.iter().copied())).map(|(p, _)| p).collect())
}
