//! WebM voice messages: checks the audio is Opus and finds how long it lasts.
//!
//! MediaRecorder streams its file, so it usually writes neither sizes for the Segment
//! and Clusters (they are "unknown") nor a Duration. The length then comes from the
//! blocks: each Cluster has a Timecode, each block a signed 16-bit timecode relative
//! to it, both in TimecodeScale nanoseconds; the recording ends where its last block
//! ends. The walk is flat: it steps into the few container elements it needs (which
//! makes unknown sizes harmless: their children simply follow) and skips every other
//! element by its size, so each step moves forward and the walk ends on any input.

use std::time::Duration;

use crate::MediaError;
use crate::ebml::{self, Header};

const SEGMENT: u32 = 0x1853_8067;
const INFO: u32 = 0x1549_A966;
const TIMECODE_SCALE: u32 = 0x2A_D7B1;
const DURATION: u32 = 0x4489;
const TRACKS: u32 = 0x1654_AE6B;
const TRACK_ENTRY: u32 = 0xAE;
const TRACK_NUMBER: u32 = 0xD7;
const CODEC_ID: u32 = 0x86;
const CODEC_DELAY: u32 = 0x56AA;
const CLUSTER: u32 = 0x1F43_B675;
const CLUSTER_TIMECODE: u32 = 0xE7;
const SIMPLE_BLOCK: u32 = 0xA3;
const BLOCK_GROUP: u32 = 0xA0;
const BLOCK: u32 = 0xA1;
const BLOCK_DURATION: u32 = 0x9B;

/// The Matroska default: timecodes in milliseconds.
const DEFAULT_TIMECODE_SCALE: u64 = 1_000_000;
/// Used for a laced block, whose packets we do not take apart (MediaRecorder does
/// not lace): the usual Opus frame.
const LACED_FRAME_NS: i128 = 20_000_000;

#[derive(Default)]
struct Track {
    number: Option<u64>,
    codec: Vec<u8>,
    codec_delay_ns: u64,
}

/// What the walk has learnt so far.
struct Walk {
    scale: u64,
    info_duration: Option<f64>,
    tracks: Vec<Track>,
    cluster_timecode: Option<u64>,
    /// Earliest block start and latest block end, in nanoseconds.
    span: Option<(i128, i128)>,
}

pub(crate) fn duration(bytes: &[u8]) -> Result<Duration, MediaError> {
    let (doc_type, header_end) = ebml::doc_type(bytes)?;
    if doc_type != b"webm" {
        return Err(MediaError::Malformed("EBML file that is not WebM"));
    }
    let segment = ebml::header(bytes, header_end)?;
    if segment.id != SEGMENT {
        return Err(MediaError::Malformed("WebM: no Segment after the header"));
    }
    let end = match segment.size {
        Some(size) => segment.data.checked_add(size).filter(|&e| e <= bytes.len()).ok_or(MediaError::Truncated)?,
        None => bytes.len(),
    };
    let bytes = &bytes[..end];
    let mut walk = Walk {
        scale: DEFAULT_TIMECODE_SCALE,
        info_duration: None,
        tracks: Vec::new(),
        cluster_timecode: None,
        span: None,
    };
    let mut pos = segment.data;
    while pos < end {
        let element = ebml::header(bytes, pos)?;
        match element.id {
            // Containers: their children follow right after the header.
            INFO | TRACKS => {
                pos = element.data;
                continue;
            }
            CLUSTER => {
                walk.cluster_timecode = None;
                pos = element.data;
                continue;
            }
            TRACK_ENTRY => {
                walk.tracks.push(Track::default());
                pos = element.data;
                continue;
            }
            _ => {}
        }
        let body = element.body(bytes)?;
        match element.id {
            TIMECODE_SCALE => {
                walk.scale = ebml::uint(body)?;
                if walk.scale == 0 {
                    return Err(MediaError::Malformed("WebM: TimecodeScale of 0"));
                }
            }
            DURATION => walk.info_duration = Some(ebml::float(body)?),
            TRACK_NUMBER => walk.current_track()?.number = Some(ebml::uint(body)?),
            CODEC_ID => walk.current_track()?.codec = body.to_vec(),
            CODEC_DELAY => walk.current_track()?.codec_delay_ns = ebml::uint(body)?,
            CLUSTER_TIMECODE => walk.cluster_timecode = Some(ebml::uint(body)?),
            SIMPLE_BLOCK => walk.block(body, None)?,
            BLOCK_GROUP => walk.block_group(body)?,
            _ => {}
        }
        pos = element.data + body.len();
    }
    walk.finish()
}

impl Walk {
    fn current_track(&mut self) -> Result<&mut Track, MediaError> {
        self.tracks.last_mut().ok_or(MediaError::Malformed("WebM: track field outside a TrackEntry"))
    }

    /// A voice message holds one thing, Opus audio: every track must be Opus.
    fn check_tracks(&self) -> Result<(), MediaError> {
        let is_opus = |t: &Track| t.codec.split(|&b| b == 0).next() == Some(b"A_OPUS");
        if self.tracks.is_empty() || !self.tracks.iter().all(is_opus) {
            return Err(MediaError::NotOpus);
        }
        Ok(())
    }

