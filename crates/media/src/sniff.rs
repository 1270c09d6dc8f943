//! Tells what an upload is from its first bytes, whatever the client declared.

use crate::{AudioFormat, ImageFormat, Sniffed, ebml};

/// HEIF brands for HEVC-coded pictures (ISO/IEC 23008-12): Apple's "heic", and the
/// sequence, tiled and 10-bit variants.
const HEIC_BRANDS: [&[u8; 4]; 6] = [b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"];
/// Brands that only say "some HEIF": Samsung and others write these for HEIC.
const GENERIC_HEIF_BRANDS: [&[u8; 4]; 2] = [b"mif1", b"msf1"];
/// AVIF is HEIF with AV1 inside and also lists mif1: not ours to call HEIC.
const AVIF_BRANDS: [&[u8; 4]; 2] = [b"avif", b"avis"];

/// What a file is, from its magic numbers alone (the first 64 bytes are plenty).
pub fn sniff(head: &[u8]) -> Sniffed {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Sniffed::Image(ImageFormat::Jpeg)
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Sniffed::Image(ImageFormat::Png)
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        Sniffed::Image(ImageFormat::Gif)
    } else if head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WEBP") {
        Sniffed::Image(ImageFormat::Webp)
    } else if is_heic(head) {
        Sniffed::Image(ImageFormat::Heic)
    } else if head.starts_with(b"OggS") {
        Sniffed::Audio(AudioFormat::Ogg)
    } else if matches!(ebml::doc_type(head), Ok((b"webm", _))) {
        // Matroska files (.mkv) share the EBML magic; only the DocType tells them apart.
        Sniffed::Audio(AudioFormat::Webm)
    } else {
        Sniffed::Other
    }
}

/// An ISO-BMFF file starts with an `ftyp` box: size, "ftyp", major brand, minor
/// version, then compatible brands up to the box's size.
fn is_heic(head: &[u8]) -> bool {
    if head.get(4..8) != Some(b"ftyp") {
        return false;
    }
    let Some(major) = head.get(8..12) else { return false };
    if HEIC_BRANDS.iter().any(|b| major == *b) {
        return true;
    }
    if !GENERIC_HEIF_BRANDS.iter().any(|b| major == *b) {
        return false;
    }
    let size = head.get(..4).map_or(0, |s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as usize);
    let compatible = head.get(16..size.min(head.len())).unwrap_or_default();
    !compatible.chunks_exact(4).any(|brand| AVIF_BRANDS.iter().any(|b| brand == *b))
}
