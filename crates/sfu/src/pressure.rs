//! Audio first when an engine falls behind.
//!
//! An engine that cannot keep up with what arrives (a meeting bigger than its core
//! carries, or a core other work took) lets its socket fill, and then every packet
//! waits: audio as long as video, and a call in which people cannot hear each other on
//! time is lost even if the pictures come through. So the engine sheds video, step by
//! step, until it keeps up again: first no full-size pictures, then only the smallest
//! layer, then only the active speaker's camera, then no cameras at all (audio and
//! shared screens only). It comes back one step at a time once it has kept up for a
//! while.
//!
//! "Falls behind" is read off the socket: ten times a second the engine sends its own
//! media socket a probe from a socket of its own on this machine, and the queue being
//! first in, first out, the time the probe takes to be read is what every datagram
//! waits then. A probe that waited 50 ms or more (or has not come back) says the engine
//! is behind, one that waited less that it keeps up. When every probe has said "behind"
//! for `UP_AFTER`, the level goes up. After a while with probes on time (`DOWN_AFTER`
//! at first), it goes down.
//! Both are measured from the last change, so each step has time to act (a layer switch
//! waits for a keyframe) before the next. A step down that puts the engine behind again
//! doubles the wait before the next try, up to `DOWN_AFTER_MOST`, so that a meeting
//! just too big for the core does not see its pictures come and go every few seconds;
//! a minute at ease brings the wait back to `DOWN_AFTER`. A pure state machine on the
//! engine's clock, tested as a table.

use std::time::{Duration, Instant};

/// How long the engine must stay behind before video is shed one step further.
pub const UP_AFTER: Duration = Duration::from_millis(500);
/// How long it must keep up before one step of video comes back, at first.
pub const DOWN_AFTER: Duration = Duration::from_secs(2);
/// The longest that wait grows to, after steps down that did not hold; and how long
/// shedding nothing, and keeping up, brings it back to `DOWN_AFTER`.
pub const DOWN_AFTER_MOST: Duration = Duration::from_secs(64);

/// How much video an engine sheds, from none to every camera.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shed {
    #[default]
    Nothing,
    /// No camera bigger than half size.
    FullSize,
    /// Every camera at its smallest layer.
    AllButSmallest,
    /// Only the active speaker's camera, at its smallest layer.
    AllButSpeaker,
    /// No cameras: audio and shared screens only.
    Cameras,
}

impl Shed {
    const ORDER: [Shed; 5] = [Shed::Nothing, Shed::FullSize, Shed::AllButSmallest, Shed::AllButSpeaker, Shed::Cameras];

    fn up(self) -> Shed {
        Shed::ORDER.get(self as usize + 1).copied().unwrap_or(self)
    }

    fn down(self) -> Shed {
        (self as usize).checked_sub(1).map_or(self, |i| Shed::ORDER[i])
    }

    /// The tallest picture of a camera a receiver may get at this level (`u32::MAX`:
    /// any), whether or not the camera is the room's active speaker's. 0: none.
    pub fn max_height(self, speaker: bool) -> u32 {
        match self {
            Shed::Nothing => u32::MAX,
            Shed::FullSize => 360,
            Shed::AllButSmallest => 180,
            Shed::AllButSpeaker if speaker => 180,
            Shed::AllButSpeaker | Shed::Cameras => 0,
        }
    }
}

/// One engine's level, and what it has seen of its socket since the last change.
#[derive(Clone, Debug)]
pub struct Pressure {
    level: Shed,
    changed_at: Instant,
    /// Whether the last change was a step down.
    went_down: bool,
    /// How long it must keep up now before the next step down.
    down_after: Duration,
    /// Since when every probe has said the engine is behind.
    behind_since: Option<Instant>,
    /// When a probe last said it keeps up after being behind (or the start).
    caught_up_at: Instant,
}

impl Pressure {
    pub fn new(now: Instant) -> Pressure {
        Pressure {
            level: Shed::Nothing,
            changed_at: now,
            went_down: false,
            down_after: DOWN_AFTER,
            behind_since: None,
            caught_up_at: now,
        }
    }

    pub fn level(&self) -> Shed {
        self.level
    }

    /// A probe says the engine is `behind`, or keeps up.
    pub fn read(&mut self, now: Instant, behind: bool) {
        if behind {
            self.behind_since.get_or_insert(now);
        } else if self.behind_since.take().is_some() {
            self.caught_up_at = now;
        }
    }

    /// How long it must keep up now before the next step down.
    pub fn down_after(&self) -> Duration {
        self.down_after
    }

