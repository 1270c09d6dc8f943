//! Web Push (RFC 8030) to the installed app on a phone or a closed browser tab: each
//! device subscribes with its browser's push service; when a message is committed on
//! this node, the notifier works out who should hear of it on a device without an open
//! connection, and posts each of their subscriptions an encrypted notification
//! (RFC 8291, campuslink-webpush) signed with the server's VAPID key (RFC 8292).
//!
//! Who is told: the conversation's current members but its sender, except where it is
//! muted (消息免打擾) — an @mention of them (or @所有人) is told even then — and except
//! members with a live connection to this node (their open app shows it). A device can
//! ask for no preview: it is then told only that a message came, from which chat.
//! Several messages of one chat collapse into one notification (the push `Topic` on the
//! way, the notification `tag` on the device).
//!
//! A direct call ringing is pushed too, to the devices of the one called that have no
//! open app: urgent, kept by the push service only while it rings, and replaced on the
//! device by 未接來電 if nobody answered.
//!
//! Best effort by design: a notification that cannot be delivered is not retried
//! forever (the message itself is durable and the app catches up when opened); a push
//! service saying the subscription is gone (404, 410) removes it.

pub mod http;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use domain::{ConversationId, Invalid, MemberId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use store::{Message, PushSubscription, Store};
use tokio::sync::mpsc;

/// Messages waiting for the notifier; beyond this, new ones are not pushed (the open
/// apps and the log still have them).
const QUEUE: usize = 4096;
/// Pushes in flight at once.
const CONCURRENCY: usize = 16;
/// How long a push service keeps a notification for a device that is offline.
const TTL_SECONDS: u32 = 24 * 3600;
/// Longest text a notification carries (the whole payload must stay under 3,993 bytes).
const PREVIEW_CHARS: usize = 200;

/// What the server needs to push.
pub struct Push {
    key: webpush::VapidKey,
    /// `mailto:` or `https:` contact the push services may reach the operator at.
    subject: String,
    client: reqwest::Client,
    /// Subscriptions may name `http://127.0.0.1…` (tests' own push endpoint).
    pub allow_loopback_http: bool,
    tx: mpsc::Sender<Job>,
}

/// What the notifier has to tell.
enum Job {
    Message(Arc<Message>),
    Call(Ring),
}

/// A direct call for the notifier: ringing, or missed.
#[derive(Clone, Debug)]
pub struct Ring {
    pub call_id: domain::CallId,
    pub conversation_id: ConversationId,
    pub caller: MemberId,
    pub callee: MemberId,
    pub video: bool,
    /// Nobody answered: the ringing notification becomes 未接來電.
    pub missed: bool,
    /// How long the ringing lasts: the push service keeps it no longer.
    pub ttl_seconds: u32,
}

impl Push {
    /// The server's key (made once, kept in the database) and the notifier task.
    pub async fn start(
        store: &Store,
        hub: Arc<crate::live::Hub>,
        subject: String,
        allow_loopback_http: bool,
    ) -> store::Result<Arc<Push>> {
        let secret = store.server_secret("vapid", || webpush::VapidKey::generate().to_secret_base64url()).await?;
        let key = webpush::VapidKey::from_secret_base64url(&secret)
            .map_err(|e| store::StoreError::Corrupt(format!("the stored VAPID key: {e}")))?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| store::StoreError::Corrupt(format!("push client: {e}")))?;
        let (tx, rx) = mpsc::channel(QUEUE);
        let push = Arc::new(Push { key, subject, client, allow_loopback_http, tx });
        tokio::spawn(notify(Arc::downgrade(&push), store.clone(), hub, rx));
        Ok(push)
    }

    /// The public key browsers subscribe with (`applicationServerKey`).
    pub fn public_key(&self) -> String {
        self.key.public_base64url()
    }

    /// Hands a message committed on this node to the notifier; never waits.
    pub fn message(&self, m: Arc<Message>) {
        if m.system.is_none() && m.sender_id.is_some() {
            let _ = self.tx.try_send(Job::Message(m));
        }
    }

    /// Hands a ringing (or missed) direct call to the notifier; never waits.
    pub fn ring(&self, r: Ring) {
        let _ = self.tx.try_send(Job::Call(r));
    }
}

