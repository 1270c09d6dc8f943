//! EBML, the binary format under WebM: element headers and the document header.
//!
//! An element is `<id vint> <size vint> <data>`. A vint's first byte tells its length
//! by its leading zeros (`1xxxxxxx` is one byte, `01xxxxxx xxxxxxxx` two, …). A size
//! whose value bits are all ones means "unknown": MediaRecorder writes the Segment and
//! Clusters that way because it cannot seek back to fill sizes in while streaming.

use crate::MediaError;

pub(crate) const EBML_HEADER: u32 = 0x1A45_DFA3;
const DOC_TYPE: u32 = 0x4282;

/// An element's header: its id, its data's size (None when unknown) and where its
/// data starts.
#[derive(Debug)]
pub(crate) struct Header {
    pub id: u32,
    pub size: Option<usize>,
    pub data: usize,
}

impl Header {
    /// The element's data, when its size is known and it fits in `bytes`.
    pub fn body<'a>(&self, bytes: &'a [u8]) -> Result<&'a [u8], MediaError> {
        let size = self.size.ok_or(MediaError::Malformed("EBML: unknown size where a size is needed"))?;
        bytes.get(self.data..self.data + size).ok_or(MediaError::Truncated)
    }
}

/// Reads a vint at `pos`: (its value with the length marker removed, its length).
fn vint(bytes: &[u8], pos: usize, max_len: u32) -> Result<(u64, usize), MediaError> {
    let first = *bytes.get(pos).ok_or(MediaError::Truncated)?;
    let len = first.leading_zeros() + 1;
    if len > max_len {
        return Err(MediaError::Malformed("EBML: invalid variable-length integer"));
    }
    let rest = bytes.get(pos + 1..pos + len as usize).ok_or(MediaError::Truncated)?;
    let mut value = u64::from(first);
    for &b in rest {
        value = (value << 8) | u64::from(b);
    }
    Ok((value, len as usize))
}

/// Reads an element header at `pos`. Ids are kept with their marker bits, as the
/// specs write them (0x1A45DFA3); sizes are up to 8 bytes.
pub(crate) fn header(bytes: &[u8], pos: usize) -> Result<Header, MediaError> {
    let (id, id_len) = vint(bytes, pos, 4)?;
    let (raw_size, size_len) = vint(bytes, pos + id_len, 8)?;
    let value_bits = 7 * size_len as u32;
    let mask = (1u64 << value_bits) - 1;
    let size = raw_size & mask;
    let size = if size == mask {
        None
    } else {
        // A size larger than the address space can only be a lie: it will not fit.
        Some(usize::try_from(size).map_err(|_| MediaError::Truncated)?)
    };
    let id = u32::try_from(id).map_err(|_| MediaError::Malformed("EBML: id too long"))?;
    Ok(Header { id, size, data: pos + id_len + size_len })
}

/// An unsigned integer element's value (big-endian, 0 to 8 bytes).
pub(crate) fn uint(data: &[u8]) -> Result<u64, MediaError> {
    if data.len() > 8 {
        return Err(MediaError::Malformed("EBML: integer longer than 8 bytes"));
    }
    Ok(data.iter().fold(0, |v, &b| (v << 8) | u64::from(b)))
}

/// A float element's value (4 or 8 bytes, or 0 bytes meaning 0.0).
pub(crate) fn float(data: &[u8]) -> Result<f64, MediaError> {
    match data.len() {
        0 => Ok(0.0),
        4 => Ok(f64::from(f32::from_be_bytes([data[0], data[1], data[2], data[3]]))),
        8 => Ok(f64::from_be_bytes([data[0], data[1], data[2], data[3], data[4], data[5], data[6], data[7]])),
        _ => Err(MediaError::Malformed("EBML: float neither 4 nor 8 bytes")),
    }
}

/// The DocType ("webm", "matroska", …) of the EBML header at the start of `bytes`,
/// and where the header ends. Works on a file's first bytes alone, as long as they
/// reach the DocType element.
pub(crate) fn doc_type(bytes: &[u8]) -> Result<(&[u8], usize), MediaError> {
    let head = header(bytes, 0)?;
    if head.id != EBML_HEADER {
        return Err(MediaError::Malformed("not EBML: no EBML header"));
    }
    let size = head.size.ok_or(MediaError::Malformed("EBML: header of unknown size"))?;
    let end = head.data + size;
    let mut pos = head.data;
    while pos < end {
        let child = header(bytes, pos)?;
        let body = child.body(bytes)?;
        if child.id == DOC_TYPE {
            // Strings may be padded with NULs.
            let name = body.split(|&b| b == 0).next().unwrap_or_default();
            return Ok((name, end));
        }
        pos = child.data + body.len();
    }
    Err(MediaError::Malformed("EBML: header without DocType"))
}
