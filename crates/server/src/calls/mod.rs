//! Calls and meetings (docs/calls.md): the actions the routes in `http` call.
//!
//! A call lives in a conversation. In a direct chat it rings the other person's open
//! apps until they answer on one device, decline, or the ring times out; in a group it
//! is a meeting the members join. Who may start or join is who may post there
//! (`chat::may_call`), checked again whenever the directory, an interconnection or the
//! conversation changes (`recheck`): someone who no longer may is taken out at once.
//!
//! Media goes through the built-in media server (`sfu`), one room per call, one session
//! per participant. The call itself is kept in memory on the node that hosts it; every
//! change is a `call` event in the log (to the conversation's members), so every open
//! app learns of it and one that reconnects catches up; the call's record (語音通話
//! 03:21, 未接來電) is a system message when it ends.
//!
//! With several nodes on one database, a call's row in `live_calls` (moved with its
//! event) says which node hosts it: a request for it that reaches another node is
//! passed to the host (`http::pass_on`), every node lists it and counts its people as
//! busy, and a conversation has one call across them all. The host renews its rows while
//! it runs; when it stops (it died), any node ends its calls after `HOST_LEASE`.

pub mod http;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use domain::call::{self as rules, CallRefusal, End, Outcome};
use domain::chat::Kind;
use domain::{CallId, ConversationId, MemberId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;
use store::{CallNote, SystemNote};

/// The settings of calls (`[calls]` in the configuration).
#[derive(Clone, Debug)]
pub struct CallSettings {
    /// The media server; `None`: calls are off on this node.
    pub sfu: Option<sfu::SfuConfig>,
    /// How long a call rings before it counts as missed.
    pub ring_timeout: Duration,
    /// Most participants of one meeting.
    pub max_participants: usize,
    /// STUN/TURN URLs given to the apps, besides the media server's own address.
    pub ice_servers: Vec<String>,
    /// The secret shared with the TURN server (coturn's `static-auth-secret`): apps get
    /// short-lived credentials made from it (the TURN REST convention).
    pub turn_secret: Option<String>,
    /// How long those credentials last.
    pub turn_ttl: Duration,
    /// Where the other nodes on the database reach this node's API, to pass on a
    /// request for a call hosted here; `None`: they cannot (one node).
    pub node_url: Option<String>,
}

impl Default for CallSettings {
    fn default() -> Self {
        CallSettings {
            sfu: None,
            ring_timeout: Duration::from_secs(45),
            max_participants: 50,
            ice_servers: Vec::new(),
            turn_secret: None,
            turn_ttl: Duration::from_secs(12 * 3600),
            node_url: None,
        }
    }
}

/// The calls going on on this node.
pub struct Calls {
    sfu: Option<sfu::Sfu>,
    notices: Mutex<Option<tokio::sync::mpsc::UnboundedReceiver<sfu::Notice>>>,
    live: Mutex<Registry>,
    next_peer: AtomicU64,
    /// Where the other nodes reach this one ("" when they cannot).
    node_url: String,
    /// For passing a request on to the node hosting its call.
    nodes: reqwest::Client,
    /// When this node last renewed its calls' rows (ms).
    renewed_at: AtomicI64,
}

/// How often the hosting node renews its calls' rows.
const RENEW_EVERY: Duration = Duration::from_secs(10);
/// A call whose row has not been renewed for this long has lost its node: any node
/// ends it.
pub const HOST_LEASE: Duration = Duration::from_secs(30);

/// A call as its row keeps it: as last told, and everyone who took part (its record).
#[derive(Deserialize, Serialize)]
struct Stored {
    call: CallOut,
    joined: Vec<MemberId>,
}

/// Where a call is.
#[derive(Debug)]
pub(crate) enum Host {
    /// On this node.
    Here,
    /// On another node, reached at this URL.
    There(String),
    /// Nowhere: ended (or never was).
    Nowhere,
}

#[derive(Default)]
struct Registry {
    calls: HashMap<CallId, Call>,
    by_conversation: HashMap<ConversationId, CallId>,
}

#[derive(Clone)]
struct Call {
    id: CallId,
    conversation: ConversationId,
    direct: bool,
    video: bool,
    host: MemberId,
    /// The one a direct call rings.
    callee: Option<MemberId>,
    started_at: i64,
    answered_at: Option<i64>,
    ring_until: Option<i64>,
    participants: Vec<Participant>,
    /// Everyone who took part at some point, in order (for the record).
    joined: Vec<MemberId>,
}

#[derive(Clone)]
struct Participant {
    caller: Caller,
    peer: sfu::PeerId,
    state: ParticipantState,
}

/// What a participant shows of itself.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantState {
    #[serde(default)]
    pub muted: bool,
    #[serde(default)]
    pub video: bool,
    #[serde(default)]
    pub screen: bool,
    #[serde(default)]
    pub hand: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallStatus {
    Ringing,
    Active,
    Ended,
}

/// Why someone left a call other than by hanging up (what the app tells them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    /// They no longer may take part: a campus was removed from the interconnection, or
    /// they left or were removed from the group.
    NoLongerAllowed,
    /// The host took them out.
    RemovedByHost,
    /// Their connection died and did not come back.
    ConnectionLost,
}

