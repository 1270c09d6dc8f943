//! `campuslink demo --test-clock`: a browser test moves the server's clock forward by
//! writing `advance <seconds>` lines to the program's standard input, so a call rings
//! out or a session expires without the test waiting for it.

use std::io::{BufRead, Write};
use std::time::Duration;
use store::Clock;

/// One line a test writes.
#[derive(Debug, PartialEq, Eq)]
enum Order {
    Advance(u64),
}

impl Order {
    fn parse(line: &str) -> Option<Order> {
        let mut words = line.split_whitespace();
        match (words.next(), words.next().map(str::parse), words.next()) {
            (Some("advance"), Some(Ok(seconds)), None) => Some(Order::Advance(seconds)),
            _ => None,
        }
    }
}

/// Reads standard input line by line on a thread of its own until it closes: each
/// `advance <seconds>` moves `clock` on and is acknowledged on stdout with `clock
/// advanced <seconds>` once done, so the test knows the server sees the new time.
pub fn follow_stdin(clock: Clock) {
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { return };
            match Order::parse(&line) {
                Some(Order::Advance(seconds)) => {
                    clock.advance(Duration::from_secs(seconds));
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "clock advanced {seconds}");
                    let _ = out.flush();
                }
                None => eprintln!("campuslink: warning: --test-clock: not `advance <seconds>`: {line:?}"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_a_test_writes() {
        assert_eq!(Order::parse("advance 46"), Some(Order::Advance(46)));
        assert_eq!(Order::parse("  advance   3600 \r"), Some(Order::Advance(3600)));
        for bad in ["", "advance", "advance -1", "advance 1.5", "advance 1 2", "rewind 3", "ADVANCE 3"] {
            assert_eq!(Order::parse(bad), None, "{bad:?}");
        }
    }
}
