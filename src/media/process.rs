//! Image processing: detect by magic bytes, check the header against the limits before
//! decoding, decode, apply the EXIF orientation, re-encode from pixels (which drops every
//! byte of metadata: EXIF with GPS, XMP, IPTC, ICC, comments) at the configured sizes, and
//! compute a blurhash. Pure CPU work: callers run it on the blocking pool.

use std::io::Cursor;

use fast_image_resize::{
    IntoImageView, ResizeAlg, ResizeOptions, Resizer, images::Image as FirImage,
};
use image::{
    AnimationDecoder, DynamicImage, ImageDecoder, ImageEncoder, ImageFormat, ImageReader, Limits,
    codecs::{
        gif::{GifDecoder, GifEncoder, Repeat},
        png::PngEncoder,
    },
};

use crate::config::MediaConfig;

/// Why an upload was refused; the message is safe to show to the uploader.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MediaError {
    #[error("file is {0} bytes; the limit is {1}")]
    TooManyBytes(usize, usize),
    #[error("image is {0}×{1} pixels; the limit is {2} pixels")]
    TooManyPixels(u32, u32, u64),
    #[error("the animation's frames add up to {0} pixels; the limit is {1}")]
    AnimationTooLarge(u64, u64),
    #[error("the animation has more than {0} frames")]
    TooManyFrames(u32),
    #[error("decoding took longer than {0} seconds")]
    TooSlow(u64),
    #[error("unsupported file type{0}")]
    Unsupported(String),
    #[error("the image could not be decoded: {0}")]
    Corrupt(String),
    #[error("processing failed: {0}")]
    Internal(String),
}

impl MediaError {
    /// Size limits map to 413, everything the uploader sent wrong to 422.
    pub fn is_too_large(&self) -> bool {
        matches!(
            self,
            MediaError::TooManyBytes(..)
                | MediaError::TooManyPixels(..)
                | MediaError::AnimationTooLarge(..)
                | MediaError::TooManyFrames(..)
                | MediaError::TooSlow(..)
        )
    }
}

/// Formats recognised from their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    Jpeg,
    Png,
    Webp,
    Gif,
    Avif,
    Heic,
}

/// Identifies a file from its magic bytes only (never the name or the client's type).
pub fn detect(bytes: &[u8]) -> Option<Detected> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(Detected::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(Detected::Png);
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Some(Detected::Gif);
    }
    if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Some(Detected::Webp);
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        return match &bytes[8..12] {
            b"avif" | b"avis" => Some(Detected::Avif),
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"mif1" | b"msf1" => {
                Some(Detected::Heic)
            }
            _ => None,
        };
    }
    None
}

/// One stored file.
#[derive(Debug, Clone)]
pub struct Rendition {
    /// `original`, `display` or `thumbnail`.
    pub name: &'static str,
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub extension: &'static str,
    pub width: u32,
    pub height: u32,
}

/// The result of processing one upload.
#[derive(Debug, Clone)]
pub struct Processed {
    /// Always `original`, then `display` and `thumbnail` when they differ from it.
    pub renditions: Vec<Rendition>,
    pub blurhash: String,
    /// An animated GIF kept its animation (Mastodon calls it `gifv`).
    pub animated: bool,
}

impl Processed {
    /// The rendition with `name`, falling back to the next larger one when it was not
    /// needed (a small photo has no separate display size).
    pub fn get(&self, name: &str) -> &Rendition {
        self.renditions
            .iter()
            .find(|r| r.name == name)
            .or_else(|| self.renditions.iter().rev().find(|r| r.name != "thumbnail"))
            .unwrap_or(&self.renditions[0])
    }
}

fn corrupt(e: impl std::fmt::Display) -> MediaError {
    MediaError::Corrupt(e.to_string())
}