    /// Moves the level one step if it is time; whether it moved.
    pub fn step(&mut self, now: Instant) -> bool {
        let at_ease = now.saturating_duration_since(self.caught_up_at.max(self.changed_at));
        match self.behind_since {
            Some(since) if now.saturating_duration_since(since.max(self.changed_at)) >= UP_AFTER => {
                if self.went_down {
                    self.down_after = (self.down_after * 2).min(DOWN_AFTER_MOST);
                }
                let up = self.level.up();
                self.went_down = false;
                self.set(up, now)
            }
            None if self.level == Shed::Nothing => {
                if at_ease >= DOWN_AFTER_MOST {
                    self.down_after = DOWN_AFTER;
                }
                false
            }
            None if at_ease >= self.down_after => {
                let down = self.level.down();
                self.went_down = true;
                self.set(down, now)
            }
            _ => false,
        }
    }

    /// Sets the level (tests; and `step`); whether it changed.
    pub fn set(&mut self, level: Shed, now: Instant) -> bool {
        if level == self.level {
            return false;
        }
        self.level = level;
        self.changed_at = now;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (ms since the start, what happens, the level after it)
    enum At {
        Read(bool),
        Step,
    }

    fn run(script: &[(u64, At, Shed)]) {
        let t0 = Instant::now();
        let mut p = Pressure::new(t0);
        for (i, (ms, what, want)) in script.iter().enumerate() {
            let now = t0 + Duration::from_millis(*ms);
            match what {
                At::Read(behind) => p.read(now, *behind),
                At::Step => {
                    p.step(now);
                }
            }
            assert_eq!(p.level(), *want, "line {i} at {ms} ms");
        }
    }

    #[test]
    fn a_socket_that_stays_full_sheds_video_step_by_step() {
        use At::*;
        use Shed::*;
        run(&[
            (0, Step, Nothing),
            (100, Read(true), Nothing),
            (599, Step, Nothing),
            (600, Step, FullSize),
            // Each next step waits its own half second, even if still behind.
            (700, Read(true), FullSize),
            (1099, Step, FullSize),
            (1100, Step, AllButSmallest),
            (1600, Step, AllButSpeaker),
            (2100, Step, Cameras),
            (2600, Step, Cameras),
        ]);
    }

    #[test]
    fn a_socket_that_empties_now_and_then_sheds_nothing() {
        use At::*;
        use Shed::*;
        run(&[
            (0, Read(true), Nothing),
            (400, Read(false), Nothing),
            (450, Read(true), Nothing),
            (800, Step, Nothing),
            (900, Read(false), Nothing),
            (5000, Step, Nothing),
            (60_000, Step, Nothing),
        ]);
    }

    #[test]
    fn video_comes_back_a_step_at_a_time_while_the_engine_keeps_up() {
        use At::*;
        use Shed::*;
        run(&[
            (0, Read(true), Nothing),
            (500, Step, FullSize),
            (1000, Step, AllButSmallest),
            (1200, Read(false), AllButSmallest),
            // Two seconds from catching up, not from the last change.
            (3199, Step, AllButSmallest),
            (3200, Step, FullSize),
            (5200, Step, Nothing),
            (60_000, Step, Nothing),
        ]);
    }

    #[test]
    fn a_step_down_that_does_not_hold_waits_twice_as_long_the_next_time() {
        use Shed::*;
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut p = Pressure::new(t0);
        p.read(at(0), true);
        assert!(p.step(at(500)) && p.level() == FullSize);
        assert!(p.step(at(1000)) && p.level() == AllButSmallest);
        // Behind again after each step down: 2, 4, 8… seconds at ease before the next.
        let mut now = 1000;
        for wait in [2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 64_000] {
            assert_eq!(p.down_after(), Duration::from_millis(wait));
            p.read(at(now + 1), false);
            assert!(!p.step(at(now + wait)), "not before {wait} ms");
            assert!(p.step(at(now + 1 + wait)) && p.level() == FullSize);
            now += 1 + wait;
            p.read(at(now), true);
            assert!(p.step(at(now + 500)) && p.level() == AllButSmallest, "behind again");
            now += 500;
        }
        // Once it holds all the way down, a minute at ease brings the wait back.
        p.read(at(now), false);
        assert!(p.step(at(now + 64_000)) && p.level() == FullSize);
        assert!(p.step(at(now + 128_000)) && p.level() == Nothing);
        assert_eq!(p.down_after(), Duration::from_secs(64));
        assert!(!p.step(at(now + 128_000 + 63_999)));
        assert_eq!(p.down_after(), Duration::from_secs(64));
        assert!(!p.step(at(now + 128_000 + 64_000)));
        assert_eq!(p.down_after(), DOWN_AFTER);
    }

    #[test]
    fn the_levels_cap_what_a_camera_is_sent() {
        use Shed::*;
        let cases = [
            (Nothing, [u32::MAX, u32::MAX]),
            (FullSize, [360, 360]),
            (AllButSmallest, [180, 180]),
            (AllButSpeaker, [0, 180]),
            (Cameras, [0, 0]),
        ];
        for (level, [other, speaker]) in cases {
            assert_eq!((level.max_height(false), level.max_height(true)), (other, speaker), "{level:?}");
        }
        assert_eq!(Cameras.up(), Cameras);
        assert_eq!(Nothing.down(), Nothing);
    }
}
