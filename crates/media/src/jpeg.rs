//! JPEG: walks the marker segments to drop metadata and to read the EXIF Orientation.
//!
//! A JPEG is SOI, then segments `FF xx <u16 length> <payload>`, where each SOS segment
//! is followed by entropy-coded data that runs to the next marker (in it, `FF 00` is a
//! stuffed data byte and `FF D0`–`FF D7` are restart markers), and finally EOI.

use crate::{MediaError, be_u16};

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const TEM: u8 = 0x01;
const APP0: u8 = 0xE0;
const APP1: u8 = 0xE1;
const APP2: u8 = 0xE2;
const APP14: u8 = 0xEE;
const COM: u8 = 0xFE;

const EXIF_ID: &[u8] = b"Exif\0\0";
const JFIF_ID: &[u8] = b"JFIF\0";
/// The JFIF APP0 payload up to and including its thumbnail's width and height.
const JFIF_HEADER_LEN: usize = 14;
const EXIF_ORIENTATION_TAG: u16 = 0x0112;

/// One marker segment; for SOS, with the entropy-coded data that follows it.
struct Segment<'a> {
    marker: u8,
    payload: &'a [u8],
    /// The marker, length and payload as they are in the file.
    raw: &'a [u8],
    scan: &'a [u8],
}

/// Iterates over the segments after SOI, up to and including EOI; each step moves
/// forward by at least two bytes, so it ends on any input.
struct Segments<'a> {
    bytes: &'a [u8],
    pos: usize,
    done: bool,
}

impl<'a> Segments<'a> {
    fn new(bytes: &'a [u8]) -> Result<Self, MediaError> {
        if !bytes.starts_with(&[0xFF, SOI]) {
            return Err(MediaError::Malformed("not a JPEG: no start-of-image marker"));
        }
        Ok(Self { bytes, pos: 2, done: false })
    }

    fn next_segment(&mut self) -> Result<Option<Segment<'a>>, MediaError> {
        if self.done {
            return Ok(None);
        }
        let bytes = self.bytes;
        // Any number of 0xFF fill bytes may precede a marker.
        if bytes.get(self.pos) != Some(&0xFF) {
            return Err(if self.pos >= bytes.len() {
                MediaError::Truncated
            } else {
                MediaError::Malformed("JPEG: expected a marker")
            });
        }
        let mut at = self.pos;
        while bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let marker = *bytes.get(at + 1).ok_or(MediaError::Truncated)?;
        let start = at;
        let after_marker = at + 2;
        if marker == 0x00 {
            return Err(MediaError::Malformed("JPEG: stuffed byte outside a scan"));
        }
        // Markers without a length field.
        if marker == EOI || marker == TEM || (0xD0..=0xD7).contains(&marker) || marker == SOI {
            if marker == SOI {
                return Err(MediaError::Malformed("JPEG: a second start-of-image marker"));
            }
            self.pos = after_marker;
            self.done = marker == EOI;
            let raw = &bytes[start..after_marker];
            return Ok(Some(Segment { marker, payload: &[], raw, scan: &[] }));
        }
        let len = usize::from(be_u16(bytes, after_marker)?);
        if len < 2 {
            return Err(MediaError::Malformed("JPEG: segment length below 2"));
        }
        let end = after_marker + len;
        let raw = bytes.get(start..end).ok_or(MediaError::Truncated)?;
        let payload = &bytes[after_marker + 2..end];
        let mut scan: &[u8] = &[];
        self.pos = end;
        if marker == SOS {
            let scan_end = entropy_coded_end(bytes, end)?;
            scan = &bytes[end..scan_end];
            self.pos = scan_end;
        }
        Ok(Some(Segment { marker, payload, raw, scan }))
    }
}

/// Where the entropy-coded data starting at `from` ends: at the first 0xFF that
/// begins a real marker (not a stuffed `FF 00`, not a restart marker).
fn entropy_coded_end(bytes: &[u8], from: usize) -> Result<usize, MediaError> {
    let mut i = from;
    loop {
        let ff = bytes.get(i..).and_then(|rest| rest.iter().position(|&b| b == 0xFF)).ok_or(MediaError::Truncated)?;
        i += ff;
        match bytes.get(i + 1) {
            None => return Err(MediaError::Truncated),
            Some(0x00 | 0xD0..=0xD7) => i += 2,
            Some(_) => return Ok(i),
        }
    }
}

/// What to do with a segment.
enum Verdict {
    Keep,
    Drop,
    /// The first EXIF block: replaced by one that holds only the orientation.
    Exif,
    /// A JFIF header followed by a thumbnail: kept without the thumbnail.
    JfifWithThumbnail,
}

