//! The real-time core's server side: the hub that hands every committed event to the
//! open connections that may see it, and the in-memory facts it and the actions read
//! on the hot path (conversation members, member names, grants).
//!
//! Events reach the hub in batches from whoever committed them (the writer, or an
//! action's own transaction). The hub delivers strictly in position order: a batch
//! that starts past the last delivered position first has the gap read from the log
//! (positions are committed in order, so everything below a committed position is
//! already there). Each event is serialized once; the shared bytes go into each
//! recipient connection's bounded queue. A connection whose queue is full is told to
//! resync and dropped; it never slows anyone else.

pub mod gateway;

use crate::chat::render::{self, MemberRef, Refs};
use axum::extract::ws::Utf8Bytes;
use domain::access::Grant;
use domain::{CampusId, ConversationId, InterconnectionId, MemberId};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use store::{Audience, Committed, Event, ExposedSet, Membership, Message, Published, Store};
use tokio::sync::{Notify, mpsc, watch};

/// Why the server closes a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kick {
    /// It stopped reading: `resync` frame, then close.
    Behind,
    /// The session ended (sign-out, disabled account, password reset): close 4001.
    SessionEnded,
}

/// A registered connection, as the hub sees it.
pub struct Conn {
    pub id: u64,
    pub member: MemberId,
    pub campus: Option<CampusId>,
    pub admin: bool,
    pub session: String,
    pub frames: mpsc::Sender<(i64, Utf8Bytes)>,
    pub kick: Arc<KickSignal>,
}

#[derive(Default)]
pub struct KickSignal {
    fired: AtomicBool,
    why: Mutex<Option<Kick>>,
    notify: Notify,
}

impl KickSignal {
    pub fn fire(&self, why: Kick) {
        if !self.fired.swap(true, Ordering::SeqCst) {
            if let Ok(mut w) = self.why.lock() {
                *w = Some(why);
            }
            self.notify.notify_one();
        }
    }
    pub async fn wait(&self) -> Kick {
        loop {
            if self.fired.load(Ordering::SeqCst) {
                return self.why.lock().ok().and_then(|w| *w).unwrap_or(Kick::Behind);
            }
            self.notify.notified().await;
        }
    }
}

#[derive(Default)]
struct Registry {
    /// The highest position handed to connections.
    delivered: i64,
    next_id: u64,
    by_member: HashMap<MemberId, Vec<Arc<Conn>>>,
    by_campus: HashMap<CampusId, HashSet<MemberId>>,
}

/// A conversation and every member it ever had, with their windows: what every send,
/// read and delivery checks, kept from the database and loaded again whenever the
/// conversation changes (the hub sees every such change as an event).
pub struct ConversationFacts {
    pub conversation: store::Conversation,
    pub members: Vec<Membership>,
}

#[derive(Default)]
pub struct Memberships {
    map: RwLock<HashMap<ConversationId, Arc<ConversationFacts>>>,
    /// One load at a time per conversation not yet kept: the first send to a busy group
    /// after a start loads its members once, not once per send waiting for them.
    loading: Mutex<HashMap<ConversationId, Arc<tokio::sync::Mutex<()>>>>,
    /// Moves at every `refresh` (of any conversation, to stay one number): a load that
    /// began before one does not keep what it read, and the next `get` loads again.
    epoch: std::sync::atomic::AtomicU64,
    loads: std::sync::atomic::AtomicU64,
}

impl Memberships {
    fn kept(&self, c: ConversationId) -> Option<Arc<ConversationFacts>> {
        self.map.read().ok().and_then(|m| m.get(&c).cloned())
    }

    pub async fn get(&self, store: &Store, c: ConversationId) -> store::Result<Arc<ConversationFacts>> {
        if let Some(m) = self.kept(c) {
            return Ok(m);
        }
        let gate = match self.loading.lock() {
            Ok(mut l) => l.entry(c).or_default().clone(),
            Err(p) => p.into_inner().entry(c).or_default().clone(),
        };
        let turn = gate.lock().await;
        let found = match self.kept(c) {
            Some(m) => Ok(m),
            None => {
                let epoch = self.epoch.load(Ordering::SeqCst);
                let facts = self.load(store, c).await;
                if let Ok(f) = &facts {
                    self.keep(c, f.clone(), || self.epoch.load(Ordering::SeqCst) == epoch);
                }
                facts
            }
        };
        drop(turn);
        if let Ok(mut l) = self.loading.lock() {
            l.remove(&c);
        }
        found
    }

