//! Calls and meetings, as rules. A call belongs to a conversation: a direct chat's call
//! rings the other person; a group's is a meeting its members join. Who may start or
//! join one is who may post in the conversation (`chat::may_send`), so there is no
//! second visibility rule for calls. What is left here is how a call goes and how it
//! is recorded when it ends.

use serde::{Deserialize, Serialize};

/// Why a call step is refused. Each is a stable error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallRefusal {
    /// The person called is in another call.
    Busy,
    /// The call has ended (or was never this caller's to join).
    Ended,
    /// The meeting has as many participants as it may.
    Full,
    /// Only the one who started a meeting may mute or remove others.
    NotHost,
    /// The session description could not be read, or offers nothing the media server
    /// forwards (Opus, VP8, H.264) or no data channel.
    BadOffer,
    /// Calls are turned off on this server.
    Unavailable,
}

impl CallRefusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Busy => "callee_busy",
            Self::Ended => "call_ended",
            Self::Full => "call_full",
            Self::NotHost => "not_call_host",
            Self::BadOffer => "bad_offer",
            Self::Unavailable => "calls_unavailable",
        }
    }

    pub const ALL: [CallRefusal; 6] =
        [Self::Busy, Self::Ended, Self::Full, Self::NotHost, Self::BadOffer, Self::Unavailable];
}

/// How a call ended, as its record in the chat says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Answered, then hung up (or a meeting that everyone left): with its length.
    Completed,
    /// Rang until the timeout.
    Missed,
    Declined,
    /// The caller hung up before an answer.
    Cancelled,
    /// The person called was in another call.
    Busy,
    /// Still going: the join card of a meeting.
    Ongoing,
}

/// What ended a call, or took one person out of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// Someone hung up (in a direct call, that ends it for both).
    HangUp {
        by_caller: bool,
    },
    Decline,
    Timeout,
    Busy,
    /// The two people no longer reach each other, or a member left the group (a removed
    /// campus, a removal, a disabled account).
    NoLongerAllowed,
    /// The last participant's connection died and did not come back.
    Dropped,
}

/// The record of a direct call that ends by `end`, answered or not.
pub fn direct_outcome(answered: bool, end: End) -> Outcome {
    match (answered, end) {
        (true, _) => Outcome::Completed,
        (false, End::Decline) => Outcome::Declined,
        (false, End::Busy) => Outcome::Busy,
        (false, End::HangUp { by_caller: true }) => Outcome::Cancelled,
        // The one called hanging up unanswered is declining it.
        (false, End::HangUp { by_caller: false }) => Outcome::Declined,
        (false, End::Timeout | End::Dropped | End::NoLongerAllowed) => Outcome::Missed,
    }
}

/// Seconds a call lasted, from its answer (or a meeting's start) to its end.
pub fn seconds(from_ms: Option<i64>, to_ms: i64) -> u32 {
    from_ms.map_or(0, |f| ((to_ms - f).max(0) / 1000).min(u32::MAX as i64) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_direct_call_is_recorded_by_how_it_ended() {
        use End::{Decline, Dropped, HangUp, NoLongerAllowed, Timeout};
        use Outcome::{Cancelled, Completed, Declined, Missed};
        let cases = [
            (true, HangUp { by_caller: true }, Completed),
            (true, HangUp { by_caller: false }, Completed),
            (true, Dropped, Completed),
            (true, NoLongerAllowed, Completed),
            (false, Decline, Declined),
            (false, HangUp { by_caller: false }, Declined),
            (false, HangUp { by_caller: true }, Cancelled),
            (false, End::Busy, Outcome::Busy),
            (false, Timeout, Missed),
            (false, Dropped, Missed),
            (false, NoLongerAllowed, Missed),
        ];
        for (answered, end, want) in cases {
            assert_eq!(direct_outcome(answered, end), want, "{answered} {end:?}");
        }
    }

    #[test]
    fn length_counts_whole_seconds_from_the_answer() {
        assert_eq!(seconds(None, 10_000), 0);
        assert_eq!(seconds(Some(1_000), 202_999), 201);
        assert_eq!(seconds(Some(5_000), 1_000), 0, "a clock that went back counts nothing");
    }

    #[test]
    fn codes_are_distinct() {
        let mut codes: Vec<_> = CallRefusal::ALL.iter().map(|r| r.as_str()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), CallRefusal::ALL.len());
    }
}
