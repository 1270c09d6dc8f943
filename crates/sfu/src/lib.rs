//! campuslink's media server: a selective forwarding unit (SFU) for calls and meetings.
//!
//! Every participant has one WebRTC session with the server, never with another
//! participant, so people's addresses stay private and a 1:1 call and a thirty-person
//! meeting take the same path. Media is forwarded frame by frame, never decoded: Opus
//! audio, VP8 and H.264 video, simulcast layers chosen per receiver.
//!
//! Sessions live in engines: each a task on a thread of its own (so it can be pinned and
//! never competes with HTTP for a runtime), behind a UDP socket of its own. A datagram
//! is matched to its session by its source address, or for a new address by its STUN
//! username, and anything else is dropped unread. A room lives whole in one engine, the
//! least loaded when it starts (`SfuConfig::engines`, one by default), so forwarding
//! never crosses threads. [`Sfu`] is the handle the server talks to: join with an SDP
//! offer, renegotiate, leave, close a room. What the server must know back (a
//! participant's network died) comes as a [`Notice`].
//!
//! Signalling after the first offer runs over a data channel each participant opens
//! (see [`signal`]): the server offers the other participants' tracks as they come and
//! go, the participant answers, and says which layer it wants of each video.

#[cfg(feature = "client")]
pub mod client;
mod engine;
pub mod layers;
pub mod pressure;
pub mod signal;
mod tcp;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// A call or meeting: participants are forwarded each other's media only within a room.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoomId(pub u128);

/// One participant's session (a device in a call), chosen by the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct PeerId(pub u64);

impl std::fmt::Display for PeerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[derive(Clone, Debug)]
pub struct SfuConfig {
    /// The UDP address media arrives on: the first engine's. The others take the ports
    /// after it (or, on port 0, each one the system picks).
    pub bind: SocketAddr,
    /// Engines, each a thread with its own socket, carrying whole rooms.
    pub engines: usize,
    /// The addresses put in the server's ICE candidates, with the bound port. Empty:
    /// the bound address, which must then not be unspecified.
    pub advertise: Vec<IpAddr>,
    /// Participants one room may hold.
    pub max_per_room: usize,
    /// How long a participant whose connection dropped (or never completed) is kept
    /// before it is removed and the server told.
    pub drop_after: Duration,
    /// Also take ICE over TCP on the same port (RFC 6544), for networks without UDP.
    pub tcp: bool,
    /// What the server first assumes it can send each participant, in bit/s, until the
    /// estimate from the participant's feedback replaces it.
    pub start_bitrate: u64,
    /// Shed video when an engine falls behind, so that audio stays on time (`pressure`).
    /// Off in tests of other things: whether a busy test machine falls behind is not
    /// theirs to depend on.
    pub shed_video: bool,
}

impl SfuConfig {
    /// A server on loopback with an OS-chosen port: tests and benchmarks.
    pub fn loopback() -> SfuConfig {
        SfuConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            engines: 1,
            advertise: Vec::new(),
            max_per_room: 50,
            drop_after: Duration::from_secs(20),
            tcp: true,
            start_bitrate: START_BITRATE,
            shed_video: false,
        }
    }
}

/// The media socket, and ICE over TCP on the same port for networks that block UDP.
/// Without TCP (the port is taken for TCP) calls still work wherever UDP does. A port
/// the system picks (0) is picked again when its TCP twin is taken — by any process's
/// connection that happens to use that number — so that a server on a picked port
/// always takes TCP too.
fn bind(config: &SfuConfig, at: SocketAddr) -> std::io::Result<(std::net::UdpSocket, Option<std::net::TcpListener>)> {
    let tcp = |at: SocketAddr| std::net::TcpListener::bind(at).and_then(|l| l.set_nonblocking(true).map(|()| l));
    let mut attempts = if config.tcp && at.port() == 0 { 16 } else { 1 };
    loop {
        let socket = std::net::UdpSocket::bind(at)?;
        socket.set_nonblocking(true)?;
        if !config.tcp {
            return Ok((socket, None));
        }
        let local = socket.local_addr()?;
        attempts -= 1;
        match tcp(local) {
            Ok(l) => return Ok((socket, Some(l))),
            Err(_) if attempts > 0 => continue,
            Err(e) => {
                tracing::warn!(error = %e, addr = %local, "the media server takes no TCP connections");
                return Ok((socket, None));
            }
        }
    }
}

