#!/usr/bin/env python3
"""libvips reference benchmark for `pinhole bench media`.

usage: python bench.py INPUT.jpg [--sizes 4096,1080,320] [--quality 85]
                       [--iterations N]
                       [--approach decode-once|thumbnail|hybrid|cascade|lossless-original]
                       [--subsample auto|on|off]

One "image" = take the JPEG bytes (held in memory), decode, autorotate, and for
every size produce a JPEG whose long edge is min(size, original long edge)
(never upscaled), Q=quality, default chroma subsampling, all metadata stripped.
libvips runs on ONE thread with its operation cache disabled. One warm-up
iteration (which also validates the outputs), then N timed iterations.
Prints exactly one JSON line on stdout; anything else goes to stderr.

Approaches (resampling is always libvips' thumbnail resize: Lanczos3, size="down"):
  decode-once - (default: the fastest way measured that resamples every size
                from the original pixels) decode the full-size JPEG once into
                memory, autorotate, then thumbnail_image() from it per size.
  thumbnail   - Image.thumbnail_buffer() per size: shrink-on-load, so each size
                re-reads the JPEG, decoding it at 1/1, 1/2, 1/4 or 1/8 scale.
  hybrid      - group sizes by the shrink-on-load factor thumbnail would pick;
                decode once per group at that factor, then thumbnail_image()
                per size. Same output bytes as `thumbnail` for upright inputs.
  cascade     - decode once; each smaller size is resized from the previous
                (larger) output raster. Cheapest resizes, one extra resampling.
  lossless-original
              - the same work as Pinhole's upright-JPEG fast path: the largest
                size is the original JPEG with metadata segments cut (no
                re-encode) when it is upright and within that size; the others
                come from one DCT-scaled decode (1/2, 1/4, 1/8), cascaded.
                Falls back to `cascade` otherwise.
"""
import argparse
import json
import os
import resource
import sys
import time

# Must be set before libvips is loaded.
os.environ["VIPS_CONCURRENCY"] = "1"
os.environ.pop("VIPS_NOVECTOR", None)

import pyvips  # noqa: E402

APPROACHES = ("decode-once", "thumbnail", "hybrid", "cascade", "lossless-original")


def save_kwargs(quality, subsample="auto"):
    # libvips >= 8.15 replaced strip=True by keep=none (strip still works but is deprecated;
    # both give identical bytes). subsample "auto" is libvips' default: 4:2:0 below Q=90,
    # 4:4:4 from Q=90 up; "off" forces 4:4:4, "on" forces 4:2:0.
    kw = {"Q": quality}
    if (pyvips.version(0), pyvips.version(1)) >= (8, 15):
        kw["keep"] = 0
    else:
        kw["strip"] = True
    if subsample != "auto":
        kw["subsample_mode"] = subsample
    return kw


def jpeg_shrink(long_edge, size):
    """Shrink-on-load factor libvips' thumbnail picks (vips_thumbnail_find_jpegshrink):
    block-shrink leaving at least a factor of two for the final resize."""
    factor = long_edge / size
    if factor >= 16:
        return 8
    if factor >= 8:
        return 4
    if factor >= 4:
        return 2
    return 1


def run_thumbnail(data, sizes, kw, long_edge):
    out = {}
    for s in sizes:
        img = pyvips.Image.thumbnail_buffer(data, s, height=s, size="down")
        out[s] = img.jpegsave_buffer(**kw)
    return out


def decoded(data, shrink):
    """Decode (optionally with DCT-domain shrink-on-load) straight into memory, then autorotate.
    Sequential access + copy_memory() is ~25 ms/image cheaper than access="random"
    (which decodes into a temporary buffer and then copies again)."""
    opts = {"access": "sequential"}
    if shrink > 1:
        opts["shrink"] = shrink
    img = pyvips.Image.new_from_buffer(data, "", **opts).copy_memory()
    if img.get_typeof("orientation") and img.get("orientation") not in (0, 1):
        img = img.autorot().copy_memory()  # rotate once, not once per output size
    return img


