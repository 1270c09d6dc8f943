//! Decodes a picture within a pixel budget and makes its JPEG thumbnail.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use image::codecs::gif::GifDecoder;
use image::codecs::jpeg::{JpegDecoder, JpegEncoder};
use image::codecs::png::PngDecoder;
use image::codecs::webp::WebPDecoder;
use image::metadata::Orientation;
use image::{DynamicImage, ExtendedColorType, ImageDecoder, ImageEncoder, Limits};

use crate::{ImageFormat, ImageInfo, MediaError, jpeg};

/// A preview's quality: at thumbnail size its artefacts do not show.
const QUALITY: u8 = 80;
/// The most bytes a decoder may need per pixel (16-bit RGBA), to cap its allocations.
const MAX_BYTES_PER_PIXEL: u64 = 8;

/// Decodes (refusing more than `max_pixels` pixels before any pixel buffer is
/// allocated, and capping the decoder's allocations to match), turns a JPEG the way
/// its EXIF Orientation says, and makes a JPEG thumbnail whose longer side is at most
/// `max_side` (never upscaled; transparency flattened on white; an animation's first
/// frame). Returns the original's format and size as displayed, and the thumbnail.
///
/// Only a JPEG's orientation is applied: it is the only format whose orientation
/// [`crate::strip_metadata`] keeps, so the thumbnail shows what the served file shows.
pub fn thumbnail(
    format: ImageFormat,
    bytes: &[u8],
    max_side: u32,
    max_pixels: u64,
) -> Result<(ImageInfo, Vec<u8>), MediaError> {
    let orientation = match format {
        ImageFormat::Jpeg => jpeg::orientation(bytes)?,
        ImageFormat::Heic => return Err(MediaError::Unsupported),
        _ => 1,
    };
    // The decoders are large third-party code fed untrusted bytes: should one of them
    // panic, that is an undecodable file, not a crashed request.
    let image = catch_unwind(AssertUnwindSafe(|| decode(format, bytes, max_pixels)))
        .map_err(|_| MediaError::Decode("the decoder failed".to_owned()))??;

    // The original's size as displayed: orientations 5 to 8 swap width and height.
    let (width, height) = match orientation {
        5..=8 => (image.height(), image.width()),
        _ => (image.width(), image.height()),
    };
    let info = ImageInfo { format, width, height };

    let image = flatten_on_white(image);
    // Scaled before it is turned: turning the small picture is cheaper.
    let max_side = max_side.max(1);
    let mut small =
        if image.width().max(image.height()) > max_side { image.thumbnail(max_side, max_side) } else { image };
    let turn = Orientation::from_exif(orientation).unwrap_or(Orientation::NoTransforms);
    small.apply_orientation(turn);

    let rgb = small.into_rgb8();
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, QUALITY)
        .write_image(rgb.as_raw(), rgb.width(), rgb.height(), ExtendedColorType::Rgb8)
        .map_err(|e| MediaError::Decode(e.to_string()))?;
    Ok((info, out))
}

fn decode(format: ImageFormat, bytes: &[u8], max_pixels: u64) -> Result<DynamicImage, MediaError> {
    let input = Cursor::new(bytes);
    match format {
        ImageFormat::Jpeg => within_budget(JpegDecoder::new(input).map_err(undecodable)?, max_pixels),
        ImageFormat::Png => within_budget(PngDecoder::new(input).map_err(undecodable)?, max_pixels),
        ImageFormat::Webp => within_budget(WebPDecoder::new(input).map_err(undecodable)?, max_pixels),
        // The logical screen's size: the first frame is drawn onto it.
        ImageFormat::Gif => within_budget(GifDecoder::new(input).map_err(undecodable)?, max_pixels),
        ImageFormat::Heic => Err(MediaError::Unsupported),
    }
}

/// Decodes the picture (for an animation, its first frame) once its header has shown
/// it is within the pixel budget. The header was read without allocating for pixels.
fn within_budget(mut decoder: impl ImageDecoder, max_pixels: u64) -> Result<DynamicImage, MediaError> {
    let (width, height) = decoder.dimensions();
    let pixels = u64::from(width) * u64::from(height);
    if pixels > max_pixels {
        return Err(MediaError::TooLarge { pixels });
    }
    let mut limits = Limits::no_limits();
    limits.max_alloc = Some(max_pixels.saturating_mul(MAX_BYTES_PER_PIXEL).max(1 << 20));
    decoder.set_limits(limits).map_err(undecodable)?;
    DynamicImage::from_decoder(decoder).map_err(undecodable)
}

fn undecodable(e: image::ImageError) -> MediaError {
    match e {
        image::ImageError::Limits(_) => MediaError::Decode(format!("over the allocation cap: {e}")),
        e => MediaError::Decode(e.to_string()),
    }
}

/// A thumbnail has no transparency: what was see-through shows the white of a chat
/// bubble instead of JPEG's black.
fn flatten_on_white(image: DynamicImage) -> DynamicImage {
    if !image.color().has_alpha() {
        return image;
    }
    let mut rgba = image.into_rgba8();
    for pixel in rgba.pixels_mut() {
        let alpha = u16::from(pixel[3]);
        for c in &mut pixel.0[..3] {
            // c·a + 255·(1 − a), rounded, in 0..=255.
            *c = ((u16::from(*c) * alpha + 255 * (255 - alpha) + 127) / 255) as u8;
        }
        pixel[3] = 255;
    }
    DynamicImage::ImageRgba8(rgba)
}
