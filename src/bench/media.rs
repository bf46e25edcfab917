//! `pinhole bench media`: the image pipeline on a synthetic 12 MP photo, beside libvips.

use super::*;

/// One output size: name, width, height, bytes.
type SizeRow = (String, u32, u32, usize);

/// Parameters of `pinhole bench media`.
#[derive(Debug, Clone, clap::Args)]
pub struct MediaParams {
    #[arg(long, default_value_t = 10)]
    pub iterations: usize,
    /// Markdown file whose media section is replaced with the results.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Python with pyvips installed (see benches/vips/README.md) for the same-run libvips
    /// comparison.
    #[arg(long)]
    pub vips_python: Option<PathBuf>,
}

/// A deterministic "photo" (gradients, texture, flat shapes, mild noise; about 2 bits per
/// pixel at q92, like a real 12 MP picture). Pixel for pixel the same image as
/// `benches/vips/gen_image.py` makes, so both libraries get identical input.
pub fn synthetic_rgb(w: u32, h: u32) -> Vec<u8> {
    let (wi, hi) = (i64::from(w), i64::from(h));
    let tri = |t: i64, p: i64| (t.rem_euclid(p) - p / 2).abs();
    type Rect = ((i64, i64, i64, i64), [i64; 3]);
    type Circle = ((i64, i64, i64), [i64; 3]);
    let rects: [Rect; 4] = [
        ((300, 250, 1400, 1100), [200, 40, 40]),
        ((2600, 300, 3700, 900), [20, 120, 200]),
        ((1800, 1900, 3300, 2800), [230, 200, 60]),
        ((150, 2200, 900, 2900), [60, 60, 60]),
    ];
    let circles: [Circle; 5] = [
        ((2000, 1200, 520), [250, 250, 240]),
        ((900, 1800, 300), [30, 160, 70]),
        ((3400, 1600, 380), [120, 40, 150]),
        ((2400, 2500, 200), [10, 10, 20]),
        ((600, 600, 180), [240, 140, 20]),
    ];
    let mut out = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..hi {
        for x in 0..wi {
            let mut flat = None;
            for ((x0, y0, x1, y1), c) in rects {
                if x >= x0 && x < x1 && y >= y0 && y < y1 {
                    flat = Some(c);
                }
            }
            for ((cx, cy, r), c) in circles {
                if (x - cx) * (x - cx) + (y - cy) * (y - cy) < r * r {
                    flat = Some(c);
                }
            }
            for c in 0..3i64 {
                let v = match flat {
                    Some(colour) => colour[c as usize],
                    None => {
                        let g = match c {
                            0 => 30 + (180 * x) / (wi - 1),
                            1 => 30 + (180 * y) / (hi - 1),
                            _ => 210 - (180 * (x + y)) / (wi + hi - 2),
                        };
                        let t = ((tri(x + 2 * y + 40 * c, 192) - 48)
                            * (tri(3 * x - y + 24 * c, 128) - 32))
                            >> 6;
                        g + t
                    }
                };
                let mut hsh = ((y * wi + x) * 3 + c) as u32;
                hsh ^= hsh >> 16;
                hsh = hsh.wrapping_mul(0x7feb_352d);
                hsh ^= hsh >> 15;
                hsh = hsh.wrapping_mul(0x846c_a68b);
                hsh ^= hsh >> 16;
                let n = i64::from((hsh & 0xffff) % 13) + i64::from((hsh >> 16) % 13) - 12;
                out.push((v + n).clamp(0, 255) as u8);
            }
        }
    }
    out
}

/// [`synthetic_rgb`] as a q92 4:2:0 JPEG.
pub fn synthetic_photo(width: u32, height: u32) -> Result<Vec<u8>, BenchError> {
    let rgb = synthetic_rgb(width, height);
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, 92);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
    encoder
        .encode(
            &rgb,
            width as u16,
            height as u16,
            jpeg_encoder::ColorType::Rgb,
        )
        .map_err(err)?;
    Ok(out)
}