#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ParticipantOut {
    #[schema(value_type = uuid::Uuid)]
    pub member_id: MemberId,
    /// The id its media carries (a forwarded track's stream id).
    pub peer_id: u64,
    #[serde(flatten)]
    pub state: ParticipantState,
}

/// A call as the apps see it (the `call` event's data, and every answer here).
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct CallOut {
    #[schema(value_type = uuid::Uuid)]
    pub id: CallId,
    #[schema(value_type = uuid::Uuid)]
    pub conversation_id: ConversationId,
    /// A direct chat's call (rings) rather than a group's meeting.
    pub direct: bool,
    pub video: bool,
    pub status: CallStatus,
    #[schema(value_type = uuid::Uuid)]
    pub host_id: MemberId,
    #[schema(value_type = Option<uuid::Uuid>, required = true)]
    pub callee_id: Option<MemberId>,
    pub started_at: i64,
    #[schema(required = true)]
    pub answered_at: Option<i64>,
    /// Until when it rings (ms since the epoch), while it does.
    #[schema(required = true)]
    pub ring_until: Option<i64>,
    pub participants: Vec<ParticipantOut>,
    /// How it ended, once it has.
    #[schema(value_type = Option<crate::wire::CallOutcome>, required = true)]
    pub outcome: Option<Outcome>,
    pub seconds: u32,
    /// People this change took out of the call, and why.
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub removed: Vec<MemberId>,
    #[schema(required = true)]
    pub notice: Option<Notice>,
}

impl Call {
    fn out(&self) -> CallOut {
        CallOut {
            id: self.id,
            conversation_id: self.conversation,
            direct: self.direct,
            video: self.video,
            status: if self.ring_until.is_some() { CallStatus::Ringing } else { CallStatus::Active },
            host_id: self.host,
            callee_id: self.callee,
            started_at: self.started_at,
            answered_at: self.answered_at,
            ring_until: self.ring_until,
            participants: self
                .participants
                .iter()
                .map(|p| ParticipantOut { member_id: p.caller.member.id, peer_id: p.peer.0, state: p.state })
                .collect(),
            outcome: None,
            seconds: 0,
            removed: Vec::new(),
            notice: None,
        }
    }

    fn room(&self) -> sfu::RoomId {
        room(self.id)
    }

    fn has(&self, m: MemberId) -> bool {
        self.participants.iter().any(|p| p.caller.member.id == m)
    }
}

impl Stored {
    /// The call again, without its participants' sessions (which lived on its node).
    fn into_call(self) -> Call {
        let c = self.call;
        Call {
            id: c.id,
            conversation: c.conversation_id,
            direct: c.direct,
            video: c.video,
            host: c.host_id,
            callee: c.callee_id,
            started_at: c.started_at,
            answered_at: c.answered_at,
            ring_until: c.ring_until,
            participants: Vec::new(),
            joined: self.joined,
        }
    }
}

/// A row's call, if it is on another node that still renews it.
fn elsewhere(state: &AppState, row: &store::LiveCall, now: i64) -> bool {
    row.node != state.store.node() && row.renewed_at >= now - HOST_LEASE.as_millis() as i64
}

/// The call a row keeps.
fn stored(row: &store::LiveCall) -> ApiResult<Stored> {
    serde_json::from_str(&row.data).map_err(ApiError::internal)
}

/// Where call `id` is: here, on another node (to pass its requests on to), or nowhere.
pub(crate) async fn host_of(state: &AppState, id: CallId) -> ApiResult<Host> {
    if state.calls.registry().calls.contains_key(&id) {
        return Ok(Host::Here);
    }
    located(state, state.store.live_call(id).await?)
}

/// Where the call going on in conversation `c` is, if there is one.
pub(crate) async fn host_in(state: &AppState, c: ConversationId) -> ApiResult<Host> {
    if state.calls.registry().by_conversation.contains_key(&c) {
        return Ok(Host::Here);
    }
    located(state, state.store.live_call_in(c).await?)
}

/// Where a call not on this node is, by its row.
fn located(state: &AppState, row: Option<store::LiveCall>) -> ApiResult<Host> {
    match row {
        Some(row) if elsewhere(state, &row, state.store.clock().now_ms()) => there(row),
        _ => Ok(Host::Nowhere),
    }
}

