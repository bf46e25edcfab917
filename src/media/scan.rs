//! Structural checks on uploads that run before any decoder sees the bytes.
//!
//! * [`scan_frames`] walks the block and chunk structure of GIF, PNG/APNG and WebP, without
//!   decoding a pixel, and adds up what a decoder will allocate across *every* frame. The
//!   canvas size in the header is not enough: a GIF with a 1×1 logical screen can hold 150
//!   frames of 3500×3500, and the decoder allocates each frame at its own size.
//! * [`rebuild_jpeg`] writes a JPEG again using only the segments a decoder needs. This way
//!   metadata that a blocklist would miss cannot reach the stored original: data after the
//!   JFIF header inside APP0, segments between progressive scans, or bytes after EOI.
//!
//! Both functions work on any input. They take time linear in its length and never panic.

use std::fmt;

use ScanError::{Malformed, TooManyFrames, TooManyPixels, Truncated};

/// What a decoder will materialise for one upload, known before it is decoded, so the
/// caller can refuse animation bombs whose header alone looks harmless.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FrameScan {
    /// Frames a decoder will produce (a still image is 1).
    pub frames: u32,
    /// The declared canvas (GIF logical screen, PNG IHDR, WebP VP8X or bitstream size).
    pub canvas_width: u32,
    /// See `canvas_width`.
    pub canvas_height: u32,
    /// The widest frame, which may exceed the canvas in a crafted file.
    pub max_frame_width: u32,
    /// The tallest frame, which may exceed the canvas in a crafted file.
    pub max_frame_height: u32,
    /// Sum over frames of max(frame area, canvas area): the decoder allocates each frame at
    /// its own size, and compositing needs the whole canvas. Saturating.
    pub decoded_pixels: u64,
}

/// Why a container was refused; the scan stops at the first limit crossed, so a file that
/// declares a million frames is cheap to reject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanError {
    /// The data ends in the middle of a block or frame; decoders would guess the rest.
    Truncated,
    /// The structure breaks the format's rules; the text names the rule.
    Malformed(&'static str),
    /// More frames than the limit given (the payload is that limit).
    TooManyFrames(u32),
    /// Frames would decode to more pixels than the limit (the payload is the running total
    /// at the frame that crossed it).
    TooManyPixels(u64),
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Truncated => f.write_str("the image data is truncated"),
            Malformed(why) => write!(f, "the image structure is invalid: {why}"),
            TooManyFrames(n) => write!(f, "the animation has more than {n} frames"),
            TooManyPixels(n) => write!(f, "the frames would decode to {n}+ pixels"),
        }
    }
}

impl std::error::Error for ScanError {}