    /// Loads a conversation's facts again (it changed) and keeps them.
    /// What was kept goes first, so a failed load leaves nothing stale behind, and a
    /// refresh overtaken by a later one leaves the later one's facts.
    pub async fn refresh(&self, store: &Store, c: ConversationId) -> store::Result<Arc<ConversationFacts>> {
        let epoch = self.epoch.fetch_add(1, Ordering::SeqCst) + 1;
        if let Ok(mut m) = self.map.write() {
            m.remove(&c);
        }
        let facts = self.load(store, c).await?;
        self.keep(c, facts.clone(), || self.epoch.load(Ordering::SeqCst) == epoch);
        Ok(facts)
    }

    /// How many times facts were read from the database (for tests).
    pub fn loads(&self) -> u64 {
        self.loads.load(Ordering::Relaxed)
    }

    async fn load(&self, store: &Store, c: ConversationId) -> store::Result<Arc<ConversationFacts>> {
        self.loads.fetch_add(1, Ordering::Relaxed);
        let conversation = store.conversation(c).await?;
        Ok(Arc::new(ConversationFacts { conversation, members: store.memberships(c).await? }))
    }

    fn keep(&self, c: ConversationId, facts: Arc<ConversationFacts>, still: impl FnOnce() -> bool) {
        if let Ok(mut m) = self.map.write()
            && still()
        {
            if m.len() > 200_000 {
                m.clear();
            }
            m.insert(c, facts);
        }
    }
}

/// Values that hold until the directory or an interconnection changes: each is kept
/// with the store generation it was loaded at and counts only while that is current.
/// A full map starts over rather than grow without bound.
pub struct Generational<K, V> {
    map: RwLock<HashMap<K, (u64, V)>>,
    cap: usize,
}

impl<K: std::hash::Hash + Eq, V: Clone> Generational<K, V> {
    pub fn new(cap: usize) -> Self {
        Generational { map: RwLock::default(), cap }
    }

    /// The value for `key`, if it was loaded at `generation`.
    pub fn get(&self, generation: u64, key: &K) -> Option<V> {
        let m = self.map.read().ok()?;
        m.get(key).filter(|(g, _)| *g == generation).map(|(_, v)| v.clone())
    }

    pub fn put(&self, generation: u64, key: K, value: V) {
        if let Ok(mut m) = self.map.write() {
            if m.len() >= self.cap {
                m.clear();
            }
            m.insert(key, (generation, value));
        }
    }
}

/// A member's grants (`store.grants`).
pub struct GrantCache(Generational<MemberId, Arc<Vec<Grant>>>);

impl Default for GrantCache {
    fn default() -> Self {
        GrantCache(Generational::new(100_000))
    }
}

impl GrantCache {
    pub async fn get(&self, store: &Store, campus: CampusId, member: MemberId) -> store::Result<Arc<Vec<Grant>>> {
        let generation = store.generation();
        if let Some(v) = self.0.get(generation, &member) {
            return Ok(v);
        }
        let v = Arc::new(store.grants(campus, member).await?);
        self.0.put(generation, member, v.clone());
        Ok(v)
    }
}

/// What a campus shows through a set of interconnections (`store.exposed_set`): a
/// connected-campus directory page then costs no statement for it.
pub struct ExposedCache(Generational<(CampusId, Vec<InterconnectionId>), Arc<ExposedSet>>);

impl Default for ExposedCache {
    fn default() -> Self {
        ExposedCache(Generational::new(10_000))
    }
}

impl ExposedCache {
    pub async fn get(
        &self,
        store: &Store,
        campus: CampusId,
        through: &[InterconnectionId],
    ) -> store::Result<Arc<ExposedSet>> {
        let generation = store.generation();
        let mut key = (campus, through.to_vec());
        key.1.sort();
        if let Some(v) = self.0.get(generation, &key) {
            return Ok(v);
        }
        let v = Arc::new(store.exposed_set(campus, &key.1).await?);
        self.0.put(generation, key, v.clone());
        Ok(v)
    }
}

/// Whether the two people of a direct chat still reach each other, per conversation.
pub type DirectCache = Generational<ConversationId, bool>;

