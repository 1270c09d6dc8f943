//! A participant made of str0m, for tests and benchmarks: it sends real RTP (Opus-sized
//! audio frames every 20 ms, VP8-framed video in three simulcast layers at 30 frames a
//! second) from its own UDP socket on loopback, answers the server's offers on its data
//! channel, and counts what it receives per forwarded stream. The payload is not real
//! Opus or VP8 — the server never decodes — but the VP8 keyframe bit is, since the
//! server switches layers on keyframes. Each frame carries the time it was written, so
//! a receiver in the same process can measure what the server adds.
//!
//! `Client::over_tcp` is a participant on a network without UDP: it reaches the server
//! by ICE over TCP (an active candidate, RFC 4571 frames on one connection).

use crate::{PeerId, layers::Layer};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::channel::ChannelId;
use str0m::format::Codec;
use str0m::media::{Direction, Frequency, MediaTime, Mid, Rid, Simulcast, SimulcastLayer};
use str0m::net::{Protocol, Receive, TcpType};
use str0m::{Candidate, Event, IceConnectionState, Input, Output, Rtc};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::{mpsc, oneshot, watch};

pub use str0m::media::MediaKind;

#[derive(Clone, Copy, Debug)]
pub struct Sends {
    pub audio: bool,
    pub video: bool,
    /// Video in three layers (`q`, `h`, `f`) rather than one.
    pub simulcast: bool,
    /// Bytes per video frame of the full layer (halved per layer down).
    pub video_frame: usize,
    /// Not speaking: the audio goes as Opus with DTX sends silence, one frame in 400 ms.
    pub silent: bool,
}

impl Default for Sends {
    fn default() -> Self {
        Sends { audio: true, video: true, simulcast: true, video_frame: 2_000, silent: false }
    }
}

/// What arrived on one forwarded stream.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Arrived {
    pub frames: u64,
    pub keyframes: u64,
    pub bytes: u64,
    /// Frames per size class: which simulcast layer the server chose (`q`, `h`, `f`).
    pub layers: BTreeMap<&'static str, u64>,
}

/// What the participant has seen so far.
#[derive(Clone, Debug, Default)]
pub struct Seen {
    pub connected: bool,
    /// By the forwarded stream's id (`"<peer>"`, `"<peer>-screen"`) and kind.
    pub arrived: HashMap<(String, MediaKind), Arrived>,
    pub speaker: Option<PeerId>,
    /// The video the server last said it sheds (`signal::ToPeer::Shed`), as it named it.
    pub shed: Option<String>,
    /// The layers of its camera the server last said someone receives.
    pub active_layers: Option<Vec<String>>,
    /// Whether the server's session ended (it closed the connection).
    pub closed: bool,
    /// Audio and video frames this participant has written (each simulcast layer once).
    pub sent_audio: u64,
    pub sent_video: u64,
    /// Bytes of every datagram that reached this participant, as on the wire.
    pub wire_bytes: u64,
}

impl Seen {
    pub fn frames(&self, stream: &str, kind: MediaKind) -> u64 {
        self.arrived.get(&(stream.to_owned(), kind)).map_or(0, |a| a.frames)
    }
}

enum Cmd {
    Mute(bool),
    Pause(Layer, bool),
    Send(String),
    Latencies(oneshot::Sender<Vec<u32>>),
    Move(oneshot::Sender<Result<String, String>>),
    Answer(String, oneshot::Sender<Result<(), String>>),
}

/// A participant that has offered but not yet been answered.
pub struct Client {
    rtc: Rtc,
    socket: UdpSocket,
    local: SocketAddr,
    pending: Option<SdpPendingOffer>,
    offer: String,
    sends: Sends,
    audio: Option<Mid>,
    video: Option<Mid>,
    epoch: Instant,
    /// Over TCP: frames read from the connection, and the sender to its writer.
    tcp: TcpLink,
    /// Whether the media it receives is read (decrypted and counted per stream).
    reads_media: bool,
}

/// A running participant.
pub struct Participant {
    commands: mpsc::UnboundedSender<Cmd>,
    seen: watch::Receiver<Seen>,
    pub local: SocketAddr,
}

impl Client {
    /// Binds a socket on loopback and makes the first offer. `epoch` is the instant
    /// every participant of a benchmark measures frame times from.
    pub async fn new(sends: Sends, epoch: Instant) -> std::io::Result<Client> {
        Client::make(sends, epoch, None).await
    }