def run_decode_once(data, sizes, kw, long_edge):
    full = decoded(data, 1)
    out = {}
    for s in sizes:
        img = full.thumbnail_image(s, height=s, size="down")
        out[s] = img.jpegsave_buffer(**kw)
    return out


def run_hybrid(data, sizes, kw, long_edge):
    groups = {}
    for s in sizes:
        groups.setdefault(jpeg_shrink(long_edge, s), []).append(s)
    out = {}
    for shrink in sorted(groups):
        src = decoded(data, shrink)
        for s in groups[shrink]:
            img = src.thumbnail_image(s, height=s, size="down")
            out[s] = img.jpegsave_buffer(**kw)
    return out


def run_cascade(data, sizes, kw, long_edge):
    # Like decode-once, but each smaller size is resized from the previous (larger) output
    # raster instead of from the full decode: less resize work, one extra resampling step.
    src = decoded(data, 1)
    out = {}
    for s in sorted(sizes, reverse=True):
        if s < max(src.width, src.height):
            src = src.thumbnail_image(s, height=s, size="down").copy_memory()
        out[s] = src.jpegsave_buffer(**kw)
    return out


def strip_jpeg(data):
    """Lossless metadata strip of a JPEG by cutting segments (no decode/re-encode): keeps
    JFIF (APP0) and Adobe (APP14), drops every other APPn and COM before the first scan,
    and anything after the last EOI. None if the marker structure is unexpected."""
    if data[:2] != b"\xff\xd8":
        return None
    out = bytearray(data[:2])
    i, n = 2, len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        seglen = (data[i + 2] << 8) | data[i + 3]
        end = i + 2 + seglen
        if end > n:
            return None
        if marker == 0xDA:  # SOS: the rest is scans (and tables between progressive scans)
            eoi = data.rfind(b"\xff\xd9")
            if eoi < i:
                return None
            out += data[i:eoi + 2]
            return bytes(out)
        if not ((0xE1 <= marker <= 0xEF and marker != 0xEE) or marker == 0xFE):
            out += data[i:end]
        i = end
    return None


