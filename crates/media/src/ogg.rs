//! Ogg Opus voice messages: checks the stream is Opus and finds how long it lasts.
//!
//! An Ogg file is a run of pages: `OggS`, version, flags, a 64-bit granule position,
//! serial number, sequence number, CRC, then a segment table giving the lengths of the
//! packet pieces that follow. For Opus (RFC 7845) the first packet is the OpusHead
//! header carrying the pre-skip, and a page's granule position counts 48 kHz samples
//! up to the end of its last packet, pre-skip included.

use std::time::Duration;

use crate::{MediaError, le_u32};

const CAPTURE: &[u8] = b"OggS";
/// Capture pattern (4), version, flags, granule (8), serial (4), sequence (4), CRC (4),
/// segment count.
const PAGE_HEADER_LEN: usize = 27;
const FLAG_FIRST_PAGE: u8 = 0x02;
/// "No packet ends on this page."
const NO_GRANULE: u64 = u64::MAX;
const OPUS_HEAD_LEN: usize = 19;
const OPUS_RATE: u64 = 48_000;

struct Page<'a> {
    flags: u8,
    granule: u64,
    serial: u32,
    /// The page's payload and the lengths of its pieces, as in the segment table.
    lacing: &'a [u8],
    payload: &'a [u8],
    end: usize,
}

fn page(bytes: &[u8], pos: usize) -> Result<Page<'_>, MediaError> {
    let header = bytes.get(pos..pos + PAGE_HEADER_LEN).ok_or(MediaError::Truncated)?;
    if &header[..4] != CAPTURE {
        return Err(MediaError::Malformed("Ogg: page without the OggS capture pattern"));
    }
    if header[4] != 0 {
        return Err(MediaError::Malformed("Ogg: unknown page version"));
    }
    let segments = usize::from(header[26]);
    let lacing_end = pos + PAGE_HEADER_LEN + segments;
    let lacing = bytes.get(pos + PAGE_HEADER_LEN..lacing_end).ok_or(MediaError::Truncated)?;
    let payload_len: usize = lacing.iter().map(|&l| usize::from(l)).sum();
    let end = lacing_end + payload_len;
    let whole = bytes.get(pos..end).ok_or(MediaError::Truncated)?;
    if crc(whole) != le_u32(header, 22)? {
        return Err(MediaError::Malformed("Ogg: page checksum mismatch"));
    }
    let mut granule = [0; 8];
    granule.copy_from_slice(&header[6..14]);
    Ok(Page {
        flags: header[5],
        granule: u64::from_le_bytes(granule),
        serial: le_u32(header, 14)?,
        lacing,
        payload: &bytes[lacing_end..end],
        end,
    })
}

impl Page<'_> {
    /// The first packet that starts on this page, if it also ends here.
    fn first_packet(&self) -> Option<&[u8]> {
        let mut len = 0;
        for &piece in self.lacing {
            len += usize::from(piece);
            // A piece shorter than 255 ends the packet.
            if piece < 255 {
                return self.payload.get(..len);
            }
        }
        None
    }
}

pub(crate) fn duration(bytes: &[u8]) -> Result<Duration, MediaError> {
    let mut stream: Option<(u32, u64)> = None; // serial number and pre-skip
    let mut last_granule = None;
    let mut pos = 0;
    while pos < bytes.len() {
        let page = page(bytes, pos)?;
        pos = page.end;
        if page.flags & FLAG_FIRST_PAGE != 0 {
            // A stream's first page holds only its identification header. A voice
            // message carries nothing else, so every stream must be Opus.
            let head = page.first_packet().ok_or(MediaError::NotOpus)?;
            if !head.starts_with(b"OpusHead") || head.len() < OPUS_HEAD_LEN {
                return Err(MediaError::NotOpus);
            }
            // Versions 0–15 share this layout.
            if head[8] > 15 {
                return Err(MediaError::Malformed("Ogg: unknown OpusHead version"));
            }
            let pre_skip = u64::from(u16::from_le_bytes([head[10], head[11]]));
            stream.get_or_insert((page.serial, pre_skip));
            continue;
        }
        match stream {
            Some((serial, _)) if serial == page.serial && page.granule != NO_GRANULE => {
                // RFC 7845 forbids other negative granule positions.
                if page.granule > i64::MAX as u64 {
                    return Err(MediaError::Malformed("Ogg: negative granule position"));
                }
                last_granule = Some(page.granule);
            }
            Some(_) => {}
            None => return Err(MediaError::Malformed("Ogg: page before any stream's first page")),
        }
    }
    let (_, pre_skip) = stream.ok_or(MediaError::Malformed("Ogg: empty file"))?;
    let granule = last_granule.ok_or(MediaError::Malformed("Ogg: no audio in the recording"))?;
    let samples = granule.saturating_sub(pre_skip);
    Ok(Duration::from_secs(samples / OPUS_RATE)
        + Duration::from_nanos((samples % OPUS_RATE) * 1_000_000_000 / OPUS_RATE))
}

/// Ogg's CRC-32: polynomial 0x04C11DB7, not reflected, initial value 0, over the
/// whole page with its CRC field taken as zero.
fn crc(page: &[u8]) -> u32 {
    page.iter().enumerate().fold(0u32, |crc, (i, &b)| {
        let b = if (22..26).contains(&i) { 0 } else { b };
        (crc << 8) ^ CRC_TABLE[usize::from((crc >> 24) as u8 ^ b)]
    })
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut r = (i as u32) << 24;
        let mut bit = 0;
        while bit < 8 {
            r = if r & 0x8000_0000 != 0 { (r << 1) ^ 0x04C1_1DB7 } else { r << 1 };
            bit += 1;
        }
        table[i] = r;
        i += 1;
    }
    table
};