fn there(row: store::LiveCall) -> ApiResult<Host> {
    if row.node_url.is_empty() {
        // Its node gave no address to reach it at (calls.node_url).
        tracing::warn!(call = %row.id, "a call is hosted by a node the others cannot reach: set calls.node_url");
        return Err(CallRefusal::Unavailable.into());
    }
    Ok(Host::There(row.node_url))
}

/// The media server's room of a call.
fn room(id: CallId) -> sfu::RoomId {
    sfu::RoomId(id.as_uuid().as_u128())
}

/// What `join` answers: the media server's SDP answer and how to reach it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct JoinOut {
    pub call: CallOut,
    /// The SDP answer to the offer.
    pub sdp: String,
    pub peer_id: u64,
    pub ice_servers: Vec<IceServer>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub credential: Option<String>,
}

impl Calls {
    /// Starts the media server when calls are on.
    pub fn start(settings: &CallSettings) -> std::io::Result<Calls> {
        let (sfu, notices) = match &settings.sfu {
            None => (None, None),
            Some(c) => {
                let (s, n) = sfu::Sfu::start(c.clone())?;
                let addresses: Vec<String> = s.local_addrs().iter().map(|a| a.to_string()).collect();
                tracing::info!(addresses = addresses.join(", "), "media server listening (UDP and TCP)");
                (Some(s), Some(n))
            }
        };
        let nodes = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(std::io::Error::other)?;
        Ok(Calls {
            sfu,
            notices: Mutex::new(notices),
            live: Mutex::default(),
            next_peer: AtomicU64::new(1),
            node_url: settings.node_url.clone().unwrap_or_default(),
            nodes,
            renewed_at: AtomicI64::new(0),
        })
    }

    /// For passing requests on to other nodes.
    pub(crate) fn nodes(&self) -> &reqwest::Client {
        &self.nodes
    }

    pub fn media_server(&self) -> Option<&sfu::Sfu> {
        self.sfu.as_ref()
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self, id: CallId) -> Option<Call> {
        self.registry().calls.get(&id).cloned()
    }

    fn in_any_call(&self, m: MemberId) -> bool {
        self.registry().calls.values().any(|c| c.has(m))
    }
}

fn sfu_of(state: &AppState) -> ApiResult<&sfu::Sfu> {
    state.calls.sfu.as_ref().ok_or_else(|| CallRefusal::Unavailable.into())
}

/// Writes a call's change as its event (and record), and hands it to the hub.
async fn tell(state: &AppState, out: &CallOut, note: Option<SystemNote>) -> ApiResult<()> {
    Ok(told(state, out, note).await?)
}

/// `tell`, with the store's error as it is (`start` settles a race on it). The call's
/// row moves with its event: kept while it goes on here, gone once it ended.
async fn told(state: &AppState, out: &CallOut, note: Option<SystemNote>) -> Result<(), store::StoreError> {
    let data = serde_json::to_string(out).map_err(|e| store::StoreError::Corrupt(e.to_string()))?;
    let hosting = if out.status == CallStatus::Ended {
        store::Hosting::Over { call: out.id }
    } else {
        let joined = state.calls.get(out.id).map(|c| c.joined).unwrap_or_default();
        let call = CallOut { removed: Vec::new(), notice: None, ..out.clone() };
        let row =
            serde_json::to_string(&Stored { call, joined }).map_err(|e| store::StoreError::Corrupt(e.to_string()))?;
        store::Hosting::On { call: out.id, node_url: &state.calls.node_url, data: row }
    };
    let committed = state.store.call_changed(out.conversation_id, data, &out.removed, note, Some(hosting)).await?;
    state.hub.publish(committed);
    Ok(())
}