/// Runs the whole pipeline on one upload.
pub fn process(bytes: &[u8], config: &MediaConfig) -> Result<Processed, MediaError> {
    if bytes.len() > config.max_bytes {
        return Err(MediaError::TooManyBytes(bytes.len(), config.max_bytes));
    }
    let format = match detect(bytes) {
        Some(Detected::Jpeg) => ImageFormat::Jpeg,
        Some(Detected::Png) => ImageFormat::Png,
        Some(Detected::Webp) => ImageFormat::WebP,
        Some(Detected::Gif) => ImageFormat::Gif,
        Some(Detected::Avif | Detected::Heic) => {
            let (image, icc) = decode_heif(bytes, config)?;
            let image = match icc.filter(|p| !is_srgb_profile(p)) {
                Some(profile) => to_srgb(image, &profile),
                None => image,
            };
            return still(image, config);
        }
        None => {
            return Err(MediaError::Unsupported(
                " (accepted: JPEG, PNG, WebP, GIF, HEIC, AVIF)".into(),
            ));
        }
    };
    // Every frame's real size from the container alone, before any pixel is decoded: a
    // GIF's logical screen says nothing about the frames inside it.
    frame_budget(bytes, config)?;
    // Dimensions from the header alone, before any pixel is decoded.
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(corrupt)?;
    if u64::from(width) * u64::from(height) > config.max_pixels {
        return Err(MediaError::TooManyPixels(width, height, config.max_pixels));
    }
    if width == 0 || height == 0 {
        return Err(MediaError::Corrupt("the image has no pixels".into()));
    }
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(MediaError::Corrupt("the JPEG data is truncated".into()));
    }
    if format == ImageFormat::Gif
        && let Some(animated) = animated_gif(bytes, config)?
    {
        return Ok(animated);
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits(config));
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    let orientation = decoder.orientation().map_err(corrupt)?;
    let icc = decoder
        .icc_profile()
        .ok()
        .flatten()
        .filter(|p| !is_srgb_profile(p));
    if format == ImageFormat::Jpeg
        && icc.is_none()
        && orientation == image::metadata::Orientation::NoTransforms
        && width.max(height) <= config.original_max_edge
        && let Some(fast) = upright_jpeg(bytes, width, height, config)?
    {
        return Ok(fast);
    }
    let mut image = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    image.apply_orientation(orientation);
    if let Some(profile) = icc {
        image = to_srgb(image, &profile);
    }
    still(image, config)
}

/// Whether an ICC profile describes sRGB (its description names it, in ASCII for ICC v2 or
/// UTF-16 for v4); such a profile can be dropped without changing colours.
fn is_srgb_profile(icc: &[u8]) -> bool {
    icc.windows(4).any(|w| w == b"sRGB") || icc.windows(7).any(|w| w == b"s\0R\0G\0B")
}

/// Converts pixels from their embedded profile (Display P3, Adobe RGB, …) to sRGB, so that
/// the stored files, which carry no profile, show the colours the photographer saw. An
/// unreadable profile leaves the pixels as they are.
fn to_srgb(image: DynamicImage, icc: &[u8]) -> DynamicImage {
    let Some(input) = qcms::Profile::new_from_slice(icc, false) else {
        return image;
    };
    let mut output = qcms::Profile::new_sRGB();
    output.precache_output_transform();
    if image.color().has_alpha() {
        let mut rgba = image.to_rgba8();
        match qcms::Transform::new(
            &input,
            &output,
            qcms::DataType::RGBA8,
            qcms::Intent::Perceptual,
        ) {
            Some(t) => t.apply(&mut rgba),
            None => return DynamicImage::ImageRgba8(rgba),
        }
        DynamicImage::ImageRgba8(rgba)
    } else {
        let mut rgb = image.to_rgb8();
        if let Some(t) = qcms::Transform::new(
            &input,
            &output,
            qcms::DataType::RGB8,
            qcms::Intent::Perceptual,
        ) {
            t.apply(&mut rgb);
        }
        DynamicImage::ImageRgb8(rgb)
    }
}

#[cfg(not(feature = "heif"))]
fn decode_heif(
    _bytes: &[u8],
    _config: &MediaConfig,
) -> Result<(DynamicImage, Option<Vec<u8>>), MediaError> {
    Err(MediaError::Unsupported(
        ": HEIC/AVIF support was not built in (cargo feature `heif`)".into(),
    ))
}

