//! campuslink's media layer: what the server needs to know about, and do to, an
//! uploaded picture, file or voice message, as pure functions of its bytes.
//!
//! - [`sniff`] says what a file really is, from its magic numbers, never from the
//!   type the client declared.
//! - [`strip_metadata`] removes what a photo tells about its author (GPS position,
//!   camera serial, editing history, comments) without re-encoding it.
//! - [`thumbnail`] decodes a picture within a pixel budget and makes a small JPEG.
//! - [`voice_duration`] reads how long an Opus voice message lasts.
//!
//! No I/O and no threads: files are at most tens of MB and the server calls these in
//! `spawn_blocking`. Every parser is bounded by its input's length, and malformed or
//! truncated input is an error, never a panic or an endless loop.

mod ebml;
mod gif;
mod jpeg;
mod ogg;
mod png;
mod sniff;
mod thumbnail;
mod webm;
mod webp;

use std::time::Duration;

pub use sniff::sniff;
pub use thumbnail::thumbnail;

/// A picture format that campuslink accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageFormat {
    Jpeg,
    Png,
    Webp,
    Gif,
    /// Recognised (iPhones send it) but neither decoded nor stripped here.
    Heic,
}

impl ImageFormat {
    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Gif => "image/gif",
            Self::Heic => "image/heic",
        }
    }

    /// Whether [`thumbnail`] and [`strip_metadata`] can handle it: there is no HEIC
    /// decoder here (HEVC needs a codec we do not build in).
    pub fn renders(self) -> bool {
        !matches!(self, Self::Heic)
    }
}

/// A voice-message container; the codec inside must be Opus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AudioFormat {
    /// What Chromium's (and Safari's) MediaRecorder writes.
    Webm,
    /// What Firefox's MediaRecorder writes.
    Ogg,
}

impl AudioFormat {
    pub fn mime(self) -> &'static str {
        match self {
            Self::Webm => "audio/webm",
            Self::Ogg => "audio/ogg",
        }
    }
}

/// What [`sniff`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sniffed {
    Image(ImageFormat),
    Audio(AudioFormat),
    /// Anything else: served only as a download (`application/octet-stream`).
    Other,
}

/// Why a file could not be processed. The messages are for logs; [`MediaError::code`]
/// is the stable name to send to clients.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("the file ends before its structure does (truncated upload?)")]
    Truncated,
    #[error("this format cannot be processed here")]
    Unsupported,
    #[error("the image has {pixels} pixels, more than allowed")]
    TooLarge { pixels: u64 },
    #[error("the image could not be decoded: {0}")]
    Decode(String),
    #[error("the recording is not Opus audio")]
    NotOpus,
    #[error("malformed file: {0}")]
    Malformed(&'static str),
}

impl MediaError {
    /// A snake_case name for the error, stable across releases, for API answers.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Truncated => "media_truncated",
            Self::Unsupported => "media_unsupported",
            Self::TooLarge { .. } => "media_too_large",
            Self::Decode(_) => "media_undecodable",
            Self::NotOpus => "media_not_opus",
            Self::Malformed(_) => "media_malformed",
        }
    }
}

/// A picture's format and size as displayed (after the EXIF orientation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageInfo {
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
}

/// The image with its metadata removed: no EXIF (GPS, camera serials, …), no XMP, no
/// text chunks or comments, no embedded thumbnails, nothing after the image's end
/// marker. It keeps what rendering needs: the ICC colour profile, and for a JPEG the
/// EXIF Orientation (rewritten as a minimal EXIF block holding only that tag, else
/// portrait phone photos display sideways). The rest is copied byte for byte: the
/// picture is not re-encoded. Stripping a stripped image changes nothing.
///
/// HEIC is [`MediaError::Unsupported`]: its metadata lives in ISO-BMFF item boxes
/// whose offsets would all move; the server must not serve a HEIC file as it came.
pub fn strip_metadata(format: ImageFormat, bytes: &[u8]) -> Result<Vec<u8>, MediaError> {
    match format {
        ImageFormat::Jpeg => jpeg::strip(bytes),
        ImageFormat::Png => png::strip(bytes),
        ImageFormat::Webp => webp::strip(bytes),
        ImageFormat::Gif => gif::strip(bytes),
        ImageFormat::Heic => Err(MediaError::Unsupported),
    }
}

/// How long a voice message lasts. WebM: the Segment Info Duration when present, else
/// from the Clusters' block timecodes plus the last block's own length (MediaRecorder
/// writes no Duration when it streams). Ogg: the last page's granule position minus
/// the Opus pre-skip, at 48 kHz. Anything but Opus is [`MediaError::NotOpus`].
pub fn voice_duration(format: AudioFormat, bytes: &[u8]) -> Result<Duration, MediaError> {
    match format {
        AudioFormat::Webm => webm::duration(bytes),
        AudioFormat::Ogg => ogg::duration(bytes),
    }
}

/// Reads a big-endian u16 at `at`, or says the file is truncated.
fn be_u16(bytes: &[u8], at: usize) -> Result<u16, MediaError> {
    let b = bytes.get(at..at.wrapping_add(2)).ok_or(MediaError::Truncated)?;
    Ok(u16::from_be_bytes([b[0], b[1]]))
}

/// Reads a big-endian u32 at `at`, or says the file is truncated.
fn be_u32(bytes: &[u8], at: usize) -> Result<u32, MediaError> {
    let b = bytes.get(at..at.wrapping_add(4)).ok_or(MediaError::Truncated)?;
    Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// Reads a little-endian u32 at `at`, or says the file is truncated.
fn le_u32(bytes: &[u8], at: usize) -> Result<u32, MediaError> {
    let b = bytes.get(at..at.wrapping_add(4)).ok_or(MediaError::Truncated)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}
