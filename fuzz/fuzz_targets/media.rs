//! Media sniffing, container scanning, JPEG rebuilding and the whole decode pipeline, with
//! small limits so each input stays cheap.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pinhole::{
    config::Config,
    media::{process, scan},
};

fuzz_target!(|data: &[u8]| {
    let _ = pinhole::media::process::detect(data);
    let _ = scan::scan_frames(data, 100, 4_000_000);
    if let Some(rebuilt) = scan::rebuild_jpeg(data) {
        // Rebuilding its own output changes nothing.
        assert_eq!(
            scan::rebuild_jpeg(&rebuilt).as_deref(),
            Some(rebuilt.as_slice())
        );
    }
    let Ok(mut config) = Config::defaults() else {
        return;
    };
    config.media.max_pixels = 4_000_000;
    config.media.max_bytes = 1 << 20;
    config.media.original_max_edge = 512;
    config.media.display_edge = 256;
    config.media.thumbnail_edge = 64;
    let _ = process(data, &config.media);
});