/// HEIC and AVIF through libheif. libheif applies the container's rotation and mirroring
/// (`irot`/`imir`) while decoding, which is what the EXIF orientation in such files repeats,
/// so no further rotation is applied. Size is checked on the handle, before decoding.
/// Returns the pixels and the embedded ICC profile, if any (iPhones embed Display P3).
#[cfg(feature = "heif")]
fn decode_heif(
    bytes: &[u8],
    config: &MediaConfig,
) -> Result<(DynamicImage, Option<Vec<u8>>), MediaError> {
    use libheif_rs::{ColorSpace, HeifContext, LibHeif, RgbChroma};
    let lib = LibHeif::new();
    let ctx = HeifContext::read_from_bytes(bytes).map_err(corrupt)?;
    let handle = ctx.primary_image_handle().map_err(corrupt)?;
    let (width, height) = (handle.width(), handle.height());
    if u64::from(width) * u64::from(height) > config.max_pixels {
        return Err(MediaError::TooManyPixels(width, height, config.max_pixels));
    }
    let icc = handle.color_profile_raw().map(|p| p.data);
    let alpha = handle.has_alpha_channel();
    let chroma = if alpha {
        RgbChroma::Rgba
    } else {
        RgbChroma::Rgb
    };
    // Decoding options stay `None`: libheif-rs 0.20 frees them too early.
    let image = lib
        .decode(&handle, ColorSpace::Rgb(chroma), None)
        .map_err(corrupt)?;
    let plane = image
        .planes()
        .interleaved
        .ok_or_else(|| corrupt("no interleaved plane"))?;
    let bpp = if alpha { 4 } else { 3 };
    let row = plane.width as usize * bpp;
    let mut buffer = Vec::with_capacity(row * plane.height as usize);
    for line in plane.data.chunks(plane.stride).take(plane.height as usize) {
        buffer.extend_from_slice(line.get(..row).ok_or_else(|| corrupt("short row"))?);
    }
    let out = if alpha {
        image::RgbaImage::from_raw(plane.width, plane.height, buffer).map(DynamicImage::ImageRgba8)
    } else {
        image::RgbImage::from_raw(plane.width, plane.height, buffer).map(DynamicImage::ImageRgb8)
    };
    out.map(|image| (image, icc))
        .ok_or_else(|| corrupt("decoded buffer has the wrong size"))
}

/// Most frames an animation may have (Mastodon turns longer GIFs into video; we keep GIFs).
pub const MAX_FRAMES: u32 = 1000;

/// Longest an animation may take to decode and re-encode.
pub const MAX_ANIMATION_SECONDS: u64 = 10;

/// The pixels all frames of an animation may decode to: half the still-image limit, since
/// every frame is held in memory as RGBA at once (200 MB at the default limit; a typical
/// 480×270 GIF of 200 frames needs 26 million).
fn animation_budget(config: &MediaConfig) -> u64 {
    config.max_pixels / 2
}

/// Refuses, from the container structure alone, a GIF, PNG or WebP whose frames would decode
/// to more pixels than allowed (each frame counted at its real size, at least the canvas),
/// or that has too many frames.
fn frame_budget(bytes: &[u8], config: &MediaConfig) -> Result<(), MediaError> {
    use super::scan::{ScanError, scan_frames};
    let scan = match scan_frames(bytes, MAX_FRAMES, config.max_pixels) {
        Ok(Some(scan)) => scan,
        Ok(None) => return Ok(()),
        Err(ScanError::TooManyFrames(limit)) => return Err(MediaError::TooManyFrames(limit)),
        Err(ScanError::TooManyPixels(total)) => {
            return Err(MediaError::AnimationTooLarge(total, config.max_pixels));
        }
        Err(e) => return Err(corrupt(e)),
    };
    if scan.frames > 1 && scan.decoded_pixels > animation_budget(config) {
        return Err(MediaError::AnimationTooLarge(
            scan.decoded_pixels,
            animation_budget(config),
        ));
    }
    Ok(())
}

