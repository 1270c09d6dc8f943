//! GIF: drops comment, unknown and application extensions, except the
//! NETSCAPE2.0 (or ANIMEXTS1.0) one that makes an animation loop.
//!
//! A GIF is a header, a logical screen descriptor and an optional global colour
//! table, then blocks: images (`0x2C`), extensions (`0x21 <label>`), each ending in
//! data sub-blocks (`<u8 n> <n bytes>`, closed by n = 0), and the trailer `0x3B`.

use crate::MediaError;

const IMAGE: u8 = 0x2C;
const EXTENSION: u8 = 0x21;
const TRAILER: u8 = 0x3B;
const GRAPHIC_CONTROL: u8 = 0xF9;
const PLAIN_TEXT: u8 = 0x01;
const APPLICATION: u8 = 0xFF;
/// Header (6) and logical screen descriptor (7).
const SCREEN_END: usize = 13;
/// Image descriptor: separator, left, top, width, height (u16 each), flags.
const IMAGE_DESCRIPTOR_LEN: usize = 10;

pub(crate) fn strip(bytes: &[u8]) -> Result<Vec<u8>, MediaError> {
    if !(bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a")) {
        return Err(MediaError::Malformed("not a GIF: no GIF87a/GIF89a header"));
    }
    let flags = *bytes.get(10).ok_or(MediaError::Truncated)?;
    let mut pos = SCREEN_END + colour_table_len(flags);
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(bytes.get(..pos).ok_or(MediaError::Truncated)?);
    loop {
        let (end, keep) = match *bytes.get(pos).ok_or(MediaError::Truncated)? {
            TRAILER => {
                // Whatever follows the trailer is dropped.
                out.push(TRAILER);
                return Ok(out);
            }
            IMAGE => {
                let flags = *bytes.get(pos + IMAGE_DESCRIPTOR_LEN - 1).ok_or(MediaError::Truncated)?;
                // After the local colour table: one byte of LZW code size, then data.
                let data = pos + IMAGE_DESCRIPTOR_LEN + colour_table_len(flags) + 1;
                (skip_sub_blocks(bytes, data)?, true)
            }
            EXTENSION => {
                let label = *bytes.get(pos + 1).ok_or(MediaError::Truncated)?;
                let keep = match label {
                    // Frame delays and transparency; text drawn on the picture.
                    GRAPHIC_CONTROL | PLAIN_TEXT => true,
                    APPLICATION => is_loop_extension(bytes.get(pos + 2..).unwrap_or_default()),
                    // Comments (0xFE) and anything unknown.
                    _ => false,
                };
                (skip_sub_blocks(bytes, pos + 2)?, keep)
            }
            _ => return Err(MediaError::Malformed("GIF: unknown block")),
        };
        if keep {
            out.extend_from_slice(&bytes[pos..end]);
        }
        pos = end;
    }
}

/// The size of the colour table that a descriptor's flags byte announces.
fn colour_table_len(flags: u8) -> usize {
    if flags & 0x80 == 0 { 0 } else { 3 << ((flags & 0x07) + 1) }
}

/// The position after the data sub-blocks starting at `pos` and their terminator.
fn skip_sub_blocks(bytes: &[u8], mut pos: usize) -> Result<usize, MediaError> {
    loop {
        let n = usize::from(*bytes.get(pos).ok_or(MediaError::Truncated)?);
        pos += 1 + n;
        if n == 0 {
            return Ok(pos);
        }
    }
}

/// Whether an application extension's first sub-block (an 11-byte identifier) names
/// the looping extension: without it an animated GIF plays once.
fn is_loop_extension(sub_blocks: &[u8]) -> bool {
    matches!(sub_blocks.get(..12), Some([11, id @ ..]) if id == b"NETSCAPE2.0" || id == b"ANIMEXTS1.0")
}