    /// A participant whose network lets no UDP through: it connects to the server's
    /// media port by TCP and offers only that connection's (active) candidate.
    pub async fn over_tcp(sends: Sends, epoch: Instant, server: SocketAddr) -> std::io::Result<Client> {
        let stream = TcpStream::connect(server).await?;
        stream.set_nodelay(true)?;
        Client::make(sends, epoch, Some(stream)).await
    }

    async fn make(sends: Sends, epoch: Instant, stream: Option<TcpStream>) -> std::io::Result<Client> {
        let socket = loopback_socket()?;
        let local = match &stream {
            Some(s) => s.local_addr()?,
            None => socket.local_addr()?,
        };
        let mut rtc = Rtc::builder()
            .set_crypto_provider(Arc::new(str0m::crypto::from_feature_flags()))
            .clear_codecs()
            .enable_opus(true, false)
            .enable_vp8(true)
            .build(Instant::now());
        let tcp = match stream {
            Some(stream) => {
                if let Ok(c) = Candidate::builder().tcp().host(local).tcptype(TcpType::Active).build() {
                    rtc.add_local_candidate(c);
                }
                let server = stream.peer_addr()?;
                Some((frames_of(stream), server))
            }
            None => {
                if let Ok(c) = Candidate::host(local, "udp") {
                    rtc.add_local_candidate(c);
                }
                None
            }
        };
        let mut change = rtc.sdp_api();
        let audio = sends.audio.then(|| change.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None));
        let video = sends.video.then(|| {
            let simulcast = sends.simulcast.then(|| {
                let mut s = Simulcast::new();
                for l in Layer::ALL {
                    s.add_send_layer(SimulcastLayer::new(l.rid()));
                }
                s
            });
            change.add_media(MediaKind::Video, Direction::SendOnly, None, None, simulcast)
        });
        change.add_channel("campuslink".into());
        let (offer, pending) = change.apply().ok_or_else(|| std::io::Error::other("nothing to offer"))?;
        Ok(Client {
            rtc,
            socket,
            local,
            pending: Some(pending),
            offer: offer.to_sdp_string(),
            sends,
            audio,
            video,
            epoch,
            tcp: tcp.map(|((rx, tx), server)| (rx, tx, server)),
            reads_media: true,
        })
    }

    /// A participant that drops the media it receives unread: a benchmark's stand-in
    /// for a device in a big meeting, which costs the server what a real one does (ICE,
    /// DTLS, the data channel, everything forwarded to it) but costs the benchmark's
    /// machine almost nothing. Only `wire_bytes` counts what reaches it.
    pub fn reading_no_media(mut self) -> Client {
        self.reads_media = false;
        self
    }

    pub fn offer(&self) -> &str {
        &self.offer
    }

    /// Takes the server's answer and starts the participant's loop.
    pub fn start(mut self, answer: &str) -> Result<Participant, String> {
        let answer = SdpAnswer::from_sdp_string(answer).map_err(|e| e.to_string())?;
        let pending = self.pending.take().ok_or("answered twice")?;
        self.rtc.sdp_api().accept_answer(pending, answer).map_err(|e| e.to_string())?;
        let (commands, rx) = mpsc::unbounded_channel();
        let (seen_tx, seen) = watch::channel(Seen::default());
        let local = self.local;
        tokio::spawn(run(self, rx, seen_tx));
        Ok(Participant { commands, seen, local })
    }
}

impl Participant {
    pub fn seen(&self) -> Seen {
        self.seen.borrow().clone()
    }

    /// Waits until `cond` holds of what was seen, or `within` passes: whether it held.
    pub async fn wait_for(&self, within: Duration, cond: impl Fn(&Seen) -> bool) -> bool {
        let mut seen = self.seen.clone();
        tokio::time::timeout(within, seen.wait_for(|s| cond(s))).await.is_ok_and(|r| r.is_ok())
    }

    /// Stops (or starts again) sending audio and video.
    pub fn mute(&self, muted: bool) {
        let _ = self.commands.send(Cmd::Mute(muted));
    }

    /// Stops (or starts again) sending one simulcast layer, as a browser short of
    /// uplink or CPU does with its top layers.
    pub fn pause(&self, layer: Layer, paused: bool) {
        let _ = self.commands.send(Cmd::Pause(layer, paused));
    }

