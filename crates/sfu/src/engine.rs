//! The engine: every session, one socket, one loop.
//!
//! Media arrives on the UDP socket, or framed on a TCP connection to the same port
//! (tcp.rs) from a network that blocks UDP; either way it is matched to its session by
//! its source the same way.
//!
//! Each turn: read what datagrams are waiting (a bounded number), hand each to its
//! session, let time pass in the sessions that are due, then drain every session that
//! has something to say — datagrams to send, and events (media, keyframe requests,
//! data-channel text) that become work for the other sessions of its room. Sessions
//! hold one another only by ids, so a session can go at any point.

use crate::layers::{self, Layer};
use crate::pressure::{Pressure, Shed};
use crate::signal::{self, FromPeer, ToPeer};
use crate::tcp::{self, TcpEvent};
use crate::{Command, EngineClock, Notice, PeerId, RoomId, SfuConfig, SfuError, Stats};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use str0m::bwe::Bitrate;
use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::channel::ChannelId;
use str0m::format::{Codec, FormatParams};
use str0m::media::{Direction, Frequency, KeyframeRequestKind, MediaData, MediaKind, Mid, Pt, Rid};
use str0m::net::{Protocol, Receive, TcpType};
use str0m::{Candidate, Event, IceConnectionState, Input, Output, Rtc};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

/// Datagrams read in one turn before the sessions are drained.
const READ_BATCH: usize = 64;
/// The longest a turn waits when no session has a timeout sooner.
const IDLE_TURN: Duration = Duration::from_millis(100);
/// How many of its timeouts that have already come one session is handed in a row
/// while it is drained (each lets str0m's pacer send one more packet); then the other
/// sessions get their turn.
const DRIVE_ROUNDS: usize = 64;
/// How often a source is asked for a keyframe at most.
const KEYFRAME_EVERY: Duration = Duration::from_millis(500);
/// How long a simulcast layer may go without a packet before a receiver set on it is
/// given another: a browser short of uplink or CPU stops sending its top layers, and
/// even the smallest layer at a low frame rate sends a frame every few hundred ms.
const LAYER_GONE: Duration = Duration::from_secs(1);
/// How often the loudest speaker is looked for.
const SPEAKER_EVERY: Duration = Duration::from_millis(400);

/// How often the engine measures the wait in its socket, and what wait counts as
/// falling behind (audio that waits longer is heard late; see `pressure`).
const PROBE_EVERY: Duration = Duration::from_millis(100);
const LATE: Duration = Duration::from_millis(50);
/// A probe not back in this long was dropped (the queue was full): another goes.
const PROBE_LOST: Duration = Duration::from_secs(2);

/// A socket of the engine's own that sends its media socket probes, on this machine.
struct Prober {
    socket: std::net::UdpSocket,
    /// Its address (where probes come from) and the media socket's.
    from: SocketAddr,
    to: SocketAddr,
    seq: u64,
    /// The probe on its way, and when it went.
    out: Option<(u64, Instant)>,
    next: Instant,
}

impl Prober {
    /// A probe socket for the media socket at `local`: on the loopback address when
    /// that is every address, else on the same one.
    fn new(local: SocketAddr) -> Option<Prober> {
        let ip = match local.ip() {
            std::net::IpAddr::V4(a) if a.is_unspecified() => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::IpAddr::V6(a) if a.is_unspecified() => std::net::Ipv6Addr::LOCALHOST.into(),
            ip => ip,
        };
        let to = SocketAddr::new(ip, local.port());
        let made = std::net::UdpSocket::bind(SocketAddr::new(ip, 0))
            .and_then(|s| s.set_nonblocking(true).map(|()| s))
            .and_then(|s| s.local_addr().map(|from| (s, from)));
        match made {
            Ok((socket, from)) => Some(Prober { socket, from, to, seq: 0, out: None, next: Instant::now() }),
            Err(e) => {
                tracing::warn!(error = %e, "the media engine cannot measure its socket's queue: it will shed no video");
                None
            }
        }
    }
}

/// Index of a session in the engine's table.
type Slot = usize;

struct TrackIn {
    mid: Mid,
    kind: MediaKind,
    screen: bool,
    simulcast: bool,
    /// When a keyframe was last asked for, per layer (`Layer::index`; the last for a
    /// track without layers): receivers switching to different layers at once each get
    /// theirs.
    last_keyframe_request: [Option<Instant>; 4],
    /// The simulcast layers the sender was last told someone receives (`Layer::index`;
    /// none told yet: it sends all).
    told_active: Option<[bool; 3]>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OutState {
    ToOpen,
    Negotiating(Mid),
    Open(Mid),
    ToStop(Mid),
    Stopping(Mid),
}

struct TrackOut {
    /// The source: its participant and the mid of the track on the source's session.
    from: PeerId,
    from_mid: Mid,
    kind: MediaKind,
    screen: bool,
    state: OutState,
    /// The layer forwarded now, and the one wanted (switched to at its next keyframe).
    layer: Option<Layer>,
    target: Option<Layer>,
    /// When a packet of each layer last came in (`Layer::index`). All start at the
    /// first packet of any, so a layer the source never sends counts as gone a moment
    /// later rather than at once.
    arrived: [Option<Instant>; 3],
}

impl TrackOut {
    fn mid(&self) -> Option<Mid> {
        match self.state {
            OutState::ToOpen => None,
            OutState::Negotiating(m) | OutState::Open(m) | OutState::ToStop(m) | OutState::Stopping(m) => Some(m),
        }
    }
}

struct Session {
    room: RoomId,
    peer: PeerId,
    rtc: Rtc,
    channel: Option<ChannelId>,
    pending: Option<SdpPendingOffer>,
    tracks_in: Vec<TrackIn>,
    tracks_out: Vec<TrackOut>,
    /// Heights this participant shows others' cameras at (absent: the default).
    wants: HashMap<PeerId, u32>,
    /// The estimate of what can be sent to it.
    budget: Option<u64>,
    /// Since when it has no working connection (from the start, until ICE completes).
    down_since: Option<Instant>,
    connected: bool,
    due: Instant,
    /// Its time has already passed in str0m at `due` (a datagram it took did that), so
    /// draining it needs no timeout first.
    timed: bool,
    /// The loudest recent audio level (RFC 6464: 0 is loudest, 127 silence).
    level: u8,
    /// What video the engine sheds now, and who speaks in the room (whose camera is
    /// the last shed): copied here for `choose_layers`.
    shed: Shed,
    speaker: Option<PeerId>,
    /// A test asked for a panic at its next drain (`Sfu::fault`).
    #[cfg(feature = "testing")]
    fault: bool,
}

impl Session {
    /// Makes it due now: something was asked of it that str0m acts on in its timeout.
    fn wake(&mut self, now: Instant) {
        self.due = now;
        self.timed = false;
    }
}

/// What one session's output asks of the others in its room.
// Nearly every item is media, so boxing the big variant would only add an allocation
// per frame.
#[allow(clippy::large_enum_variant)]
enum Work {
    TrackOpened { room: RoomId, from: PeerId, mid: Mid, kind: MediaKind, screen: bool },
    TrackClosed { room: RoomId, from: PeerId, mid: Mid },
    Media { room: RoomId, from: PeerId, data: MediaData },
    Keyframe { room: RoomId, to: PeerId, mid: Mid, rid: Option<Rid>, kind: KeyframeRequestKind },
}

/// Why a session goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Gone {
    /// The server took it out (a hang-up, a room closed, a new join): nothing to tell.
    Left,
    /// Its connection died, or never came up: the server is told.
    Dropped,
    /// It panicked inside str0m: dropped, and the server told as for a dead connection.
    Failed,
}

