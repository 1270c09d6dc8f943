//! strip_metadata on real files: the metadata goes, the picture stays bit for bit.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

mod common;

use common::{EXIF_SECRETS, IMAGES, XMP_SECRETS, contains, decoder, exif_tags, find, fixture, frames};
use image::metadata::Orientation;
use media::{ImageFormat, MediaError, strip_metadata};

const GPS_IFD_POINTER: u16 = 0x8825;
const ORIENTATION: u16 = 0x0112;

fn stripped(name: &str, format: ImageFormat) -> Vec<u8> {
    strip_metadata(format, &fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn the_fixtures_carry_the_metadata_the_tests_look_for() {
    // Else the tests below could pass on a fixture that never had any metadata.
    for (name, format) in IMAGES {
        let original = fixture(name);
        let exif_secrets: &[&[u8]] = if format == ImageFormat::Gif { &[] } else { &EXIF_SECRETS };
        for secret in XMP_SECRETS.iter().chain(exif_secrets) {
            assert!(contains(&original, secret), "{name} lacks {}", String::from_utf8_lossy(secret));
        }
        assert!(decoder(format, &original).xmp_metadata().unwrap().is_some(), "{name}: no XMP");
        if format != ImageFormat::Gif {
            let exif = decoder(format, &original).exif_metadata().unwrap().expect("EXIF");
            assert!(exif_tags(&exif).iter().any(|&(_, t)| t == GPS_IFD_POINTER), "{name}: no GPS");
        }
    }
    assert!(contains(&fixture("animated.gif"), b"\x21\xfe"), "GIF without a comment");
}

#[test]
fn stripping_removes_exif_gps_xmp_and_comments() {
    for (name, format) in IMAGES {
        let out = stripped(name, format);
        for secret in XMP_SECRETS.iter().chain(&EXIF_SECRETS) {
            assert!(!contains(&out, secret), "{name} still has {}", String::from_utf8_lossy(secret));
        }
        let mut reread = decoder(format, &out);
        assert_eq!(reread.xmp_metadata().unwrap(), None, "{name}: XMP left");
        let exif = reread.exif_metadata().unwrap();
        if format == ImageFormat::Jpeg {
            // Only the orientation is left, in IFD0; no GPS IFD, no thumbnail IFD.
            assert_eq!(exif_tags(&exif.expect("orientation EXIF")), [(0, ORIENTATION)], "{name}");
        } else {
            assert_eq!(exif, None, "{name}: EXIF left");
        }
    }
    let gif = stripped("animated.gif", ImageFormat::Gif);
    assert!(!contains(&gif, b"\x21\xfe"), "GIF comment extension left");
    let png = stripped("alpha.png", ImageFormat::Png);
    for chunk in [b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"] {
        assert!(!contains(&png, chunk), "PNG {} left", String::from_utf8_lossy(chunk));
    }
}

#[test]
fn stripping_keeps_the_colour_profile() {
    for (name, format) in IMAGES {
        let before = decoder(format, &fixture(name)).icc_profile().unwrap();
        let after = decoder(format, &stripped(name, format)).icc_profile().unwrap();
        assert_eq!(before, after, "{name}");
        if !name.starts_with("animated") {
            assert!(after.is_some(), "{name}: the fixture should carry a profile");
        }
    }
}

#[test]
fn a_jpeg_keeps_its_orientation() {
    let out = stripped("photo.jpg", ImageFormat::Jpeg);
    // The image crate reads it the way browsers do: 6 is "turn 90° clockwise".
    assert_eq!(decoder(ImageFormat::Jpeg, &fixture("photo.jpg")).orientation().unwrap(), Orientation::Rotate90);
    assert_eq!(decoder(ImageFormat::Jpeg, &out).orientation().unwrap(), Orientation::Rotate90);
}

#[test]
fn the_pixels_decode_identically() {
    for (name, format) in IMAGES {
        let before = frames(format, &fixture(name));
        let after = frames(format, &stripped(name, format));
        assert!(!before.is_empty());
        assert_eq!(before, after, "{name}");
        if name.starts_with("animated") {
            assert_eq!(after.len(), 2, "{name}: both frames");
        }
    }
}

#[test]
fn the_coded_picture_is_copied_not_re_encoded() {
    // JPEG: from the (only) start-of-scan marker on, the bytes are the same. Entropy-
    // coded data never holds FF DA, and the EXIF thumbnail's SOS comes earlier.
    let original = fixture("photo.jpg");
    let out = stripped("photo.jpg", ImageFormat::Jpeg);
    let sos = |b: &[u8]| b.windows(2).rposition(|w| w == [0xFF, 0xDA]).unwrap();
    assert_eq!(&original[sos(&original)..], &out[sos(&out)..]);
    // PNG: the IDAT chunk, CRC and all.
    let original = fixture("alpha.png");
    let out = stripped("alpha.png", ImageFormat::Png);
    let idat = |b: &[u8]| {
        let at = find(b, b"IDAT").unwrap() - 4;
        let len = u32::from_be_bytes(b[at..at + 4].try_into().unwrap()) as usize;
        b[at..at + 12 + len].to_vec()
    };
    assert_eq!(idat(&original), idat(&out));
}

#[test]
fn stripping_is_idempotent() {
    for (name, format) in IMAGES {
        let once = stripped(name, format);
        assert!(once.len() < fixture(name).len(), "{name}: nothing was removed");
        assert_eq!(strip_metadata(format, &once).unwrap(), once, "{name}");
    }
}

#[test]
fn webp_flags_no_longer_announce_exif_or_xmp() {
    let flags = |b: &[u8]| b[find(b, b"VP8X").unwrap() + 8];
    let before = flags(&fixture("alpha.webp"));
    assert_eq!(before & 0x0C, 0x0C, "the fixture announces EXIF and XMP");
    let out = stripped("alpha.webp", ImageFormat::Webp);
    // EXIF and XMP cleared; ICC and alpha kept.
    assert_eq!(flags(&out), before & !0x0C);
    assert_eq!(flags(&out) & 0x30, 0x30);
    // And the RIFF size matches the file again.
    assert_eq!(u32::from_le_bytes(out[4..8].try_into().unwrap()) as usize, out.len() - 8);
}

#[test]
fn an_animated_gif_still_loops() {
    let out = stripped("animated.gif", ImageFormat::Gif);
    assert!(contains(&out, b"\x21\xff\x0bNETSCAPE2.0"));
}

#[test]
fn trailers_and_jfif_thumbnails_go_too() {
    let original = fixture("photo.jpg");
    let clean = strip_metadata(ImageFormat::Jpeg, &original).unwrap();
    // Bytes after EOI (a "motion photo" video, say).
    let mut trailer = original.clone();
    trailer.extend_from_slice(b"hidden video with GPS");
    assert_eq!(strip_metadata(ImageFormat::Jpeg, &trailer).unwrap(), clean);
    // A JFIF header carrying a 1x1 thumbnail.
    assert_eq!(&original[2..4], [0xFF, 0xE0], "the fixture starts with JFIF");
    let app0_end = 4 + usize::from(u16::from_be_bytes([original[4], original[5]]));
    let mut jfif = original[..app0_end].to_vec();
    jfif[5] += 3;
    jfif[app0_end - 2..app0_end].copy_from_slice(&[1, 1]);
    jfif.extend_from_slice(&[1, 2, 3]);
    jfif.extend_from_slice(&original[app0_end..]);
    assert_eq!(strip_metadata(ImageFormat::Jpeg, &jfif).unwrap(), clean);
    // PNG: after IEND.
    let mut png = fixture("alpha.png");
    png.extend_from_slice(b"trailing");
    assert_eq!(strip_metadata(ImageFormat::Png, &png).unwrap(), stripped("alpha.png", ImageFormat::Png));
}

#[test]
fn an_upright_jpeg_gets_no_exif_at_all() {
    let original = fixture("photo.jpg");
    let out = strip_metadata(ImageFormat::Jpeg, &original).unwrap();
    // Patch the stripped file's orientation to 1: stripping it again drops the block.
    let at = find(&out, &[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6]).unwrap();
    let mut upright = out.clone();
    upright[at + 9] = 1;
    let again = strip_metadata(ImageFormat::Jpeg, &upright).unwrap();
    assert!(!contains(&again, b"Exif\0\0"));
    assert_eq!(again.len(), out.len() - 36);
}

#[test]
fn heic_and_wrong_formats_are_refused() {
    assert!(matches!(strip_metadata(ImageFormat::Heic, b"\0\0\0\x18ftypheic"), Err(MediaError::Unsupported)));
    // A PNG handed in as a JPEG is not quietly passed through.
    assert!(strip_metadata(ImageFormat::Jpeg, &fixture("alpha.png")).is_err());
    assert!(strip_metadata(ImageFormat::Gif, &fixture("photo.jpg")).is_err());
}