    /// Asks for another participant's camera at this height (0: not at all).
    pub fn want(&self, peer: PeerId, height: u32) {
        let text = serde_json::json!({ "type": "want", "peer": peer, "height": height }).to_string();
        let _ = self.commands.send(Cmd::Send(text));
    }

    /// Sends raw text on the data channel (tests of what the server refuses).
    pub fn send_text(&self, text: &str) {
        let _ = self.commands.send(Cmd::Send(text.to_owned()));
    }

    /// The network changes under the participant: it goes on from a new UDP socket (a
    /// new address, as after moving from Wi-Fi to mobile data) and restarts ICE. Returns
    /// the offer to renegotiate with; `accept` takes the server's answer.
    pub async fn move_to_new_address(&self) -> Result<String, String> {
        let (tx, rx) = oneshot::channel();
        let _ = self.commands.send(Cmd::Move(tx));
        rx.await.map_err(|e| e.to_string())?
    }

    /// Takes the server's answer to the participant's own offer (`move_to_new_address`).
    pub async fn accept(&self, answer: &str) -> Result<(), String> {
        let (tx, rx) = oneshot::channel();
        let _ = self.commands.send(Cmd::Answer(answer.to_owned(), tx));
        rx.await.map_err(|e| e.to_string())?
    }

    /// Microseconds from writing to receiving of every audio frame since the last call.
    pub async fn take_latencies(&self) -> Vec<u32> {
        let (tx, rx) = oneshot::channel();
        let _ = self.commands.send(Cmd::Latencies(tx));
        rx.await.unwrap_or_default()
    }
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum FromServer {
    Offer { sdp: String },
    Answer {},
    Speaker { peer: PeerId },
    Shed { level: String },
    Layers { active: Vec<String> },
}

struct Loop {
    c: Client,
    channel: Option<ChannelId>,
    /// Forwarded streams by the mid they arrive on: stream id and kind.
    streams: HashMap<Mid, (String, MediaKind)>,
    muted: bool,
    /// Simulcast layers not sent (`Layer::index`).
    paused: [bool; 3],
    /// Layers the server said no one receives (`Layers`): not sent, as a browser would.
    inactive: [bool; 3],
    next_audio: Instant,
    next_video: Instant,
    frame: u64,
    keyframe_due: bool,
    latencies: Vec<u32>,
    outbox: Vec<String>,
    sent_audio: u64,
    sent_video: u64,
    wire_bytes: u64,
}

async fn run(c: Client, mut commands: mpsc::UnboundedReceiver<Cmd>, seen: watch::Sender<Seen>) {
    let now = Instant::now();
    let mut l = Loop {
        c,
        channel: None,
        streams: HashMap::new(),
        muted: false,
        paused: [false; 3],
        inactive: [false; 3],
        next_audio: now,
        next_video: now,
        frame: 0,
        keyframe_due: true,
        latencies: Vec::new(),
        outbox: Vec::new(),
        sent_audio: 0,
        sent_video: 0,
        wire_bytes: 0,
    };
    let mut buf = vec![0u8; 2048];
    loop {
        let due = match l.drain(&seen) {
            Some(t) => t,
            None => {
                seen.send_modify(|s| s.closed = true);
                return;
            }
        };
        let now = Instant::now();
        let sent = (l.sent_audio, l.sent_video);
        l.write_media(now);
        if sent != (l.sent_audio, l.sent_video) {
            let (a, v, w) = (l.sent_audio, l.sent_video, l.wire_bytes);
            seen.send_modify(|s| {
                s.sent_audio = a;
                s.sent_video = v;
                s.wire_bytes = w;
            });
        }
        let wake = due.min(l.next_audio).min(l.next_video).max(now + Duration::from_millis(1));
        tokio::select! {
            cmd = commands.recv() => match cmd {
                None => return,
                Some(Cmd::Mute(m)) => l.muted = m,
                Some(Cmd::Pause(layer, p)) => l.paused[layer.index()] = p,
                Some(Cmd::Send(t)) => l.outbox.push(t),
                Some(Cmd::Latencies(tx)) => { let _ = tx.send(std::mem::take(&mut l.latencies)); }
                Some(Cmd::Move(tx)) => { let _ = tx.send(l.move_to_new_address()); }
                Some(Cmd::Answer(sdp, tx)) => { let _ = tx.send(l.accept_answer(&sdp)); }
            },
            Some(frame) = next_frame(&mut l.c.tcp) => {
                let server = l.c.tcp.as_ref().map(|t| t.2);
                if let Some(server) = server {
                    l.input_from(Protocol::Tcp, server, &frame);
                }
            }
            r = l.c.socket.recv_from(&mut buf) => {
                if let Ok((n, source)) = r {
                    l.input(source, &buf[..n]);
                    // Polled after every packet (str0m's DTLS keeps few records unread).
                    while l.drain(&seen).is_some()
                        && let Ok((n, source)) = l.c.socket.try_recv_from(&mut buf)
                    {
                        l.input(source, &buf[..n]);
                    }
                }
            }
            _ = tokio::time::sleep_until(wake.into()) => {
                let _ = l.c.rtc.handle_input(Input::Timeout(Instant::now()));
            }
        }
    }
}

impl Loop {
    fn input(&mut self, source: SocketAddr, bytes: &[u8]) {
        self.input_from(Protocol::Udp, source, bytes);
    }