/// Runs `f`, which works on one session, and catches a panic in it (str0m's, on input
/// no one foresaw), so that one session's fault ends that session and not every call
/// of the engine. `None`: it panicked.
fn guarded<R>(f: impl FnOnce() -> R) -> Option<R> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok()
}

pub(crate) struct Engine {
    config: SfuConfig,
    candidates: Vec<Candidate>,
    socket: UdpSocket,
    clock: EngineClock,
    notices: mpsc::UnboundedSender<Notice>,
    sessions: Vec<Option<Session>>,
    free: Vec<Slot>,
    /// Sessions by where their packets come from (UDP, or a TCP connection).
    by_addr: HashMap<(Protocol, SocketAddr), Slot>,
    /// Open TCP connections by their remote address: the sender to their writer.
    tcp: HashMap<SocketAddr, mpsc::Sender<Vec<u8>>>,
    tcp_events: Option<mpsc::Receiver<TcpEvent>>,
    by_peer: HashMap<(RoomId, PeerId), Slot>,
    rooms: HashMap<RoomId, Vec<Slot>>,
    speakers: HashMap<RoomId, PeerId>,
    next_speaker_check: Instant,
    work: VecDeque<Work>,
    unmatched: u64,
    local: SocketAddr,
    crypto: Arc<str0m::crypto::CryptoProvider>,
    /// Where the handle reads what this engine carries, to place new rooms (see
    /// `publish_load`).
    load: Arc<AtomicUsize>,
    /// Whether it keeps up with its socket, and so what video it sheds.
    pressure: Pressure,
    /// What measures that, and what it last measured: how long a datagram waits in the
    /// socket before the engine reads it.
    prober: Option<Prober>,
    delay: Duration,
    #[cfg(feature = "testing")]
    shed_pinned: bool,
}

/// Default camera height a receiver gets until it says otherwise.
const DEFAULT_HEIGHT: u32 = 360;

impl Engine {
    pub(crate) fn new(
        config: SfuConfig,
        advertise: Vec<SocketAddr>,
        socket: UdpSocket,
        tcp_events: Option<mpsc::Receiver<TcpEvent>>,
        clock: EngineClock,
        notices: mpsc::UnboundedSender<Notice>,
        load: Arc<AtomicUsize>,
    ) -> Engine {
        let mut candidates: Vec<Candidate> = advertise.iter().filter_map(|a| Candidate::host(*a, "udp").ok()).collect();
        if tcp_events.is_some() {
            // Passive: the browser connects (RFC 6544). Below the UDP ones in priority.
            candidates.extend(
                advertise
                    .iter()
                    .filter_map(|a| Candidate::builder().tcp().host(*a).tcptype(TcpType::Passive).build().ok()),
            );
        }
        let local = socket.local_addr().unwrap_or(config.bind);
        let prober = if config.shed_video { Prober::new(local) } else { None };
        let now = clock.now();
        Engine {
            config,
            candidates,
            socket,
            clock,
            notices,
            sessions: Vec::new(),
            free: Vec::new(),
            by_addr: HashMap::new(),
            tcp: HashMap::new(),
            tcp_events,
            by_peer: HashMap::new(),
            rooms: HashMap::new(),
            speakers: HashMap::new(),
            next_speaker_check: now,
            work: VecDeque::new(),
            unmatched: 0,
            local,
            crypto: Arc::new(str0m::crypto::from_feature_flags()),
            load,
            pressure: Pressure::new(now),
            prober,
            delay: Duration::ZERO,
            #[cfg(feature = "testing")]
            shed_pinned: false,
        }
    }

    /// The sum over the rooms of their participants squared: about the streams forwarded.
    fn publish_load(&self) {
        let load = self.rooms.values().map(|r| r.len() * r.len()).sum();
        self.load.store(load, Ordering::Relaxed);
    }

