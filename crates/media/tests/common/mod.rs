//! What the test files share: the fixtures, and small independent parsers and
//! checksums to look inside the outputs without trusting the code under test.
#![allow(dead_code)] // each test file uses its own part of this

use std::io::Cursor;
use std::path::Path;

use image::codecs::gif::GifDecoder;
use image::codecs::jpeg::JpegDecoder;
use image::codecs::png::PngDecoder;
use image::codecs::webp::WebPDecoder;
use image::{AnimationDecoder, ImageDecoder};
use media::{AudioFormat, ImageFormat};

/// The pictures made by tests/fixtures/make.py.
pub const IMAGES: [(&str, ImageFormat); 5] = [
    ("photo.jpg", ImageFormat::Jpeg),
    ("alpha.png", ImageFormat::Png),
    ("alpha.webp", ImageFormat::Webp),
    ("animated.webp", ImageFormat::Webp),
    ("animated.gif", ImageFormat::Gif),
];

/// The voice messages: two recorded by Chromium (record-voice.mjs), one by opusenc.
pub const VOICES: [(&str, AudioFormat); 3] =
    [("voice.webm", AudioFormat::Webm), ("voice-streamed.webm", AudioFormat::Webm), ("voice.ogg", AudioFormat::Ogg)];

/// Strings the fixtures' XMP packet carries (author, place, GPS): in every picture.
pub const XMP_SECRETS: [&[u8]; 5] =
    [b"Jane Teacher", b"Example Street", b"GPSLatitude", b"http://ns.adobe.com", b"xmpmeta"];
/// Strings their EXIF block carries (camera, serial): in all but the GIF, which has no
/// EXIF. The GPS position itself is binary there: the tests look for the GPS IFD.
pub const EXIF_SECRETS: [&[u8]; 2] = [b"ExampleCam", b"SN-4242"];

pub fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A value recorded beside a fixture: `key=value` on the line that starts with `name`.
pub fn recorded(txt: &str, name: &str, key: &str) -> f64 {
    let text = String::from_utf8(fixture(txt)).unwrap();
    let line = text
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap_or_else(|| panic!("{name} not in {txt}"));
    let field = line
        .split_whitespace()
        .find_map(|f| f.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("{key} not on {name}'s line"));
    field.parse().unwrap()
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The image crate's own decoder for a format, to read metadata back independently.
pub fn decoder(format: ImageFormat, bytes: &[u8]) -> Box<dyn ImageDecoder + '_> {
    let input = Cursor::new(bytes);
    match format {
        ImageFormat::Jpeg => Box::new(JpegDecoder::new(input).unwrap()),
        ImageFormat::Png => Box::new(PngDecoder::new(input).unwrap()),
        ImageFormat::Webp => Box::new(WebPDecoder::new(input).unwrap()),
        ImageFormat::Gif => Box::new(GifDecoder::new(input).unwrap()),
        ImageFormat::Heic => unreachable!("no HEIC decoder"),
    }
}

/// Every frame's RGBA pixels (one frame for a still picture).
pub fn frames(format: ImageFormat, bytes: &[u8]) -> Vec<Vec<u8>> {
    let input = Cursor::new(bytes);
    let all = |frames: image::Frames| frames.map(|f| f.unwrap().into_buffer().into_raw()).collect();
    match format {
        ImageFormat::Gif => all(GifDecoder::new(input).unwrap().into_frames()),
        ImageFormat::Webp => {
            let decoder = WebPDecoder::new(input).unwrap();
            if decoder.has_animation() {
                all(decoder.into_frames())
            } else {
                vec![image::load_from_memory(bytes).unwrap().to_rgba8().into_raw()]
            }
        }
        _ => vec![image::load_from_memory(bytes).unwrap().to_rgba8().into_raw()],
    }
}

/// The tags of a TIFF/EXIF block's IFD0, and of every IFD it points to, as (ifd, tag).
/// Accepts the block with or without its "Exif\0\0" prefix.
pub fn exif_tags(exif: &[u8]) -> Vec<(u16, u16)> {
    let tiff = exif.strip_prefix(b"Exif\0\0").unwrap_or(exif);
    let big = &tiff[..2] == b"MM";
    let u16_at = |at: usize| {
        let b = [tiff[at], tiff[at + 1]];
        if big { u16::from_be_bytes(b) } else { u16::from_le_bytes(b) }
    };
    let u32_at = |at: usize| {
        let b = [tiff[at], tiff[at + 1], tiff[at + 2], tiff[at + 3]];
        if big { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) }
    };
    let mut tags = Vec::new();
    let mut ifds = vec![(0u16, u32_at(4) as usize)];
    while let Some((ifd, at)) = ifds.pop() {
        if at == 0 || tags.len() > 1000 {
            continue;
        }
        let count = usize::from(u16_at(at));
        for i in 0..count {
            let entry = at + 2 + 12 * i;
            let tag = u16_at(entry);
            tags.push((ifd, tag));
            // Pointers to the Exif, GPS and interoperability IFDs.
            if matches!(tag, 0x8769 | 0x8825 | 0xA005) {
                ifds.push((tag, u32_at(entry + 8) as usize));
            }
        }
        // IFD1, the embedded thumbnail's.
        if ifd == 0 {
            ifds.push((1, u32_at(at + 2 + 12 * count) as usize));
        }
    }
    tags
}

/// zlib's CRC-32 (PNG chunks), bit by bit: independent of any table in the crate.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// Ogg's CRC-32 (unreflected 0x04C11DB7 from 0), bit by bit.
pub fn ogg_crc(page: &[u8]) -> u32 {
    let mut crc = 0u32;
    for &b in page {
        crc ^= u32::from(b) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 { (crc << 1) ^ 0x04C1_1DB7 } else { crc << 1 };
        }
    }
    crc
}

/// Rewrites the CRC of the Ogg page at `pos` after a test has edited it.
pub fn fix_ogg_crc(bytes: &mut [u8], pos: usize) {
    let segments = usize::from(bytes[pos + 26]);
    let payload: usize = bytes[pos + 27..pos + 27 + segments].iter().map(|&l| usize::from(l)).sum();
    let end = pos + 27 + segments + payload;
    bytes[pos + 22..pos + 26].fill(0);
    let crc = ogg_crc(&bytes[pos..end]);
    bytes[pos + 22..pos + 26].copy_from_slice(&crc.to_le_bytes());
}

/// A PNG chunk with its length and CRC.
pub fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(kind);
    chunk.extend_from_slice(data);
    let crc = crc32(&chunk[4..]);
    chunk.extend_from_slice(&crc.to_be_bytes());
    chunk
}

/// Marsaglia's xorshift64: deterministic pseudo-random numbers without a dependency.
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}