/// `POST /conversations/{c}/calls`: a direct chat's call rings the other person; a
/// group's starts a meeting (or, if one is going on, is that one).
pub async fn start(state: &AppState, caller: &Caller, c: ConversationId, video: bool) -> ApiResult<CallOut> {
    sfu_of(state)?;
    let (conv, others) = crate::chat::may_call(state, caller, c).await?;
    let existing = {
        let r = state.calls.registry();
        r.by_conversation.get(&c).and_then(|id| r.calls.get(id)).map(Call::out)
    };
    if let Some(existing) = existing {
        return Ok(existing);
    }
    if let Some(existing) = on_another_node(state, c).await? {
        return Ok(existing);
    }
    let direct = conv.kind == Kind::Direct;
    let callee = if direct { others.first().copied() } else { None };
    let now = state.store.clock().now_ms();
    let call = Call {
        id: CallId::new(),
        conversation: c,
        direct,
        video,
        host: caller.member.id,
        callee,
        started_at: now,
        answered_at: None,
        ring_until: direct.then(|| now + state.config.calls.ring_timeout.as_millis() as i64),
        participants: Vec::new(),
        joined: Vec::new(),
    };
    if let Some(callee) = callee
        && busy(state, callee).await?
    {
        let mut out = call.out();
        out.status = CallStatus::Ended;
        out.ring_until = None;
        out.outcome = Some(Outcome::Busy);
        tell(state, &out, Some(record(&call, Outcome::Busy, 0))).await?;
        return Err(CallRefusal::Busy.into());
    }
    {
        let mut r = state.calls.registry();
        if let Some(id) = r.by_conversation.get(&c) {
            // Started from the other side at the same moment: that one it is.
            return r.calls.get(id).map(Call::out).ok_or_else(ApiError::not_found);
        }
        r.by_conversation.insert(c, call.id);
        r.calls.insert(call.id, call.clone());
    }
    let note = (!direct).then(|| record(&call, Outcome::Ongoing, 0));
    let out = call.out();
    if let Err(e) = told(state, &out, note).await {
        {
            let mut r = state.calls.registry();
            r.calls.remove(&call.id);
            r.by_conversation.remove(&c);
        }
        return match e {
            // Started on another node at the same moment: that one it is.
            store::StoreError::Duplicate(store::Unique::Call) => {
                on_another_node(state, c).await?.ok_or_else(|| CallRefusal::Ended.into())
            }
            e => Err(e.into()),
        };
    }
    ring_push(state, &call, false);
    Ok(out)
}

/// The call going on in conversation `c` on another node, if there is one. One whose
/// node is gone is ended first (and so is not one).
async fn on_another_node(state: &AppState, c: ConversationId) -> ApiResult<Option<CallOut>> {
    let Some(row) = state.store.live_call_in(c).await? else { return Ok(None) };
    let now = state.store.clock().now_ms();
    if elsewhere(state, &row, now) {
        return Ok(Some(stored(&row)?.call));
    }
    if row.node != state.store.node() {
        end_orphan(state, &row, now).await?;
    }
    Ok(None)
}

