//! sniff: each magic number, and what merely looks similar.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

mod common;

use common::{IMAGES, VOICES, fixture};
use media::{AudioFormat, ImageFormat, Sniffed, sniff};

#[test]
fn every_fixture_is_recognised() {
    for (name, format) in IMAGES {
        assert_eq!(sniff(&fixture(name)), Sniffed::Image(format), "{name}");
        // The first 64 bytes are enough.
        assert_eq!(sniff(&fixture(name)[..64]), Sniffed::Image(format), "{name}");
    }
    for (name, format) in VOICES {
        assert_eq!(sniff(&fixture(name)[..64]), Sniffed::Audio(format), "{name}");
    }
}

#[test]
fn heic_by_its_brands() {
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
    assert_eq!(sniff(heic), Sniffed::Image(ImageFormat::Heic));
    let samsung = b"\0\0\0\x1cftypmif1\0\0\0\0mif1heicmiaf";
    assert_eq!(sniff(samsung), Sniffed::Image(ImageFormat::Heic));
    // AVIF lists mif1 too, and an MP4 video has ftyp with other brands.
    assert_eq!(sniff(b"\0\0\0\x1cftypmif1\0\0\0\0mif1avifmiaf"), Sniffed::Other);
    assert_eq!(sniff(b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf"), Sniffed::Other);
    assert_eq!(sniff(b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2"), Sniffed::Other);
}

#[test]
fn webm_only_by_its_doc_type() {
    /// An EBML header: EBMLVersion 1, then the DocType.
    fn ebml(doc_type: &[u8]) -> Vec<u8> {
        let mut body = vec![0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x80 | doc_type.len() as u8];
        body.extend_from_slice(doc_type);
        let mut file = vec![0x1A, 0x45, 0xDF, 0xA3, 0x80 | body.len() as u8];
        file.extend(body);
        file.extend_from_slice(&[0x18, 0x53, 0x80, 0x67]);
        file
    }
    assert_eq!(sniff(&ebml(b"webm")), Sniffed::Audio(AudioFormat::Webm));
    assert_eq!(sniff(&ebml(b"matroska")), Sniffed::Other);
    // The EBML magic alone is not enough.
    assert_eq!(sniff(&[0x1A, 0x45, 0xDF, 0xA3]), Sniffed::Other);
}

#[test]
fn the_rest_is_other() {
    assert_eq!(sniff(b"OggS\0\x02"), Sniffed::Audio(AudioFormat::Ogg));
    assert_eq!(sniff(b"Dear parents,\nthe trip is on Friday.\n"), Sniffed::Other);
    assert_eq!(sniff(b""), Sniffed::Other);
    assert_eq!(sniff(b"%PDF-1.7\n"), Sniffed::Other);
    assert_eq!(sniff(b"RIFF\x24\0\0\0WAVEfmt "), Sniffed::Other);
    assert_eq!(sniff(b"GIF88a"), Sniffed::Other);
    assert_eq!(sniff(&[0xFF, 0xD8]), Sniffed::Other);
}

#[test]
fn mime_types() {
    let images = [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::Webp, ImageFormat::Gif, ImageFormat::Heic];
    let mimes: Vec<_> = images.iter().map(|f| f.mime()).collect();
    assert_eq!(mimes, ["image/jpeg", "image/png", "image/webp", "image/gif", "image/heic"]);
    assert_eq!((AudioFormat::Webm.mime(), AudioFormat::Ogg.mime()), ("audio/webm", "audio/ogg"));
    assert!(images[..4].iter().all(|f| f.renders()));
}
