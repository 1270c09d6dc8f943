//! Damaged input: every truncation and a few hundred byte flips of every fixture
//! through every function must give Ok or Err, quickly, never a panic or a hang.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

mod common;

use std::time::{Duration, Instant};

use common::{IMAGES, VOICES, XorShift, fixture};
use media::{sniff, strip_metadata, thumbnail, voice_duration};

/// Generous for a debug build on a busy machine; a loop that does not end on its
/// input's length would blow through it (or never return at all).
const SLOWEST: Duration = Duration::from_secs(2);
const FLIPS: usize = 300;

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let result = f();
    assert!(started.elapsed() < SLOWEST, "{what} took {:?}", started.elapsed());
    result
}

fn damaged(bytes: &[u8], rng: &mut XorShift) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len());
        out[at] ^= 1 << rng.below(8);
        // Sometimes a whole byte, to reach 0x00 and 0xFF (sizes, markers).
        if rng.below(4) == 0 {
            out[at] = [0x00, 0xFF, 0x80, 0x7F][rng.below(4)];
        }
    }
    out
}

#[test]
fn every_truncated_picture_is_refused_by_strip_and_survived_by_thumbnail() {
    for (name, format) in IMAGES {
        let bytes = fixture(name);
        for len in 0..bytes.len() {
            let cut = &bytes[..len];
            sniff(cut);
            // Each format marks its end (EOI, IEND, the trailer, the RIFF size), so no
            // proper prefix is a whole picture.
            let stripped = timed(name, || strip_metadata(format, cut));
            assert!(stripped.is_err(), "{name} cut at {len} was accepted");
            let _ = timed(name, || thumbnail(format, cut, 16, 1 << 20));
        }
    }
}

#[test]
fn every_truncated_recording_gives_ok_or_err() {
    for (name, format) in VOICES {
        let bytes = fixture(name);
        for len in 0..bytes.len() {
            let cut = &bytes[..len];
            sniff(cut);
            let _ = timed(name, || voice_duration(format, cut));
        }
    }
}

#[test]
fn flipped_bytes_give_ok_or_err() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for (name, format) in IMAGES {
        let bytes = fixture(name);
        for _ in 0..FLIPS {
            let bad = damaged(&bytes, &mut rng);
            sniff(&bad);
            if let Ok(stripped) = timed(name, || strip_metadata(format, &bad)) {
                // What comes out of a damaged file is still stripped consistently.
                let again = timed(name, || strip_metadata(format, &stripped));
                assert_eq!(again.ok().as_ref(), Some(&stripped), "{name}: not idempotent on damaged input");
            }
            let _ = timed(name, || thumbnail(format, &bad, 16, 1 << 20));
        }
    }
    for (name, format) in VOICES {
        let bytes = fixture(name);
        for _ in 0..FLIPS {
            let bad = damaged(&bytes, &mut rng);
            sniff(&bad);
            let _ = timed(name, || voice_duration(format, &bad));
        }
    }
}

#[test]
fn every_function_takes_any_format() {
    // The server sniffs first, but a wrong pairing must still be only an error.
    let all: Vec<Vec<u8>> =
        IMAGES.iter().map(|(n, _)| n).chain(VOICES.iter().map(|(n, _)| n)).map(|n| fixture(n)).collect();
    for bytes in &all {
        for (_, format) in IMAGES {
            let _ = strip_metadata(format, bytes);
            let _ = thumbnail(format, bytes, 16, 1 << 20);
        }
        for (_, format) in VOICES {
            let _ = voice_duration(format, bytes);
        }
    }
}