fn verdict(marker: u8, payload: &[u8]) -> Verdict {
    match marker {
        APP0 if payload.starts_with(JFIF_ID) => {
            if payload.len() > JFIF_HEADER_LEN {
                Verdict::JfifWithThumbnail
            } else {
                Verdict::Keep
            }
        }
        APP1 if payload.starts_with(EXIF_ID) => Verdict::Exif,
        // The colour profile, possibly split over several APP2 segments.
        APP2 if payload.starts_with(b"ICC_PROFILE\0") => Verdict::Keep,
        // Adobe's APP14 says how to convert CMYK/YCCK colours: decoding needs it.
        APP14 if payload.starts_with(b"Adobe") => Verdict::Keep,
        // Every other application segment is metadata: XMP and extended XMP (APP1),
        // MPF and FlashPix (APP2), JFXX thumbnails (APP0), Photoshop/IPTC (APP13), …
        0xE0..=0xEF | COM => Verdict::Drop,
        // Tables, frame and scan headers: what the picture is made of.
        _ => Verdict::Keep,
    }
}

pub(crate) fn strip(bytes: &[u8]) -> Result<Vec<u8>, MediaError> {
    let mut segments = Segments::new(bytes)?;
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, SOI]);
    let mut seen_exif = false;
    while let Some(segment) = segments.next_segment()? {
        match verdict(segment.marker, segment.payload) {
            Verdict::Keep => out.extend_from_slice(segment.raw),
            Verdict::Drop => {}
            Verdict::Exif => {
                // Only the first EXIF block counts (as for decoders); orientation 1
                // is the default, so it needs no block at all.
                if !seen_exif {
                    seen_exif = true;
                    match exif_orientation(segment.payload) {
                        Some(orientation) if orientation != 1 => {
                            out.extend_from_slice(&minimal_exif(orientation));
                        }
                        _ => {}
                    }
                }
            }
            Verdict::JfifWithThumbnail => {
                let mut header = segment.payload[..JFIF_HEADER_LEN].to_vec();
                header[JFIF_HEADER_LEN - 2] = 0;
                header[JFIF_HEADER_LEN - 1] = 0;
                out.extend_from_slice(&[0xFF, APP0, 0, (JFIF_HEADER_LEN + 2) as u8]);
                out.extend_from_slice(&header);
            }
        }
        out.extend_from_slice(segment.scan);
    }
    // Whatever followed EOI (phone "motion photo" videos, vendor trailers) is gone.
    Ok(out)
}

/// The EXIF Orientation (1–8) of a JPEG, 1 when it has none. Read the same way as
/// `strip` reads it, so a thumbnail and the stripped file turn the same way.
pub(crate) fn orientation(bytes: &[u8]) -> Result<u8, MediaError> {
    let mut segments = Segments::new(bytes)?;
    while let Some(segment) = segments.next_segment()? {
        if segment.marker == SOS {
            break;
        }
        if segment.marker == APP1 && segment.payload.starts_with(EXIF_ID) {
            return Ok(exif_orientation(segment.payload).unwrap_or(1));
        }
    }
    Ok(1)
}

/// The Orientation tag of IFD0 in an EXIF APP1 payload. An unreadable EXIF block is
/// metadata we drop anyway, so it counts as no orientation rather than an error.
fn exif_orientation(payload: &[u8]) -> Option<u8> {
    let tiff = payload.get(EXIF_ID.len()..)?;
    let big_endian = match tiff.get(..4)? {
        [b'M', b'M', 0, 42] => true,
        [b'I', b'I', 42, 0] => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b = tiff.get(at..at.checked_add(2)?)?;
        Some(if big_endian { u16::from_be_bytes([b[0], b[1]]) } else { u16::from_le_bytes([b[0], b[1]]) })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b = tiff.get(at..at.checked_add(4)?)?;
        let b = [b[0], b[1], b[2], b[3]];
        Some(if big_endian { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) })
    };
    let ifd0 = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd0)?);
    (0..count).find_map(|i| {
        let entry = ifd0.checked_add(2 + 12 * i)?;
        const SHORT: u16 = 3;
        if u16_at(entry)? != EXIF_ORIENTATION_TAG || u16_at(entry + 2)? != SHORT || u32_at(entry + 4)? != 1 {
            return None;
        }
        u8::try_from(u16_at(entry + 8)?).ok().filter(|o| (1..=8).contains(o))
    })
}

/// An EXIF APP1 segment holding only the Orientation tag: a big-endian TIFF header and
/// an IFD0 of one entry, with no next IFD.
fn minimal_exif(orientation: u8) -> [u8; 36] {
    let mut s = [0u8; 36];
    s[..4].copy_from_slice(&[0xFF, APP1, 0, 34]);
    s[4..10].copy_from_slice(EXIF_ID);
    s[10..18].copy_from_slice(&[b'M', b'M', 0, 42, 0, 0, 0, 8]);
    // One entry: tag 0x0112, type SHORT, count 1, value left-aligned; next IFD 0.
    s[18..20].copy_from_slice(&[0, 1]);
    s[20..32].copy_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0]);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_minimal_exif_block_reads_back() {
        for o in 1..=8 {
            assert_eq!(exif_orientation(&minimal_exif(o)[4..]), Some(o));
        }
    }

    #[test]
    fn stuffed_bytes_and_restart_markers_do_not_end_a_scan() {
        let data = [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD3, 0x56, 0xFF, 0xFF, 0xD9];
        assert_eq!(entropy_coded_end(&data, 0).ok(), Some(7));
        assert!(matches!(entropy_coded_end(&data[..5], 0), Err(MediaError::Truncated)));
    }
}