    pub(crate) async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        let mut buf = vec![0u8; 2048];
        loop {
            let now = self.clock.now();
            self.drain_all(now);
            let wake = self
                .sessions
                .iter()
                .flatten()
                .map(|s| s.due)
                .min()
                .unwrap_or(now + IDLE_TURN)
                .min(now + IDLE_TURN)
                .max(now + Duration::from_millis(1));
            let sleep_for = wake.saturating_duration_since(now);
            tokio::select! {
                c = commands.recv() => match c {
                    Some(c) => self.command(c),
                    None => return,
                },
                r = self.socket.recv_from(&mut buf) => {
                    if let Ok((n, source)) = r {
                        self.receive(Protocol::Udp, source, &buf[..n]);
                    }
                    // Then whatever else is waiting, without waiting for more.
                    for _ in 1..READ_BATCH {
                        match self.socket.try_recv_from(&mut buf) {
                            Ok((n, source)) => {
                                self.receive(Protocol::Udp, source, &buf[..n]);
                            }
                            Err(_) => break,
                        }
                    }
                },
                Some(e) = next_tcp(&mut self.tcp_events) => {
                    self.tcp_event(e);
                    for _ in 1..READ_BATCH {
                        match self.tcp_events.as_mut().map(|r| r.try_recv()) {
                            Some(Ok(e)) => self.tcp_event(e),
                            _ => break,
                        }
                    }
                },
                _ = tokio::time::sleep(sleep_for) => {}
            }
            let now = self.clock.now();
            self.expire(now);
            self.probe(now);
            if self.config.shed_video && !self.shed_pinned() && self.pressure.step(now) {
                self.shed(now);
            }
        }
    }

    /// Sends the engine's socket a probe every `PROBE_EVERY` while it has sessions, one
    /// at a time, and counts one that has not come back within `UP_AFTER` as late. The
    /// socket's queue is first in, first out, so a probe's time in it is what every
    /// datagram waits then (`probed`).
    fn probe(&mut self, now: Instant) {
        if self.prober.is_none() {
            return;
        }
        if self.by_peer.is_empty() {
            // An engine with no one in it keeps up: the next call starts with all video.
            if self.pressure.level() != Shed::Nothing {
                self.pressure = Pressure::new(now);
                self.delay = Duration::ZERO;
            }
            return;
        }
        let Some(p) = &mut self.prober else { return };
        let real = Instant::now();
        if let Some((_, at)) = p.out {
            let waited = real.saturating_duration_since(at);
            if waited >= crate::pressure::UP_AFTER {
                self.pressure.read(now, true);
                self.delay = waited;
            }
            // Lost (the queue was full), or still in it: a new one after a while.
            if waited < PROBE_LOST {
                return;
            }
        }
        if real < p.next {
            return;
        }
        p.seq += 1;
        p.next = real + PROBE_EVERY;
        if p.socket.send_to(&p.seq.to_be_bytes(), p.to).is_ok() {
            p.out = Some((p.seq, real));
        }
    }

    /// A probe came back: how long it waited in the socket says whether the engine keeps up.
    fn probed(&mut self, bytes: &[u8]) {
        let Some(p) = &mut self.prober else { return };
        let (Ok(seq), Some((out, at))) = (<[u8; 8]>::try_from(bytes).map(u64::from_be_bytes), p.out) else { return };
        if seq != out {
            return;
        }
        p.out = None;
        self.delay = Instant::now().saturating_duration_since(at);
        self.pressure.read(self.clock.now(), self.delay >= LATE);
    }

    /// Whether a test set the level, which then stays until it sets `Nothing` again.
    fn shed_pinned(&self) -> bool {
        #[cfg(feature = "testing")]
        return self.shed_pinned;
        #[cfg(not(feature = "testing"))]
        false
    }

    /// Applies the pressure's level to every session: the cameras each receiver gets.
    fn shed(&mut self, now: Instant) {
        let level = self.pressure.level();
        tracing::info!(?level, sessions = self.by_peer.len(), local = %self.local, "media engine: video shed");
        let mut failed: Vec<Slot> = Vec::new();
        for (slot, s) in self.sessions.iter_mut().enumerate() {
            let Some(s) = s else { continue };
            s.shed = level;
            let told = guarded(|| {
                choose_layers(s);
                send(s, &ToPeer::Shed { level });
            });
            match told {
                Some(()) => s.wake(now),
                None => failed.push(slot),
            }
        }
        for slot in failed {
            self.fail(slot);
        }
    }

    fn command(&mut self, c: Command) {
        let now = self.clock.now();
        match c {
            Command::Join { room, peer, offer, reply } => {
                let _ = reply.send(self.join(now, room, peer, &offer));
            }
            #[cfg(feature = "testing")]
            Command::Shed { level } => {
                self.shed_pinned = level != Shed::Nothing;
                if self.pressure.set(level, now) {
                    self.shed(now);
                }
            }
            #[cfg(feature = "testing")]
            Command::Fault { room, peer } => {
                if let Some(s) = self.by_peer.get(&(room, peer)).and_then(|slot| self.sessions[*slot].as_mut()) {
                    s.fault = true;
                    s.wake(now);
                }
            }
            Command::Renegotiate { room, peer, offer, reply } => {
                let answer = match self.by_peer.get(&(room, peer)).copied() {
                    None => Err(SfuError::UnknownPeer),
                    Some(slot) => match parse_offer(&offer) {
                        Err(e) => Err(e),
                        Ok(offer) => match guarded(|| self.accept_offer(slot, offer).map(|a| a.to_sdp_string())) {
                            Some(answer) => answer,
                            None => {
                                self.fail(slot);
                                Err(SfuError::BadSdp("the media session failed on this offer".into()))
                            }
                        },
                    },
                };
                let _ = reply.send(answer);
            }
            Command::Leave { room, peer } => {
                if let Some(slot) = self.by_peer.get(&(room, peer)).copied() {
                    self.remove(slot, Gone::Left);
                }
            }
            Command::CloseRoom { room } => {
                for slot in self.rooms.get(&room).cloned().unwrap_or_default() {
                    self.remove(slot, Gone::Left);
                }
            }
            Command::Stats { reply } => {
                let live = self.sessions.iter().flatten();
                let _ = reply.send(Stats {
                    rooms: self.rooms.len(),
                    peers: live.clone().count(),
                    connected: live.clone().filter(|s| s.connected).count(),
                    down_tracks: live
                        .map(|s| s.tracks_out.iter().filter(|t| matches!(t.state, OutState::Open(_))).count())
                        .sum(),
                    unmatched: self.unmatched,
                    shed: self.pressure.level(),
                    socket_delay: self.delay,
                    cameras_held: self
                        .sessions
                        .iter()
                        .flatten()
                        .flat_map(|s| &s.tracks_out)
                        .filter(|t| t.kind == MediaKind::Video && !t.screen && t.target.is_none())
                        .count(),
                });
            }
            Command::Tick => {}
        }
    }

    fn join(&mut self, now: Instant, room: RoomId, peer: PeerId, offer: &str) -> Result<String, SfuError> {
        let parsed = parse_offer(offer)?;
        if !offer.contains("m=application") {
            return Err(SfuError::NoDataChannel);
        }
        let offer = parsed;
        if let Some(old) = self.by_peer.get(&(room, peer)).copied() {
            self.remove(old, Gone::Left);
        }
        if self.rooms.get(&room).map_or(0, |r| r.len()) >= self.config.max_per_room {
            return Err(SfuError::RoomFull);
        }
        let made = guarded(|| self.session(now, room, peer, offer)).unwrap_or_else(|| {
            tracing::error!(room = room.0, peer = %peer, "str0m failed on an offer");
            Err(SfuError::BadSdp("the offer could not be taken".into()))
        });
        let (session, sdp) = made?;
        let slot = match self.free.pop() {
            Some(s) => {
                self.sessions[s] = Some(session);
                s
            }
            None => {
                self.sessions.push(Some(session));
                self.sessions.len() - 1
            }
        };
        self.by_peer.insert((room, peer), slot);
        let members = self.rooms.entry(room).or_default();
        // What the others already send, this one is offered once its channel opens.
        let existing: Vec<(PeerId, Mid, MediaKind, bool)> = members
            .iter()
            .filter_map(|s| self.sessions[*s].as_ref())
            .flat_map(|s| s.tracks_in.iter().map(|t| (s.peer, t.mid, t.kind, t.screen)))
            .collect();
        members.push(slot);
        if let Some(s) = self.sessions[slot].as_mut() {
            for (from, from_mid, kind, screen) in existing {
                s.tracks_out.push(new_out(from, from_mid, kind, screen));
            }
        }
        self.publish_load();
        Ok(sdp)
    }

    /// A new session from its offer, and the answer.
    fn session(
        &self,
        now: Instant,
        room: RoomId,
        peer: PeerId,
        offer: SdpOffer,
    ) -> Result<(Session, String), SfuError> {
        let mut config = Rtc::builder()
            .set_crypto_provider(self.crypto.clone())
            .set_ice_lite(true)
            .clear_codecs()
            .enable_vp8(true)
            .enable_h264(true)
            .enable_bwe(Some(Bitrate::bps(self.config.start_bitrate)));
        config.codec_config().add_config(
            Pt::new_with_value(111),
            None,
            Codec::Opus,
            Frequency::FORTY_EIGHT_KHZ,
            Some(2),
            // DTX: a browser that is not spoken into sends one frame in 400 ms instead
            // of fifty a second, so in a meeting mostly the speakers' audio is forwarded.
            FormatParams {
                min_p_time: Some(10),
                use_inband_fec: Some(true),
                use_dtx: Some(true),
                ..Default::default()
            },
        );
        let mut rtc = config.build(now);
        for c in &self.candidates {
            rtc.add_local_candidate(c.clone());
        }
        let answer = rtc.sdp_api().accept_offer(offer).map_err(|e| SfuError::BadSdp(e.to_string()))?;
        let sdp = answer.to_sdp_string();
        if !has_media(&sdp) {
            return Err(SfuError::NoCommonCodec);
        }
        let session = Session {
            #[cfg(feature = "testing")]
            fault: false,
            room,
            peer,
            rtc,
            channel: None,
            pending: None,
            tracks_in: Vec::new(),
            tracks_out: Vec::new(),
            wants: HashMap::new(),
            budget: None,
            down_since: Some(now),
            connected: false,
            due: now,
            timed: false,
            level: 127,
            shed: self.pressure.level(),
            speaker: self.speakers.get(&room).copied(),
        };
        Ok((session, sdp))
    }

    fn accept_offer(&mut self, slot: Slot, offer: SdpOffer) -> Result<SdpAnswer, SfuError> {
        let s = self.sessions[slot].as_mut().ok_or(SfuError::UnknownPeer)?;
        let answer = s.rtc.sdp_api().accept_offer(offer).map_err(|e| SfuError::BadSdp(e.to_string()))?;
        // An offer of theirs voids ours: what was being negotiated is offered again.
        s.pending = None;
        for t in &mut s.tracks_out {
            match t.state {
                OutState::Negotiating(_) => t.state = OutState::ToOpen,
                OutState::Stopping(m) => t.state = OutState::ToStop(m),
                _ => {}
            }
        }
        s.wake(self.clock.now());
        Ok(answer)
    }

    fn tcp_event(&mut self, e: TcpEvent) {
        match e {
            TcpEvent::Opened { from, writer } => {
                self.tcp.insert(from, writer);
            }
            TcpEvent::Frame { from, data } => {
                let known = self.by_addr.contains_key(&(Protocol::Tcp, from));
                // A connection's first frame must be a session's connectivity check.
                if !self.receive(Protocol::Tcp, from, &data) && !known {
                    self.tcp.remove(&from);
                }
            }
            TcpEvent::Closed { from } => {
                self.tcp.remove(&from);
                self.by_addr.remove(&(Protocol::Tcp, from));
            }
        }
    }

    /// Hands a packet to its session; whether one took it.
    fn receive(&mut self, proto: Protocol, source: SocketAddr, bytes: &[u8]) -> bool {
        if proto == Protocol::Udp && self.prober.as_ref().is_some_and(|p| p.from == source) {
            self.probed(bytes);
            return true;
        }
        let Ok(contents) = bytes.try_into() else {
            self.unmatched += 1;
            return false;
        };
        let now = self.clock.now();
        let input = Input::Receive(now, Receive { proto, source, destination: self.local, contents });
        let slot = match self.by_addr.get(&(proto, source)).copied() {
            Some(slot) if self.sessions[slot].as_ref().is_some_and(|s| s.rtc.accepts(&input)) => Some(slot),
            _ => {
                // A new address (or one that changed hands): only a STUN request naming a
                // session's credentials is taken.
                let found = self
                    .sessions
                    .iter()
                    .enumerate()
                    .find(|(_, s)| s.as_ref().is_some_and(|s| s.rtc.accepts(&input)))
                    .map(|(i, _)| i);
                if let Some(slot) = found {
                    self.by_addr.insert((proto, source), slot);
                }
                found
            }
        };
        let Some(slot) = slot else {
            self.unmatched += 1;
            return false;
        };
        if let Some(s) = self.sessions[slot].as_mut() {
            match guarded(|| s.rtc.handle_input(input)) {
                Some(Ok(())) => {}
                Some(Err(e)) => {
                    tracing::debug!(error = %e, peer = %s.peer, "media session failed");
                    s.rtc.disconnect();
                }
                None => {
                    self.fail(slot);
                    return true;
                }
            }
        }
        // A DTLS record (RFC 7983: first byte 20 to 63) is polled out at once: str0m's
        // DTLS layer keeps at most 30 unread and fails the session past that, and a
        // peer's answer to a meeting's offer arrives as a burst of some seventy. Media
        // waits for the batch's end, one poll per session rather than per packet.
        if bytes.first().is_some_and(|b| (20..=63).contains(b)) {
            self.drain(slot, now);
        } else if let Some(s) = self.sessions[slot].as_mut() {
            // str0m handled its timeout with the datagram: the drain only polls it,
            // unless something is written to it before then.
            s.due = now;
            s.timed = true;
        }
        true
    }

    /// Sessions whose time has come, and everything their output leads to.
    fn drain_all(&mut self, now: Instant) {
        // What one session's output gives the others (a frame to forward) makes them
        // due at once: they are drained in the same turn, not at their next timeout.
        loop {
            for slot in 0..self.sessions.len() {
                let Some(s) = self.sessions[slot].as_mut() else { continue };
                if s.due <= now {
                    if !std::mem::take(&mut s.timed) && guarded(|| drive(s, now)).is_none() {
                        self.fail(slot);
                        continue;
                    }
                    self.drain(slot, now);
                }
            }
            if self.work.is_empty() {
                break;
            }
            while let Some(w) = self.work.pop_front() {
                self.apply(w, now);
            }
        }
        if now >= self.next_speaker_check {
            self.next_speaker_check = now + SPEAKER_EVERY;
            self.announce_speakers();
            self.announce_layers(now);
        }
    }

    /// Polls one session until it has nothing more to say now.
    ///
    /// str0m's pacer lets one packet out per timeout it handles, so a session with a
    /// queue (a receiver given frames from everyone in a meeting) is handed a timeout
    /// here after each RTP packet it sends, up to `DRIVE_ROUNDS` in a row, and polled
    /// again. Left for the engine's next turn instead, it sent one packet a turn, and a
    /// meeting of thirty's receivers fell behind their tiles. Handing the timeout at once
    /// rather than first polling the session to its `Timeout` (which only says "now") saves
    /// a whole poll, one that looks at every track's timers, per packet.
    fn drain(&mut self, slot: Slot, now: Instant) {
        if guarded(|| self.drain_session(slot, now)).is_none() {
            self.fail(slot);
        }
    }

    /// `drain`, unguarded.
    fn drain_session(&mut self, slot: Slot, now: Instant) {
        #[cfg(feature = "testing")]
        if self.sessions[slot].as_ref().is_some_and(|s| s.fault) {
            panic!("a fault a test asked for");
        }
        let mut rounds = 0;
        loop {
            let Some(s) = self.sessions[slot].as_mut() else { return };
            if !s.rtc.is_alive() {
                s.due = now + IDLE_TURN;
                return;
            }
            negotiate(s);
            let output = match s.rtc.poll_output() {
                Ok(o) => o,
                Err(e) => {
                    tracing::debug!(error = %e, peer = %s.peer, "media session failed");
                    s.rtc.disconnect();
                    return;
                }
            };
            match output {
                Output::Timeout(t) => {
                    s.due = t;
                    if rounds == DRIVE_ROUNDS {
                        return;
                    }
                    let at = self.clock.now();
                    if t > at {
                        return;
                    }
                    rounds += 1;
                    if !drive(s, at) {
                        return;
                    }
                }
                Output::Transmit(t) => {
                    let media = is_rtp(&t.contents);
                    match t.proto {
                        // A full send buffer drops the datagram, as the network would.
                        Protocol::Udp => {
                            let _ = self.socket.try_send_to(&t.contents, t.destination);
                        }
                        Protocol::Tcp => {
                            if let (Some(w), Some(f)) = (self.tcp.get(&t.destination), tcp::frame(&t.contents)) {
                                let _ = w.try_send(f);
                            }
                        }
                        _ => {}
                    }
                    if media && rounds < DRIVE_ROUNDS {
                        rounds += 1;
                        let at = self.clock.now();
                        if let Some(s) = self.sessions[slot].as_mut()
                            && !drive(s, at)
                        {
                            return;
                        }
                    }
                }
                Output::Event(e) => self.event(slot, e, now),
            }
        }
    }

    fn event(&mut self, slot: Slot, e: Event, now: Instant) {
        let Some(s) = self.sessions[slot].as_mut() else { return };
        let (room, peer) = (s.room, s.peer);
        match e {
            Event::IceConnectionStateChange(state) => match state {
                IceConnectionState::Connected | IceConnectionState::Completed => {
                    s.down_since = None;
                    s.connected = true;
                }
                IceConnectionState::Disconnected => {
                    s.connected = false;
                    s.down_since.get_or_insert(now);
                }
                _ => {}
            },
            Event::ChannelOpen(id, _) => {
                s.channel = Some(id);
                // Joining while the engine sheds video: told at once, not at the next change.
                if s.shed != Shed::Nothing {
                    send(s, &ToPeer::Shed { level: s.shed });
                }
            }
            Event::ChannelData(d) if !d.binary => {
                if let Ok(m) = serde_json::from_slice::<FromPeer>(&d.data) {
                    self.said(slot, m);
                }
            }
            Event::MediaAdded(m) if matches!(m.direction, Direction::RecvOnly | Direction::SendRecv) => {
                if s.tracks_in.iter().any(|t| t.mid == m.mid) || s.tracks_out.iter().any(|t| t.mid() == Some(m.mid)) {
                    return;
                }
                let screen = m.kind == MediaKind::Video && s.tracks_in.iter().any(|t| t.kind == MediaKind::Video);
                s.tracks_in.push(TrackIn {
                    mid: m.mid,
                    kind: m.kind,
                    screen,
                    simulcast: m.simulcast.is_some(),
                    last_keyframe_request: [None; 4],
                    told_active: None,
                });
                self.work.push_back(Work::TrackOpened { room, from: peer, mid: m.mid, kind: m.kind, screen });
            }
            Event::MediaChanged(m) => {
                let receiving = matches!(m.direction, Direction::RecvOnly | Direction::SendRecv);
                if !receiving && let Some(i) = s.tracks_in.iter().position(|t| t.mid == m.mid) {
                    s.tracks_in.remove(i);
                    self.work.push_back(Work::TrackClosed { room, from: peer, mid: m.mid });
                }
            }
            Event::MediaData(data) => {
                if data.params.spec().codec.is_audio()
                    && let Some(level) = data.ext_vals.audio_level
                {
                    s.level = s.level.min(level.unsigned_abs());
                }
                if !data.contiguous {
                    let told = s.tracks_in.iter().find(|t| t.mid == data.mid).and_then(|t| t.told_active);
                    if gap_needs_keyframe(told, data.rid.as_deref()) {
                        request_keyframe(s, data.mid, data.rid, KeyframeRequestKind::Fir, now);
                    }
                }
                self.work.push_back(Work::Media { room, from: peer, data });
            }
            Event::KeyframeRequest(req) => {
                if let Some(t) = s.tracks_out.iter().find(|t| t.mid() == Some(req.mid)) {
                    let rid = t.layer.map(|l| Rid::from(l.rid()));
                    self.work.push_back(Work::Keyframe { room, to: t.from, mid: t.from_mid, rid, kind: req.kind });
                }
            }
            Event::EgressBitrateEstimate(kind) => {
                let estimate = match kind {
                    str0m::bwe::BweKind::Twcc { estimate, .. } | str0m::bwe::BweKind::Remb { estimate, .. } => estimate,
                    _ => return,
                };
                s.budget = Some(estimate.as_u64());
                choose_layers(s);
            }
            _ => {}
        }
    }

    fn said(&mut self, slot: Slot, m: FromPeer) {
        let Some(s) = self.sessions[slot].as_mut() else { return };
        match m {
            FromPeer::Offer { sdp } => {
                if s.pending.is_some() {
                    // Ours goes first; theirs comes again after they answer it.
                    return;
                }
                let Ok(offer) = SdpOffer::from_sdp_string(&sdp) else { return };
                if let Ok(answer) = self.accept_offer(slot, offer)
                    && let Some(s) = self.sessions[slot].as_mut()
                {
                    send(s, &ToPeer::Answer { sdp: &answer.to_sdp_string() });
                }
            }
            FromPeer::Answer { sdp } => {
                let (Some(pending), Ok(answer)) = (s.pending.take(), SdpAnswer::from_sdp_string(&sdp)) else {
                    return;
                };
                if let Err(e) = s.rtc.sdp_api().accept_answer(pending, answer) {
                    tracing::debug!(error = %e, peer = %s.peer, "answer refused");
                    s.rtc.disconnect();
                    return;
                }
                for t in &mut s.tracks_out {
                    if let OutState::Negotiating(m) = t.state {
                        t.state = OutState::Open(m);
                    }
                }
                s.tracks_out.retain(|t| !matches!(t.state, OutState::Stopping(_)));
                choose_layers(s);
            }
            FromPeer::Want { peer, height } => {
                s.wants.insert(peer, height.min(4320));
                choose_layers(s);
            }
        }
        if let Some(s) = self.sessions[slot].as_mut() {
            s.wake(self.clock.now());
        }
    }

    fn apply(&mut self, w: Work, now: Instant) {
        let room = match &w {
            Work::TrackOpened { room, .. }
            | Work::TrackClosed { room, .. }
            | Work::Media { room, .. }
            | Work::Keyframe { room, .. } => *room,
        };
        let Some(members) = self.rooms.get(&room) else { return };
        let mut wanted_keyframes: Vec<(PeerId, Mid, Rid)> = Vec::new();
        let mut failed: Vec<Slot> = Vec::new();
        for &slot in members {
            let Some(s) = self.sessions[slot].as_mut() else { continue };
            let done = guarded(|| match &w {
                Work::TrackOpened { from, mid, kind, screen, .. } if *from != s.peer => {
                    s.tracks_out.push(new_out(*from, *mid, *kind, *screen));
                    choose_layers(s);
                    s.wake(now);
                }
                Work::TrackClosed { from, mid, .. } if *from != s.peer => {
                    let this = |t: &TrackOut| t.from == *from && t.from_mid == *mid;
                    // Never offered: nothing to take back.
                    s.tracks_out.retain(|t| !(this(t) && t.state == OutState::ToOpen));
                    for t in s.tracks_out.iter_mut().filter(|t| this(t)) {
                        if let OutState::Negotiating(m) | OutState::Open(m) = t.state {
                            t.state = OutState::ToStop(m);
                        }
                    }
                    s.wake(now);
                }
                Work::Media { from, data, .. } if *from != s.peer => match forward(s, *from, data, now) {
                    // Only a session given a frame has anything to do now: most of what
                    // arrives is a simulcast layer a receiver does not get.
                    Forwarded::Written => s.wake(now),
                    Forwarded::WaitingFor(k) => wanted_keyframes.push(k),
                    Forwarded::Not => {}
                },
                Work::Keyframe { to, mid, rid, kind, .. } if *to == s.peer => {
                    request_keyframe(s, *mid, *rid, *kind, now);
                }
                _ => {}
            });
            if done.is_none() {
                failed.push(slot);
            }
        }
        // Receivers waiting to switch layers need a keyframe of the new one.
        for (to, mid, rid) in wanted_keyframes {
            if let Some(slot) = self.by_peer.get(&(room, to)).copied()
                && let Some(s) = self.sessions[slot].as_mut()
                && guarded(|| request_keyframe(s, mid, Some(rid), KeyframeRequestKind::Pli, now)).is_none()
            {
                failed.push(slot);
            }
        }
        for slot in failed {
            self.fail(slot);
        }
    }

    /// Ends a session that panicked (see `guarded`), and tells the server as it would of
    /// a dead connection: the participant can join again.
    fn fail(&mut self, slot: Slot) {
        if let Some(s) = &self.sessions[slot] {
            tracing::error!(room = s.room.0, peer = %s.peer, "a media session failed inside str0m and was ended");
        }
        self.remove(slot, Gone::Failed);
    }

    /// Removes sessions that stayed down too long, or whose session ended.
    fn expire(&mut self, now: Instant) {
        let gone: Vec<Slot> = self
            .sessions
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let s = s.as_ref()?;
                let timed_out =
                    s.down_since.is_some_and(|t| now.saturating_duration_since(t) >= self.config.drop_after);
                (timed_out || !s.rtc.is_alive()).then_some(i)
            })
            .collect();
        for slot in gone {
            self.remove(slot, Gone::Dropped);
        }
    }

    fn remove(&mut self, slot: Slot, how: Gone) {
        let Some(mut s) = self.sessions[slot].take() else { return };
        // A session that panicked is only dropped: its state is not to be trusted.
        if how != Gone::Failed {
            s.rtc.disconnect();
        }
        self.free.push(slot);
        self.by_peer.remove(&(s.room, s.peer));
        let tcp = &mut self.tcp;
        self.by_addr.retain(|(proto, addr), v| {
            let keep = *v != slot;
            // Its TCP connection closes with it.
            if !keep && *proto == Protocol::Tcp {
                tcp.remove(addr);
            }
            keep
        });
        if let Some(members) = self.rooms.get_mut(&s.room) {
            members.retain(|m| *m != slot);
            if members.is_empty() {
                self.rooms.remove(&s.room);
                self.speakers.remove(&s.room);
            }
        }
        self.publish_load();
        for t in &s.tracks_in {
            self.work.push_back(Work::TrackClosed { room: s.room, from: s.peer, mid: t.mid });
        }
        if how != Gone::Left {
            let _ = self.notices.send(Notice::Dropped { room: s.room, peer: s.peer });
        }
        let now = self.clock.now();
        while let Some(w) = self.work.pop_front() {
            self.apply(w, now);
        }
    }

    /// Tells each sender which layers of its camera someone receives, when that changed,
    /// so that it encodes and sends only those (a phone's CPU and uplink, and the
    /// engine's own reading of layers no one gets). A layer counts while a receiver's
    /// target is it, or while it is still forwarded to a receiver that has a target (a
    /// switch waits for the new layer's keyframe); and while a target is not arriving
    /// (just asked for, or the sender stopped it for want of uplink or CPU), so do the
    /// layers below it, for `layers::arriving` to fall back on. A camera no one receives
    /// yet is left sending all three, so that the first receiver's layer is already there.
    fn announce_layers(&mut self, now: Instant) {
        let mut changes: Vec<(Slot, usize, [bool; 3])> = Vec::new();
        for members in self.rooms.values() {
            for &src in members {
                let Some(s) = self.sessions[src].as_ref() else { continue };
                for (i, t) in s.tracks_in.iter().enumerate() {
                    if !t.simulcast || t.screen || t.kind != MediaKind::Video {
                        continue;
                    }
                    let outs = members
                        .iter()
                        .filter(|&&r| r != src)
                        .filter_map(|&r| self.sessions[r].as_ref())
                        .flat_map(|r| &r.tracks_out)
                        .filter(|o| o.from == s.peer && o.from_mid == t.mid && matches!(o.state, OutState::Open(_)));
                    let mut wanted = [false; 3];
                    let mut receivers = 0;
                    for o in outs {
                        receivers += 1;
                        if let Some(target) = o.target {
                            wanted[target.index()] = true;
                            if let Some(l) = o.layer {
                                wanted[l.index()] = true;
                            }
                            if !still_arriving(&o.arrived, target, now) {
                                for l in Layer::ALL.into_iter().filter(|l| *l < target) {
                                    wanted[l.index()] = true;
                                }
                            }
                        }
                    }
                    if receivers > 0 && t.told_active != Some(wanted) {
                        changes.push((src, i, wanted));
                    }
                }
            }
        }
        for (slot, i, wanted) in changes {
            let Some(s) = self.sessions[slot].as_mut() else { continue };
            s.tracks_in[i].told_active = Some(wanted);
            let active: Vec<&'static str> =
                Layer::ALL.into_iter().filter(|l| wanted[l.index()]).map(Layer::rid).collect();
            if guarded(|| send(s, &ToPeer::Layers { active })).is_none() {
                self.fail(slot);
            }
        }
    }

    /// Tells each room who is loudest, when that changed.
    fn announce_speakers(&mut self) {
        let mut failed: Vec<Slot> = Vec::new();
        for (room, members) in &self.rooms {
            let loudest = members
                .iter()
                .filter_map(|s| self.sessions[*s].as_ref())
                .filter(|s| s.level < 60)
                .min_by_key(|s| s.level)
                .map(|s| s.peer);
            if let Some(peer) = loudest
                && self.speakers.get(room) != Some(&peer)
            {
                self.speakers.insert(*room, peer);
                for slot in members {
                    if let Some(s) = self.sessions.get_mut(*slot).and_then(|s| s.as_mut()) {
                        s.speaker = Some(peer);
                        let told = guarded(|| {
                            if s.shed == Shed::AllButSpeaker {
                                // The camera kept is the new speaker's.
                                choose_layers(s);
                            }
                            send(s, &ToPeer::Speaker { peer });
                        });
                        if told.is_none() {
                            failed.push(*slot);
                        }
                    }
                }
            }
        }
        for s in self.sessions.iter_mut().flatten() {
            s.level = 127;
        }
        for slot in failed {
            self.fail(slot);
        }
    }
}