pub struct Hub {
    store: Store,
    registry: Mutex<Registry>,
    input: mpsc::UnboundedSender<Input>,
    /// Frames waiting for one connection before it counts as fallen behind.
    queue: usize,
    pub memberships: Memberships,
    pub refs: Refs,
    pub grants: GrantCache,
    pub exposed: ExposedCache,
    pub direct: DirectCache,
    /// Told of each message committed on this node (Web Push).
    on_message: std::sync::OnceLock<MessageListener>,
    /// The highest position delivered, for followers of the log (the search indexer).
    delivered: watch::Sender<i64>,
}

/// Told of a message committed on this node; must not block.
pub type MessageListener = Box<dyn Fn(Arc<store::Message>) + Send + Sync>;

impl Hub {
    /// Starts the hub's delivery task. `start` is the log's last position: what came
    /// before the hub started is read from the log by each connection.
    pub fn start(store: Store, start: i64, queue: usize) -> Arc<Hub> {
        let (input, rx) = mpsc::unbounded_channel();
        let hub = Arc::new(Hub {
            store,
            registry: Mutex::new(Registry { delivered: start, ..Default::default() }),
            input,
            queue: queue.max(1),
            memberships: Memberships::default(),
            refs: Refs::default(),
            grants: GrantCache::default(),
            exposed: ExposedCache::default(),
            direct: DirectCache::new(100_000),
            on_message: std::sync::OnceLock::new(),
            delivered: watch::channel(start).0,
        });
        tokio::spawn(run(Arc::downgrade(&hub), hub.store.clone(), rx));
        tokio::spawn(listen_to_other_nodes(Arc::downgrade(&hub), hub.store.clone()));
        hub
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Changes each time the hub has delivered new events (its value: the position
    /// delivered up to), including what other nodes committed: what a follower of the
    /// log waits on.
    pub fn delivered(&self) -> watch::Receiver<i64> {
        self.delivered.subscribe()
    }

    /// Whether the delivery task still runs (it owns the receiving end), for `/readyz`.
    pub fn is_running(&self) -> bool {
        !self.input.is_closed()
    }

    /// Sets who is told of each message committed on this node (once).
    pub fn on_message(&self, listener: MessageListener) {
        let _ = self.on_message.set(listener);
    }

    /// Which of `members` have no connection to this node.
    pub fn offline(&self, members: &[MemberId]) -> Vec<MemberId> {
        let r = self.registry();
        members.iter().copied().filter(|m| !r.by_member.contains_key(m)).collect()
    }

    /// Hands committed events to the delivery task. Only this node's own commits come
    /// here (other nodes' are read from the log), so a listener hears of each message once
    /// across the cluster.
    pub fn publish(&self, c: Committed) {
        if let Some(listen) = self.on_message.get() {
            for m in c.events.iter().filter_map(|p| p.message.clone()) {
                listen(m);
            }
        }
        if !c.events.is_empty() {
            let _ = self.input.send(Input::Committed(c));
        }
    }

    /// Tells the delivery task that something was committed without being handed over
    /// (a step that wrote events in its own transaction; later, another node): it reads
    /// the log from where it is.
    pub fn poke(&self) {
        let _ = self.input.send(Input::Poke);
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        match self.registry.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Registers a connection. Returns it, its queue and the position from which live
    /// events will reach it: the connection reads what it missed up to there from the
    /// log, so nothing falls between the two.
    pub fn register(
        &self,
        member: MemberId,
        campus: Option<CampusId>,
        admin: bool,
        session: String,
    ) -> (Arc<Conn>, mpsc::Receiver<(i64, Utf8Bytes)>, i64) {
        let (tx, rx) = mpsc::channel(self.queue);
        let mut r = self.registry();
        r.next_id += 1;
        let conn = Arc::new(Conn {
            id: r.next_id,
            member,
            campus,
            admin,
            session,
            frames: tx,
            kick: Arc::new(KickSignal::default()),
        });
        r.by_member.entry(member).or_default().push(conn.clone());
        if let Some(c) = campus {
            r.by_campus.entry(c).or_default().insert(member);
        }
        let from = r.delivered;
        metrics::gauge!("campuslink_ws_connections").increment(1.0);
        (conn, rx, from)
    }

    pub fn unregister(&self, conn: &Conn) {
        let mut r = self.registry();
        let mut gone = false;
        if let Some(list) = r.by_member.get_mut(&conn.member) {
            list.retain(|c| c.id != conn.id);
            gone = list.is_empty();
        }
        if gone {
            r.by_member.remove(&conn.member);
            if let Some(c) = conn.campus
                && let Some(set) = r.by_campus.get_mut(&c)
            {
                set.remove(&conn.member);
                if set.is_empty() {
                    r.by_campus.remove(&c);
                }
            }
        }
        metrics::gauge!("campuslink_ws_connections").decrement(1.0);
    }

    /// Closes the connections of a session (signed out), on every node.
    pub fn end_session(&self, token_hash: &str) {
        self.close_session(token_hash);
        self.tell_nodes(store::bus::Ended::Session(token_hash.to_owned()));
    }

    /// Closes every connection of a member (disabled, password reset), on every node;
    /// but those of the session `keep` (a token hash) when one is given.
    pub fn end_member(&self, member: MemberId, keep: Option<&str>) {
        self.close_member(member, keep);
        self.tell_nodes(store::bus::Ended::Member(member, keep.map(str::to_owned)));
    }

    /// Closes this node's connections of a session.
    fn close_session(&self, token_hash: &str) {
        let r = self.registry();
        for c in r.by_member.values().flatten().filter(|c| c.session == token_hash) {
            c.kick.fire(Kick::SessionEnded);
        }
    }

    /// Closes this node's connections of a member, but those of the session `keep`.
    fn close_member(&self, member: MemberId, keep: Option<&str>) {
        let r = self.registry();
        for c in r.by_member.get(&member).into_iter().flatten().filter(|c| keep != Some(c.session.as_str())) {
            c.kick.fire(Kick::SessionEnded);
        }
    }

    /// The other nodes close theirs when told (the sessions are already deleted, so
    /// their sockets could not be opened again).
    fn tell_nodes(&self, ended: store::bus::Ended) {
        let store = self.store.clone();
        tokio::spawn(async move {
            if let Err(e) = store.tell_nodes_ended(&ended).await {
                tracing::warn!(error = %e, "could not tell the other nodes that sessions ended");
            }
        });
    }

    /// How many connections are open (for tests and metrics).
    pub fn connections(&self) -> usize {
        self.registry().by_member.values().map(Vec::len).sum()
    }

    /// Calls `each` with every connection that reads an event at `position`, resolved
    /// from the audience (no list is built: this runs once per event per recipient).
    fn each_recipient(
        r: &Registry,
        audience: Audience,
        position: i64,
        members: Option<&[Membership]>,
        mut each: impl FnMut(&Conn),
    ) {
        let mut of = |m: &MemberId, admins_only: bool| {
            for c in r.by_member.get(m).into_iter().flatten() {
                if !admins_only || c.admin {
                    each(c);
                }
            }
        };
        match audience {
            Audience::Member(m) => of(&m, false),
            Audience::Campus(c) | Audience::CampusAdmins(c) => {
                let admins_only = matches!(audience, Audience::CampusAdmins(_));
                for m in r.by_campus.get(&c).into_iter().flatten() {
                    of(m, admins_only);
                }
            }
            Audience::Conversation(_) => {
                for m in members.into_iter().flatten().filter(|m| m.sees(position)) {
                    of(&m.member_id, false);
                }
            }
        }
    }
}

/// Whether a message changes who is in its conversation.
fn changes_membership(m: &Message) -> bool {
    m.system.as_ref().is_some_and(|s| {
        matches!(s.action.as_str(), "created" | "added" | "removed" | "left" | "campus_disconnected" | "owner_changed")
    })
}

/// With several nodes on one PostgreSQL database: what another node committed reaches
/// this node's connections from the log, woken by the other node's notification.
async fn listen_to_other_nodes(hub: std::sync::Weak<Hub>, store: Store) {
    let mut listener = loop {
        match store.listen().await {
            Ok(Some(l)) => break l,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen to the other nodes yet; retrying");
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                if hub.upgrade().is_none() {
                    return;
                }
            }
        }
    };
    loop {
        match listener.recv().await {
            Ok(heard) => match (hub.upgrade(), heard) {
                (None, _) => return,
                (Some(h), store::bus::Heard::SessionEnded(hash)) => h.close_session(&hash),
                (Some(h), store::bus::Heard::MemberEnded(m, keep)) => h.close_member(m, keep.as_deref()),
                (Some(h), _) => h.poke(),
            },
            Err(e) => {
                tracing::warn!(error = %e, "lost the other nodes' notifications; reconnecting");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                if hub.upgrade().is_none() {
                    return;
                }
            }
        }
    }
}

/// What the delivery task is handed.
pub enum Input {
    Committed(Committed),
    Poke,
}

async fn run(hub: std::sync::Weak<Hub>, store: Store, mut rx: mpsc::UnboundedReceiver<Input>) {
    loop {
        // A commit outside the writer (directory, interconnection) wakes the hub too.
        let first = tokio::select! {
            i = rx.recv() => match i {
                Some(i) => i,
                None => return,
            },
            _ = store.events_written().notified() => Input::Poke,
        };
        let Some(hub) = hub.upgrade() else { return };
        let mut poked = false;
        let mut events: Vec<Published> = Vec::new();
        let mut take = |i: Input| match i {
            Input::Committed(c) => events.extend(c.events),
            Input::Poke => poked = true,
        };
        take(first);
        while let Ok(more) = rx.try_recv() {
            take(more);
        }
        if poked {
            match hub.store.last_position().await {
                Ok(last) => {
                    let delivered = hub.registry().delivered;
                    if last > delivered && events.iter().all(|p| p.event.position != last) {
                        match fill(&hub, delivered, last).await {
                            Ok(more) => events.extend(more),
                            Err(e) => tracing::error!(error = %e, "hub: cannot read the log"),
                        }
                    }
                }
                Err(e) => tracing::error!(error = %e, "hub: cannot read the log position"),
            }
        }
        events.sort_by_key(|p| p.event.position);
        if let Err(e) = deliver(&hub, events).await {
            tracing::error!(error = %e, "hub: delivery failed; connections will catch up from the log");
        }
    }
}

/// One frame per event, rendered once, then handed to every recipient.
async fn deliver(hub: &Hub, events: Vec<Published>) -> store::Result<()> {
    let delivered = hub.registry().delivered;
    let mut list: Vec<Published> = events.into_iter().filter(|p| p.event.position > delivered).collect();
    list.dedup_by_key(|p| p.event.position);
    let Some(first) = list.first() else { return Ok(()) };
    let mut next = delivered;
    if first.event.position > delivered + 1 {
        // A gap: someone committed without (yet) publishing. The log has it.
        let gap = fill(hub, delivered, first.event.position - 1).await?;
        list.splice(0..0, gap);
    }
    // Render each event once; load what rendering needs before taking the lock.
    let mut frames = Vec::with_capacity(list.len());
    for p in &list {
        if p.event.position != next + 1 {
            tracing::warn!(position = p.event.position, after = next, "hub: out of order event skipped");
            continue;
        }
        next = p.event.position;
        let members = match p.event.audience {
            Audience::Conversation(c) => {
                let refresh = p.event.kind == "conversation"
                    || p.event.kind == "conversation_left"
                    || p.message.as_deref().is_some_and(changes_membership);
                Some(if refresh {
                    hub.memberships.refresh(&hub.store, c).await?
                } else {
                    hub.memberships.get(&hub.store, c).await?
                })
            }
            _ => None,
        };
        let frame = render::event_frame(&hub.store, &hub.refs, &p.event, p.message.as_deref()).await?;
        frames.push((p.event.position, p.event.audience, members, frame));
    }
    let mut r = hub.registry();
    for (position, audience, members, frame) in frames {
        Hub::each_recipient(&r, audience, position, members.as_deref().map(|f| f.members.as_slice()), |conn| {
            if conn.frames.try_send((position, frame.clone())).is_err() {
                conn.kick.fire(Kick::Behind);
            }
        });
        r.delivered = position;
    }
    metrics::gauge!("campuslink_hub_position").set(r.delivered as f64);
    let delivered = r.delivered;
    drop(r);
    hub.delivered.send_replace(delivered);
    Ok(())
}

async fn fill(hub: &Hub, after: i64, until: i64) -> store::Result<Vec<Published>> {
    let events: Vec<Event> = hub.store.events_between(after, until).await?;
    let positions: Vec<i64> = events.iter().filter(|e| e.kind == "message").map(|e| e.position).collect();
    let mut messages: HashMap<i64, Message> =
        hub.store.messages_at(&positions).await?.into_iter().map(|m| (m.position, m)).collect();
    Ok(events
        .into_iter()
        .map(|e| {
            let message = messages.remove(&e.position).map(Arc::new);
            Published { event: e, message }
        })
        .collect())
}

/// A member's reference as every screen shows it (name, campus, title).
pub async fn member_refs(hub: &Hub, ids: &[MemberId]) -> store::Result<HashMap<MemberId, Arc<MemberRef>>> {
    hub.refs.many(&hub.store, ids).await
}