    fn input_from(&mut self, proto: Protocol, source: SocketAddr, bytes: &[u8]) {
        self.wire_bytes += bytes.len() as u64;
        if crate::engine::is_rtp(bytes) && !self.c.reads_media {
            return;
        }
        let Ok(contents) = bytes.try_into() else { return };
        let input = Input::Receive(Instant::now(), Receive { proto, source, destination: self.c.local, contents });
        let _ = self.c.rtc.handle_input(input);
    }

    /// Polls until the session has nothing more to say; its next timeout, or `None`
    /// once it is closed.
    fn drain(&mut self, seen: &watch::Sender<Seen>) -> Option<Instant> {
        if let Some(mut ch) = self.channel.and_then(|id| self.c.rtc.channel(id)) {
            for t in self.outbox.drain(..) {
                let _ = ch.write(false, t.as_bytes());
            }
        }
        loop {
            if !self.c.rtc.is_alive() {
                return None;
            }
            match self.c.rtc.poll_output().ok()? {
                Output::Timeout(t) => return Some(t),
                Output::Transmit(t) => match (&self.c.tcp, t.proto) {
                    (Some((_, writer, _)), Protocol::Tcp) => {
                        if let Ok(len) = u16::try_from(t.contents.len()) {
                            let mut f = len.to_be_bytes().to_vec();
                            f.extend_from_slice(&t.contents);
                            let _ = writer.send(f);
                        }
                    }
                    (None, Protocol::Udp) => {
                        let _ = self.c.socket.try_send_to(&t.contents, t.destination);
                    }
                    _ => {}
                },
                Output::Event(e) => self.event(e, seen),
            }
        }
    }

    fn event(&mut self, e: Event, seen: &watch::Sender<Seen>) {
        match e {
            Event::IceConnectionStateChange(s) => {
                let up = matches!(s, IceConnectionState::Connected | IceConnectionState::Completed);
                seen.send_modify(|seen| seen.connected = up);
            }
            Event::ChannelOpen(id, _) => self.channel = Some(id),
            Event::ChannelData(d) => match serde_json::from_slice::<FromServer>(&d.data) {
                Ok(FromServer::Offer { sdp }) => self.answer(&sdp),
                Ok(FromServer::Speaker { peer }) => seen.send_modify(|s| s.speaker = Some(peer)),
                Ok(FromServer::Shed { level }) => seen.send_modify(|s| s.shed = Some(level)),
                Ok(FromServer::Layers { active }) => {
                    // As a browser's encoder: a layer it starts again starts on a keyframe.
                    for l in Layer::ALL {
                        let on = active.iter().any(|a| a == l.rid());
                        if on && self.inactive[l.index()] {
                            self.keyframe_due = true;
                        }
                        self.inactive[l.index()] = !on;
                    }
                    seen.send_modify(|s| s.active_layers = Some(active));
                }
                Ok(FromServer::Answer {}) | Err(_) => {}
            },
            Event::KeyframeRequest(_) => self.keyframe_due = true,
            Event::MediaData(d) => {
                let Some(key) = self.streams.get(&d.mid).cloned() else { return };
                if key.1 == MediaKind::Audio && d.data.len() >= 8 {
                    let mut at = [0u8; 8];
                    at.copy_from_slice(&d.data[..8]);
                    let sent = Duration::from_micros(u64::from_le_bytes(at));
                    let latency = self.c.epoch.elapsed().saturating_sub(sent);
                    if self.latencies.len() < 1_000_000 {
                        self.latencies.push(latency.as_micros().min(u32::MAX as u128) as u32);
                    }
                }
                let layer = layer_of_size(d.data.len(), self.c.sends.video_frame);
                let keyframe = d.is_keyframe();
                seen.send_modify(|s| {
                    let a = s.arrived.entry(key).or_default();
                    a.frames += 1;
                    a.bytes += d.data.len() as u64;
                    a.keyframes += u64::from(keyframe);
                    if let Some(l) = layer {
                        *a.layers.entry(l).or_default() += 1;
                    }
                });
            }
            _ => {}
        }
    }