/// What a device sends to subscribe (`PushSubscription.toJSON()`, and whether it
/// wants previews).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscribeInput {
    #[serde(default)]
    pub endpoint: String,
    #[serde(default)]
    pub keys: SubscriptionKeys,
    /// Show who wrote and what (default); off: only that a message came, and from which chat.
    #[serde(default = "yes")]
    pub preview: bool,
    /// Ignored: what `toJSON()` also gives.
    #[serde(default, rename = "expirationTime")]
    #[schema(value_type = Option<f64>)]
    pub expiration_time: Option<serde_json::Value>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionKeys {
    #[serde(default)]
    pub p256dh: String,
    #[serde(default)]
    pub auth: String,
}

/// A device's subscription as the API shows it back.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubscriptionOut {
    pub endpoint: String,
    pub preview: bool,
}

/// Subscribes the caller's device. A malformed endpoint or key is refused with its field.
pub async fn subscribe(state: &AppState, caller: &Caller, input: SubscribeInput) -> ApiResult<SubscriptionOut> {
    if caller.member.campus_id.is_none() {
        return Err(domain::chat::ChatRefusal::BureauCannotChat.into());
    }
    let sub = webpush::parse_subscription(
        &input.endpoint,
        &input.keys.p256dh,
        &input.keys.auth,
        state.push.allow_loopback_http,
    )
    .map_err(|e| {
        let field = match e.field() {
            Some("p256dh") => "keys.p256dh",
            Some("auth") => "keys.auth",
            _ => "endpoint",
        };
        let why =
            if input.endpoint.is_empty() && field == "endpoint" { Invalid::Required } else { Invalid::InvalidFormat };
        ApiError::field(field, why)
    })?;
    let row = PushSubscription {
        endpoint: sub.endpoint.clone(),
        member_id: caller.member.id,
        p256dh: input.keys.p256dh.clone(),
        auth: input.keys.auth.clone(),
        preview: input.preview,
        created_at: state.store.now(),
    };
    state.store.save_subscription(&row).await?;
    Ok(SubscriptionOut { endpoint: row.endpoint, preview: row.preview })
}

/// Unsubscribes one of the caller's devices; another member's is left alone (as absent).
pub async fn unsubscribe(state: &AppState, caller: &Caller, endpoint: &str) -> ApiResult<()> {
    if state.store.delete_subscription(caller.member.id, endpoint).await? { Ok(()) } else { Err(ApiError::not_found()) }
}

/// What a notification carries: the service worker words it in the device's language.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Payload {
    pub conversation_id: ConversationId,
    /// "direct" or "group".
    pub kind: String,
    /// The group's name ("" for a direct chat).
    pub group: String,
    /// The sender's names; empty without a preview.
    pub sender_zh: String,
    pub sender_pt: String,
    /// The text (at most 200 characters), "" without a preview or for an attachment.
    pub text: String,
    /// "image" | "file" | "voice" when it carries one (and previews are on).
    pub attachment: Option<String>,
    /// The reader is @mentioned (or @所有人).
    pub mention: bool,
    /// Where the app opens.
    pub url: String,
    /// A direct call ringing (or missed): the sender is the caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<CallPush>,
}

/// What a call's notification says.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct CallPush {
    pub id: domain::CallId,
    pub video: bool,
    pub missed: bool,
}

/// Jobs the notifier takes in one turn: their offline members' devices are looked up
/// together, so a busy school costs one lookup per turn rather than one per message.
const JOBS_PER_TURN: usize = 256;

/// How long the notifier lets messages gather after the first of a turn. Sends come
/// one at a time even in a busy school (2,000 a second are one every half
/// millisecond), so without it every message cost a lookup of its own: measured with
/// `BENCH_PHASES=b` of benches/realtime.rs, a tenth of the server's time at 2,000
/// sends a second to members without an open app. A push takes seconds to reach a
/// phone anyway; a ringing call does not wait.
const GATHER: Duration = Duration::from_millis(50);

/// The notifier: for each message, who should hear of it and on which devices. Who has
/// no open app is decided as each job comes, right after its commit, not when the turn
/// ends: an app opened or closed meanwhile changes nothing for it.
async fn notify(push: std::sync::Weak<Push>, store: Store, hub: Arc<crate::live::Hub>, mut rx: mpsc::Receiver<Job>) {
    let limit = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let (store, hub) = (&store, &hub);
    let take = |job| async move {
        match told(store, hub, job).await {
            Ok(t) => t.filter(|t| !t.members.is_empty()),
            Err(e) => {
                tracing::warn!(error = %e, "push: cannot work out who to notify");
                None
            }
        }
    };
    while let Some(each) = gather(&mut rx, |j| matches!(j, Job::Call(_)), take).await {
        let Some(push) = push.upgrade() else { return };
        match deliveries(store, hub, &each).await {
            Ok(list) => {
                for (sub, payload, delivery) in list {
                    let Ok(permit) = limit.clone().acquire_owned().await else { return };
                    let (push, store) = (push.clone(), store.clone());
                    tokio::spawn(async move {
                        send(&push, &store, &sub, &payload, delivery).await;
                        drop(permit);
                    });
                }
            }
            Err(e) => tracing::warn!(error = %e, "push: cannot work out who to notify"),
        }
    }
}