/// Whether `m` is in a call, on any node.
async fn busy(state: &AppState, m: MemberId) -> ApiResult<bool> {
    if state.calls.in_any_call(m) {
        return Ok(true);
    }
    let now = state.store.clock().now_ms();
    for row in state.store.live_calls().await? {
        if elsewhere(state, &row, now) && stored(&row)?.call.participants.iter().any(|p| p.member_id == m) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A direct call ringing (or missed) reaches the phone of the one called by Web Push
/// when no app of theirs is open.
fn ring_push(state: &AppState, call: &Call, missed: bool) {
    let Some(callee) = call.callee else { return };
    state.push.ring(crate::push::Ring {
        call_id: call.id,
        conversation_id: call.conversation,
        caller: call.host,
        callee,
        video: call.video,
        missed,
        ttl_seconds: state.config.calls.ring_timeout.as_secs().try_into().unwrap_or(u32::MAX),
    });
}

/// The record of a call in its chat: `call` for a direct one, `meeting` for a group's
/// (its join card at the start, its record at the end).
fn record(call: &Call, outcome: Outcome, seconds: u32) -> SystemNote {
    let members = if call.direct { call.callee.into_iter().collect() } else { call.joined.clone() };
    SystemNote {
        action: if call.direct { "call" } else { "meeting" }.into(),
        actor: Some(call.host),
        members,
        name: String::new(),
        call: Some(CallNote { id: call.id, video: call.video, outcome, seconds }),
    }
}

/// A call the caller may take part in now, and the conversation's check passed.
async fn callable(state: &AppState, caller: &Caller, id: CallId) -> ApiResult<Call> {
    let call = state.calls.get(id).ok_or_else(|| ApiError::from(CallRefusal::Ended))?;
    crate::chat::may_call(state, caller, call.conversation).await?;
    Ok(call)
}

/// `POST /calls/{id}/join`: the caller's device joins with its SDP offer. For the one
/// a direct call rings, this is answering it: the call is then on, and their other
/// devices stop ringing.
pub async fn join(state: &AppState, caller: &Caller, id: CallId, offer: &str) -> ApiResult<JoinOut> {
    let sfu = sfu_of(state)?;
    let call = callable(state, caller, id).await?;
    let me = caller.member.id;
    if !call.has(me) && call.participants.len() >= state.config.calls.max_participants {
        return Err(CallRefusal::Full.into());
    }
    let peer = sfu::PeerId(state.calls.next_peer.fetch_add(1, Ordering::Relaxed));
    let answer = sfu.join(call.room(), peer, offer).await.map_err(|e| match e {
        sfu::SfuError::RoomFull => ApiError::from(CallRefusal::Full),
        sfu::SfuError::Stopped => ApiError::internal("the media server stopped"),
        _ => CallRefusal::BadOffer.into(),
    })?;
    let now = state.store.clock().now_ms();
    let (out, replaced) = {
        let mut r = state.calls.registry();
        let Some(call) = r.calls.get_mut(&id) else {
            sfu.leave(room(id), peer);
            return Err(CallRefusal::Ended.into());
        };
        // One device per person: joining from another replaces the first.
        let replaced: Vec<sfu::PeerId> =
            call.participants.iter().filter(|p| p.caller.member.id == me).map(|p| p.peer).collect();
        call.participants.retain(|p| p.caller.member.id != me);
        call.participants.push(Participant {
            caller: caller.clone(),
            peer,
            state: ParticipantState { video: call.video, ..ParticipantState::default() },
        });
        if !call.joined.contains(&me) {
            call.joined.push(me);
        }
        if call.direct && me != call.host && call.answered_at.is_none() {
            call.answered_at = Some(now);
            call.ring_until = None;
        }
        if !call.direct && call.answered_at.is_none() {
            call.answered_at = Some(now);
        }
        (call.out(), replaced)
    };
    for p in replaced {
        sfu.leave(room(id), p);
    }
    tell(state, &out, None).await?;
    Ok(JoinOut { call: out, sdp: answer, peer_id: peer.0, ice_servers: ice_servers(state, me) })
}

/// `POST /calls/{id}/renegotiate`: a new offer from a participant's device (an ICE
/// restart after its network changed).
pub async fn renegotiate(state: &AppState, caller: &Caller, id: CallId, offer: &str) -> ApiResult<String> {
    let sfu = sfu_of(state)?;
    let call = callable(state, caller, id).await?;
    let peer = call
        .participants
        .iter()
        .find(|p| p.caller.member.id == caller.member.id)
        .map(|p| p.peer)
        .ok_or_else(|| ApiError::from(CallRefusal::Ended))?;
    sfu.renegotiate(call.room(), peer, offer).await.map_err(|_| CallRefusal::BadOffer.into())
}

/// `POST /calls/{id}/decline`: the one a direct call rings says no. In a meeting it
/// only stops the caller's own reminder (nothing changes for others).
pub async fn decline(state: &AppState, caller: &Caller, id: CallId) -> ApiResult<()> {
    let call = state.calls.get(id).ok_or_else(|| ApiError::from(CallRefusal::Ended))?;
    crate::chat::may_call(state, caller, call.conversation).await?;
    if call.direct && call.callee == Some(caller.member.id) && call.answered_at.is_none() {
        end(state, id, End::Decline).await?;
    }
    Ok(())
}

/// `POST /calls/{id}/leave`: hang up. A direct call ends for both; a meeting goes on
/// until its last participant leaves.
pub async fn leave(state: &AppState, caller: &Caller, id: CallId) -> ApiResult<()> {
    let call = state.calls.get(id).ok_or_else(|| ApiError::from(CallRefusal::Ended))?;
    let me = caller.member.id;
    let involved = call.has(me) || call.host == me || call.callee == Some(me);
    if !involved {
        return Err(ApiError::not_found());
    }
    if call.direct {
        return end(state, id, End::HangUp { by_caller: me == call.host }).await;
    }
    take_out(state, id, &[me], None).await
}

/// `POST /calls/{id}/state`: what the caller shows of itself (muted, camera, screen,
/// raised hand).
pub async fn set_state(state: &AppState, caller: &Caller, id: CallId, s: ParticipantState) -> ApiResult<CallOut> {
    let out = {
        let mut r = state.calls.registry();
        let call = r.calls.get_mut(&id).ok_or_else(|| ApiError::from(CallRefusal::Ended))?;
        let p = call
            .participants
            .iter_mut()
            .find(|p| p.caller.member.id == caller.member.id)
            .ok_or_else(|| ApiError::from(CallRefusal::Ended))?;
        p.state = s;
        call.out()
    };
    tell(state, &out, None).await?;
    Ok(out)
}

/// What the host of a meeting does to a participant.
#[derive(Clone, Copy, Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HostAction {
    /// Mutes them (they may unmute themselves).
    Mute,
    /// Takes them out of the meeting.
    Remove,
}

/// `POST /calls/{id}/participants/{member}`: the host mutes or removes someone.
pub async fn host(state: &AppState, caller: &Caller, id: CallId, target: MemberId, a: HostAction) -> ApiResult<()> {
    let call = callable(state, caller, id).await?;
    if call.host != caller.member.id || call.direct {
        return Err(CallRefusal::NotHost.into());
    }
    if !call.has(target) {
        return Err(ApiError::not_found());
    }
    match a {
        HostAction::Remove => take_out(state, id, &[target], Some(Notice::RemovedByHost)).await,
        HostAction::Mute => {
            let out = {
                let mut r = state.calls.registry();
                let call = r.calls.get_mut(&id).ok_or_else(|| ApiError::from(CallRefusal::Ended))?;
                for p in call.participants.iter_mut().filter(|p| p.caller.member.id == target) {
                    p.state.muted = true;
                }
                call.out()
            };
            tell(state, &out, None).await
        }
    }
}

/// `GET /calls`: the calls going on in the caller's conversations.
pub async fn current(state: &AppState, caller: &Caller) -> ApiResult<Vec<CallOut>> {
    let mut calls: Vec<CallOut> = state.calls.registry().calls.values().map(Call::out).collect();
    let now = state.store.clock().now_ms();
    for row in state.store.live_calls().await? {
        if elsewhere(state, &row, now) {
            calls.push(stored(&row)?.call);
        }
    }
    let mut out = Vec::new();
    for call in calls {
        if crate::chat::may_call(state, caller, call.conversation_id).await.is_ok() {
            out.push(call);
        }
    }
    out.sort_by_key(|c| c.started_at);
    Ok(out)
}

/// Takes people out of a meeting; the meeting ends with its last participant.
async fn take_out(state: &AppState, id: CallId, who: &[MemberId], notice: Option<Notice>) -> ApiResult<()> {
    let (out, peers, empty) = {
        let mut r = state.calls.registry();
        let Some(call) = r.calls.get_mut(&id) else { return Ok(()) };
        let peers: Vec<sfu::PeerId> =
            call.participants.iter().filter(|p| who.contains(&p.caller.member.id)).map(|p| p.peer).collect();
        call.participants.retain(|p| !who.contains(&p.caller.member.id));
        let mut out = call.out();
        out.removed = who.to_vec();
        out.notice = notice;
        (out, peers, call.participants.is_empty())
    };
    if let Some(sfu) = &state.calls.sfu {
        for p in peers {
            sfu.leave(room(id), p);
        }
    }
    if empty {
        return end_with(state, id, End::HangUp { by_caller: false }, who, notice).await;
    }
    tell(state, &out, None).await
}

async fn end(state: &AppState, id: CallId, why: End) -> ApiResult<()> {
    end_with(state, id, why, &[], None).await
}

/// Ends a call for everyone: its room closes and its record goes in the chat.
async fn end_with(
    state: &AppState,
    id: CallId,
    why: End,
    removed: &[MemberId],
    notice: Option<Notice>,
) -> ApiResult<()> {
    let call = {
        let mut r = state.calls.registry();
        let Some(call) = r.calls.remove(&id) else { return Ok(()) };
        r.by_conversation.remove(&call.conversation);
        call
    };
    if let Some(sfu) = &state.calls.sfu {
        sfu.close_room(call.room());
    }
    let now = state.store.clock().now_ms();
    let (out, note) = ended(&call, why, now, removed, notice);
    tell(state, &out, Some(note)).await
}

/// A call as it ended at `now`, and its record.
fn ended(call: &Call, why: End, now: i64, removed: &[MemberId], notice: Option<Notice>) -> (CallOut, SystemNote) {
    let (outcome, seconds) = if call.direct {
        let outcome = rules::direct_outcome(call.answered_at.is_some(), why);
        (outcome, rules::seconds(call.answered_at, now))
    } else {
        (Outcome::Completed, rules::seconds(call.answered_at.or(Some(call.started_at)), now))
    };
    let mut out = call.out();
    out.status = CallStatus::Ended;
    out.ring_until = None;
    out.participants.clear();
    out.outcome = Some(outcome);
    out.seconds = seconds;
    out.removed = removed.to_vec();
    out.notice = notice;
    (out, record(call, outcome, seconds))
}

/// Ends a call whose node is gone: as of its row's last renewal, as if everyone's
/// connection had died then. Whichever node gets there first does it, once.
async fn end_orphan(state: &AppState, row: &store::LiveCall, now: i64) -> ApiResult<()> {
    let call = stored(row)?.into_call();
    let (out, note) = ended(&call, End::Dropped, row.renewed_at, &[], Some(Notice::ConnectionLost));
    let data = serde_json::to_string(&out).map_err(ApiError::internal)?;
    let stale_before = now - HOST_LEASE.as_millis() as i64;
    if let Some(committed) = state.store.end_orphan(row, stale_before, data, Some(note)).await? {
        tracing::info!(call = %row.id, "ended a call whose node stopped");
        state.hub.publish(committed);
    }
    Ok(())
}

/// Ends the calls that rang too long (missed). `serve` runs it every second; tests
/// after moving the clock on.
pub async fn sweep(state: &AppState) -> ApiResult<usize> {
    let now = state.store.clock().now_ms();
    // This node's calls are still on; others' whose node is gone are ended.
    if now - state.calls.renewed_at.load(Ordering::Relaxed) >= RENEW_EVERY.as_millis() as i64 {
        state.store.renew_calls().await?;
        state.calls.renewed_at.store(now, Ordering::Relaxed);
    }
    let stale_before = now - HOST_LEASE.as_millis() as i64;
    let rows = state.store.live_calls().await?;
    for row in &rows {
        if row.node != state.store.node() && row.renewed_at < stale_before {
            end_orphan(state, row, now).await?;
        }
    }
    // A call of ours that another node ended as orphaned (this node lost the database
    // for longer than the lease) is over here too; its end is told already.
    let lost: Vec<Call> = {
        let mut r = state.calls.registry();
        let gone: Vec<CallId> = r
            .calls
            .values()
            .filter(|c| c.started_at < stale_before && !rows.iter().any(|row| row.id == c.id))
            .map(|c| c.id)
            .collect();
        let lost: Vec<Call> = gone.iter().filter_map(|id| r.calls.remove(id)).collect();
        for call in &lost {
            r.by_conversation.remove(&call.conversation);
        }
        lost
    };
    for call in lost {
        tracing::warn!(call = %call.id, "a call of this node was ended by another (its renewals stopped)");
        if let Some(sfu) = &state.calls.sfu {
            sfu.close_room(call.room());
        }
    }
    let due: Vec<CallId> = state
        .calls
        .registry()
        .calls
        .values()
        .filter(|c| c.ring_until.is_some_and(|t| t <= now))
        .map(|c| c.id)
        .collect();
    for id in &due {
        let call = state.calls.get(*id);
        end(state, *id, End::Timeout).await?;
        if let Some(call) = call {
            ring_push(state, &call, true);
        }
    }
    Ok(due.len())
}

/// Takes out of every call in `conversations` (every call, if `None`) whoever no
/// longer may take part: after a campus left an interconnection, a member left or was
/// removed from a group, or an account was disabled (here or on another node: whoever
/// has no session any more is out).
pub async fn recheck(state: &AppState, conversations: Option<&[ConversationId]>) -> ApiResult<()> {
    let calls: Vec<Call> = {
        let r = state.calls.registry();
        r.calls.values().filter(|c| conversations.is_none_or(|cs| cs.contains(&c.conversation))).cloned().collect()
    };
    for call in calls {
        let mut out = Vec::new();
        for p in &call.participants {
            // Their session ended (account disabled, password reset), maybe through
            // another node, which could not take them out of a call hosted here.
            if state.store.session(&p.caller.token_hash).await?.is_none() {
                out.push(p.caller.member.id);
                continue;
            }
            match crate::chat::may_call(state, &p.caller, call.conversation).await {
                Ok(_) => {}
                Err(e) if e.status.is_server_error() => return Err(e),
                Err(_) => out.push(p.caller.member.id),
            }
        }
        if out.is_empty() {
            continue;
        }
        if call.direct {
            end_with(state, call.id, End::NoLongerAllowed, &out, Some(Notice::NoLongerAllowed)).await?;
        } else {
            take_out(state, call.id, &out, Some(Notice::NoLongerAllowed)).await?;
        }
    }
    Ok(())
}

/// Takes a member out of every call (their account was disabled, or their password
/// reset: their sessions are over).
pub async fn end_member(state: &AppState, member: MemberId) -> ApiResult<()> {
    let calls: Vec<(CallId, bool)> =
        state.calls.registry().calls.values().filter(|c| c.has(member)).map(|c| (c.id, c.direct)).collect();
    for (id, direct) in calls {
        if direct {
            end_with(state, id, End::NoLongerAllowed, &[], Some(Notice::NoLongerAllowed)).await?;
        } else {
            take_out(state, id, &[member], Some(Notice::NoLongerAllowed)).await?;
        }
    }
    Ok(())
}

/// What `serve` runs beside the server: the ring timeout, and participants the media
/// server dropped.
pub async fn follow(state: AppState) {
    let notices = state.calls.notices.lock().ok().and_then(|mut n| n.take());
    let Some(mut notices) = notices else { return };
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    // Any change to the directory or an interconnection (an exposure taken back, an
    // account disabled) may end someone's right to a call: checked as its event goes out,
    // or within a second when another node's notice (a member's sessions ended there)
    // moved the generation without an event.
    let mut delivered = state.hub.delivered();
    let mut generation = state.store.generation();
    loop {
        tokio::select! {
            Ok(()) = delivered.changed() => {}
            _ = tick.tick() => {
                if let Err(e) = sweep(&state).await {
                    tracing::warn!(error = %e.code.as_str(), "call sweep failed");
                }
                record_media(&state).await;
            }
            n = notices.recv() => match n {
                None => return,
                Some(sfu::Notice::Dropped { room, peer }) => {
                    if let Err(e) = dropped(&state, room, peer).await {
                        tracing::warn!(error = %e.code.as_str(), "could not end a dropped participant's call");
                    }
                }
            },
        }
        let now = state.store.generation();
        if now != generation {
            generation = now;
            if let Err(e) = recheck(&state, None).await {
                tracing::warn!(error = %e.code.as_str(), "call check failed");
            }
        }
    }
}

/// The media server's counts as Prometheus gauges, once a second: what it carries, and
/// whether it keeps up (the wait in its socket, the video it sheds to keep audio on time).
pub async fn record_media(state: &AppState) {
    let Some(sfu) = &state.calls.sfu else { return };
    let Ok(s) = sfu.stats().await else { return };
    metrics::gauge!("campuslink_media_rooms").set(s.rooms as f64);
    metrics::gauge!("campuslink_media_participants").set(s.peers as f64);
    metrics::gauge!("campuslink_media_down_tracks").set(s.down_tracks as f64);
    metrics::gauge!("campuslink_media_socket_delay_seconds").set(s.socket_delay.as_secs_f64());
    // 0 sheds nothing; 4 every camera (docs/calls.md, "Audio first").
    metrics::gauge!("campuslink_media_video_shed_level").set(s.shed as u8 as f64);
    metrics::counter!("campuslink_media_unmatched_datagrams_total").absolute(s.unmatched);
}

/// A participant whose connection died: out of the call (a direct call ends).
pub async fn dropped(state: &AppState, room: sfu::RoomId, peer: sfu::PeerId) -> ApiResult<()> {
    let found = state
        .calls
        .registry()
        .calls
        .values()
        .find(|c| c.room() == room)
        .and_then(|c| c.participants.iter().find(|p| p.peer == peer).map(|p| (c.id, c.direct, p.caller.member.id)));
    let Some((id, direct, member)) = found else { return Ok(()) };
    if direct {
        end_with(state, id, End::Dropped, &[], Some(Notice::ConnectionLost)).await
    } else {
        take_out(state, id, &[member], Some(Notice::ConnectionLost)).await
    }
}

/// `GET /calls/ice-servers`: the ICE servers for the caller's device, so an app can
/// make its peer connection with the TURN servers before its offer. Bureau officers
/// take part in no call, so they get no TURN credentials.
pub fn ice_servers_of(state: &AppState, caller: &Caller) -> ApiResult<Vec<IceServer>> {
    sfu_of(state)?;
    crate::chat::own_campus(caller)?;
    Ok(ice_servers(state, caller.member.id))
}

/// The ICE servers an app is given: the configured STUN/TURN URLs, TURN ones with
/// credentials from the shared secret (username `expiry:member`, password the
/// base64 HMAC-SHA1 of the username).
fn ice_servers(state: &AppState, member: MemberId) -> Vec<IceServer> {
    let s = &state.config.calls;
    if s.ice_servers.is_empty() {
        return Vec::new();
    }
    let (turn, stun): (Vec<String>, Vec<String>) =
        s.ice_servers.iter().cloned().partition(|u| u.starts_with("turn:") || u.starts_with("turns:"));
    let mut out = Vec::new();
    if !stun.is_empty() {
        out.push(IceServer { urls: stun, username: None, credential: None });
    }
    if let (false, Some(secret)) = (turn.is_empty(), &s.turn_secret) {
        let expiry = state.store.clock().now_ms() / 1000 + s.turn_ttl.as_secs() as i64;
        let username = format!("{expiry}:{member}");
        let credential = turn_credential(secret, &username);
        out.push(IceServer { urls: turn, username: Some(username), credential: Some(credential) });
    }
    out
}

/// The TURN REST password for `username`: base64(HMAC-SHA1(secret, username)).
pub fn turn_credential(secret: &str, username: &str) -> String {
    use base64::Engine;
    use hmac::Mac;
    let Ok(mut mac) = <hmac::Hmac<sha1::Sha1> as Mac>::new_from_slice(secret.as_bytes()) else {
        unreachable!("HMAC takes a key of any length")
    };
    mac.update(username.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    #[test]
    fn turn_credentials_follow_the_rest_convention() {
        // Computed apart from this code, with Python's hmac and base64 modules.
        assert_eq!(super::turn_credential("north", "1334109262:alice"), "lknikPdqsOnSNmjht/g3134tSgg=");
    }
}