    fn answer(&mut self, sdp: &str) {
        let Ok(offer) = SdpOffer::from_sdp_string(sdp) else { return };
        for (mid, stream, kind) in forwarded_streams(sdp) {
            self.streams.insert(mid, (stream, kind));
        }
        let Ok(answer) = self.c.rtc.sdp_api().accept_offer(offer) else { return };
        let text = serde_json::json!({ "type": "answer", "sdp": answer.to_sdp_string() }).to_string();
        if let Some(mut ch) = self.channel.and_then(|id| self.c.rtc.channel(id)) {
            let _ = ch.write(false, text.as_bytes());
        }
    }

    fn move_to_new_address(&mut self) -> Result<String, String> {
        if self.c.tcp.is_some() {
            return Err("a participant over TCP keeps its connection".into());
        }
        let socket = loopback_socket().map_err(|e| e.to_string())?;
        let local = socket.local_addr().map_err(|e| e.to_string())?;
        let mut change = self.c.rtc.sdp_api();
        change.ice_restart(false);
        let (offer, pending) = change.apply().ok_or("nothing to offer")?;
        // The old socket closes: nothing reaches the old address any more.
        self.c.socket = socket;
        self.c.local = local;
        self.c.pending = Some(pending);
        Ok(offer.to_sdp_string())
    }

    fn accept_answer(&mut self, sdp: &str) -> Result<(), String> {
        let answer = SdpAnswer::from_sdp_string(sdp).map_err(|e| e.to_string())?;
        let pending = self.c.pending.take().ok_or("no offer of ours")?;
        self.c.rtc.sdp_api().accept_answer(pending, answer).map_err(|e| e.to_string())?;
        // The restart takes effect with the answer, and clears the old candidates then.
        let candidate = Candidate::host(self.c.local, "udp").map_err(|e| e.to_string())?;
        self.c.rtc.add_local_candidate(candidate);
        Ok(())
    }

    fn stamp(&self, into: &mut [u8], from: usize) {
        let at = (self.c.epoch.elapsed().as_micros() as u64).to_le_bytes();
        if into.len() >= from + 8 {
            into[from..from + 8].copy_from_slice(&at);
        }
    }

    fn write_media(&mut self, now: Instant) {
        if self.muted {
            self.next_audio = now + Duration::from_millis(20);
            self.next_video = now + Duration::from_millis(33);
            return;
        }
        if let Some(mid) = self.c.audio
            && now >= self.next_audio
        {
            let every = Duration::from_millis(if self.c.sends.silent { 400 } else { 20 });
            self.next_audio += every;
            if self.next_audio < now {
                self.next_audio = now + every;
            }
            let mut data = vec![0u8; 80];
            self.stamp(&mut data, 0);
            let time = MediaTime::new(self.frame * 960, Frequency::FORTY_EIGHT_KHZ);
            if let Some(pt) = self.pt(mid, Codec::Opus)
                && let Some(w) = self.c.rtc.writer(mid)
                && w.audio_level(if self.c.sends.silent { -127 } else { -30 }, !self.c.sends.silent)
                    .write(pt, now, time, data)
                    .is_ok()
            {
                self.sent_audio += 1;
            }
        }
        if let Some(mid) = self.c.video
            && now >= self.next_video
        {
            self.next_video += Duration::from_millis(33);
            if self.next_video < now {
                self.next_video = now + Duration::from_millis(33);
            }
            let keyframe = std::mem::take(&mut self.keyframe_due) || self.frame.is_multiple_of(60);
            let time = MediaTime::new(self.frame * 3_000, Frequency::NINETY_KHZ);
            let Some(pt) = self.pt(mid, Codec::Vp8) else { return };
            let rids: Vec<Option<Layer>> =
                if self.c.sends.simulcast { Layer::ALL.into_iter().map(Some).collect() } else { vec![None] };
            for layer in rids {
                if layer.is_some_and(|l| self.paused[l.index()] || self.inactive[l.index()]) {
                    continue;
                }
                let size = frame_size(self.c.sends.video_frame, layer);
                let mut data = vec![0u8; size];
                // The VP8 frame tag's lowest bit is 0 on a keyframe.
                data[0] = if keyframe { 0x10 } else { 0x11 };
                self.stamp(&mut data, 1);
                let Some(mut w) = self.c.rtc.writer(mid) else { return };
                if let Some(l) = layer {
                    w = w.rid(Rid::from(l.rid()));
                }
                if w.write(pt, now, time, data).is_ok() {
                    self.sent_video += 1;
                }
            }
        }
        self.frame += 1;
    }