/// One turn of jobs: the first to come, and what follows within `GATHER` of it, up to
/// `JOBS_PER_TURN`; an urgent one (a call ringing) ends the wait at once. Each job is
/// handed to `take` as it comes. `None` once the channel is closed.
async fn gather<T, U, Fut>(
    rx: &mut mpsc::Receiver<T>,
    urgent: impl Fn(&T) -> bool,
    take: impl Fn(T) -> Fut,
) -> Option<Vec<U>>
where
    Fut: std::future::Future<Output = Option<U>>,
{
    let mut jobs = Vec::with_capacity(JOBS_PER_TURN);
    if rx.recv_many(&mut jobs, JOBS_PER_TURN).await == 0 {
        return None;
    }
    let until = tokio::time::Instant::now() + GATHER;
    let (mut taken, mut out) = (0, Vec::new());
    loop {
        taken += jobs.len();
        let mut done = taken >= JOBS_PER_TURN;
        for job in jobs.drain(..) {
            done |= urgent(&job);
            out.extend(take(job).await);
        }
        if done {
            return Some(out);
        }
        match tokio::time::timeout_at(until, rx.recv_many(&mut jobs, JOBS_PER_TURN - taken)).await {
            Ok(n) if n > 0 => {}
            _ => return Some(out),
        }
    }
}

/// Whom one job tells (members without an open app), and what it needs to word it.
struct Told {
    members: Vec<MemberId>,
    /// The one it comes from: a message's sender, a call's caller.
    from: MemberId,
    about: About,
}

enum About {
    /// A message, with its conversation.
    Message(Arc<Message>, Arc<crate::live::ConversationFacts>),
    Call(Ring),
}

async fn told(store: &Store, hub: &crate::live::Hub, job: Job) -> store::Result<Option<Told>> {
    Ok(match job {
        Job::Message(m) => {
            let Some(sender) = m.sender_id else { return Ok(None) };
            let facts = hub.memberships.get(store, m.conversation_id).await?;
            let mentioned = |who: MemberId| domain::chat::mentioned(&m.mentions, m.mention_all, who);
            let candidates: Vec<MemberId> = facts
                .members
                .iter()
                .filter(|x| x.current() && x.member_id != sender && x.sees(m.position))
                .filter(|x| domain::chat::notifies(x.muted, mentioned(x.member_id)))
                .map(|x| x.member_id)
                .collect();
            Some(Told { members: hub.offline(&candidates), from: sender, about: About::Message(m, facts) })
        }
        Job::Call(r) => Some(Told { members: hub.offline(&[r.callee]), from: r.caller, about: About::Call(r) }),
    })
}

/// Each subscription to push for each job, with what to tell it and how: the devices of
/// every job's offline members in one lookup, the senders' names in another.
async fn deliveries(
    store: &Store,
    hub: &crate::live::Hub,
    each: &[Told],
) -> store::Result<Vec<(PushSubscription, Payload, Delivery)>> {
    let mut members: Vec<MemberId> = each.iter().flat_map(|t| t.members.iter().copied()).collect();
    members.sort();
    members.dedup();
    if members.is_empty() {
        return Ok(Vec::new());
    }
    let mut devices: HashMap<MemberId, Vec<PushSubscription>> = HashMap::new();
    for s in store.subscriptions_of(&members).await? {
        devices.entry(s.member_id).or_default().push(s);
    }
    if devices.is_empty() {
        return Ok(Vec::new());
    }
    let mut from: Vec<MemberId> = each.iter().map(|t| t.from).collect();
    from.sort();
    from.dedup();
    let refs = hub.refs.many(store, &from).await?;
    let mut out = Vec::new();
    for t in each {
        let who = refs.get(&t.from);
        for sub in t.members.iter().filter_map(|m| devices.get(m)).flatten() {
            let (payload, delivery) = match &t.about {
                About::Message(m, facts) => (message_payload(m, facts, who, sub), Delivery::message()),
                About::Call(r) => (ring_payload(r, who, sub), Delivery::call(r)),
            };
            out.push((sub.clone(), payload, delivery));
        }
    }
    Ok(out)
}