/// The first estimate of what a participant can take: enough for a 1:1 call at 360p, or
/// a meeting's small tiles, while the estimator probes for more.
pub const START_BITRATE: u64 = 1_000_000;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SfuError {
    #[error("the SDP offer could not be read: {0}")]
    BadSdp(String),
    #[error("the offer has no audio or video in a codec the server forwards (Opus, VP8, H.264)")]
    NoCommonCodec,
    #[error("the offer opens no data channel")]
    NoDataChannel,
    #[error("the room is full")]
    RoomFull,
    #[error("no such participant")]
    UnknownPeer,
    #[error("the media server has stopped")]
    Stopped,
}

/// What the engine tells the server on its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// A participant's connection dropped and did not come back within `drop_after`,
    /// or never completed: its session is gone.
    Dropped { room: RoomId, peer: PeerId },
}

/// Counts for health checks and benchmarks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub rooms: usize,
    pub peers: usize,
    pub connected: usize,
    /// Outgoing tracks being forwarded (one per receiver per source track).
    pub down_tracks: usize,
    /// Datagrams dropped unread: no session matched them.
    pub unmatched: u64,
    /// Camera down-tracks given no layer at all just now: the tile is not shown, or the
    /// receiver's bandwidth does not reach it, or the engine sheds it.
    pub cameras_held: usize,
    /// The video an engine sheds to keep up (the most of any engine).
    pub shed: pressure::Shed,
    /// How long a datagram last waited in an engine's socket before it was read (the
    /// longest of any engine): what sheds video past 50 ms.
    pub socket_delay: Duration,
}

/// Bytes the media socket's receive and send buffers ask for. A meeting of thirty takes
/// in some 4,000 datagrams a second; the default buffer (212 KB, about 150 datagrams as
/// the kernel counts them) overflows whenever one of the engine's turns takes 30 ms.
pub(crate) const SOCKET_BUFFER: usize = 4 << 20;

/// Asks for `SOCKET_BUFFER` both ways; the kernel grants at most `net.core.rmem_max`
/// and `net.core.wmem_max`, so a smaller grant is logged with the setting to raise.
fn widen_buffers(socket: &std::net::UdpSocket, local: SocketAddr) {
    let s = socket2::SockRef::from(socket);
    let _ = s.set_recv_buffer_size(SOCKET_BUFFER);
    let _ = s.set_send_buffer_size(SOCKET_BUFFER);
    // Linux reports twice what it grants (it counts its own overhead).
    let granted = s.recv_buffer_size().unwrap_or(0) / 2;
    if granted < SOCKET_BUFFER {
        tracing::warn!(
            addr = %local,
            granted,
            wanted = SOCKET_BUFFER,
            "the media socket's receive buffer is small: raise net.core.rmem_max (sysctl) for meetings"
        );
    }
}

/// Time as the engine sees it: the monotonic clock plus an offset a test can move on,
/// so a test can make a dropped connection time out without waiting.
#[derive(Clone, Default)]
pub struct EngineClock(Arc<AtomicU64>);

impl EngineClock {
    pub fn now(&self) -> Instant {
        Instant::now() + Duration::from_millis(self.0.load(Ordering::Relaxed))
    }
    /// Moves time on by `d` (tests).
    pub fn advance(&self, d: Duration) {
        self.0.fetch_add(d.as_millis() as u64, Ordering::Relaxed);
    }
}

pub(crate) enum Command {
    Join {
        room: RoomId,
        peer: PeerId,
        offer: String,
        reply: oneshot::Sender<Result<String, SfuError>>,
    },
    Renegotiate {
        room: RoomId,
        peer: PeerId,
        offer: String,
        reply: oneshot::Sender<Result<String, SfuError>>,
    },
    Leave {
        room: RoomId,
        peer: PeerId,
    },
    CloseRoom {
        room: RoomId,
    },
    Stats {
        reply: oneshot::Sender<Stats>,
    },
    /// Look at the clock now (after a test moved it).
    Tick,
    /// Shed this much video, as if the engine had fallen behind.
    #[cfg(feature = "testing")]
    Shed {
        level: pressure::Shed,
    },
    /// Panic in this session's next drain, as str0m might (tests of the engine's guard).
    #[cfg(feature = "testing")]
    Fault {
        room: RoomId,
        peer: PeerId,
    },
}

/// The handle to a running media server. Cloning shares it; the engines stop when the
/// last handle is dropped.
#[derive(Clone)]
pub struct Sfu {
    shared: Arc<Shared>,
    clock: EngineClock,
}