fn limits(config: &MediaConfig) -> Limits {
    let mut limits = Limits::default();
    // Room for RGBA at the pixel limit plus decoder overhead.
    limits.max_alloc = Some(config.max_pixels.saturating_mul(5));
    limits
}

/// The common case, an upright JPEG within the size cap, without decoding it at full size:
/// the original is kept losslessly, rebuilt from only the segments a decoder needs, and the smaller sizes
/// come from a decode at 1/2, 1/4 or 1/8 scale (the IDCT does the first downscale for free).
/// `None` when the file needs the general path (CMYK, 16-bit).
fn upright_jpeg(
    bytes: &[u8],
    width: u32,
    height: u32,
    config: &MediaConfig,
) -> Result<Option<Processed>, MediaError> {
    use jpeg_decoder::{Decoder, PixelFormat};
    let Some(original) = super::scan::rebuild_jpeg(bytes) else {
        return Ok(None);
    };
    let mut decoder = Decoder::new(Cursor::new(bytes));
    decoder.read_info().map_err(corrupt)?;
    let info = decoder.info().ok_or_else(|| corrupt("no JPEG header"))?;
    if !matches!(info.pixel_format, PixelFormat::RGB24 | PixelFormat::L8) {
        return Ok(None);
    }
    let long = width.max(height);
    let edge = config.display_edge.min(long);
    let want = |d: u32| {
        ((u64::from(d) * u64::from(edge)).div_ceil(u64::from(long))).clamp(1, 65535) as u16
    };
    let (sw, sh) = decoder.scale(want(width), want(height)).map_err(corrupt)?;
    let pixels = decoder.decode().map_err(corrupt)?;
    let (sw, sh) = (u32::from(sw), u32::from(sh));
    let scaled = match info.pixel_format {
        PixelFormat::RGB24 => {
            image::RgbImage::from_raw(sw, sh, pixels).map(DynamicImage::ImageRgb8)
        }
        _ => image::GrayImage::from_raw(sw, sh, pixels)
            .map(|g| DynamicImage::ImageRgb8(DynamicImage::ImageLuma8(g).to_rgb8())),
    }
    .ok_or_else(|| corrupt("decoded buffer has the wrong size"))?;
    let mut resizer = Resizer::new();
    let display = fit(&mut resizer, &scaled, config.display_edge)?;
    drop(scaled);
    let thumbnail = fit(&mut resizer, &display, config.thumbnail_edge)?;
    let q = config.jpeg_quality;
    let mut renditions = vec![Rendition {
        name: "original",
        bytes: original,
        content_type: "image/jpeg",
        extension: "jpg",
        width,
        height,
    }];
    if display.width() != width || display.height() != height {
        renditions.push(encode(&display, "display", false, q)?);
    }
    if thumbnail.dimensions_differ(&display) {
        renditions.push(encode(&thumbnail, "thumbnail", false, q)?);
    }
    Ok(Some(Processed {
        renditions,
        blurhash: blurhash_of(&mut resizer, &thumbnail)?,
        animated: false,
    }))
}

/// A JPEG must reach its End Of Image marker; decoders otherwise fill a cut-off photo with
/// grey and report success. Trailing bytes after EOI (seen from some cameras) are allowed.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(64 * 1024)..];
    tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

fn has_transparency(image: &DynamicImage) -> bool {
    image.color().has_alpha() && image.to_rgba8().pixels().any(|p| p.0[3] < 255)
}