/// What a message's notification says to one device (names and text only where its
/// previews are on).
fn message_payload(
    m: &Message,
    facts: &crate::live::ConversationFacts,
    who: Option<&Arc<crate::chat::render::MemberRef>>,
    s: &PushSubscription,
) -> Payload {
    let preview = s.preview;
    let conv = &facts.conversation;
    Payload {
        conversation_id: m.conversation_id,
        kind: conv.kind.as_str().to_owned(),
        group: conv.name.clone(),
        sender_zh: if preview { who.map(|w| w.name_zh.clone()).unwrap_or_default() } else { String::new() },
        sender_pt: if preview { who.map(|w| w.name_pt.clone()).unwrap_or_default() } else { String::new() },
        text: if preview { m.text.chars().take(PREVIEW_CHARS).collect() } else { String::new() },
        attachment: m.attachment.as_ref().filter(|_| preview).map(|a| a.kind.as_str().to_owned()),
        mention: domain::chat::mentioned(&m.mentions, m.mention_all, s.member_id),
        url: format!("/chats/{}", m.conversation_id),
        call: None,
    }
}

/// What a call's notification says to one device of the one it rings (the caller's
/// name only where previews are on).
fn ring_payload(r: &Ring, who: Option<&Arc<crate::chat::render::MemberRef>>, s: &PushSubscription) -> Payload {
    let preview = s.preview;
    Payload {
        conversation_id: r.conversation_id,
        kind: "direct".into(),
        group: String::new(),
        sender_zh: if preview { who.map(|w| w.name_zh.clone()).unwrap_or_default() } else { String::new() },
        sender_pt: if preview { who.map(|w| w.name_pt.clone()).unwrap_or_default() } else { String::new() },
        text: String::new(),
        attachment: None,
        mention: false,
        url: format!("/chats/{}", r.conversation_id),
        call: Some(CallPush { id: r.call_id, video: r.video, missed: r.missed }),
    }
}

/// How a notification travels: how long the push service keeps it, how urgent it is,
/// and what it replaces there.
#[derive(Clone, Copy)]
struct Delivery {
    ttl_seconds: u32,
    urgent: bool,
    /// Collapse with the chat's other notifications (messages), or not (a call).
    by_chat: bool,
}

impl Delivery {
    /// An @mention is urgent for the one it names: the payload says so per device.
    fn message() -> Delivery {
        Delivery { ttl_seconds: TTL_SECONDS, urgent: false, by_chat: true }
    }

    fn call(r: &Ring) -> Delivery {
        // A ringing call is worth nothing once it stops ringing; a missed one keeps.
        let ttl_seconds = if r.missed { TTL_SECONDS } else { r.ttl_seconds.max(1) };
        Delivery { ttl_seconds, urgent: !r.missed, by_chat: false }
    }
}

/// Encrypts and posts one notification; a subscription the push service no longer
/// knows is removed.
async fn send(push: &Push, store: &Store, sub: &PushSubscription, payload: &Payload, how: Delivery) {
    let Ok(parsed) = webpush::parse_subscription(&sub.endpoint, &sub.p256dh, &sub.auth, push.allow_loopback_http)
    else {
        let _ = store.drop_subscription(&sub.endpoint).await;
        return;
    };
    let body = match serde_json::to_vec(payload)
        .map_err(|e| e.to_string())
        .and_then(|b| webpush::encrypt(&parsed, &b).map_err(|e| e.to_string()))
    {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(error = %e, "push: cannot encrypt a notification");
            return;
        }
    };
    let now = (store.now() / 1000).max(0) as u64;
    let auth = match push.key.authorization(&sub.endpoint, &push.subject, now) {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!(error = %e, "push: cannot sign for the push service");
            return;
        }
    };
    // Several messages of one chat replace each other while the device is offline.
    let topic = how.by_chat.then(|| topic(payload.conversation_id));
    let urgency = if payload.mention || how.urgent { webpush::Urgency::High } else { webpush::Urgency::Normal };
    let headers = match webpush::headers(&webpush::PushHeaders { ttl_seconds: how.ttl_seconds, urgency, topic }) {
        Ok(h) => h,
        Err(e) => {
            tracing::warn!(error = %e, "push: bad headers");
            return;
        }
    };
    let mut req = push.client.post(&sub.endpoint).header("authorization", auth).body(body);
    for (k, v) in headers {
        req = req.header(k, v);
    }
    match req.send().await {
        Ok(r) if r.status().is_success() => {
            metrics::counter!("campuslink_push_sent_total").increment(1);
        }
        Ok(r) if matches!(r.status().as_u16(), 404 | 410) => {
            tracing::info!("push: a subscription is gone; removing it");
            let _ = store.drop_subscription(&sub.endpoint).await;
        }
        Ok(r) => {
            metrics::counter!("campuslink_push_failed_total").increment(1);
            tracing::warn!(status = r.status().as_u16(), "push: the push service refused a notification");
        }
        Err(e) => {
            metrics::counter!("campuslink_push_failed_total").increment(1);
            tracing::warn!(error = %e, "push: cannot reach the push service");
        }
    }
}

