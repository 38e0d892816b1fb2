#!/usr/bin/python3
"""Makes the example inputs of `shortrun score` (the OOD probe) in assets/ood/, 32x32 grayscale
PNGs like the bundled Fashion-MNIST model's data (28x28 padded with black):
  noise.png          uniform noise
  constant.png       one mid-gray value everywhere
  flipped_fmnist.png the first Fashion-MNIST test image, upside down (needs Debian's dataset-fashion-mnist)
  digit_seven.png    a handwritten-style 7 drawn with anti-aliased strokes: Debian ships no MNIST
usage: make_ood_assets.py [OUT_DIR]   (default: assets/ood next to this script's folder)"""
import gzip
import os
import struct
import sys
import zlib

import numpy as np

FMNIST = os.environ.get("SHORTRUN_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")


def write_png_gray(path, img):
    """8-bit grayscale PNG without any imaging library."""
    h, w = img.shape
    raw = b"".join(b"\x00" + img[y].astype(np.uint8).tobytes() for y in range(h))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
    data += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as fh:
        fh.write(data)


def pad28(img):
    out = np.zeros((32, 32), np.uint8)
    out[2:30, 2:30] = img
    return out


def first_fmnist_test_image():
    path = os.path.join(FMNIST, "t10k-images-idx3-ubyte.gz")
    with gzip.open(path, "rb") as fh:
        magic, n, rows, cols = struct.unpack(">IIII", fh.read(16))
        if magic != 0x803 or rows != 28 or cols != 28:
            raise SystemExit(f"{path}: not a 28x28 IDX image file")
        return np.frombuffer(fh.read(rows * cols), np.uint8).reshape(rows, cols)


def draw_strokes(points, size=28, width=2.2):
    """White polyline on black: each pixel's intensity falls off with its distance to the strokes."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) + 0.5
    dist = np.full((size, size), np.inf)
    for (x0, y0), (x1, y1) in zip(points[:-1], points[1:]):
        dx, dy = x1 - x0, y1 - y0
        t = np.clip(((xx - x0) * dx + (yy - y0) * dy) / (dx * dx + dy * dy), 0, 1)
        dist = np.minimum(dist, np.hypot(xx - (x0 + t * dx), yy - (y0 + t * dy)))
    return np.round(255 * np.clip(width - dist, 0, 1)).astype(np.uint8)


def main(out):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(2019)
    write_png_gray(os.path.join(out, "noise.png"), rng.integers(0, 256, (32, 32)).astype(np.uint8))
    write_png_gray(os.path.join(out, "constant.png"), np.full((32, 32), 128, np.uint8))
    write_png_gray(os.path.join(out, "digit_seven.png"), pad28(draw_strokes([(7, 6), (21, 6), (17, 14), (12, 23)])))
    if os.path.exists(os.path.join(FMNIST, "t10k-images-idx3-ubyte.gz")):
        write_png_gray(os.path.join(out, "flipped_fmnist.png"), pad28(first_fmnist_test_image()[::-1]))
    else:
        print(f"note: {FMNIST} not found (apt-get install dataset-fashion-mnist); flipped_fmnist.png not made")
    print(f"wrote the OOD examples to {out}")


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "assets", "ood"))
