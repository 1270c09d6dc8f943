//! The media server driven by str0m participants on loopback: real ICE, DTLS, SRTP and
//! RTP, no browser. Waits are for something to arrive, bounded; none waits for time to
//! pass (the one timeout, a dead participant's, is driven by the engine's clock).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

use sfu::client::{Client, Participant, Seen, Sends};
use sfu::layers::Layer;
use sfu::{Notice, PeerId, RoomId, Sfu, SfuConfig, SfuError};
use std::sync::Arc;
use std::time::{Duration, Instant};
use str0m::media::{Direction, MediaKind};

const WITHIN: Duration = Duration::from_secs(30);

async fn join(sfu: &Sfu, room: u128, peer: u64, sends: Sends) -> Participant {
    let c = Client::new(sends, Instant::now()).await.expect("a client");
    let answer = sfu.join(RoomId(room), PeerId(peer), c.offer()).await.expect("joined");
    c.start(&answer).expect("started")
}

fn audio(s: &Seen, from: u64) -> u64 {
    s.frames(&from.to_string(), MediaKind::Audio)
}

fn video(s: &Seen, from: u64) -> u64 {
    s.frames(&from.to_string(), MediaKind::Video)
}

/// Frames of `from`'s camera that came in at layer `rid`.
fn layer_frames(s: &Seen, from: u64, rid: &str) -> u64 {
    s.arrived.get(&(from.to_string(), MediaKind::Video)).and_then(|a| a.layers.get(rid).copied()).unwrap_or(0)
}