/// Runs the media benchmark: Pinhole's pipeline on one core, then libvips if available.
pub async fn run_media(params: MediaParams) -> Result<String, BenchError> {
    let photo = synthetic_photo(4000, 3000)?;
    let config = Config::defaults().map_err(err)?.media;
    let iterations = params.iterations.max(1);
    let config_for_run = config.clone();
    let photo_for_run = photo.clone();
    let (per_image_cpu, sizes) =
        tokio::task::spawn_blocking(move || -> Result<(f64, Vec<SizeRow>), BenchError> {
            // Warm-up, then timed iterations on this one thread.
            let first = crate::media::process(&photo_for_run, &config_for_run).map_err(err)?;
            let cpu_start = thread_cpu_seconds();
            for _ in 0..iterations {
                crate::media::process(&photo_for_run, &config_for_run).map_err(err)?;
            }
            let cpu = thread_cpu_seconds()
                .zip(cpu_start)
                .map(|(a, b)| a - b)
                .unwrap_or(0.0);
            let sizes = first
                .renditions
                .iter()
                .map(|r| (r.name.to_string(), r.width, r.height, r.bytes.len()))
                .collect();
            Ok((cpu / iterations as f64, sizes))
        })
        .await
        .map_err(err)??;
    let peak = peak_rss_kib().unwrap_or(0);
    let pinhole_rate = 1.0 / per_image_cpu;
    let total: usize = sizes.iter().map(|s| s.3).sum();
    let derived_bytes: usize = sizes
        .iter()
        .filter(|s| s.0 != "original")
        .map(|s| s.3)
        .sum();
    let mut report = format!(
        "Input: synthetic 4000×3000 JPEG (q92, {} bytes); sizes: long edge ≤ {} / {} / {} px, JPEG q{}; one thread, {iterations} iterations after a warm-up.\n\n",
        photo.len(),
        config.original_max_edge,
        config.display_edge,
        config.thumbnail_edge,
        config.jpeg_quality
    );
    report.push_str(&format!(
        "- Pinhole (lossless original + DCT-scaled decode, fast_image_resize, jpeg-encoder 4:2:0): **{pinhole_rate:.2} images/core-s** ({:.0} ms CPU per image), peak RSS {} MiB, output {} bytes ({})\n",
        per_image_cpu * 1000.0,
        peak / 1024,
        total,
        sizes
            .iter()
            .map(|(n, w, h, b)| format!("{n} {w}×{h}: {b}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    if let Some(python) = &params.vips_python {
        // decode-once: libvips re-encodes every size (the reference figure);
        // lossless-original: libvips doing Pinhole's work (original kept, metadata cut).
        for approach in ["decode-once", "lossless-original"] {
            match run_vips(python, approach, &photo, &config, iterations) {
                Ok(v) => {
                    let rate = v["images_per_core_second"].as_f64().unwrap_or(0.0);
                    let vbytes = v["output_bytes_total"].as_u64().unwrap_or(0);
                    let derived: u64 = ["1080", "320"]
                        .iter()
                        .filter_map(|k| v["output_bytes"][*k].as_u64())
                        .sum();
                    report.push_str(&format!(
                        "- libvips {} `{approach}`: **{rate:.2} images/core-s**, peak RSS {} MiB, output {vbytes} bytes (display + thumbnail {derived})\n",
                        v["version"].as_str().unwrap_or("?"),
                        v["peak_rss_kib"].as_u64().unwrap_or(0) / 1024,
                    ));
                    if rate > 0.0 && derived > 0 {
                        report.push_str(&format!(
                            "  - Pinhole vs `{approach}`: **{:.2}× the speed**; display + thumbnail bytes {:+.1}%\n",
                            pinhole_rate / rate,
                            (derived_bytes as f64 / derived as f64 - 1.0) * 100.0
                        ));
                    }
                }
                Err(e) => report.push_str(&format!("- libvips `{approach}`: not measured ({e})\n")),
            }
        }
    } else {
        report.push_str(
            "- libvips: not measured (pass --vips-python PATH; see benches/vips/README.md)\n",
        );
    }
    if let Some(path) = params.output {
        write_named_section(
            &path,
            "media",
            "Media pipeline (`pinhole bench media`)",
            &report,
        )
        .map_err(err)?;
    }
    Ok(report)
}

fn run_vips(
    python: &std::path::Path,
    approach: &str,
    photo: &[u8],
    config: &crate::config::MediaConfig,
    iterations: usize,
) -> Result<serde_json::Value, BenchError> {
    let input = std::env::temp_dir().join(format!("pinhole-bench-{}.jpg", std::process::id()));
    std::fs::write(&input, photo).map_err(err)?;
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/vips/bench.py");
    let output = std::process::Command::new(python)
        .arg(&script)
        .arg(&input)
        .arg("--sizes")
        .arg(format!(
            "{},{},{}",
            config.original_max_edge, config.display_edge, config.thumbnail_edge
        ))
        .arg("--quality")
        .arg(config.jpeg_quality.to_string())
        .arg("--iterations")
        .arg(iterations.to_string())
        .arg("--approach")
        .arg(approach)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    let _ = std::fs::remove_file(&input);
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr)
            .lines()
            .last()
            .unwrap_or("failed")
            .to_string());
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .ok_or("no JSON output")?;
    serde_json::from_str(line).map_err(err)
}

#[cfg(test)]
mod tests {
    #[test]
    fn synthetic_photo_matches_the_python_generator() {
        use sha2::Digest;
        // Checksum printed by benches/vips/gen_image.py for the same 4000×3000 spec.
        let rgb = super::synthetic_rgb(4000, 3000);
        assert_eq!(
            hex::encode(sha2::Sha256::digest(&rgb)),
            "e00e39967a7e1d43e3143ac9acb4eb1bc31611f7c49b000ec8dfefa7f41efff0"
        );
    }
}