/// A chat's push `Topic`: 22 base64url characters from its id (RFC 8030 §5.4 allows 32).
fn topic(c: ConversationId) -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(c.to_string().as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}

#[cfg(test)]
mod tests {
    use super::{GATHER, JOBS_PER_TURN, gather};
    use std::time::Duration;
    use tokio::sync::mpsc;
    use tokio::time::Instant;

    /// Sends `(after, job)` to a channel, each `after` ms from the start.
    fn feed(jobs: Vec<(u64, u32)>) -> mpsc::Receiver<u32> {
        let (tx, rx) = mpsc::channel(JOBS_PER_TURN * 2);
        let start = Instant::now();
        tokio::spawn(async move {
            for (after, job) in jobs {
                tokio::time::sleep_until(start + Duration::from_millis(after)).await;
                let _ = tx.send(job).await;
            }
        });
        rx
    }

    /// One turn: each job with when it was taken, and when the turn ended (ms from the
    /// start). 0 is urgent; odd jobs are taken and tell nobody.
    async fn turn(rx: &mut mpsc::Receiver<u32>) -> (Vec<(u32, u128)>, u128) {
        let start = Instant::now();
        let take = |j: u32| async move { j.is_multiple_of(2).then(|| (j, start.elapsed().as_millis())) };
        let jobs = gather(rx, |j| *j == 0, take).await.expect("a turn");
        (jobs, start.elapsed().as_millis())
    }

    // The runtime's clock is paused and moves only when every task waits: no test waits
    // for real time.
    #[tokio::test(start_paused = true)]
    async fn a_turn_gathers_what_comes_within_the_moment_taking_each_as_it_comes() {
        let gather_ms = GATHER.as_millis() as u64;
        let mut rx = feed(vec![(0, 2), (10, 4), (20, 5), (gather_ms - 1, 6), (gather_ms + 1, 8)]);
        let (jobs, ended) = turn(&mut rx).await;
        assert_eq!(jobs, vec![(2, 0), (4, 10), (6, GATHER.as_millis() - 1)]);
        assert_eq!(ended, GATHER.as_millis());
        let (jobs, _) = turn(&mut rx).await;
        assert_eq!(jobs, vec![(8, 1)], "the next turn starts with what came late");
        assert!(gather(&mut rx, |_| false, |j| async move { Some(j) }).await.is_none(), "the channel closed");
    }

    #[tokio::test(start_paused = true)]
    async fn an_urgent_job_ends_the_wait_at_once() {
        let (jobs, ended) = turn(&mut feed(vec![(0, 2), (10, 0), (20, 4)])).await;
        assert_eq!((jobs, ended), (vec![(2, 0), (0, 10)], 10));
        let (jobs, ended) = turn(&mut feed(vec![(0, 0), (1, 2)])).await;
        assert_eq!((jobs, ended), (vec![(0, 0)], 0));
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_turn_does_not_wait() {
        let many = (1..=JOBS_PER_TURN as u32 + 5).map(|j| (0, 2 * j)).collect();
        let (jobs, ended) = turn(&mut feed(many)).await;
        assert_eq!(jobs.len(), JOBS_PER_TURN);
        assert_eq!(ended, 0);
    }

    #[test]
    fn topics_are_short_and_per_chat() {
        let (a, b) = (domain::ConversationId::new(), domain::ConversationId::new());
        assert_eq!(super::topic(a).len(), 22);
        assert_eq!(super::topic(a), super::topic(a));
        assert_ne!(super::topic(a), super::topic(b));
    }
}
