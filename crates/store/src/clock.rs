//! Where campuslink reads the time. Production reads the system clock; tests hold a
//! manual clock and advance it, so an expiry is tested without waiting for it; a
//! browser test, whose pages need time to flow, holds a shifted one and jumps it on.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, from the system clock or a test's hand.
#[derive(Clone, Debug, Default)]
pub struct Clock(Kind);

#[derive(Clone, Debug, Default)]
enum Kind {
    #[default]
    System,
    /// The time itself, moved only by `advance`.
    Manual(Arc<AtomicI64>),
    /// How far ahead of the system clock, grown by `advance`.
    Shifted(Arc<AtomicI64>),
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock(Kind::System)
    }

    /// A clock that stands still at the present moment until `advance`d.
    pub fn manual() -> Clock {
        Clock(Kind::Manual(Arc::new(AtomicI64::new(system_ms()))))
    }

    /// The system clock, moved ahead by whatever it is `advance`d: time flows as
    /// usual between jumps.
    pub fn shifted() -> Clock {
        Clock(Kind::Shifted(Arc::new(AtomicI64::new(0))))
    }

    pub fn now_ms(&self) -> i64 {
        match &self.0 {
            Kind::System => system_ms(),
            Kind::Manual(t) => t.load(Ordering::SeqCst),
            Kind::Shifted(offset) => system_ms() + offset.load(Ordering::SeqCst),
        }
    }

    /// Moves a manual or shifted clock forward; a no-op on the system clock.
    pub fn advance(&self, by: Duration) {
        match &self.0 {
            Kind::System => {}
            Kind::Manual(t) | Kind::Shifted(t) => {
                t.fetch_add(by.as_millis() as i64, Ordering::SeqCst);
            }
        }
    }
}

fn system_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_advanced() {
        let c = Clock::manual();
        let t = c.now_ms();
        assert_eq!(c.now_ms(), t);
        c.advance(Duration::from_secs(2));
        assert_eq!(c.now_ms(), t + 2000);
        let shared = c.clone();
        shared.advance(Duration::from_millis(5));
        assert_eq!(c.now_ms(), t + 2005, "clones share the hand");
        assert!(Clock::system().now_ms() > 1_700_000_000_000);
    }

    #[test]
    fn a_shifted_clock_flows_and_jumps_ahead_when_advanced() {
        let c = Clock::shifted();
        let before = system_ms();
        let t = c.now_ms();
        assert!(t >= before && t <= system_ms(), "unshifted, it reads the system clock");
        std::thread::sleep(Duration::from_millis(20));
        assert!(c.now_ms() >= t + 20, "time flows between jumps");

        let shared = c.clone();
        shared.advance(Duration::from_secs(3600));
        let before = system_ms();
        let t = c.now_ms();
        let after = system_ms();
        assert!(t >= before + 3_600_000 && t <= after + 3_600_000, "clones share the offset: {t}");
        c.advance(Duration::from_millis(5));
        assert!(c.now_ms() >= before + 3_600_005);

        let system = Clock::system();
        system.advance(Duration::from_secs(3600));
        assert!(system.now_ms() < before + 3_600_000, "the system clock does not move");
    }
}
