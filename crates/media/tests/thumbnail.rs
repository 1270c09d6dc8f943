//! thumbnail on real files: size, aspect, orientation, transparency, first frames and
//! the pixel budget.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly on purpose

mod common;

use common::{IMAGES, crc32, fixture, png_chunk};
use image::{Rgb, RgbImage};
use media::{ImageFormat, ImageInfo, MediaError, thumbnail};

const BUDGET: u64 = 1 << 20;

fn decode_jpeg(bytes: &[u8]) -> RgbImage {
    assert_eq!(image::guess_format(bytes).unwrap(), image::ImageFormat::Jpeg);
    image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg).unwrap().to_rgb8()
}

fn near(pixel: &Rgb<u8>, expected: [u8; 3]) -> bool {
    pixel.0.iter().zip(expected).all(|(&a, b)| a.abs_diff(b) <= 24)
}

#[test]
fn thumbnails_fit_keep_their_aspect_and_are_jpegs() {
    for (name, format) in IMAGES {
        for max_side in [1, 7, 16, 25] {
            let (info, thumb) = thumbnail(format, &fixture(name), max_side, BUDGET).unwrap();
            let img = decode_jpeg(&thumb);
            let (w, h) = img.dimensions();
            assert!(w.max(h) == max_side.min(info.width.max(info.height)), "{name} at {max_side}: {w}x{h}");
            // Aspect within a pixel: the shorter side as scaled from the longer one.
            let expected =
                f64::from(w.max(h)) * f64::from(info.width.min(info.height)) / f64::from(info.width.max(info.height));
            assert!((f64::from(w.min(h)) - expected).abs() <= 1.0, "{name} at {max_side}: {w}x{h}");
            if w != h {
                assert_eq!(w > h, info.width > info.height, "{name}: turned the wrong way");
            }
        }
    }
}

#[test]
fn a_jpeg_is_turned_as_its_exif_says() {
    // Stored 40x20, left half red, orientation 6: shown 20x40, red on top.
    let (info, thumb) = thumbnail(ImageFormat::Jpeg, &fixture("photo.jpg"), 16, BUDGET).unwrap();
    assert_eq!(info, ImageInfo { format: ImageFormat::Jpeg, width: 20, height: 40 });
    let img = decode_jpeg(&thumb);
    assert_eq!(img.dimensions(), (8, 16));
    assert!(near(img.get_pixel(4, 3), [220, 30, 30]), "top: {:?}", img.get_pixel(4, 3));
    assert!(near(img.get_pixel(4, 12), [30, 60, 220]), "bottom: {:?}", img.get_pixel(4, 12));
}

#[test]
fn small_pictures_are_not_upscaled() {
    for (name, format) in IMAGES {
        let (info, thumb) = thumbnail(format, &fixture(name), 1000, BUDGET).unwrap();
        assert_eq!(decode_jpeg(&thumb).dimensions(), (info.width, info.height), "{name}");
    }
}

#[test]
fn transparency_is_flattened_on_white() {
    // The PNG's left quarter is fully transparent, the next quarter half-transparent red.
    for (name, format) in [("alpha.png", ImageFormat::Png), ("alpha.webp", ImageFormat::Webp)] {
        let (_, thumb) = thumbnail(format, &fixture(name), 1000, BUDGET).unwrap();
        let img = decode_jpeg(&thumb);
        assert!(near(img.get_pixel(3, 10), [255, 255, 255]), "{name}: {:?}", img.get_pixel(3, 10));
    }
    let (_, thumb) = thumbnail(ImageFormat::Png, &fixture("alpha.png"), 1000, BUDGET).unwrap();
    let img = decode_jpeg(&thumb);
    // 220·128/255 + 255·127/255 ≈ 237, and 30 → 142.
    assert!(near(img.get_pixel(15, 10), [237, 142, 142]), "{:?}", img.get_pixel(15, 10));
}

#[test]
fn an_animation_shows_its_first_frame() {
    // First frame red and blue, second all green.
    for (name, format) in [("animated.gif", ImageFormat::Gif), ("animated.webp", ImageFormat::Webp)] {
        let (info, thumb) = thumbnail(format, &fixture(name), 1000, BUDGET).unwrap();
        assert_eq!((info.width, info.height), (40, 20));
        let img = decode_jpeg(&thumb);
        assert!(near(img.get_pixel(5, 10), [220, 30, 30]), "{name}: {:?}", img.get_pixel(5, 10));
        assert!(near(img.get_pixel(35, 10), [30, 60, 220]), "{name}: {:?}", img.get_pixel(35, 10));
    }
}

#[test]
fn the_pixel_budget_is_exact() {
    // 40x20 = 800 pixels.
    let photo = fixture("photo.jpg");
    assert!(matches!(thumbnail(ImageFormat::Jpeg, &photo, 16, 799), Err(MediaError::TooLarge { pixels: 800 })));
    assert!(thumbnail(ImageFormat::Jpeg, &photo, 16, 800).is_ok());
}

/// A PNG that claims 100000x100000 pixels: a decoder that believed it would allocate
/// 40 GB (more than this machine has) before noticing the data is missing.
#[test]
fn a_decompression_bomb_is_refused_before_decoding() {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(png_chunk(b"IHDR", &ihdr));
    // One IDAT of a zlib stream that would inflate to far more than it is.
    png.extend(png_chunk(b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]));
    png.extend(png_chunk(b"IEND", &[]));
    assert_eq!(crc32(b"IEND"), 0xAE42_6082, "the test's CRC is zlib's");
    let started = std::time::Instant::now();
    let result = thumbnail(ImageFormat::Png, &png, 256, 50_000_000);
    assert!(matches!(result, Err(MediaError::TooLarge { pixels: 10_000_000_000 })), "{result:?}");
    assert!(started.elapsed().as_secs() < 2);

    // The same claim in the other formats' headers.
    let mut jpeg = fixture("photo.jpg");
    let sof = jpeg.windows(2).rposition(|w| w == [0xFF, 0xC0]).unwrap();
    jpeg[sof + 5..sof + 9].copy_from_slice(&[0xFF, 0xF0, 0xFF, 0xF0]);
    let mut gif = fixture("animated.gif");
    gif[6..10].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
    for (format, bytes, pixels) in [(ImageFormat::Jpeg, jpeg, 65520 * 65520), (ImageFormat::Gif, gif, 65535 * 65535)] {
        let result = thumbnail(format, &bytes, 256, 50_000_000);
        assert!(matches!(result, Err(MediaError::TooLarge { pixels: p }) if p == pixels), "{format:?}: {result:?}");
    }
}

#[test]
fn heic_is_not_rendered() {
    assert!(!ImageFormat::Heic.renders());
    assert!(matches!(thumbnail(ImageFormat::Heic, b"\0\0\0\x18ftypheic", 64, BUDGET), Err(MediaError::Unsupported)));
}
