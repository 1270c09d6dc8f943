//! The e-mail digest of unread messages (`chat.digest_after_hours`, off by default): a
//! member who asked for it, has an e-mail address and left messages unread for that
//! long gets one e-mail listing the conversations they are in, with how many, who wrote
//! the latest and what (unless they hide previews), and nothing more about those
//! messages afterwards.
//!
//! Each member has a high-water mark in the log (`store::notify`). A sweep takes the
//! *horizon* — the last position the log committed before the cutoff, by the store's
//! clock — and weighs every message of each member's between their mark and the
//! horizon: the read-state facts come from the store, and each message is asked
//! `domain::chat::in_digest` (still the member's to open — a current member, in a
//! direct chat still reaching the other person — unread, someone else's, and in a
//! muted chat only a mention). With something to tell, the digest goes to the mail
//! outbox in the same transaction that moves the mark to the horizon; with nothing, the
//! mark moves alone. A message read before the horizon reaches it is never mailed, and
//! none is mailed twice.
//!
//! Several nodes on one database may sweep at once: a node claims a member's digest
//! for a lease before building it (as the outbox claims a mail), and writes it only if
//! the mark is still where it read it, so one digest is written once.

use crate::AppState;
use crate::error::ApiResult;
use crate::i18n::{Lang, name_in};
use crate::letters::{self, DigestChat, DigestLatest};
use domain::access::Viewer;
use domain::chat::{self as rules, DigestFacts, Kind};
use domain::{ConversationId, MemberId};
use std::collections::HashMap;
use std::time::Duration;
use store::{DigestDue, DigestUnread, Member, MemberStatus};

/// Members weighed per round of a sweep.
const BATCH: i64 = 100;
/// Conversations a digest lists; more are only counted.
const LISTED: usize = 20;
/// How often each node looks for digests due.
const EVERY: Duration = Duration::from_secs(60);

/// What `serve` runs beside the server when digests are on: a sweep every minute.
pub async fn follow(state: AppState) {
    if state.config.digest_after.is_none() {
        return;
    }
    // The first sweep a minute after start, not at once: digests are hours apart, and a
    // node that has just started would only race the nodes already sweeping (a test's
    // second node included, whose sweeps the test drives itself).
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + EVERY, EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match sweep(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(digests = n, "queued e-mail digests"),
            Err(e) => tracing::warn!(error = %e.code.as_str(), "digest sweep failed"),
        }
    }
}

/// One conversation's part in a member's digest.
struct Chat {
    conversation: ConversationId,
    count: usize,
    mentioned: bool,
    /// The position of the latest message it tells of.
    latest: i64,
}

/// Queues every digest due now; returns how many.
pub async fn sweep(state: &AppState) -> ApiResult<usize> {
    let Some(after) = state.config.digest_after else { return Ok(0) };
    let store = &state.store;
    let horizon = store.digest_horizon(store.now() - after.as_millis() as i64).await?;
    let lease = state.config.mail_lease.as_millis() as i64;
    let mut sent = 0;
    loop {
        let due = store.digests_due(horizon, BATCH).await?;
        let mailable: Vec<MemberId> = due.iter().filter(|d| mailable(&d.member)).map(|d| d.member.id).collect();
        let mut unread: HashMap<MemberId, Vec<DigestUnread>> = HashMap::new();
        for u in store.digest_unread(&mailable, horizon).await? {
            unread.entry(u.me.member_id).or_default().push(u);
        }
        let mut quiet = Vec::new();
        for d in &due {
            let chats = match unread.remove(&d.member.id) {
                Some(list) => weigh(state, &d.member, list).await?,
                None => Vec::new(),
            };
            if chats.is_empty() {
                quiet.push(d.member.id);
                continue;
            }
            // Another node is building this one, or has moved the mark since: its turn.
            if !store.claim_digest(d.member.id, d.mark, lease).await? {
                continue;
            }
            let mail = letter(state, d, &chats).await?;
            if store.send_digest(d.member.id, d.mark, horizon, mail).await? {
                sent += 1;
            }
        }
        store.pass_digests(&quiet, horizon).await?;
        if (due.len() as i64) < BATCH {
            break;
        }
    }
    if sent > 0 {
        metrics::counter!("campuslink_digests_total").increment(sent as u64);
        state.mailer.wake.notify_one();
    }
    Ok(sent)
}

/// A digest can reach the member: an active account with an e-mail address.
fn mailable(m: &Member) -> bool {
    m.status == MemberStatus::Active && m.campus_id.is_some() && !m.email.trim().is_empty()
}