struct Shared {
    engines: Vec<EngineHandle>,
    /// Which engine each room lives in, from its first join until it is closed.
    rooms: Mutex<HashMap<RoomId, usize>>,
}

struct EngineHandle {
    commands: mpsc::UnboundedSender<Command>,
    local: SocketAddr,
    /// What the engine carries: the sum over its rooms of their participants squared,
    /// about the streams it forwards (n people receive n − 1 each).
    load: Arc<AtomicUsize>,
}

impl Sfu {
    /// Binds the UDP sockets and starts the engines, each on a thread of its own.
    pub fn start(config: SfuConfig) -> std::io::Result<(Sfu, mpsc::UnboundedReceiver<Notice>)> {
        Sfu::start_with_clock(config, EngineClock::default())
    }

    pub fn start_with_clock(
        config: SfuConfig,
        clock: EngineClock,
    ) -> std::io::Result<(Sfu, mpsc::UnboundedReceiver<Notice>)> {
        let (notices, notices_rx) = mpsc::unbounded_channel();
        let mut engines = Vec::new();
        for i in 0..config.engines.max(1) {
            let port = match config.bind.port() {
                0 => Some(0),
                p => u16::try_from(i).ok().and_then(|i| p.checked_add(i)),
            };
            let Some(port) = port else {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "the media server's ports run past 65535: choose a lower port or fewer engines",
                ));
            };
            engines.push(start_engine(&config, SocketAddr::new(config.bind.ip(), port), &clock, &notices)?);
        }
        Ok((Sfu { shared: Arc::new(Shared { engines, rooms: Mutex::default() }), clock }, notices_rx))
    }

    /// The first engine's UDP address.
    pub fn local_addr(&self) -> SocketAddr {
        self.shared.engines[0].local
    }

    /// Every engine's UDP address (and TCP, where it takes TCP), in order.
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.shared.engines.iter().map(|e| e.local).collect()
    }

    pub fn clock(&self) -> &EngineClock {
        &self.clock
    }

    /// Adds a participant to a room (created on first join, in the least loaded engine)
    /// from its SDP offer, which must open a data channel; answers with the SDP answer.
    /// Joining again with the same peer id replaces the old session.
    pub async fn join(&self, room: RoomId, peer: PeerId, offer: &str) -> Result<String, SfuError> {
        let engine = self.shared.engine_for(room);
        let (reply, rx) = oneshot::channel();
        self.shared.send(engine, Command::Join { room, peer, offer: offer.to_owned(), reply })?;
        rx.await.map_err(|_| SfuError::Stopped)?
    }

    /// A participant's new offer outside the data channel: an ICE restart after its
    /// network changed, when the channel cannot carry it.
    pub async fn renegotiate(&self, room: RoomId, peer: PeerId, offer: &str) -> Result<String, SfuError> {
        let engine = self.shared.engine_of(room).ok_or(SfuError::UnknownPeer)?;
        let (reply, rx) = oneshot::channel();
        self.shared.send(engine, Command::Renegotiate { room, peer, offer: offer.to_owned(), reply })?;
        rx.await.map_err(|_| SfuError::Stopped)?
    }

    pub fn leave(&self, room: RoomId, peer: PeerId) {
        if let Some(engine) = self.shared.engine_of(room) {
            let _ = self.shared.send(engine, Command::Leave { room, peer });
        }
    }

    /// Ends every session in the room.
    pub fn close_room(&self, room: RoomId) {
        let engine = self.shared.rooms.lock().unwrap_or_else(|e| e.into_inner()).remove(&room);
        if let Some(engine) = engine {
            let _ = self.shared.send(engine, Command::CloseRoom { room });
        }
    }

    /// The counts of every engine together.
    pub async fn stats(&self) -> Result<Stats, SfuError> {
        let mut all = Stats::default();
        for engine in 0..self.shared.engines.len() {
            let (reply, rx) = oneshot::channel();
            self.shared.send(engine, Command::Stats { reply })?;
            let s = rx.await.map_err(|_| SfuError::Stopped)?;
            all.rooms += s.rooms;
            all.peers += s.peers;
            all.connected += s.connected;
            all.down_tracks += s.down_tracks;
            all.unmatched += s.unmatched;
            all.cameras_held += s.cameras_held;
            all.shed = all.shed.max(s.shed);
            all.socket_delay = all.socket_delay.max(s.socket_delay);
        }
        Ok(all)
    }

    /// The UDP address of the engine room `room` lives in, if it has started.
    pub fn room_addr(&self, room: RoomId) -> Option<SocketAddr> {
        self.shared.engine_of(room).map(|e| self.shared.engines[e].local)
    }

    /// Makes the engines look at their clock (after a test moved it on).
    pub fn tick(&self) {
        for engine in 0..self.shared.engines.len() {
            let _ = self.shared.send(engine, Command::Tick);
        }
    }

    /// Makes every engine shed `level` of video, as if it had fallen behind (until its
    /// socket says otherwise): tests of what each receiver then gets.
    #[cfg(feature = "testing")]
    pub fn shed(&self, level: pressure::Shed) {
        for engine in 0..self.shared.engines.len() {
            let _ = self.shared.send(engine, Command::Shed { level });
        }
    }

    /// Makes the participant's session panic inside the engine at its next turn, as a
    /// fault in str0m would: tests that it ends only that session.
    #[cfg(feature = "testing")]
    pub fn fault(&self, room: RoomId, peer: PeerId) {
        if let Some(engine) = self.shared.engine_of(room) {
            let _ = self.shared.send(engine, Command::Fault { room, peer });
        }
    }
}