/// Scales `image` so its long edge is at most `edge` (never up).
fn fit(resizer: &mut Resizer, image: &DynamicImage, edge: u32) -> Result<DynamicImage, MediaError> {
    let (w, h) = (image.width(), image.height());
    if w.max(h) <= edge {
        return Ok(image.clone());
    }
    let (nw, nh) = if w >= h {
        (
            edge,
            ((u64::from(h) * u64::from(edge)) / u64::from(w)).max(1) as u32,
        )
    } else {
        (
            ((u64::from(w) * u64::from(edge)) / u64::from(h)).max(1) as u32,
            edge,
        )
    };
    let pixel_type = image
        .pixel_type()
        .ok_or_else(|| MediaError::Internal("unsupported pixel layout".into()))?;
    let mut dst = FirImage::new(nw, nh, pixel_type);
    resizer
        .resize(
            image,
            &mut dst,
            &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(
                fast_image_resize::FilterType::Lanczos3,
            )),
        )
        .map_err(|e| MediaError::Internal(e.to_string()))?;
    let buffer = dst.into_vec();
    let out = match image {
        DynamicImage::ImageRgba8(_) => {
            image::RgbaImage::from_raw(nw, nh, buffer).map(DynamicImage::ImageRgba8)
        }
        _ => image::RgbImage::from_raw(nw, nh, buffer).map(DynamicImage::ImageRgb8),
    };
    out.ok_or_else(|| MediaError::Internal("resize produced a bad buffer".into()))
}

fn encode(
    image: &DynamicImage,
    name: &'static str,
    alpha: bool,
    quality: u8,
) -> Result<Rendition, MediaError> {
    let mut out = Vec::new();
    let (width, height) = (image.width(), image.height());
    let internal = |e: image::ImageError| MediaError::Internal(e.to_string());
    let (content_type, extension) = if alpha {
        PngEncoder::new(&mut out)
            .write_image(image.as_bytes(), width, height, image.color().into())
            .map_err(internal)?;
        ("image/png", "png")
    } else {
        // jpeg-encoder: SIMD (AVX2) DCT and 4:2:0 chroma, as cameras and libvips write.
        let (Ok(w16), Ok(h16)) = (u16::try_from(width), u16::try_from(height)) else {
            return Err(MediaError::Internal("image too wide for JPEG".into()));
        };
        let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
        encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
        encoder
            .encode(image.as_bytes(), w16, h16, jpeg_encoder::ColorType::Rgb)
            .map_err(|e| MediaError::Internal(e.to_string()))?;
        ("image/jpeg", "jpg")
    };
    Ok(Rendition {
        name,
        bytes: out,
        content_type,
        extension,
        width,
        height,
    })
}

fn blurhash_of(resizer: &mut Resizer, image: &DynamicImage) -> Result<String, MediaError> {
    let small = fit(resizer, &DynamicImage::ImageRgba8(image.to_rgba8()), 32)?.to_rgba8();
    blurhash::encode(4, 3, small.width(), small.height(), small.as_raw())
        .map_err(|e| MediaError::Internal(e.to_string()))
}

fn still(image: DynamicImage, config: &MediaConfig) -> Result<Processed, MediaError> {
    let alpha = has_transparency(&image);
    let image = if alpha {
        DynamicImage::ImageRgba8(image.to_rgba8())
    } else {
        DynamicImage::ImageRgb8(image.to_rgb8())
    };
    let mut resizer = Resizer::new();
    let original = fit(&mut resizer, &image, config.original_max_edge)?;
    drop(image);
    let display = fit(&mut resizer, &original, config.display_edge)?;
    let thumbnail = fit(&mut resizer, &display, config.thumbnail_edge)?;
    let q = config.jpeg_quality;
    let mut renditions = vec![encode(&original, "original", alpha, q)?];
    if display.dimensions_differ(&original) {
        renditions.push(encode(&display, "display", alpha, q)?);
    }
    if thumbnail.dimensions_differ(&display) {
        renditions.push(encode(&thumbnail, "thumbnail", alpha, q)?);
    }
    Ok(Processed {
        renditions,
        blurhash: blurhash_of(&mut resizer, &thumbnail)?,
        animated: false,
    })
}

trait Dimensions {
    fn dimensions_differ(&self, other: &DynamicImage) -> bool;
}

impl Dimensions for DynamicImage {
    fn dimensions_differ(&self, other: &DynamicImage) -> bool {
        self.width() != other.width() || self.height() != other.height()
    }
}

