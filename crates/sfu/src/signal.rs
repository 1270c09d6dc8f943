//! What a participant and the server say to each other over the participant's data
//! channel, as JSON text. SDP goes both ways: the server offers the other participants'
//! tracks as they come and go; a participant offers its own new tracks (a screen). The
//! server never accepts an offer while its own is unanswered: the participant rolls
//! its offer back, answers, and offers again (the participant is the "polite" side of
//! WebRTC's perfect negotiation).
//!
//! A forwarded track's stream id says whose it is: `"<peer>"` for a participant's
//! microphone and camera, `"<peer>-screen"` for the screen it shares (its second video).

use crate::PeerId;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromPeer {
    Offer {
        sdp: String,
    },
    Answer {
        sdp: String,
    },
    /// The height at which this participant shows another one's camera (0: not shown,
    /// send none); the server forwards the simulcast layer nearest above it that the
    /// participant's bandwidth allows.
    Want {
        peer: PeerId,
        height: u32,
    },
}

#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToPeer<'a> {
    Offer {
        sdp: &'a str,
    },
    Answer {
        sdp: &'a str,
    },
    /// Who is speaking loudest now (sent when it changes).
    Speaker {
        peer: PeerId,
    },
    /// The simulcast layers (rids) of the participant's camera that someone receives:
    /// it need not encode the others (sent when that changes).
    Layers {
        active: Vec<&'static str>,
    },
    /// The media server, short of time, sheds this much video so that audio stays on
    /// time (sent when it changes; see `pressure`).
    Shed {
        level: crate::pressure::Shed,
    },
}

/// The stream id a forwarded track carries.
pub fn stream_id(peer: PeerId, screen: bool) -> String {
    if screen { format!("{peer}-screen") } else { peer.to_string() }
}