/// The next event of the TCP connections; never, without them.
async fn next_tcp(events: &mut Option<mpsc::Receiver<TcpEvent>>) -> Option<TcpEvent> {
    match events {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Lets time pass in a session; whether it still works.
fn drive(s: &mut Session, at: Instant) -> bool {
    if let Err(e) = s.rtc.handle_input(Input::Timeout(at)) {
        tracing::debug!(error = %e, peer = %s.peer, "media session failed");
        s.rtc.disconnect();
        return false;
    }
    true
}

/// Whether a datagram is an RTP packet (RFC 7983: first byte 128 to 191; RFC 5761: RTCP
/// has packet types 192 to 223 in its second byte, which RTP's payload types avoid).
pub(crate) fn is_rtp(datagram: &[u8]) -> bool {
    matches!(datagram, [128..=191, b, ..] if !(192..=223).contains(b))
}

fn parse_offer(sdp: &str) -> Result<SdpOffer, SfuError> {
    if sdp.len() > 64 * 1024 {
        return Err(SfuError::BadSdp("longer than 64 KiB".into()));
    }
    SdpOffer::from_sdp_string(sdp).map_err(|e| SfuError::BadSdp(e.to_string()))
}

/// Whether an answer accepts some audio or video (a rejected m-line has port 0).
fn has_media(answer: &str) -> bool {
    answer.lines().any(|l| {
        (l.starts_with("m=audio ") || l.starts_with("m=video ")) && l.split(' ').nth(1).is_none_or(|p| p != "0")
    })
}

fn new_out(from: PeerId, from_mid: Mid, kind: MediaKind, screen: bool) -> TrackOut {
    TrackOut { from, from_mid, kind, screen, state: OutState::ToOpen, layer: None, target: None, arrived: [None; 3] }
}

fn send(s: &mut Session, m: &ToPeer) {
    let Ok(text) = serde_json::to_string(m) else { return };
    if let Some(mut ch) = s.channel.and_then(|c| s.rtc.channel(c))
        && let Err(e) = ch.write(false, text.as_bytes())
    {
        tracing::debug!(error = %e, peer = %s.peer, bytes = text.len(), "signalling message not sent");
    }
}

/// Offers the participant what changed among the others' tracks, when nothing is
/// being negotiated and its channel is open.
fn negotiate(s: &mut Session) {
    if s.channel.is_none() || s.pending.is_some() {
        return;
    }
    if !s.tracks_out.iter().any(|t| matches!(t.state, OutState::ToOpen | OutState::ToStop(_))) {
        return;
    }
    let mut change = s.rtc.sdp_api();
    for t in &mut s.tracks_out {
        match t.state {
            OutState::ToOpen => {
                let stream = signal::stream_id(t.from, t.screen);
                let track = format!("{}-{}", t.from, t.from_mid);
                let mid = change.add_media(t.kind, Direction::SendOnly, Some(stream), Some(track), None);
                t.state = OutState::Negotiating(mid);
            }
            OutState::ToStop(m) => {
                change.stop_media(m);
                t.state = OutState::Stopping(m);
            }
            _ => {}
        }
    }
    let Some((offer, pending)) = change.apply() else { return };
    s.pending = Some(pending);
    send(s, &ToPeer::Offer { sdp: &offer.to_sdp_string() });
}

/// Re-chooses the layer of each camera this participant receives.
fn choose_layers(s: &mut Session) {
    let cams: Vec<usize> = (0..s.tracks_out.len())
        .filter(|i| s.tracks_out[*i].kind == MediaKind::Video && !s.tracks_out[*i].screen)
        .collect();
    let heights: Vec<u32> = cams.iter().map(|i| shown_height(s, s.tracks_out[*i].from)).collect();
    // A shared screen is always sent whole; the cameras share what is left.
    let screens: u64 = s.tracks_out.iter().filter(|t| t.screen).count() as u64 * Layer::F.rate();
    let budget = s.budget.map(|b| b.saturating_sub(screens));
    for (i, layer) in cams.into_iter().zip(layers::choose(&heights, budget)) {
        s.tracks_out[i].target = layer;
    }
    // What it would take to send every tile its layer: the estimator probes up to it.
    let audio = s.tracks_out.iter().filter(|t| t.kind == MediaKind::Audio).count() as u64 * AUDIO_RATE;
    let wanted: u64 = heights.iter().filter_map(|h| layers::for_height(*h)).map(|l| l.rate()).sum();
    let desired = (wanted + screens + audio) * 11 / 10;
    s.rtc.bwe().set_desired_bitrate(Bitrate::bps(desired.max(AUDIO_RATE)));
}

/// The height at which a receiver shows `from`'s camera, within what the engine
/// sheds: 0 for none.
fn shown_height(s: &Session, from: PeerId) -> u32 {
    let wanted = *s.wants.get(&from).unwrap_or(&DEFAULT_HEIGHT);
    wanted.min(s.shed.max_height(s.speaker == Some(from)))
}

/// What one forwarded Opus stream takes, about.
const AUDIO_RATE: u64 = 64_000;

/// What `forward` did with a frame for one receiver.
enum Forwarded {
    Written,
    /// Nothing: the receiver waits to switch layers, on a keyframe of this one.
    WaitingFor((PeerId, Mid, Rid)),
    Not,
}

/// Writes a frame to the receiver's copy of the source track, if it wants this layer.
fn forward(s: &mut Session, from: PeerId, data: &MediaData, now: Instant) -> Forwarded {
    let Some(t) = s.tracks_out.iter_mut().find(|t| t.from == from && t.from_mid == data.mid) else {
        return Forwarded::Not;
    };
    let OutState::Open(mid) = t.state else { return Forwarded::Not };
    if let Some(rid) = data.rid.as_ref().and_then(|r| Layer::from_rid(r)) {
        // Simulcast: only the layer chosen for this receiver goes through, and a switch
        // happens on a keyframe of the new layer, so the picture never breaks; until
        // then the old layer goes on. A layer that stopped coming in gives way to the
        // nearest one still arriving, until it comes back.
        let target = if t.screen { Some(Layer::F) } else { t.target };
        if t.arrived.iter().all(Option::is_none) {
            t.arrived = [Some(now); 3];
        }
        t.arrived[rid.index()] = Some(now);
        let Some(target) = target else { return Forwarded::Not };
        let arrived = t.arrived;
        let target = layers::arriving(target, |l| still_arriving(&arrived, l, now));
        if t.layer != Some(target) && rid == target && data.is_keyframe() {
            t.layer = Some(target);
        }
        if t.layer != Some(rid) {
            let waiting = t.layer != Some(target) && rid == target;
            return if waiting {
                Forwarded::WaitingFor((from, data.mid, Rid::from(target.rid())))
            } else {
                Forwarded::Not
            };
        }
    } else if t.kind == MediaKind::Video && !t.screen && shown_height(s, from) == 0 {
        return Forwarded::Not;
    }
    let Some(writer) = s.rtc.writer(mid) else { return Forwarded::Not };
    let Some(pt) = writer.match_params(data.params) else { return Forwarded::Not };
    if writer.write(pt, data.network_time, data.time, data.data.clone()).is_err() {
        s.rtc.disconnect();
    }
    Forwarded::Written
}

/// Whether layer `l` of a camera has come in within `LAYER_GONE`, by when each last did.
fn still_arriving(arrived: &[Option<Instant>; 3], l: Layer, now: Instant) -> bool {
    arrived[l.index()].is_some_and(|at| now.saturating_duration_since(at) < LAYER_GONE)
}

/// Whether a gap in a camera's layer `rid` needs a keyframe from its sender: not when
/// the sender was last told (`told_active`) that no one receives that layer. A browser
/// that goes on sending it would otherwise be made to encode keyframes for no one; a
/// receiver that later switches to the layer asks for its own keyframe.
fn gap_needs_keyframe(told_active: Option<[bool; 3]>, rid: Option<&str>) -> bool {
    match (told_active, rid.and_then(Layer::from_rid)) {
        (Some(active), Some(layer)) => active[layer.index()],
        _ => true,
    }
}

fn request_keyframe(s: &mut Session, mid: Mid, rid: Option<Rid>, kind: KeyframeRequestKind, now: Instant) {
    let Some(t) = s.tracks_in.iter_mut().find(|t| t.mid == mid) else { return };
    if t.kind != MediaKind::Video {
        return;
    }
    let rid = if t.simulcast { rid } else { None };
    let last = &mut t.last_keyframe_request[rid.as_ref().and_then(|r| Layer::from_rid(r)).map_or(3, Layer::index)];
    if last.is_some_and(|at| now.saturating_duration_since(at) < KEYFRAME_EVERY) {
        return;
    }
    *last = Some(now);
    if let Some(mut w) = s.rtc.writer(mid) {
        let _ = w.request_keyframe(rid, kind);
    }
    s.wake(now);
}

#[cfg(test)]
mod tests {
    use super::{Layer, gap_needs_keyframe, is_rtp};

    #[test]
    fn a_gap_asks_for_a_keyframe_only_in_a_layer_someone_receives() {
        let only = |l: Layer| {
            let mut a = [false; 3];
            a[l.index()] = true;
            Some(a)
        };
        // (told, layer of the gap, whether a keyframe is asked for)
        let table = [
            // Nothing told yet: the sender sends every layer, and any may be received.
            (None, Some("h"), true),
            // A camera without layers, or a rid that is not one of ours.
            (only(Layer::Q), None, true),
            (only(Layer::Q), Some("x"), true),
            // The layer someone receives, and the ones no one does.
            (only(Layer::H), Some("h"), true),
            (only(Layer::H), Some("q"), false),
            (only(Layer::H), Some("f"), false),
            (Some([true, false, true]), Some("f"), true),
            // A camera no one shows: told that nothing is received.
            (Some([false; 3]), Some("q"), false),
        ];
        for (told, rid, asks) in table {
            assert_eq!(gap_needs_keyframe(told, rid), asks, "{told:?} {rid:?}");
        }
    }

    #[test]
    fn only_rtp_counts_as_media_sent() {
        // RTP: version 2, payload types 111 (Opus) and 96 with the marker bit.
        assert!(is_rtp(&[0x80, 111, 0, 1]));
        assert!(is_rtp(&[0x90, 0x80 | 96, 0, 1]));
        // RTCP: sender report (200), receiver report (201), feedback (205, 206).
        for pt in [200u8, 201, 205, 206] {
            assert!(!is_rtp(&[0x81, pt, 0, 7]), "{pt}");
        }
        // DTLS (20 to 63), STUN (0 to 3), and what is too short to tell.
        assert!(!is_rtp(&[22, 254, 253]));
        assert!(!is_rtp(&[0, 1, 0, 0]));
        assert!(!is_rtp(&[0x80]));
        assert!(!is_rtp(&[]));
    }
}
