//! Where campuslink reads the time. Production reads the system clock; tests hold a
//! manual clock and advance it, so an expiry is tested without waiting for it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, from the system clock or a test's hand.
#[derive(Clone, Debug, Default)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock(None)
    }

    /// A clock that stands still at the present moment until `advance`d.
    pub fn manual() -> Clock {
        Clock(Some(Arc::new(AtomicI64::new(system_ms()))))
    }

    pub fn now_ms(&self) -> i64 {
        match &self.0 {
            None => system_ms(),
            Some(t) => t.load(Ordering::SeqCst),
        }
    }

    /// Moves a manual clock forward; a no-op on the system clock.
    pub fn advance(&self, by: Duration) {
        if let Some(t) = &self.0 {
            t.fetch_add(by.as_millis() as i64, Ordering::SeqCst);
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
}