def run_lossless_original(data, sizes, kw, long_edge):
    # What Pinhole's upright-JPEG fast path does: if the JPEG is upright, RGB/grey and within
    # the largest size, that size is the original with its metadata segments cut (no re-encode);
    # the other sizes come from ONE decode at the largest 1/2, 1/4, 1/8 DCT scale that still
    # covers the next size, each smaller size resized from the previous one (cascade).
    order = sorted(sizes, reverse=True)
    hdr = pyvips.Image.new_from_buffer(data, "")
    upright = not hdr.get_typeof("orientation") or hdr.get("orientation") in (0, 1)
    plain = hdr.bands in (1, 3) and hdr.interpretation in ("srgb", "b-w")
    out = {}
    stripped = strip_jpeg(data) if upright and plain and long_edge <= order[0] else None
    if stripped is None:
        return run_cascade(data, sizes, kw, long_edge)
    out[order[0]] = stripped
    rest = order[1:]
    if rest:
        target = min(rest[0], long_edge)
        shrink = next(s for s in (8, 4, 2, 1) if -(-long_edge // s) >= target)
        src = decoded(data, shrink)
        for s in rest:
            if s < max(src.width, src.height):
                src = src.thumbnail_image(s, height=s, size="down").copy_memory()
            out[s] = src.jpegsave_buffer(**kw)
    return out


RUNNERS = {"thumbnail": run_thumbnail, "decode-once": run_decode_once, "hybrid": run_hybrid,
           "cascade": run_cascade, "lossless-original": run_lossless_original}


def libvips_path():
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                if "libvips" in line and ".so" in line:
                    return line.split()[-1]
    except OSError:
        pass
    return None


def validate(outputs, sizes, in_w, in_h):
    """Check dimensions (long edge capped, never upscaled, aspect kept) and that no metadata survived."""
    long_edge = max(in_w, in_h)
    for s in sizes:
        img = pyvips.Image.new_from_buffer(outputs[s], "")
        want_long = min(s, long_edge)
        got_long = max(img.width, img.height)
        if got_long != want_long:
            raise SystemExit(f"size {s}: long edge {got_long}, expected {want_long}")
        if (img.width >= img.height) != (in_w >= in_h):
            raise SystemExit(f"size {s}: orientation changed ({img.width}x{img.height})")
        fields = set(img.get_fields())
        leaked = [f for f in fields if f in ("exif-data", "icc-profile-data", "xmp-data", "iptc-data")
                  or f.startswith("exif-ifd") or f.startswith("jpeg-thumbnail")]
        if leaked:
            raise SystemExit(f"size {s}: metadata not stripped: {sorted(leaked)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input")
    ap.add_argument("--sizes", default="4096,1080,320")
    ap.add_argument("--quality", type=int, default=85)
    ap.add_argument("--iterations", type=int, default=5)
    ap.add_argument("--approach", choices=APPROACHES, default="decode-once")
    ap.add_argument("--subsample", choices=("auto", "on", "off"), default="auto",
                    help="chroma subsampling: auto = libvips default (4:2:0 below Q90), "
                         "off = 4:4:4 (what the image crate's JpegEncoder writes), on = 4:2:0")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if not sizes or min(sizes) <= 0 or args.iterations <= 0:
        ap.error("sizes and iterations must be positive")

    pyvips.cache_set_max(0)
    pyvips.cache_set_max_mem(0)
    pyvips.cache_set_max_files(0)
    pyvips.concurrency_set(1)

    with open(args.input, "rb") as f:
        data = f.read()
    # Autorotated input dimensions (header only).
    hdr = pyvips.Image.new_from_buffer(data, "")
    in_w, in_h = hdr.width, hdr.height
    if hdr.get_typeof("orientation") and hdr.get("orientation") in (5, 6, 7, 8):
        in_w, in_h = in_h, in_w
    del hdr
    long_edge = max(in_w, in_h)

    run = RUNNERS[args.approach]
    kw = save_kwargs(args.quality, args.subsample)

    warm = run(data, sizes, kw, long_edge)  # warm-up, not timed
    validate(warm, sizes, in_w, in_h)
    expected = {s: len(b) for s, b in warm.items()}
    del warm

    nondeterministic = False
    out_bytes = {}
    wall0 = time.perf_counter()
    cpu0 = time.process_time()
    for _ in range(args.iterations):
        outs = run(data, sizes, kw, long_edge)
        out_bytes = {s: len(b) for s, b in outs.items()}
        nondeterministic |= out_bytes != expected
        del outs
    cpu = time.process_time() - cpu0
    wall = time.perf_counter() - wall0
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

    n = args.iterations
    result = {
        "library": "libvips",
        "version": f"{pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}",
        "approach": args.approach,
        "iterations": n,
        "images_per_core_second": round(n / cpu, 4) if cpu > 0 else None,
        "cpu_seconds_per_image": round(cpu / n, 6),
        "peak_rss_kib": peak_rss,
        "output_bytes": {str(s): out_bytes[s] for s in sizes},
        "output_bytes_total": sum(out_bytes.values()),
        # extras (informational)
        "wall_seconds_per_image": round(wall / n, 6),
        "cpu_seconds": round(cpu, 6),
        "wall_seconds": round(wall, 6),
        "threads": pyvips.concurrency_get(),
        "quality": args.quality,
        "subsample": args.subsample,
        "input_bytes": len(data),
        "input_width": in_w,
        "input_height": in_h,
        "pyvips": pyvips.__version__,
        "pyvips_api_mode": bool(pyvips.API_mode),
        "libvips_path": libvips_path(),
    }
    if nondeterministic:
        result["warning"] = "output sizes differed between iterations"
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
