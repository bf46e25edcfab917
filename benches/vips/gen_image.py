#!/usr/bin/env python3
"""Deterministic synthetic "photo" for the media benchmark (bit-exact spec).

usage: python gen_image.py OUT.jpg [--width 4000] [--height 3000] [--quality 92]

All arithmetic is integer so the Rust side can reproduce the same RGB pixels
bit-for-bit (see README.md / the spec below). Needs numpy (requirements-gen.txt).

Spec, for every pixel (x, y), channel c in {0=R, 1=G, 2=B}, W x H image:
  base:    R = 30 + (180*x) // (W-1)
           G = 30 + (180*y) // (H-1)
           B = 210 - (180*(x+y)) // (W+H-2)
  tri(t, P) = | (t mod_euclid P) - P/2 |                (P even)
  texture: T = ((tri(x + 2*y + 40*c, 192) - 48) * (tri(3*x - y + 24*c, 128) - 32)) >> 6
           (arithmetic shift == floor division by 64; T in [-24, 24])
  v = base + T
  shapes (drawn in list order, each replaces v with its flat colour inside):
    rect   (x0, y0, x1, y1) half-open: x0 <= x < x1 and y0 <= y < y1
    circle (cx, cy, r):                (x-cx)^2 + (y-cy)^2 < r^2
    coordinates are given for 4000x3000 and scaled as X*W//4000, Y*H//3000, R*W//4000
  noise:   i = (y*W + x)*3 + c   (as u32, wrapping)
           h = lowbias32(i):  h ^= h>>16; h *= 0x7feb352d; h ^= h>>15; h *= 0x846ca68b; h ^= h>>16
                              (u32 wrapping multiplies)
           n = (h & 0xffff) % 13 + (h >> 16) % 13 - 12   (triangular in [-12, 12], sigma ~5.3)
  pixel = clamp(v + n, 0, 255) as u8
Encoded as baseline JPEG, Q=92, 4:2:0 chroma subsampling, standard (non-optimised)
Huffman tables, no metadata (libvips jpegsave: Q=92, subsample_mode="on", keep=none).
"""
import argparse
import os
import sys

import numpy as np

SHAPES = [
    # kind, geometry (for 4000x3000), colour (R, G, B)
    ("rect", (300, 250, 1400, 1100), (200, 40, 40)),
    ("rect", (2600, 300, 3700, 900), (20, 120, 200)),
    ("rect", (1800, 1900, 3300, 2800), (230, 200, 60)),
    ("rect", (150, 2200, 900, 2900), (60, 60, 60)),
    ("circle", (2000, 1200, 520), (250, 250, 240)),
    ("circle", (900, 1800, 300), (30, 160, 70)),
    ("circle", (3400, 1600, 380), (120, 40, 150)),
    ("circle", (2400, 2500, 200), (10, 10, 20)),
    ("circle", (600, 600, 180), (240, 140, 20)),
]


def lowbias32(h):
    h = h.astype(np.uint32)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x7FEB352D)
    h ^= h >> np.uint32(15)
    h *= np.uint32(0x846CA68B)
    h ^= h >> np.uint32(16)
    return h


def tri(t, period):
    return np.abs(np.mod(t, period) - period // 2)


def make_pixels(w, h):
    y = np.arange(h, dtype=np.int64)[:, None]
    x = np.arange(w, dtype=np.int64)[None, :]
    base = [
        30 + (180 * x) // (w - 1) + 0 * y,
        30 + (180 * y) // (h - 1) + 0 * x,
        210 - (180 * (x + y)) // (w + h - 2),
    ]
    planes = []
    for c in range(3):
        t = ((tri(x + 2 * y + 40 * c, 192) - 48) * (tri(3 * x - y + 24 * c, 128) - 32)) >> 6
        planes.append(base[c] + t)
    v = np.stack(planes, axis=-1)  # H x W x 3, int64

    for kind, geom, colour in SHAPES:
        if kind == "rect":
            x0, y0, x1, y1 = geom
            x0, x1 = x0 * w // 4000, x1 * w // 4000
            y0, y1 = y0 * h // 3000, y1 * h // 3000
            v[y0:y1, x0:x1, :] = colour
        else:
            cx, cy, r = geom
            cx, cy, r = cx * w // 4000, cy * h // 3000, r * w // 4000
            mask = (x - cx) ** 2 + (y - cy) ** 2 < r * r
            v[mask] = colour

    idx = ((y * w + x)[:, :, None] * 3 + np.arange(3)[None, None, :]) & 0xFFFFFFFF
    hh = lowbias32(idx)
    n = (hh & np.uint32(0xFFFF)) % np.uint32(13) + (hh >> np.uint32(16)) % np.uint32(13)
    v = v + n.astype(np.int64) - 12
    return np.clip(v, 0, 255).astype(np.uint8)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--width", type=int, default=4000)
    ap.add_argument("--height", type=int, default=3000)
    ap.add_argument("--quality", type=int, default=92)
    args = ap.parse_args()

    import pyvips

    px = make_pixels(args.width, args.height)
    img = pyvips.Image.new_from_memory(px.tobytes(), args.width, args.height, 3, "uchar")
    img = img.copy(interpretation="srgb")
    data = img.jpegsave_buffer(Q=args.quality, subsample_mode="on", keep=0)
    with open(args.out, "wb") as f:
        f.write(data)
    # Checksum of the raw RGB pixels so the Rust generator can be checked bit-exactly.
    import hashlib
    print(f"{args.out}: {args.width}x{args.height} {len(data)} bytes, "
          f"rgb sha256={hashlib.sha256(px.tobytes()).hexdigest()}", file=sys.stderr)


if __name__ == "__main__":
    main()