impl Shared {
    fn rooms(&self) -> std::sync::MutexGuard<'_, HashMap<RoomId, usize>> {
        self.rooms.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn engine_of(&self, room: RoomId) -> Option<usize> {
        self.rooms().get(&room).copied()
    }

    /// The room's engine; for a new room, the least loaded (the first of equals).
    fn engine_for(&self, room: RoomId) -> usize {
        *self.rooms().entry(room).or_insert_with(|| {
            let loads = self.engines.iter().map(|e| e.load.load(Ordering::Relaxed));
            least_loaded(loads)
        })
    }

    fn send(&self, engine: usize, c: Command) -> Result<(), SfuError> {
        self.engines[engine].commands.send(c).map_err(|_| SfuError::Stopped)
    }
}

/// The index of the smallest load, the first of equals.
fn least_loaded(loads: impl Iterator<Item = usize>) -> usize {
    loads.enumerate().min_by_key(|(i, l)| (*l, *i)).map_or(0, |(i, _)| i)
}

/// Binds one engine's sockets at `at` and starts it on a thread of its own.
fn start_engine(
    config: &SfuConfig,
    at: SocketAddr,
    clock: &EngineClock,
    notices: &mpsc::UnboundedSender<Notice>,
) -> std::io::Result<EngineHandle> {
    let (socket, tcp) = bind(config, at)?;
    let local = socket.local_addr()?;
    widen_buffers(&socket, local);
    let advertise: Vec<SocketAddr> = if config.advertise.is_empty() {
        if local.ip().is_unspecified() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the media server binds every address: name the addresses to advertise",
            ));
        }
        vec![local]
    } else {
        config.advertise.iter().map(|ip| SocketAddr::new(*ip, local.port())).collect()
    };
    let (commands, rx) = mpsc::unbounded_channel();
    let load = Arc::new(AtomicUsize::new(0));
    let (config, engine_clock, notices, engine_load) = (config.clone(), clock.clone(), notices.clone(), load.clone());
    std::thread::Builder::new().name("campuslink-sfu".into()).spawn(move || {
        let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "the media server could not start its runtime");
                return;
            }
        };
        runtime.block_on(async move {
            let tcp_events = tcp.and_then(|l| tokio::net::TcpListener::from_std(l).ok()).map(|l| {
                let (tx, rx) = mpsc::channel(1024);
                tokio::spawn(tcp::accept(l, tx));
                rx
            });
            match tokio::net::UdpSocket::from_std(socket) {
                Ok(socket) => {
                    engine::Engine::new(config, advertise, socket, tcp_events, engine_clock, notices, engine_load)
                        .run(rx)
                        .await
                }
                Err(e) => tracing::error!(error = %e, "the media server could not use its socket"),
            }
        });
    })?;
    Ok(EngineHandle { commands, local, load })
}

#[cfg(test)]
mod tests {
    use super::least_loaded;

    #[test]
    fn a_new_room_goes_to_the_least_loaded_engine() {
        assert_eq!(least_loaded([0].into_iter()), 0);
        assert_eq!(least_loaded([4, 0].into_iter()), 1);
        assert_eq!(least_loaded([4, 9, 1, 1].into_iter()), 2);
        assert_eq!(least_loaded([0, 0, 0].into_iter()), 0);
        assert_eq!(least_loaded(std::iter::empty()), 0);
    }
}