    /// A BlockGroup: a Block, and maybe a BlockDuration, in either order.
    fn block_group(&mut self, group: &[u8]) -> Result<(), MediaError> {
        let mut block = None;
        let mut duration = None;
        let mut pos = 0;
        while pos < group.len() {
            let child: Header = ebml::header(group, pos)?;
            let body = child.body(group)?;
            match child.id {
                BLOCK => block = Some(body),
                BLOCK_DURATION => duration = Some(ebml::uint(body)?),
                _ => {}
            }
            pos = child.data + body.len();
        }
        match block {
            Some(block) => self.block(block, duration),
            None => Err(MediaError::Malformed("WebM: BlockGroup without a Block")),
        }
    }

    /// A (Simple)Block: `<track vint> <i16 timecode> <flags> <frames>`.
    fn block(&mut self, block: &[u8], duration_ticks: Option<u64>) -> Result<(), MediaError> {
        self.check_tracks()?;
        let (track, track_len) = track_number(block)?;
        if !self.tracks.iter().any(|t| t.number == Some(track)) {
            return Err(MediaError::Malformed("WebM: block for an undeclared track"));
        }
        let header = block.get(track_len..track_len + 3).ok_or(MediaError::Truncated)?;
        let relative = i16::from_be_bytes([header[0], header[1]]);
        let flags = header[2];
        let frames = &block[track_len + 3..];
        let cluster =
            self.cluster_timecode.ok_or(MediaError::Malformed("WebM: block before its Cluster's Timecode"))?;
        let scale = i128::from(self.scale);
        let start = (i128::from(cluster) + i128::from(relative)) * scale;
        let length = match duration_ticks {
            Some(ticks) => i128::from(ticks) * scale,
            None if flags & 0x06 != 0 => {
                let count = frames.first().ok_or(MediaError::Truncated)?;
                (i128::from(*count) + 1) * LACED_FRAME_NS
            }
            None => i128::from(opus_packet_samples(frames)?) * 1_000_000_000 / 48_000,
        };
        let end = start + length;
        self.span = Some(match self.span {
            Some((first, last)) => (first.min(start), last.max(end)),
            None => (start, end),
        });
        Ok(())
    }

    fn finish(self) -> Result<Duration, MediaError> {
        self.check_tracks()?;
        // The Duration MediaRecorder writes when it could go back and write it; it
        // is in TimecodeScale units.
        if let Some(ticks) = self.info_duration.filter(|d| d.is_finite() && *d > 0.0) {
            let seconds = ticks * self.scale as f64 / 1e9;
            return Duration::try_from_secs_f64(seconds)
                .map_err(|_| MediaError::Malformed("WebM: Duration out of range"));
        }
        let (first, last) = self.span.ok_or(MediaError::Malformed("WebM: no audio in the recording"))?;
        // The decoder drops the first CodecDelay of decoded audio (Opus pre-skip).
        let delay = self.tracks.iter().map(|t| i128::from(t.codec_delay_ns)).max().unwrap_or(0);
        let nanos = (last - first - delay).max(0);
        let nanos = u64::try_from(nanos).map_err(|_| MediaError::Malformed("WebM: timecodes out of range"))?;
        Ok(Duration::from_nanos(nanos))
    }
}

/// A block's track number, a vint like an element size (marker bit removed).
fn track_number(block: &[u8]) -> Result<(u64, usize), MediaError> {
    let first = *block.first().ok_or(MediaError::Truncated)?;
    let len = first.leading_zeros() as usize + 1;
    if len > 8 {
        return Err(MediaError::Malformed("WebM: invalid track number"));
    }
    let bytes = block.get(..len).ok_or(MediaError::Truncated)?;
    let value = bytes.iter().fold(0u64, |v, &b| (v << 8) | u64::from(b));
    Ok((value & ((1u64 << (7 * len)) - 1), len))
}

/// The number of 48 kHz samples in one Opus packet, from its TOC byte (RFC 6716
/// section 3.1): the configuration gives the frame length, the code the frame count.
fn opus_packet_samples(packet: &[u8]) -> Result<u32, MediaError> {
    let toc = *packet.first().ok_or(MediaError::Malformed("WebM: empty Opus packet"))?;
    let config = toc >> 3;
    // In 48 kHz samples: 2.5, 5, 10, 20, 40 and 60 ms.
    let frame = match config {
        0..=11 => [480, 960, 1920, 2880][usize::from(config & 3)],
        12..=15 => [480, 960][usize::from(config & 1)],
        _ => [120, 240, 480, 960][usize::from(config & 3)],
    };
    let frames = match toc & 3 {
        0 => 1,
        1 | 2 => 2,
        _ => u32::from(*packet.get(1).ok_or(MediaError::Truncated)? & 0x3F),
    };
    let samples = frame * frames;
    // A packet holds at most 120 ms.
    if samples > 5760 {
        return Err(MediaError::Malformed("WebM: Opus packet longer than 120 ms"));
    }
    Ok(samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opus_packet_lengths_follow_the_toc_byte() {
        // CELT 20 ms, one frame; SILK 60 ms, two frames; CELT 20 ms, code 3 with 3 frames.
        assert_eq!(opus_packet_samples(&[31 << 3]).ok(), Some(960));
        assert_eq!(opus_packet_samples(&[(3 << 3) | 1]).ok(), Some(5760));
        assert_eq!(opus_packet_samples(&[(31 << 3) | 3, 3]).ok(), Some(2880));
        assert!(opus_packet_samples(&[(31 << 3) | 3, 7]).is_err());
    }
}