/// An animated GIF is re-encoded frame by frame (dropping comments and application data
/// other than looping), scaled down to the original cap if larger, and gets a still
/// thumbnail from its first frame. `None` for a
/// single-frame GIF, which is treated as a still image.
fn animated_gif(bytes: &[u8], config: &MediaConfig) -> Result<Option<Processed>, MediaError> {
    let started = std::time::Instant::now();
    let too_slow = || started.elapsed().as_secs() >= MAX_ANIMATION_SECONDS;
    let mut decoder = GifDecoder::new(Cursor::new(bytes)).map_err(corrupt)?;
    decoder.set_limits(limits(config)).map_err(corrupt)?;
    let (width, height) = decoder.dimensions();
    let mut frames = Vec::new();
    let mut total_pixels: u64 = 0;
    for frame in decoder.into_frames() {
        let frame = frame.map_err(corrupt)?;
        // Every frame is a full canvas in memory: bound the total, not just one frame
        // (frame_budget checked the container; this holds whatever the decoder makes).
        total_pixels += u64::from(frame.buffer().width()) * u64::from(frame.buffer().height());
        if total_pixels > animation_budget(config) {
            return Err(MediaError::AnimationTooLarge(
                total_pixels,
                animation_budget(config),
            ));
        }
        if too_slow() {
            return Err(MediaError::TooSlow(MAX_ANIMATION_SECONDS));
        }
        frames.push(frame);
    }
    if frames.len() < 2 {
        return Ok(None);
    }
    // Animations larger than the original cap are scaled down frame by frame.
    let mut resizer = Resizer::new();
    let (mut width, mut height) = (width, height);
    if width.max(height) > config.original_max_edge {
        let mut scaled = Vec::with_capacity(frames.len());
        for frame in frames {
            if too_slow() {
                return Err(MediaError::TooSlow(MAX_ANIMATION_SECONDS));
            }
            let delay = frame.delay();
            let small = fit(
                &mut resizer,
                &DynamicImage::ImageRgba8(frame.into_buffer()),
                config.original_max_edge,
            )?
            .to_rgba8();
            (width, height) = small.dimensions();
            scaled.push(image::Frame::from_parts(small, 0, 0, delay));
        }
        frames = scaled;
    }
    let first = DynamicImage::ImageRgba8(frames[0].buffer().clone());
    let mut out = Vec::new();
    {
        let mut encoder = GifEncoder::new_with_speed(&mut out, 10);
        encoder
            .set_repeat(Repeat::Infinite)
            .map_err(|e| MediaError::Internal(e.to_string()))?;
        encoder
            .encode_frames(frames)
            .map_err(|e| MediaError::Internal(e.to_string()))?;
    }
    let alpha = has_transparency(&first);
    let still_first = if alpha {
        first.clone()
    } else {
        DynamicImage::ImageRgb8(first.to_rgb8())
    };
    let thumbnail = fit(&mut resizer, &still_first, config.thumbnail_edge)?;
    Ok(Some(Processed {
        renditions: vec![
            Rendition {
                name: "original",
                bytes: out,
                content_type: "image/gif",
                extension: "gif",
                width,
                height,
            },
            encode(&thumbnail, "thumbnail", alpha, config.jpeg_quality)?,
        ],
        blurhash: blurhash_of(&mut resizer, &thumbnail)?,
        animated: true,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes() {
        assert_eq!(detect(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(Detected::Jpeg));
        assert_eq!(detect(b"\x89PNG\r\n\x1a\n...."), Some(Detected::Png));
        assert_eq!(detect(b"GIF89a......"), Some(Detected::Gif));
        assert_eq!(detect(b"RIFF\0\0\0\0WEBPVP8 "), Some(Detected::Webp));
        assert_eq!(detect(b"\0\0\0\x1cftypavif\0\0"), Some(Detected::Avif));
        assert_eq!(detect(b"\0\0\0\x18ftypheic\0\0"), Some(Detected::Heic));
        assert_eq!(detect(b"<html><img src=x.jpg>"), None);
        assert_eq!(detect(b""), None);
    }
}
