//! WebP: keeps the RIFF chunks that make up the picture and drops EXIF and XMP.
//!
//! A WebP is `RIFF <u32 LE size> WEBP` then chunks `<fourcc> <u32 LE size> <data>`
//! padded to an even length. In the extended format, the VP8X chunk's flags announce
//! which optional chunks follow; the EXIF and XMP flags are cleared with their chunks.

use crate::{MediaError, le_u32};

/// VP8X flag bits (first byte of its data): ICC 0x20, alpha 0x10, EXIF 0x08,
/// XMP 0x04, animation 0x02.
const VP8X_EXIF: u8 = 0x08;
const VP8X_XMP: u8 = 0x04;

/// Chunks a decoder uses: the bitstreams (lossy VP8 with its alpha plane ALPH,
/// lossless VP8L), the animation (ANIM, and ANMF frames holding their own bitstream
/// chunks) and the colour profile. The rest (EXIF, "XMP ", unknown) is dropped.
const PICTURE: [&[u8; 4]; 7] = [b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF", b"ICCP"];

pub(crate) fn strip(bytes: &[u8]) -> Result<Vec<u8>, MediaError> {
    let header = bytes.get(..12).ok_or(MediaError::Truncated)?;
    if &header[..4] != b"RIFF" || &header[8..12] != b"WEBP" {
        return Err(MediaError::Malformed("not a WebP: no RIFF/WEBP header"));
    }
    // The RIFF size counts from after the size field; anything past it is not WebP.
    let end = 8 + le_u32(bytes, 4)? as usize;
    let body = bytes.get(..end).ok_or(MediaError::Truncated)?;
    let mut out = Vec::with_capacity(end);
    out.extend_from_slice(header);
    let mut pos = 12;
    while pos < end {
        let fourcc: [u8; 4] = body.get(pos..pos + 4).and_then(|k| k.try_into().ok()).ok_or(MediaError::Truncated)?;
        let size = le_u32(body, pos + 4)? as usize;
        let chunk_end = pos + 8 + size + (size & 1);
        let chunk = body.get(pos..chunk_end).ok_or(MediaError::Truncated)?;
        if PICTURE.contains(&&fourcc) {
            let at = out.len();
            out.extend_from_slice(chunk);
            if &fourcc == b"VP8X" {
                let flags = out.get_mut(at + 8).ok_or(MediaError::Malformed("WebP: empty VP8X chunk"))?;
                *flags &= !(VP8X_EXIF | VP8X_XMP);
            }
        }
        pos = chunk_end;
    }
    let riff_size = u32::try_from(out.len() - 8).map_err(|_| MediaError::Malformed("WebP: too large"))?;
    out[4..8].copy_from_slice(&riff_size.to_le_bytes());
    Ok(out)
}