    fn pt(&mut self, mid: Mid, codec: Codec) -> Option<str0m::media::Pt> {
        let w = self.c.rtc.writer(mid)?;
        w.payload_params().find(|p| p.spec().codec == codec).map(|p| p.pt())
    }
}

/// A participant's UDP socket on loopback. A participant of a big meeting takes in a
/// thousand datagrams a second, so its receive buffer is as big as the server's.
fn loopback_socket() -> std::io::Result<UdpSocket> {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
    socket.set_nonblocking(true)?;
    let _ = socket2::SockRef::from(&socket).set_recv_buffer_size(crate::SOCKET_BUFFER);
    UdpSocket::from_std(socket)
}

/// A video frame's size per layer: the full size, half, a quarter.
fn frame_size(full: usize, layer: Option<Layer>) -> usize {
    match layer {
        None | Some(Layer::F) => full,
        Some(Layer::H) => full / 2,
        Some(Layer::Q) => full / 4,
    }
    .max(16)
}

fn layer_of_size(size: usize, full: usize) -> Option<&'static str> {
    Layer::ALL.into_iter().find(|l| frame_size(full, Some(*l)) == size).map(|l| l.rid())
}

/// The forwarded streams an offer of the server's describes: each m-line's mid, its
/// msid's stream id and its kind.
fn forwarded_streams(sdp: &str) -> Vec<(Mid, String, MediaKind)> {
    let mut out = Vec::new();
    let (mut kind, mut mid, mut stream) = (None, None, None);
    let mut flush = |kind: &mut Option<MediaKind>, mid: &mut Option<String>, stream: &mut Option<String>| {
        if let (Some(k), Some(m), Some(s)) = (kind.take(), mid.take(), stream.take()) {
            out.push((Mid::from(m.as_str()), s, k));
        }
    };
    for line in sdp.lines() {
        if let Some(rest) = line.strip_prefix("m=") {
            flush(&mut kind, &mut mid, &mut stream);
            kind = if rest.starts_with("audio") {
                Some(MediaKind::Audio)
            } else if rest.starts_with("video") {
                Some(MediaKind::Video)
            } else {
                None
            };
        } else if let Some(m) = line.strip_prefix("a=mid:") {
            mid = Some(m.trim().to_owned());
        } else if let Some(m) = line.strip_prefix("a=msid:") {
            stream = m.split(' ').next().map(str::to_owned);
        }
    }
    flush(&mut kind, &mut mid, &mut stream);
    out
}

/// Reads RFC 4571 frames from the connection into a channel, and writes what is sent to
/// the other channel (already framed).
fn frames_of(stream: TcpStream) -> (mpsc::Receiver<Vec<u8>>, mpsc::UnboundedSender<Vec<u8>>) {
    let (mut read, mut write) = stream.into_split();
    let (in_tx, in_rx) = mpsc::channel(1024);
    let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Vec<u8>>();
    tokio::spawn(async move {
        loop {
            let mut len = [0u8; 2];
            if read.read_exact(&mut len).await.is_err() {
                return;
            }
            let mut data = vec![0u8; usize::from(u16::from_be_bytes(len))];
            if read.read_exact(&mut data).await.is_err() || in_tx.send(data).await.is_err() {
                return;
            }
        }
    });
    tokio::spawn(async move {
        while let Some(f) = out_rx.recv().await {
            if write.write_all(&f).await.is_err() {
                return;
            }
        }
    });
    (in_rx, out_tx)
}

type TcpLink = Option<(mpsc::Receiver<Vec<u8>>, mpsc::UnboundedSender<Vec<u8>>, SocketAddr)>;

async fn next_frame(tcp: &mut TcpLink) -> Option<Vec<u8>> {
    match tcp {
        Some((rx, _, _)) => rx.recv().await,
        None => std::future::pending().await,
    }
}