/// Counts frames and decoded pixels across every frame of a GIF, PNG/APNG or WebP, so that
/// the pixel limit applies to the animation as a whole and not only to its header.
/// `Ok(None)` for other formats (JPEG, HEIC, AVIF: single images that the header check
/// already covers). Fails as soon as the frame count goes over `max_frames` or the running
/// pixel total goes over `max_pixels`.
pub fn scan_frames(
    bytes: &[u8],
    max_frames: u32,
    max_pixels: u64,
) -> Result<Option<FrameScan>, ScanError> {
    let limits = (max_frames, max_pixels);
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        scan_gif(bytes, limits).map(Some)
    } else if bytes.starts_with(PNG_SIGNATURE) {
        scan_png(bytes, limits).map(Some)
    } else if bytes.get(0..4) == Some(&b"RIFF"[..]) && bytes.get(8..12) == Some(&b"WEBP"[..]) {
        scan_webp(bytes, limits).map(Some)
    } else {
        Ok(None)
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The running count; it checks both limits each time a frame is added.
struct Tally {
    limits: (u32, u64),
    scan: FrameScan,
}

impl Tally {
    fn new(limits: (u32, u64), canvas_width: u32, canvas_height: u32) -> Self {
        let scan = FrameScan {
            canvas_width,
            canvas_height,
            ..FrameScan::default()
        };
        Tally { limits, scan }
    }

    fn canvas_area(&self) -> u64 {
        u64::from(self.scan.canvas_width) * u64::from(self.scan.canvas_height)
    }

    fn frame(&mut self, width: u32, height: u32) -> Result<(), ScanError> {
        let s = &mut self.scan;
        s.frames = s.frames.saturating_add(1);
        if s.frames > self.limits.0 {
            return Err(TooManyFrames(self.limits.0));
        }
        s.max_frame_width = s.max_frame_width.max(width);
        s.max_frame_height = s.max_frame_height.max(height);
        let area = (u64::from(width) * u64::from(height)).max(self.canvas_area());
        self.pixels(area)
    }

    fn pixels(&mut self, n: u64) -> Result<(), ScanError> {
        self.scan.decoded_pixels = self.scan.decoded_pixels.saturating_add(n);
        if self.scan.decoded_pixels > self.limits.1 {
            return Err(TooManyPixels(self.scan.decoded_pixels));
        }
        Ok(())
    }
}

fn take<const N: usize>(b: &[u8], at: usize) -> Option<[u8; N]> {
    b.get(at..at.checked_add(N)?)?.try_into().ok()
}
fn le16(b: &[u8], at: usize) -> Option<u16> {
    take(b, at).map(u16::from_le_bytes)
}
fn be16(b: &[u8], at: usize) -> Option<u16> {
    take(b, at).map(u16::from_be_bytes)
}
/// A 24-bit little-endian "minus one" field, as WebP stores sizes.
fn le24_plus1(b: &[u8], at: usize) -> Option<u32> {
    take::<3>(b, at).map(|[x, y, z]| u32::from_le_bytes([x, y, z, 0]).saturating_add(1))
}
fn le32(b: &[u8], at: usize) -> Option<u32> {
    take(b, at).map(u32::from_le_bytes)
}
fn be32(b: &[u8], at: usize) -> Option<u32> {
    take(b, at).map(u32::from_be_bytes)
}

/// GIF87a/89a: logical screen, then image descriptors (0x2C), extensions (0x21) and the
/// trailer (0x3B). The LZW data is skipped sub-block by sub-block, never decoded.
fn scan_gif(b: &[u8], limits: (u32, u64)) -> Result<FrameScan, ScanError> {
    let width = le16(b, 6).ok_or(Truncated)?;
    let height = le16(b, 8).ok_or(Truncated)?;
    let flags = *b.get(10).ok_or(Truncated)?;
    let mut tally = Tally::new(limits, u32::from(width), u32::from(height));
    // Skip the background colour index and aspect ratio (bytes 11-12).
    let mut pos = 13 + color_table_len(flags);
    loop {
        let complete = tally.scan.frames > 0;
        match b.get(pos) {
            // Many encoders omit the trailer; a missing one after a complete frame is fine.
            None | Some(0x3B) if complete => return Ok(tally.scan),
            None => return Err(Truncated),
            Some(0x3B) => return Err(Malformed("GIF has no frames")),
            Some(0x21) => {
                b.get(pos.saturating_add(1)).ok_or(Truncated)?; // the label
                pos = skip_sub_blocks(b, pos.saturating_add(2))?;
            }
            Some(0x2C) => {
                // Left and top (bytes 1-4) don't matter: a frame outside the screen is still
                // allocated at its own size, which `Tally::frame` counts.
                let w = le16(b, pos.saturating_add(5)).ok_or(Truncated)?;
                let h = le16(b, pos.saturating_add(7)).ok_or(Truncated)?;
                let local = *b.get(pos.saturating_add(9)).ok_or(Truncated)?;
                tally.frame(u32::from(w), u32::from(h))?;
                pos = pos.saturating_add(10 + color_table_len(local));
                // Skip the LZW minimum code size, then the data sub-blocks.
                b.get(pos).ok_or(Truncated)?;
                pos = skip_sub_blocks(b, pos.saturating_add(1))?;
            }
            Some(_) => return Err(Malformed("unknown GIF block")),
        }
    }
}

/// Size of the colour table a GIF flags byte announces (0 when the table flag is clear).
fn color_table_len(flags: u8) -> usize {
    if flags & 0x80 == 0 {
        0
    } else {
        3 << ((flags & 0x07) + 1)
    }
}

/// Skips length-prefixed sub-blocks up to and including the 0 terminator; returns the
/// position after it.
fn skip_sub_blocks(b: &[u8], mut pos: usize) -> Result<usize, ScanError> {
    loop {
        let n = usize::from(*b.get(pos).ok_or(Truncated)?);
        pos = pos.saturating_add(1);
        if n == 0 {
            return Ok(pos);
        }
        pos = pos.saturating_add(n);
        if pos > b.len() {
            return Err(Truncated);
        }
    }
}

/// PNG: IHDR first, then chunks until IEND. With an acTL chunk (APNG), each fcTL chunk is a
/// frame; without one, the file is a single frame of the IHDR size.
fn scan_png(b: &[u8], limits: (u32, u64)) -> Result<FrameScan, ScanError> {
    if b.get(12..16).is_some_and(|kind| kind != b"IHDR") || be32(b, 8).is_some_and(|n| n != 13) {
        return Err(Malformed("PNG does not start with IHDR"));
    }
    let width = be32(b, 16).ok_or(Truncated)?;
    let height = be32(b, 20).ok_or(Truncated)?;
    let mut tally = Tally::new(limits, width, height);
    let mut pos = 33; // signature 8 + IHDR (4 length + 4 type + 13 data + 4 CRC)
    if pos > b.len() {
        return Err(Truncated);
    }
    let (mut animated, mut seen_idat, mut hidden_default) = (false, false, false);
    // A missing IEND at a chunk boundary is tolerated, like a missing GIF trailer.
    while pos < b.len() {
        let len = be32(b, pos).ok_or(Truncated)?;
        if len > 0x7FFF_FFFF {
            return Err(Malformed("PNG chunk length over 2^31-1"));
        }
        let kind = take::<4>(b, pos.saturating_add(4)).ok_or(Truncated)?;
        let start = pos.saturating_add(8);
        let end = start.saturating_add(len as usize);
        let data = b.get(start..end).ok_or(Truncated)?;
        pos = end.saturating_add(4); // CRC (not checked: the decoder does)
        if pos > b.len() {
            return Err(Truncated);
        }
        match &kind {
            b"acTL" if !seen_idat => {
                let declared = be32(data, 0).filter(|_| data.len() == 8);
                if declared.ok_or(Malformed("acTL chunk size"))? > limits.0 {
                    return Err(TooManyFrames(limits.0));
                }
                animated = true;
            }
            b"fcTL" if animated => match (be32(data, 4), be32(data, 8)) {
                (Some(w), Some(h)) if data.len() == 26 => tally.frame(w, h)?,
                _ => return Err(Malformed("fcTL chunk size")),
            },
            b"IDAT" => {
                // IDAT with no fcTL before it is a default image that the animation skips.
                // The decoder still decodes it.
                hidden_default |= animated && !seen_idat && tally.scan.frames == 0;
                seen_idat = true;
            }
            b"IEND" => break,
            _ => {}
        }
    }
    if tally.scan.frames == 0 {
        tally.frame(width, height)?;
    } else if hidden_default {
        tally.pixels(tally.canvas_area())?;
    }
    Ok(tally.scan)
}

/// WebP: a RIFF container holding either one VP8/VP8L bitstream, or VP8X (the extended
/// format) followed by chunks, among them one ANMF per frame when animated.
fn scan_webp(b: &[u8], limits: (u32, u64)) -> Result<FrameScan, ScanError> {
    let riff = le32(b, 4).ok_or(Truncated)?;
    // Bytes past the RIFF size are not part of the image.
    let b = b
        .get(..b.len().min((riff as usize).saturating_add(8)))
        .ok_or(Truncated)?;
    let (kind, payload, mut pos) = riff_chunk(b, 12)?;
    if &kind != b"VP8X" {
        let (w, h) = bitstream_dims(&kind, payload)?;
        let mut tally = Tally::new(limits, w, h);
        tally.frame(w, h)?;
        return Ok(tally.scan);
    }
    let flags = *payload.first().ok_or(Malformed("VP8X chunk size"))?;
    let w = le24_plus1(payload, 4).ok_or(Malformed("VP8X chunk size"))?;
    let h = le24_plus1(payload, 7).ok_or(Malformed("VP8X chunk size"))?;
    let animated = flags & 0x02 != 0;
    let mut tally = Tally::new(limits, w, h);
    while pos < b.len() {
        let (kind, payload, next) = riff_chunk(b, pos)?;
        pos = next;
        match &kind {
            b"ANMF" if animated => {
                // X/2 and Y/2 (bytes 0-5), width-1 and height-1, duration, flags (byte 15).
                let w = le24_plus1(payload, 6).filter(|_| payload.len() >= 16);
                let h = le24_plus1(payload, 9);
                let (Some(w), Some(h)) = (w, h) else {
                    return Err(Malformed("ANMF chunk size"));
                };
                tally.frame(w, h)?;
            }
            b"VP8 " | b"VP8L" if !animated => {
                let (w, h) = bitstream_dims(&kind, payload)?;
                tally.frame(w, h)?;
                break;
            }
            _ => {}
        }
    }
    if tally.scan.frames == 0 {
        return Err(Malformed("WebP has no image data"));
    }
    Ok(tally.scan)
}

/// One RIFF chunk at `pos`: its FourCC, its payload, and where the next chunk starts
/// (payloads are padded to an even length).
fn riff_chunk(b: &[u8], pos: usize) -> Result<([u8; 4], &[u8], usize), ScanError> {
    let kind = take::<4>(b, pos).ok_or(Truncated)?;
    let size = le32(b, pos.saturating_add(4)).ok_or(Truncated)? as usize;
    let start = pos.saturating_add(8);
    let end = start.saturating_add(size);
    let payload = b.get(start..end).ok_or(Truncated)?;
    Ok((kind, payload, end.saturating_add(size & 1)))
}

/// Width and height from a VP8 (lossy) or VP8L (lossless) bitstream header.
fn bitstream_dims(kind: &[u8; 4], p: &[u8]) -> Result<(u32, u32), ScanError> {
    match kind {
        b"VP8L" => {
            // Signature 0x2f, then 14 bits width-1, 14 bits height-1, alpha, 3-bit version 0.
            let bits = le32(p, 1).ok_or(Malformed("VP8L header"))?;
            if p.first() != Some(&0x2F) || bits >> 29 != 0 {
                return Err(Malformed("VP8L signature or version"));
            }
            Ok((
                (bits & 0x3FFF).saturating_add(1),
                ((bits >> 14) & 0x3FFF).saturating_add(1),
            ))
        }
        b"VP8 " => {
            // 3-byte frame tag, start code 9d 01 2a, then 14-bit width and height.
            if p.get(3..6) != Some(&[0x9D, 0x01, 0x2A][..]) {
                return Err(Malformed("VP8 start code"));
            }
            let w = le16(p, 6).ok_or(Malformed("VP8 header"))?;
            let h = le16(p, 8).ok_or(Malformed("VP8 header"))?;
            Ok((u32::from(w & 0x3FFF), u32::from(h & 0x3FFF)))
        }
        _ => Err(Malformed("unknown first WebP chunk")),
    }
}

/// Rewrites a JPEG keeping only what a decoder needs. It writes SOI, a new minimal JFIF
/// APP0 (only if the original had JFIF), a new 12-byte Adobe APP14 (only if the original had
/// a valid one, since its transform byte decides the colour space), the DQT, SOFn, DHT, DAC
/// and DRI segments, and every scan with its entropy-coded data, then EOI. It drops every
/// other segment, wherever it appears: APPn, COM, DNL/DHP/EXP and unknown markers. Nothing
/// the uploader wrote outside the image data survives, including data after the JFIF header,
/// segments between progressive scans, and bytes after EOI. `None` for a malformed or
/// truncated structure, so the caller re-encodes from pixels instead. Linear in the input.
pub fn rebuild_jpeg(bytes: &[u8]) -> Option<Vec<u8>> {
    if bytes.get(0..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut body = Vec::with_capacity(bytes.len());
    // JFIF version (2), units, X density (2), Y density (2), as in the JFIF header.
    let mut jfif: Option<([u8; 2], [u8; 5])> = None;
    let mut adobe_transform: Option<u8> = None;
    let (mut saw_frame, mut saw_scan) = (false, false);
    let mut i = 2;
    loop {
        if *bytes.get(i)? != 0xFF {
            return None;
        }
        while bytes.get(i.saturating_add(1)) == Some(&0xFF) {
            i += 1; // fill bytes before a marker
        }
        let start = i;
        let marker = *bytes.get(i.saturating_add(1))?;
        i = i.saturating_add(2);
        match marker {
            0xD9 if saw_frame && saw_scan => break,
            0xD9 | 0xD8 | 0x00 => return None,
            0x01 | 0xD0..=0xD7 => continue, // standalone markers: no length, nothing to keep
            _ => {}
        }
        let len = usize::from(be16(bytes, i)?);
        let end = i.checked_add(len).filter(|_| len >= 2)?;
        let segment = bytes.get(start..end)?;
        let payload = bytes.get(i.saturating_add(2)..end)?;
        i = end;
        match marker {
            0xE0 if !saw_scan && jfif.is_none() && payload.starts_with(b"JFIF\0") => {
                let density = take::<5>(payload, 7)
                    .filter(|d| d[0] <= 2 && d[1..3] != [0, 0] && d[3..5] != [0, 0]);
                // Version 1.00-1.02 is kept (encoders write 1.01 or 1.02), anything else
                // becomes 1.01: the rebuilt header then matches a clean encoder's byte for byte.
                let version = take::<2>(payload, 5).filter(|v| v[0] == 1 && v[1] <= 2);
                jfif = Some((
                    version.unwrap_or([1, 1]),
                    density.unwrap_or([0, 0, 1, 0, 1]),
                ));
            }
            0xEE if !saw_scan && adobe_transform.is_none() && payload.starts_with(b"Adobe") => {
                adobe_transform = payload.get(11).copied();
            }
            0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                // P, Y, X, Nf, then 3 bytes per component. Y = 0 needs the DNL marker, which is
                // dropped, so such files go back to the caller.
                let components = usize::from(*payload.get(5)?);
                let size_ok = components > 0 && payload.len() == 6 + 3 * components;
                if saw_frame || !size_ok || be16(payload, 1)? == 0 || be16(payload, 3)? == 0 {
                    return None;
                }
                saw_frame = true;
                body.extend_from_slice(segment);
            }
            0xC4 | 0xCC | 0xDB | 0xDD => body.extend_from_slice(segment),
            0xDA => {
                // Ns, then 2 bytes per component, then Ss, Se, Ah/Al.
                let components = usize::from(*payload.first()?);
                let size_ok = (1..=4).contains(&components) && payload.len() == 4 + 2 * components;
                if !saw_frame || !size_ok {
                    return None;
                }
                body.extend_from_slice(segment);
                let data_end = entropy_end(bytes, i)?;
                body.extend_from_slice(bytes.get(i..data_end)?);
                i = data_end;
                saw_scan = true;
            }
            _ => {} // APPn, COM, DNL, DHP, EXP, reserved: dropped
        }
    }
    let mut out = Vec::with_capacity(body.len().saturating_add(40));
    out.extend_from_slice(&[0xFF, 0xD8]);
    if let Some((version, density)) = jfif {
        out.extend_from_slice(b"\xFF\xE0\x00\x10JFIF\0");
        out.extend_from_slice(&version);
        out.extend_from_slice(&density);
        out.extend_from_slice(&[0, 0]); // no thumbnail
    }
    if let Some(transform) = adobe_transform {
        out.extend_from_slice(b"\xFF\xEE\x00\x0EAdobe\x00\x64\0\0\0\0");
        out.push(transform);
    }
    out.extend_from_slice(&body);
    out.extend_from_slice(&[0xFF, 0xD9]);
    Some(out)
}

/// End of the entropy-coded data that starts at `k`. This is the 0xFF of the first marker
/// that is not byte stuffing (FF 00) or a restart marker (FF D0-D7); runs of fill bytes
/// (FF FF) are skipped. `None` if the data runs off the end.
fn entropy_end(b: &[u8], mut k: usize) -> Option<usize> {
    loop {
        k = k.checked_add(b.get(k..)?.iter().position(|&x| x == 0xFF)?)?;
        let mut m = k;
        while *b.get(m.checked_add(1)?)? == 0xFF {
            m += 1;
        }
        match *b.get(m.checked_add(1)?)? {
            0x00 | 0xD0..=0xD7 => k = m.checked_add(2)?,
            _ => return Some(m),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn scan(b: &[u8]) -> Result<Option<FrameScan>, ScanError> {
        scan_frames(b, 1000, 100_000_000)
    }

    /// The expected scan: frame count, canvas, largest frame, decoded pixels.
    fn ok(frames: u32, canvas: [u32; 2], max: [u32; 2], px: u64) -> ScanResult {
        let ([canvas_width, canvas_height], [max_frame_width, max_frame_height]) = (canvas, max);
        Ok(Some(FrameScan {
            frames,
            canvas_width,
            canvas_height,
            max_frame_width,
            max_frame_height,
            decoded_pixels: px,
        }))
    }
    type ScanResult = Result<Option<FrameScan>, ScanError>;

    /// Calls `f` on every prefix and on single-byte mutations; it must never panic.
    fn survives<T>(sample: &[u8], f: impl Fn(&[u8]) -> T) {
        for n in 0..=sample.len() {
            f(&sample[..n]);
        }
        for i in 0..sample.len() {
            for v in [0x00, 0x01, 0x7F, 0xD9, 0xDA, 0xFF] {
                let mut m = sample.to_vec();
                m[i] = v;
                f(&m);
            }
        }
    }

    fn gif(screen: [u16; 2], frames: usize, size: [u16; 2]) -> Vec<u8> {
        let [sw, sh, fw, fh] = [screen[0], screen[1], size[0], size[1]].map(u16::to_le_bytes);
        // Global table of 2 colours, then a NETSCAPE looping extension.
        let head: [&[u8]; 4] = [b"GIF89a", &sw, &sh, &[0x80, 0, 0, 0, 0, 0, 255, 255, 255]];
        let mut g = head.concat();
        g.extend_from_slice(b"\x21\xFF\x0BNETSCAPE2.0\x03\x01\x00\x00\x00");
        for _ in 0..frames {
            // Graphic control extension, image descriptor, LZW size 2 and one sub-block.
            g.extend_from_slice(&[0x21, 0xF9, 4, 0, 10, 0, 0, 0, 0x2C, 0, 0, 0, 0]);
            g.extend([&fw[..], &fh, &[0, 2, 2, 0x4C, 0x01, 0]].concat());
        }
        g.push(0x3B);
        g
    }

    #[test]
    fn gif_frames_not_the_screen_are_counted() {
        let bomb = gif([1, 1], 150, [3500, 3500]);
        assert!(bomb.len() < 4000);
        assert_eq!(scan(&bomb), Err(TooManyPixels(9 * 3500 * 3500)));
        let many = gif([4, 4], 2000, [1, 1]);
        assert_eq!(scan(&many), Err(TooManyFrames(1000)));
        let g = gif([10, 10], 2, [10, 10]);
        assert_eq!(scan(&g), ok(2, [10, 10], [10, 10], 200));
        assert_eq!(scan(&g[..g.len() - 1]), ok(2, [10, 10], [10, 10], 200)); // no trailer
        assert_eq!(scan(&g[..g.len() - 3]), Err(Truncated)); // cut inside a sub-block
        assert_eq!(scan(&g[..20]), Err(Truncated));
        survives(&g, scan);
        survives(&bomb, scan);
    }

    fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend([&(data.len() as u32).to_be_bytes()[..], kind, data, &[0; 4]].concat());
    }

    /// A 20×10 PNG, or an APNG with `frames`; `default_is_frame` puts the first fcTL
    /// before IDAT.
    fn png(frames: &[(u32, u32)], default_is_frame: bool) -> Vec<u8> {
        let mut p = PNG_SIGNATURE.to_vec();
        png_chunk(&mut p, b"IHDR", b"\0\0\0\x14\0\0\0\x0a\x08\x06\0\0\0");
        if frames.is_empty() {
            png_chunk(&mut p, b"IDAT", b"pixels");
        } else {
            let actl = [(frames.len() as u32).to_be_bytes(), [0; 4]].concat();
            png_chunk(&mut p, b"acTL", &actl);
        }
        for (n, &(w, h)) in frames.iter().enumerate() {
            if n == 0 && !default_is_frame {
                png_chunk(&mut p, b"IDAT", b"pixels");
            }
            let fctl = [n as u32, w, h, 0, 0].map(u32::to_be_bytes).concat();
            png_chunk(&mut p, b"fcTL", &[&fctl[..], &[0, 1, 0, 10, 0, 0]].concat());
            let first = n == 0 && default_is_frame;
            png_chunk(&mut p, if first { b"IDAT" } else { b"fdAT" }, b"pixels");
        }
        png_chunk(&mut p, b"IEND", b"");
        p
    }

    #[test]
    fn png_and_apng() {
        let still = png(&[], true);
        assert_eq!(scan(&still), ok(1, [20, 10], [20, 10], 200));
        let apng = png(&[(20, 10), (10, 5), (40, 30)], true);
        assert_eq!(scan(&apng), ok(3, [20, 10], [40, 30], 200 + 200 + 1200));
        // A default image outside the animation is decoded too.
        let hidden = png(&[(20, 10), (20, 10)], false);
        assert_eq!(scan(&hidden), ok(2, [20, 10], [20, 10], 600));
        assert_eq!(scan_frames(&apng, 2, u64::MAX), Err(TooManyFrames(2)));
        assert_eq!(scan_frames(&apng, 9, 300), Err(TooManyPixels(400)));
        assert_eq!(scan(&apng[..apng.len() - 5]), Err(Truncated));
        for sample in [still, apng, hidden] {
            survives(&sample, scan);
        }
    }

    fn riff_chunk_bytes(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend([kind, &(data.len() as u32).to_le_bytes()[..], data].concat());
        if data.len() % 2 == 1 {
            out.push(0);
        }
    }

    fn webp(chunks: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
        let mut body = b"WEBP".to_vec();
        for (kind, data) in chunks {
            riff_chunk_bytes(&mut body, kind, data);
        }
        [&b"RIFF"[..], &(body.len() as u32).to_le_bytes(), &body].concat()
    }

    fn vp8l(w: u32, h: u32) -> Vec<u8> {
        let bits = (w - 1) | ((h - 1) << 14) | (1 << 28);
        [&[0x2F][..], &bits.to_le_bytes(), &[1, 2, 3]].concat()
    }

    fn u24(v: u32) -> [u8; 3] {
        let [a, b, c, _] = v.to_le_bytes();
        [a, b, c]
    }

    #[test]
    fn webp_still_and_animated() {
        let still = webp(&[(b"VP8L", vp8l(300, 200))]);
        assert_eq!(scan(&still), ok(1, [300, 200], [300, 200], 60_000));
        let lossy = vec![
            0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x40, 0x01, 0xF0, 0x00, 0, 0,
        ];
        let lossy = webp(&[(b"VP8 ", lossy)]);
        assert_eq!(scan(&lossy), ok(1, [320, 240], [320, 240], 76_800));

        let vp8x = [vec![0x12, 0, 0, 0], u24(99).to_vec(), u24(49).to_vec()].concat();
        let mut chunks: Vec<(&[u8; 4], Vec<u8>)> = vec![(b"VP8X", vp8x), (b"ANIM", vec![0; 6])];
        for (w, h) in [(40, 30), (100, 50), (200, 100)] {
            let mut anmf = [u24(0), u24(0), u24(w - 1), u24(h - 1), u24(100)].concat();
            anmf.push(0);
            riff_chunk_bytes(&mut anmf, b"VP8L", &vp8l(w, h));
            chunks.push((b"ANMF", anmf));
        }
        let anim = webp(&chunks);
        assert_eq!(
            scan(&anim),
            ok(3, [100, 50], [200, 100], 5000 + 5000 + 20_000)
        );
        assert_eq!(scan_frames(&anim, 2, u64::MAX), Err(TooManyFrames(2)));
        for sample in [still, lossy, anim] {
            survives(&sample, scan);
        }
    }

    #[test]
    fn other_formats_are_not_scanned() {
        assert_eq!(scan(&sample_jpeg().0), Ok(None));
        assert_eq!(scan(b"\0\0\0\x18ftypheic\0\0\0\0"), Ok(None));
        assert_eq!(scan(b""), Ok(None));
    }

    fn seg(marker: u8, payload: &[u8]) -> Vec<u8> {
        let len = (payload.len() as u16 + 2).to_be_bytes();
        [&[0xFF, marker][..], &len, payload].concat()
    }

    /// A progressive JPEG with metadata hidden everywhere, and the expected rebuilt output.
    fn sample_jpeg() -> (Vec<u8>, Vec<u8>) {
        let app0 = seg(
            0xE0,
            b"JFIF\0\x01\x02\x01\x00\x48\x00\x48\x00\x00Exif\0\0GPSLat=52.5N",
        );
        let app1 = seg(0xE1, b"Exif\0\0GPSLongitude=13.4E");
        let dqt = seg(0xDB, &[0; 65]);
        let sof = seg(
            0xC2,
            &[8, 0, 16, 0, 16, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1],
        );
        let com = seg(0xFE, b"secret comment");
        let dht = seg(0xC4, &[[0, 1].as_slice(), &[0; 15], &[5]].concat());
        let dri = seg(0xDD, &[0, 4]);
        let sos1 = seg(0xDA, &[3, 1, 0, 2, 0x11, 3, 0x11, 0, 0, 1]);
        // Stuffing, restart markers and a fill byte before stuffing.
        let data1 = [
            0x12, 0xFF, 0, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xFF, 0, 0xFF, 0xD7, 0x78,
        ];
        let app1b = seg(0xE1, b"Exif\0\0GPSAltitude=34m");
        let com2 = seg(0xFE, b"between scans");
        let dht2 = seg(0xC4, &[[0x10, 0, 1].as_slice(), &[0; 14], &[7]].concat());
        let fill = [0xFF, 0xFF]; // fill bytes before a marker
        let sos2 = seg(0xDA, &[1, 1, 0, 1, 5, 0]);
        let data2 = [0x9A, 0xFF, 0xD3, 0xBC, 0xFF, 0x00];
        let (soi, eoi, tail) = ([0xFF, 0xD8], [0xFF, 0xD9], b"Exif\0\0GPS trailing data");
        let jfif = seg(0xE0, b"JFIF\0\x01\x02\x01\x00\x48\x00\x48\x00\x00");
        let input: [&[u8]; 18] = [
            &soi, &app0, &app1, &dqt, &sof, &com, &dht, &dri, &sos1, &data1, &app1b, &com2, &dht2,
            &fill, &sos2, &data2, &eoi, tail,
        ];
        let output: [&[u8]; 12] = [
            &soi, &jfif, &dqt, &sof, &dht, &dri, &sos1, &data1, &dht2, &sos2, &data2, &eoi,
        ];
        (input.concat(), output.concat())
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn jpeg_keeps_only_decoder_segments() {
        let (input, expected) = sample_jpeg();
        let out = rebuild_jpeg(&input).unwrap();
        assert_eq!(out, expected);
        for secret in [&b"Exif"[..], b"GPS", b"secret", b"between", b"trailing"] {
            assert!(!contains(&out, secret));
        }
        // Stuffing, restart markers and fill inside scan data are kept verbatim.
        assert!(contains(
            &out,
            &[0x12, 0xFF, 0, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xFF, 0]
        ));
        assert!(contains(
            &out,
            &[0x9A, 0xFF, 0xD3, 0xBC, 0xFF, 0x00, 0xFF, 0xD9]
        ));
        assert_eq!(rebuild_jpeg(&out).unwrap(), out); // idempotent
    }

    #[test]
    fn jpeg_adobe_is_rebuilt_and_no_jfif_is_invented() {
        let (input, _) = sample_jpeg();
        // Everything after SOI and the JFIF APP0 segment.
        let rest = &input[input.windows(2).position(|w| w == [0xFF, 0xE1]).unwrap()..];
        let adobe = seg(
            0xEE,
            b"Adobe\x00\x65\xC0\x00\x00\x00\x02GPS hidden in Adobe",
        );
        let out = rebuild_jpeg(&[&[0xFF, 0xD8][..], &adobe, rest].concat()).unwrap();
        assert!(out.starts_with(b"\xFF\xD8\xFF\xEE\x00\x0EAdobe\x00\x64\0\0\0\0\x02\xFF\xDB"));
        assert!(!contains(&out, b"GPS") && !contains(&out, b"JFIF"));
        // A short Adobe segment is not valid; it is dropped.
        let short = seg(0xEE, b"Adobe\x00");
        let out = rebuild_jpeg(&[&[0xFF, 0xD8][..], &short, rest].concat()).unwrap();
        assert!(!contains(&out, b"Adobe"));
    }

    #[test]
    fn malformed_jpegs_give_none() {
        let (input, _) = sample_jpeg();
        let eoi_end = 2 + input.windows(2).rposition(|w| w == [0xFF, 0xD9]).unwrap();
        for n in 0..eoi_end {
            assert_eq!(rebuild_jpeg(&input[..n]), None, "prefix {n}");
        }
        survives(&input, rebuild_jpeg);
        let head = [0xFF, 0xD8];
        let sof = seg(0xC0, &[8, 0, 16, 0, 16, 1, 1, 0x11, 0]);
        let sos = seg(0xDA, &[1, 1, 0, 0, 63, 0]);
        let eoi = [0xFF, 0xD9];
        let rebuild = |parts: &[&[u8]]| rebuild_jpeg(&parts.concat());
        assert!(rebuild(&[&head, &sof, &sos, &[1, 2], &eoi]).is_some());
        assert_eq!(rebuild(&[&head, &sof, &eoi]), None); // no scan
        assert_eq!(rebuild(&[&head, &sos, &[1], &eoi]), None); // no frame
        assert_eq!(
            rebuild(&[&head, &[0xFF, 0xE1, 0, 1], &sof, &sos, &eoi]),
            None
        ); // length 1
        assert_eq!(rebuild(&[&head, &[0x00], &sof, &sos, &eoi]), None); // not a marker
        let dnl_sof = seg(0xC0, &[8, 0, 0, 0, 16, 1, 1, 0x11, 0]);
        assert_eq!(rebuild(&[&head, &dnl_sof, &sos, &eoi]), None); // height from DNL
        assert_eq!(rebuild(&[&head, &sof, &sof, &sos, &eoi]), None); // two frames
        assert_eq!(rebuild_jpeg(b"\x89PNG"), None);
    }
}