/// The conversations `member`'s digest tells of, latest first: each unread message
/// asked the rule, with the conversation's facts and, for direct chats, whether the two
/// still reach each other (the one reach rule, as the chat itself asks it).
async fn weigh(state: &AppState, member: &Member, unread: Vec<DigestUnread>) -> ApiResult<Vec<Chat>> {
    let viewer = Viewer { member_id: member.id, role: member.role, campus_id: member.campus_id };
    let mut facts = HashMap::new();
    for u in &unread {
        if let std::collections::hash_map::Entry::Vacant(e) = facts.entry(u.conversation_id) {
            e.insert(state.hub.memberships.get(&state.store, u.conversation_id).await?);
        }
    }
    let directs: Vec<(ConversationId, Option<MemberId>)> = facts
        .values()
        .filter(|f| f.conversation.kind == Kind::Direct)
        .map(|f| (f.conversation.id, crate::chat::peer_of(&f.members, member.id)))
        .collect();
    let open = crate::chat::directs_open(state, &viewer, &directs).await?;
    let mut chats: Vec<Chat> = Vec::new();
    for u in unread {
        let Some(f) = facts.get(&u.conversation_id) else { continue };
        let conv = &f.conversation;
        let mentioned = rules::mentioned(&u.mentions, u.mention_all, member.id);
        let told = rules::in_digest(DigestFacts {
            current_member: u.me.current() && conv.dissolved_at.is_none(),
            peer_reachable: conv.kind == Kind::Group || open.get(&conv.id).copied().unwrap_or(false),
            sees_message: u.me.sees(u.position),
            unread: u.position > u.me.read_position,
            own: u.sender_id == Some(member.id),
            system: u.system,
            recalled: u.recalled,
            muted: u.me.muted,
            mentioned,
        });
        if !told {
            continue;
        }
        match chats.iter_mut().find(|c| c.conversation == conv.id) {
            Some(c) => {
                c.count += 1;
                c.mentioned |= mentioned;
                c.latest = c.latest.max(u.position);
            }
            None => chats.push(Chat { conversation: conv.id, count: 1, mentioned, latest: u.position }),
        }
    }
    chats.sort_by_key(|c| std::cmp::Reverse(c.latest));
    Ok(chats)
}

/// The digest's e-mail: the conversations' names and latest messages, in the member's
/// language, written by `letters`.
async fn letter(state: &AppState, d: &DigestDue, chats: &[Chat]) -> ApiResult<store::Mail> {
    let store = &state.store;
    let lang = Lang::from_tag(&d.settings.lang);
    let listed = &chats[..chats.len().min(LISTED)];
    let latest = if d.settings.preview {
        let positions: Vec<i64> = listed.iter().map(|c| c.latest).collect();
        store.messages_at(&positions).await?.into_iter().map(|m| (m.conversation_id, m)).collect()
    } else {
        HashMap::new()
    };
    let mut people: Vec<MemberId> = latest.values().filter_map(|m| m.sender_id).collect();
    let mut names = Vec::with_capacity(listed.len());
    for c in listed {
        let f = state.hub.memberships.get(store, c.conversation).await?;
        let peer = match f.conversation.kind {
            Kind::Direct => crate::chat::peer_of(&f.members, d.member.id),
            Kind::Group => None,
        };
        people.extend(peer);
        names.push((f.conversation.name.clone(), peer));
    }
    let refs = state.hub.refs.many(store, &people).await?;
    let name_of = |id: MemberId| refs.get(&id).map(|r| name_in(lang, &r.name_zh, &r.name_pt).to_owned());
    let base = state.config.public_url.clone().unwrap_or_else(|| d.settings.app_url.trim_end_matches('/').to_owned());
    let listed: Vec<DigestChat> = listed
        .iter()
        .zip(names)
        .map(|(c, (group, peer))| DigestChat {
            name: match peer {
                Some(p) => name_of(p).unwrap_or_default(),
                None => group,
            },
            unread: c.count,
            mentioned: c.mentioned,
            latest: latest.get(&c.conversation).map(|m| DigestLatest {
                sender: m.sender_id.and_then(name_of).unwrap_or_default(),
                text: m.text.clone(),
                attachment: m.attachment.as_ref().map(|a| (a.kind, a.name.clone())),
            }),
            url: format!("{base}/chats/{}", c.conversation),
        })
        .collect();
    let hours = super::digest_after_hours(state);
    let reader = name_in(lang, &d.member.name_zh, &d.member.name_pt);
    Ok(letters::digest(&d.member.email, lang, reader, hours, &listed, chats.len() - listed.len(), &format!("{base}/")))
}
