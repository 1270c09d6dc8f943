//! voice_duration on real recordings, measured against the recorder's own clock.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

mod common;

use std::time::Duration;

use common::{contains, find, fix_ogg_crc, fixture, recorded};
use media::{AudioFormat, MediaError, voice_duration};

/// How far a parsed length may be from the recorded one.
const TOLERANCE_MS: f64 = 100.0;

fn assert_close(name: &str, got: Duration, expected_ms: f64) {
    let got_ms = got.as_secs_f64() * 1000.0;
    assert!((got_ms - expected_ms).abs() <= TOLERANCE_MS, "{name}: {got_ms:.1} ms, recorded {expected_ms:.1} ms");
}

#[test]
fn the_webm_fixtures_are_the_two_shapes_chromium_writes() {
    const UNKNOWN: [u8; 8] = [0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
    let segment_unknown = [&[0x18, 0x53, 0x80, 0x67][..], &UNKNOWN].concat();
    let cluster_unknown = [&[0x1F, 0x43, 0xB6, 0x75][..], &UNKNOWN].concat();
    let streamed = fixture("voice-streamed.webm");
    assert!(contains(&streamed, &segment_unknown) && contains(&streamed, &cluster_unknown));
    let whole = fixture("voice.webm");
    assert!(!contains(&whole, &segment_unknown) && !contains(&whole, &cluster_unknown));
    assert!(contains(&fixture("voice.txt"), b"mime=audio/webm;codecs=opus"));
}

#[test]
fn webm_durations_match_the_recording() {
    for name in ["voice.webm", "voice-streamed.webm"] {
        let got = voice_duration(AudioFormat::Webm, &fixture(name)).unwrap();
        assert_close(name, got, recorded("voice.txt", name, "recorded_ms"));
    }
}

/// Chromium's own decoder (decodeAudioData, saved as decoded_ms) found how much audio
/// the blocks hold; measured from the blocks, the length must agree to within a frame.
const ONE_FRAME_MS: f64 = 20.0;

#[test]
fn the_streamed_length_agrees_with_chromiums_decoder() {
    let got = voice_duration(AudioFormat::Webm, &fixture("voice-streamed.webm")).unwrap();
    let decoded = recorded("voice.txt", "voice-streamed.webm", "decoded_ms");
    assert!((got.as_secs_f64() * 1000.0 - decoded).abs() <= ONE_FRAME_MS, "{got:?}, decoded {decoded} ms");
}

#[test]
fn without_a_duration_element_the_clusters_tell_the_length() {
    // Overwrite the Info Duration (id 44 89, 4-byte float) with a Void element of
    // the same length, so only the blocks are left to measure.
    let mut bytes = fixture("voice.webm");
    let info = find(&bytes, &[0x15, 0x49, 0xA9, 0x66]).unwrap();
    let at = info + find(&bytes[info..], &[0x44, 0x89, 0x84]).unwrap();
    bytes[at..at + 2].copy_from_slice(&[0xEC, 0x85]);
    let got = voice_duration(AudioFormat::Webm, &bytes).unwrap();
    assert_close("voice.webm without Duration", got, recorded("voice.txt", "voice.webm", "recorded_ms"));
    let decoded = recorded("voice.txt", "voice.webm", "decoded_ms");
    assert!((got.as_secs_f64() * 1000.0 - decoded).abs() <= ONE_FRAME_MS, "{got:?}, decoded {decoded} ms");
    // And it is not simply the Duration read some other way.
    let with = voice_duration(AudioFormat::Webm, &fixture("voice.webm")).unwrap();
    assert_ne!(got, with);
}

#[test]
fn ogg_duration_matches_the_encoded_wav() {
    let got = voice_duration(AudioFormat::Ogg, &fixture("voice.ogg")).unwrap();
    assert_close("voice.ogg", got, recorded("voice-ogg.txt", "voice.ogg", "source_ms"));
}

#[test]
fn only_opus_is_accepted() {
    let mut webm = fixture("voice.webm");
    let at = find(&webm, b"A_OPUS").unwrap();
    webm[at..at + 6].copy_from_slice(b"A_VORB");
    assert!(matches!(voice_duration(AudioFormat::Webm, &webm), Err(MediaError::NotOpus)));

    let mut ogg = fixture("voice.ogg");
    assert_eq!(find(&ogg, b"OpusHead"), Some(28), "OpusHead opens the first page");
    ogg[28..36].copy_from_slice(b"\x01vorbis\0");
    // Edited without fixing the checksum: the page is corrupt.
    assert!(matches!(voice_duration(AudioFormat::Ogg, &ogg), Err(MediaError::Malformed(_))));
    fix_ogg_crc(&mut ogg, 0);
    assert!(matches!(voice_duration(AudioFormat::Ogg, &ogg), Err(MediaError::NotOpus)));

    // A picture is not a voice message either.
    assert!(voice_duration(AudioFormat::Webm, &fixture("photo.jpg")).is_err());
    assert!(voice_duration(AudioFormat::Ogg, &fixture("voice.webm")).is_err());
}

#[test]
fn a_cut_recording_is_shorter_or_refused() {
    // Cut a streamed recording between two Clusters: what is left is a valid, shorter
    // recording (MediaRecorder's data so far, as during an upload).
    let bytes = fixture("voice-streamed.webm");
    let cluster = [0x1F, 0x43, 0xB6, 0x75];
    let clusters: Vec<usize> = bytes.windows(4).enumerate().filter(|(_, w)| *w == cluster).map(|(i, _)| i).collect();
    assert!(clusters.len() > 3, "{} clusters", clusters.len());
    let full = voice_duration(AudioFormat::Webm, &bytes).unwrap();
    let half = voice_duration(AudioFormat::Webm, &bytes[..clusters[clusters.len() / 2]]).unwrap();
    assert!(half < full && half > Duration::ZERO, "{half:?} of {full:?}");
    // A Segment of known size that is cut short is truncated.
    let whole = fixture("voice.webm");
    assert!(matches!(voice_duration(AudioFormat::Webm, &whole[..whole.len() - 1]), Err(MediaError::Truncated)));
}