/// Waits until `p` has `more` frames of `from`'s audio beyond what it has now.
async fn hears_more(p: &Participant, from: u64, more: u64) -> bool {
    let now = audio(&p.seen(), from);
    p.wait_for(WITHIN, |s| audio(s, from) >= now + more).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_participants_get_each_others_audio_and_video_and_mute_stops_it() {
    let (sfu, _notices) = Sfu::start(SfuConfig::loopback()).expect("sfu");
    let a = join(&sfu, 1, 1, Sends::default()).await;
    let b = join(&sfu, 1, 2, Sends::default()).await;
    for (p, from) in [(&a, 2), (&b, 1)] {
        assert!(p.wait_for(WITHIN, |s| audio(s, from) >= 50 && video(s, from) >= 20).await, "{:?}", p.seen());
    }
    // Simulcast: one layer reaches a receiver — the default, half size.
    let layers = b.seen().arrived[&("1".to_owned(), MediaKind::Video)].layers.clone();
    assert_eq!(layers.keys().copied().collect::<Vec<_>>(), vec!["h"], "{layers:?}");

    a.mute(true);
    // Frames already in flight may still arrive; then nothing more while B hears A's
    // silence for as long as A goes on hearing B.
    assert!(hears_more(&a, 2, 10).await);
    let muted_at = audio(&b.seen(), 1);
    assert!(hears_more(&a, 2, 100).await);
    assert!(audio(&b.seen(), 1) <= muted_at + 3, "{} after {muted_at}", audio(&b.seen(), 1));

    a.mute(false);
    assert!(hears_more(&b, 1, 50).await, "unmuted audio flows again");
    let stats = sfu.stats().await.expect("stats");
    assert_eq!((stats.rooms, stats.peers, stats.connected, stats.down_tracks), (1, 2, 2, 4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_gets_the_layer_its_tile_needs() {
    let (sfu, _notices) = Sfu::start(SfuConfig::loopback()).expect("sfu");
    let a = join(&sfu, 7, 1, Sends::default()).await;
    let b = join(&sfu, 7, 2, Sends { audio: false, ..Sends::default() }).await;
    let layer = |s: &Seen, l: &str| layer_frames(s, 1, l);
    assert!(b.wait_for(WITHIN, |s| layer(s, "h") >= 10).await);
    b.want(PeerId(1), 720);
    assert!(b.wait_for(WITHIN, |s| layer(s, "f") >= 10).await, "{:?}", b.seen());
    b.want(PeerId(1), 120);
    assert!(b.wait_for(WITHIN, |s| layer(s, "q") >= 10).await, "{:?}", b.seen());
    // A switch happens on a keyframe: each new layer starts with one.
    let arrived = b.seen().arrived[&("1".to_owned(), MediaKind::Video)].clone();
    assert!(arrived.keyframes >= 3, "{arrived:?}");
    // Not shown at all: no video, while the audio goes on.
    b.want(PeerId(1), 0);
    assert!(hears_more(&b, 1, 10).await);
    let stopped_at = video(&b.seen(), 1);
    assert!(hears_more(&b, 1, 60).await);
    assert!(video(&b.seen(), 1) <= stopped_at + 2);
    drop(a);
}

/// A browser short of uplink or CPU stops sending its top layer: a receiver set on it
/// gets the next one down instead of a frozen tile, and goes back up when it returns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_whose_layer_stops_arriving_gets_the_next_one_down() {
    let (sfu, _notices) = Sfu::start(SfuConfig::loopback()).expect("sfu");
    let a = join(&sfu, 8, 1, Sends::default()).await;
    let b = join(&sfu, 8, 2, Sends { audio: false, ..Sends::default() }).await;
    let layer = |s: &Seen, l: &str| layer_frames(s, 1, l);
    b.want(PeerId(1), 720);
    assert!(b.wait_for(WITHIN, |s| layer(s, "f") >= 10).await, "{:?}", b.seen());

    a.pause(Layer::F, true);
    let h = layer(&b.seen(), "h");
    // The layer counts as gone once the engine's clock has run a second past its last
    // packet; the clock is moved on rather than waited for (again, should a packet
    // sent before the pause come in after a move).
    let mut fell_back = false;
    for _ in 0..10 {
        sfu.clock().advance(Duration::from_secs(2));
        sfu.tick();
        if b.wait_for(Duration::from_secs(3), |s| layer(s, "h") >= h + 10).await {
            fell_back = true;
            break;
        }
    }
    assert!(fell_back, "{:?}", b.seen());
    let f = layer(&b.seen(), "f");

    a.pause(Layer::F, false);
    assert!(b.wait_for(WITHIN, |s| layer(s, "f") >= f + 10).await, "back to the full layer: {:?}", b.seen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_do_not_hear_each_other() {
    let (sfu, _notices) = Sfu::start(SfuConfig::loopback()).expect("sfu");
    let a = join(&sfu, 1, 1, Sends::default()).await;
    let b = join(&sfu, 1, 2, Sends::default()).await;
    let c = join(&sfu, 2, 3, Sends::default()).await;
    assert!(c.wait_for(WITHIN, |s| s.connected).await);
    assert!(hears_more(&b, 1, 100).await);
    assert!(hears_more(&a, 2, 100).await);
    assert!(c.seen().arrived.is_empty(), "{:?}", c.seen().arrived.keys());
    for p in [&a, &b] {
        assert_eq!(audio(&p.seen(), 3), 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_joiner_gets_everyone_and_everyone_gets_it() {
    let (sfu, _notices) = Sfu::start(SfuConfig::loopback()).expect("sfu");
    let mut all = Vec::new();
    for peer in 1..=4u64 {
        all.push((peer, join(&sfu, 9, peer, Sends::default()).await));
    }
    for (me, p) in &all {
        for from in (1..=4u64).filter(|f| f != me) {
            assert!(p.wait_for(WITHIN, |s| audio(s, from) >= 20 && video(s, from) >= 5).await, "{me} from {from}");
        }
    }
    // One leaves: the others stop getting it and go on with each other.
    let (gone, p) = all.remove(0);
    sfu.leave(RoomId(9), PeerId(gone));
    drop(p);
    let stats = sfu.stats().await.expect("stats");
    assert_eq!(stats.peers, 3);
    let (_, b) = &all[0];
    assert!(hears_more(b, 3, 50).await);
    let at = audio(&b.seen(), gone);
    assert!(hears_more(b, 3, 50).await);
    assert_eq!(audio(&b.seen(), gone), at);
    assert!(b.wait_for(WITHIN, |_| true).await);
    // Three participants send two tracks each, to two others.
    assert!(sfu_down_tracks(&sfu, 12).await, "{:?}", sfu.stats().await);
}

async fn sfu_down_tracks(sfu: &Sfu, want: usize) -> bool {
    // The departure is renegotiated with each remaining participant over its channel.
    let deadline = Instant::now() + WITHIN;
    while Instant::now() < deadline {
        if sfu.stats().await.is_ok_and(|s| s.down_tracks == want) {
            return true;
        }
        tokio::task::yield_now().await;
    }
    false
}

/// The server asks for Opus DTX, so a browser nobody speaks into sends almost nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_answer_asks_for_opus_with_dtx() {
    let (sfu, _notices) = Sfu::start(SfuConfig::loopback()).expect("sfu");
    let c = Client::new(Sends::default(), Instant::now()).await.expect("a client");
    let answer = sfu.join(RoomId(1), PeerId(1), c.offer()).await.expect("joined");
    let opus = answer.lines().find_map(|l| l.strip_prefix("a=rtpmap:").filter(|l| l.contains("opus/48000")));
    let pt = opus.and_then(|l| l.split(' ').next()).expect("opus in the answer");
    let fmtp = answer.lines().find(|l| l.starts_with(&format!("a=fmtp:{pt} "))).expect("opus parameters");
    assert!(fmtp.contains("usedtx=1"), "{fmtp}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_offers_are_refused_and_keep_no_session() {
    let (sfu, _notices) = Sfu::start(SfuConfig::loopback()).expect("sfu");
    let room = RoomId(5);
    assert!(matches!(sfu.join(room, PeerId(1), "not sdp").await, Err(SfuError::BadSdp(_))));
    assert!(matches!(sfu.join(room, PeerId(1), &"v=0\r\n".repeat(20_000)).await, Err(SfuError::BadSdp(_))));

    // Media but no data channel.
    let provider = Arc::new(str0m::crypto::from_feature_flags());
    let mut rtc = str0m::Rtc::builder().set_crypto_provider(provider.clone()).build(Instant::now());
    let mut change = rtc.sdp_api();
    change.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None);
    let (offer, _) = change.apply().expect("offer");
    assert_eq!(sfu.join(room, PeerId(1), &offer.to_sdp_string()).await, Err(SfuError::NoDataChannel));

    // Only codecs the server does not forward.
    let mut rtc = str0m::Rtc::builder()
        .set_crypto_provider(provider)
        .clear_codecs()
        .enable_g722(true, false)
        .enable_vp9(true)
        .build(Instant::now());
    let mut change = rtc.sdp_api();
    change.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None);
    change.add_media(MediaKind::Video, Direction::SendOnly, None, None, None);
    change.add_channel("campuslink".into());
    let (offer, _) = change.apply().expect("offer");
    assert_eq!(sfu.join(room, PeerId(1), &offer.to_sdp_string()).await, Err(SfuError::NoCommonCodec));

    let stats = sfu.stats().await.expect("stats");
    assert_eq!((stats.rooms, stats.peers), (0, 0));
    assert_eq!(sfu.renegotiate(room, PeerId(1), "v=0").await, Err(SfuError::UnknownPeer));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_holds_no_more_than_its_limit() {
    let (sfu, _notices) = Sfu::start(SfuConfig { max_per_room: 2, ..SfuConfig::loopback() }).expect("sfu");
    let _a = join(&sfu, 1, 1, Sends::default()).await;
    let _b = join(&sfu, 1, 2, Sends::default()).await;
    let c = Client::new(Sends::default(), Instant::now()).await.expect("client");
    assert_eq!(sfu.join(RoomId(1), PeerId(3), c.offer()).await, Err(SfuError::RoomFull));
    // Another room is another count; the same peer joining again replaces itself.
    assert!(sfu.join(RoomId(2), PeerId(3), c.offer()).await.is_ok());
    let again = Client::new(Sends::default(), Instant::now()).await.expect("client");
    assert!(sfu.join(RoomId(1), PeerId(2), again.offer()).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junk_on_the_port_changes_nothing_for_a_call() {
    let (sfu, _notices) = Sfu::start(SfuConfig::loopback()).expect("sfu");
    let a = join(&sfu, 1, 1, Sends::default()).await;
    let b = join(&sfu, 1, 2, Sends::default()).await;
    assert!(hears_more(&b, 1, 20).await);

    let junk = tokio::net::UdpSocket::bind("127.0.0.1:0").await.expect("socket");
    let target = sfu.local_addr();
    let flood = tokio::spawn(async move {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for i in 0..20_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut d = x.to_le_bytes().repeat(1 + (i % 150) as usize);
            match i % 4 {
                // Looks like RTP, like STUN with a made-up username, like DTLS.
                0 => d[0] = 0x80,
                1 => {
                    d[0] = 0;
                    d[1] = 1;
                }
                2 => d[0] = 22,
                _ => {}
            }
            let _ = junk.send_to(&d, target).await;
            if i % 500 == 0 {
                tokio::task::yield_now().await;
            }
        }
    });
    assert!(hears_more(&b, 1, 100).await);
    assert!(hears_more(&a, 2, 100).await);
    flood.await.expect("flood");
    assert!(hears_more(&b, 1, 50).await, "the call goes on after the flood");
    let stats = sfu.stats().await.expect("stats");
    assert!(stats.unmatched > 1_000, "{stats:?}");
    assert_eq!((stats.peers, stats.connected), (2, 2));
}

/// A meeting's answers are big (tens of KB for thirty people) and arrive as bursts of
/// DTLS records, more than str0m keeps unread: the server must read them as they come,
/// or the session fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_on_the_data_channel_keeps_the_session() {
    let (sfu, _notices) = Sfu::start(SfuConfig::loopback()).expect("sfu");
    let a = join(&sfu, 1, 1, Sends::default()).await;
    let b = join(&sfu, 1, 2, Sends::default()).await;
    assert!(hears_more(&b, 1, 20).await);
    // Two megabytes in 16 KB messages the server reads and ignores (not signalling).
    let text = format!("{{\"type\":\"note\",\"text\":\"{}\"}}", "x".repeat(16_000));
    for _ in 0..128 {
        a.send_text(&text);
    }
    assert!(hears_more(&b, 1, 100).await, "{:?}", b.seen());
    assert!(hears_more(&a, 2, 100).await, "{:?}", a.seen());
    let stats = sfu.stats().await.expect("stats");
    assert_eq!((stats.peers, stats.connected), (2, 2), "{stats:?}");
}

/// A phone that moves from Wi-Fi to mobile data has a new address: it restarts ICE
/// through `renegotiate` and the call goes on, without leaving or rejoining.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_participant_whose_address_changes_goes_on_after_an_ice_restart() {
    let (sfu, mut notices) = Sfu::start(SfuConfig::loopback()).expect("sfu");
    let a = join(&sfu, 1, 1, Sends::default()).await;
    let b = join(&sfu, 1, 2, Sends::default()).await;
    for (p, from) in [(&a, 2), (&b, 1)] {
        assert!(p.wait_for(WITHIN, |s| audio(s, from) >= 20 && video(s, from) >= 10).await, "{:?}", p.seen());
    }
    let offer = a.move_to_new_address().await.expect("an offer");
    assert!(offer.contains("a=ice-ufrag:"), "{offer}");
    let answer = sfu.renegotiate(RoomId(1), PeerId(1), &offer).await.expect("answered");
    a.accept(&answer).await.expect("accepted");
    // Media both ways again, from and to the new address (the old socket is closed).
    assert!(hears_more(&b, 1, 100).await, "{:?}", b.seen());
    assert!(hears_more(&a, 2, 100).await, "{:?}", a.seen());
    let v = video(&b.seen(), 1);
    assert!(b.wait_for(WITHIN, |s| video(s, 1) >= v + 20).await, "video too");
    let stats = sfu.stats().await.expect("stats");
    assert_eq!((stats.peers, stats.connected), (2, 2), "{stats:?}");
    assert!(notices.try_recv().is_err(), "nobody was dropped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_participant_whose_network_dies_is_dropped_and_can_rejoin() {
    let (sfu, mut notices) =
        Sfu::start(SfuConfig { drop_after: Duration::from_secs(20), ..SfuConfig::loopback() }).expect("sfu");
    let a = join(&sfu, 3, 1, Sends::default()).await;
    let b = join(&sfu, 3, 2, Sends::default()).await;
    assert!(hears_more(&b, 1, 20).await);
    // A's network dies: its socket goes, nothing more comes from it. B stays, and
    // keeps its session alive with its own checks as time runs on.
    drop(a);
    for _ in 0..4 {
        sfu.clock().advance(Duration::from_secs(15));
        sfu.tick();
        if let Ok(Some(n)) = tokio::time::timeout(Duration::from_secs(5), notices.recv()).await {
            assert_eq!(n, Notice::Dropped { room: RoomId(3), peer: PeerId(1) });
            break;
        }
    }
    assert_eq!(sfu.stats().await.expect("stats").peers, 1);
    // A comes back, from a new address, under the same id.
    let a = join(&sfu, 3, 1, Sends::default()).await;
    assert!(hears_more(&b, 1, 20).await);
    assert!(hears_more(&a, 2, 20).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_participant_without_udp_reaches_the_server_over_tcp() {
    let (sfu, _notices) = Sfu::start(SfuConfig::loopback()).expect("sfu");
    // The server's passive TCP candidate is in its answer, on the media port.
    let c = Client::over_tcp(Sends::default(), Instant::now(), sfu.local_addr()).await.expect("a TCP client");
    let answer = sfu.join(RoomId(9), PeerId(1), c.offer()).await.expect("joined");
    assert!(answer.contains(" tcp ") && answer.contains("tcptype passive"), "{answer}");
    let a = c.start(&answer).expect("started");
    let b = join(&sfu, 9, 2, Sends::default()).await;
    for (p, from) in [(&a, 2), (&b, 1)] {
        assert!(p.wait_for(WITHIN, |s| audio(s, from) >= 50 && video(s, from) >= 20).await, "{:?}", p.seen());
    }
    let stats = sfu.stats().await.expect("stats");
    assert_eq!((stats.peers, stats.connected), (2, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tcp_connection_that_names_no_session_is_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (sfu, _notices) = Sfu::start(SfuConfig::loopback()).expect("sfu");
    let mut junk = tokio::net::TcpStream::connect(sfu.local_addr()).await.expect("connects");
    junk.write_all(&[0, 4, 1, 2, 3, 4]).await.expect("writes");
    // The server closes it: the read ends (no data, or reset).
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(WITHIN, junk.read(&mut buf)).await.expect("closed in time");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    // And the server goes on: a call still works.
    let a = join(&sfu, 10, 1, Sends::default()).await;
    let b = join(&sfu, 10, 2, Sends::default()).await;
    assert!(b.wait_for(WITHIN, |s| audio(s, 1) >= 20).await);
    drop(a);
}

/// With two engines, each room lives whole in the least loaded one, on that engine's
/// own port; the stats count both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_are_spread_over_the_engines_and_each_forwards_its_own() {
    let (sfu, _notices) = Sfu::start(SfuConfig { engines: 2, ..SfuConfig::loopback() }).expect("sfu");
    let ports = sfu.local_addrs();
    assert_eq!(ports.len(), 2);
    assert_ne!(ports[0].port(), ports[1].port());
    let a = join(&sfu, 1, 1, Sends::default()).await;
    let b = join(&sfu, 1, 2, Sends::default()).await;
    let c = join(&sfu, 1, 3, Sends::default()).await;
    assert_eq!(sfu.room_addr(RoomId(1)), Some(ports[0]));
    // The first engine carries three people (load 9): the next room goes to the other.
    let d = join(&sfu, 2, 4, Sends::default()).await;
    let e = join(&sfu, 2, 5, Sends::default()).await;
    assert_eq!(sfu.room_addr(RoomId(2)), Some(ports[1]));
    // Two people there (load 4) against three: a third room joins them.
    let f = join(&sfu, 3, 6, Sends::default()).await;
    assert_eq!(sfu.room_addr(RoomId(3)), Some(ports[1]));
    // Each room hears itself through its own engine, and nothing of the others.
    assert!(hears_more(&a, 3, 50).await);
    assert!(hears_more(&c, 2, 50).await);
    assert!(hears_more(&d, 5, 50).await);
    assert!(hears_more(&e, 4, 50).await);
    assert!(f.wait_for(WITHIN, |s| s.connected).await);
    for (p, others) in [(&a, [4, 5]), (&d, [1, 2])] {
        for o in others {
            assert_eq!(audio(&p.seen(), o), 0, "{o} is in another room");
        }
    }
    // Audio and camera: three people receive two others' each, two one other's.
    assert!(sfu_down_tracks(&sfu, 3 * 2 * 2 + 2 * 2).await);
    let stats = sfu.stats().await.expect("stats");
    assert_eq!((stats.rooms, stats.peers), (3, 6));

    // Room 1 closes: its engine is the emptier one again, and takes the next room.
    sfu.close_room(RoomId(1));
    assert_eq!(sfu.room_addr(RoomId(1)), None);
    assert_eq!(sfu.stats().await.expect("stats").peers, 3);
    let g = join(&sfu, 4, 7, Sends::default()).await;
    assert_eq!(sfu.room_addr(RoomId(4)), Some(ports[0]));
    assert!(g.wait_for(WITHIN, |s| s.connected).await);
    drop((a, b, c));
}

/// A panic inside one session (str0m's, on input no one foresaw) ends that session
/// alone: the server is told as for a dead connection, the participant can join again,
/// and every other call of the engine goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_that_panics_ends_alone() {
    let (sfu, mut notices) = Sfu::start(SfuConfig::loopback()).expect("sfu");
    let first = join(&sfu, 1, 1, Sends::default()).await;
    let b = join(&sfu, 1, 2, Sends::default()).await;
    let c = join(&sfu, 2, 3, Sends::default()).await;
    let d = join(&sfu, 2, 4, Sends::default()).await;
    assert!(hears_more(&b, 1, 20).await);
    assert!(hears_more(&d, 3, 20).await);

    sfu.fault(RoomId(1), PeerId(1));
    let n = tokio::time::timeout(WITHIN, notices.recv()).await.expect("told in time");
    assert_eq!(n, Some(Notice::Dropped { room: RoomId(1), peer: PeerId(1) }));
    drop(first);
    // The other call, on the same engine, goes on; so does the other side of this one.
    assert!(hears_more(&c, 4, 50).await);
    assert!(hears_more(&d, 3, 50).await);
    let stats = sfu.stats().await.expect("stats");
    assert_eq!((stats.rooms, stats.peers), (2, 3));
    // A joins again, under the same id, and the call is whole.
    let a = join(&sfu, 1, 1, Sends::default()).await;
    assert!(hears_more(&a, 2, 20).await);
    assert!(hears_more(&b, 1, 20).await);
}

/// An engine short of time sheds video a step at a time — no full size, the smallest
/// layer only, the speaker's camera only, no cameras — each receiver told, and the
/// audio goes on whole; then the pictures come back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_short_of_time_sheds_video_before_audio() {
    use sfu::pressure::Shed;
    let (sfu, _notices) = Sfu::start(SfuConfig::loopback()).expect("sfu");
    let quiet = Sends { silent: true, ..Sends::default() };
    let _a = join(&sfu, 5, 1, Sends::default()).await;
    let _b = join(&sfu, 5, 2, quiet).await;
    let c = join(&sfu, 5, 3, quiet).await;
    let layer = |s: &Seen, from: u64, rid: &str| layer_frames(s, from, rid);
    c.want(PeerId(1), 720);
    c.want(PeerId(2), 720);
    assert!(c.wait_for(WITHIN, |s| layer(s, 1, "f") >= 10 && layer(s, 2, "f") >= 10).await, "{:?}", c.seen());
    // Only A talks: A is the speaker.
    assert!(c.wait_for(WITHIN, |s| s.speaker == Some(PeerId(1))).await);

    for (level, name, rid) in [(Shed::FullSize, "full_size", "h"), (Shed::AllButSmallest, "all_but_smallest", "q")] {
        sfu.shed(level);
        let (from_a, from_b) = (layer(&c.seen(), 1, rid), layer(&c.seen(), 2, rid));
        let shed = c
            .wait_for(WITHIN, |s| {
                s.shed.as_deref() == Some(name) && layer(s, 1, rid) >= from_a + 10 && layer(s, 2, rid) >= from_b + 10
            })
            .await;
        assert!(shed, "{level:?}: {:?}", c.seen());
    }

    // The speaker's camera only: B's stops, A's goes on at its smallest.
    sfu.shed(Shed::AllButSpeaker);
    assert!(c.wait_for(WITHIN, |s| s.shed.as_deref() == Some("all_but_speaker")).await);
    // Frames already in flight may still arrive.
    assert!(hears_more(&c, 1, 10).await);
    let (of_b, small_of_a) = (video(&c.seen(), 2), layer(&c.seen(), 1, "q"));
    assert!(c.wait_for(WITHIN, |s| layer(s, 1, "q") >= small_of_a + 30).await, "{:?}", c.seen());
    assert!(video(&c.seen(), 2) <= of_b + 2, "{} after {of_b}", video(&c.seen(), 2));

    // No cameras: the audio alone, whole.
    sfu.shed(Shed::Cameras);
    assert!(c.wait_for(WITHIN, |s| s.shed.as_deref() == Some("cameras")).await);
    assert!(hears_more(&c, 1, 10).await);
    let of_a = video(&c.seen(), 1);
    assert!(hears_more(&c, 1, 100).await);
    assert!(video(&c.seen(), 1) <= of_a + 2, "{} after {of_a}", video(&c.seen(), 1));
    let stats = sfu.stats().await.expect("stats");
    assert_eq!((stats.shed, stats.cameras_held), (Shed::Cameras, 6));

    // Caught up: the full pictures come back.
    sfu.shed(Shed::Nothing);
    let (from_a, from_b) = (layer(&c.seen(), 1, "f"), layer(&c.seen(), 2, "f"));
    let back = c
        .wait_for(WITHIN, |s| {
            s.shed.as_deref() == Some("nothing") && layer(s, 1, "f") >= from_a + 10 && layer(s, 2, "f") >= from_b + 10
        })
        .await;
    assert!(back, "{:?}", c.seen());
}

/// A sender is told which layers of its camera someone receives, and sends only those;
/// a receiver that wants another layer gets it, and the one it left stops.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sender_sends_only_the_layers_someone_receives() {
    let (sfu, _notices) = Sfu::start(SfuConfig::loopback()).expect("sfu");
    let a = join(&sfu, 9, 1, Sends::default()).await;
    let b = join(&sfu, 9, 2, Sends { video: false, ..Sends::default() }).await;
    let layer = |s: &Seen, l: &str| layer_frames(s, 1, l);
    let active = |s: &Seen, want: &[&str]| s.active_layers.as_ref().is_some_and(|a| a == want);
    // B shows A at the default height: the half-size layer, and only that is sent.
    assert!(a.wait_for(WITHIN, |s| active(s, &["h"])).await, "{:?}", a.seen().active_layers);
    let (sent, got) = (a.seen().sent_video, layer(&b.seen(), "h"));
    assert!(b.wait_for(WITHIN, |s| layer(s, "h") >= got + 30).await, "{:?}", b.seen());
    let (sent, got) = (a.seen().sent_video - sent, layer(&b.seen(), "h") - got);
    // One frame written per frame B gets (a few in flight), not three.
    assert!(sent < 2 * got, "A wrote {sent} frames while B got {got}");

    // B makes A's tile big: the full layer is asked for, comes, and the half one stops.
    b.want(PeerId(1), 720);
    assert!(b.wait_for(WITHIN, |s| layer(s, "f") >= 10).await, "{:?}", b.seen());
    assert!(a.wait_for(WITHIN, |s| active(s, &["f"])).await, "{:?}", a.seen().active_layers);
    // Not shown at all: nothing of A's camera is sent.
    b.want(PeerId(1), 0);
    assert!(a.wait_for(WITHIN, |s| active(s, &[])).await, "{:?}", a.seen().active_layers);
    assert!(hears_more(&b, 1, 10).await);
    let sent = a.seen().sent_video;
    assert!(hears_more(&b, 1, 50).await);
    assert_eq!(a.seen().sent_video, sent, "no layer is written");
}

/// An engine that sheds video and is then left empty sheds nothing: the next call
/// starts with every picture.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_left_empty_sheds_nothing() {
    use sfu::pressure::Shed;
    let (sfu, _notices) = Sfu::start(SfuConfig { shed_video: true, ..SfuConfig::loopback() }).expect("sfu");
    let a = join(&sfu, 6, 1, Sends::default()).await;
    sfu.shed(Shed::Cameras);
    assert_eq!(sfu.stats().await.expect("stats").shed, Shed::Cameras);
    drop(a);
    sfu.close_room(RoomId(6));
    assert_eq!(sfu.stats().await.expect("stats").shed, Shed::Nothing);
}
