//! PNG: keeps the chunks that decoding and display need and drops the rest.
//!
//! A PNG is an 8-byte signature, then chunks `<u32 length> <type> <data> <crc>` up to
//! IEND. Chunks are copied whole, CRC included, so nothing is re-encoded.

use crate::{MediaError, be_u32};

const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Ancillary chunks that change how the picture looks (transparency, colour, pixel
/// size, APNG animation). Every other ancillary chunk is dropped: the spec's metadata
/// (eXIf, tEXt, zTXt, iTXt, tIME) and also private or newer ones we cannot vouch
/// for (C2PA's caBX, editors' own chunks), as a browser ignores them anyway.
const RENDERING: [&[u8; 4]; 14] = [
    b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"cICP", b"mDCv", b"cLLi", b"sBIT", b"bKGD", b"pHYs", b"acTL",
    b"fcTL", b"fdAT",
];

pub(crate) fn strip(bytes: &[u8]) -> Result<Vec<u8>, MediaError> {
    if !bytes.starts_with(SIGNATURE) {
        return Err(MediaError::Malformed("not a PNG: no signature"));
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(SIGNATURE);
    let mut pos = SIGNATURE.len();
    loop {
        let len = be_u32(bytes, pos)?;
        // The spec caps chunk lengths at 2^31 - 1.
        if len > i32::MAX as u32 {
            return Err(MediaError::Malformed("PNG: chunk length too large"));
        }
        let kind: [u8; 4] = bytes.get(pos + 4..pos + 8).and_then(|k| k.try_into().ok()).ok_or(MediaError::Truncated)?;
        if !kind.iter().all(u8::is_ascii_alphabetic) {
            return Err(MediaError::Malformed("PNG: chunk type is not four letters"));
        }
        // Length, type, data, CRC.
        let end = pos + 12 + len as usize;
        let chunk = bytes.get(pos..end).ok_or(MediaError::Truncated)?;
        // An upper-case first letter marks a critical chunk: a decoder must see it.
        let critical = kind[0].is_ascii_uppercase();
        if critical || RENDERING.contains(&&kind) {
            out.extend_from_slice(chunk);
        }
        pos = end;
        if &kind == b"IEND" {
            // Whatever was appended after IEND is dropped with the metadata.
            return Ok(out);
        }
    }
}
