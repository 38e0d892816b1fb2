"""JPEG fixtures for tests/test_io.cpp: small JPEGs written by PIL (Pillow, Debian's python3-pil)
and PIL's own decode of each as the reference (float32 [H,W,C], 0..255), plus corrupt variants.
Called by make_fixtures.py; `python3 jpeg_fixtures.py OUT` writes only these."""
import os
import struct
import sys

import numpy as np


def _image(h, w, channels, seed):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    rng = np.random.default_rng(seed)
    planes = []
    for c in range(channels):
        smooth = 127 + 90 * np.sin(xx / (4.0 + c) + yy / 7.0 + c)
        planes.append(smooth + rng.normal(0, 12, (h, w)))
    return np.clip(np.stack(planes, -1), 0, 255).astype(np.uint8)


def write_jpeg_fixtures(out):
    from PIL import Image

    def save(name, arr, mode, **kw):
        path = os.path.join(out, name)
        img = Image.fromarray(arr[..., 0] if mode == "L" else arr, mode)
        img.save(path, "JPEG", **kw)
        with Image.open(path) as back:
            ref = np.asarray(back.convert(mode), np.float32)
        np.save(os.path.join(out, name.replace(".jpg", "_pil.npy")), ref.reshape(ref.shape[0], ref.shape[1], -1))
        return path

    rgb = save("photo_rgb.jpg", _image(40, 48, 3, 1), "RGB", quality=90)
    save("photo_gray.jpg", _image(27, 33, 1, 2), "L", quality=85)
    save("photo_progressive.jpg", _image(37, 29, 3, 3), "RGB", quality=75, progressive=True)
    Image.fromarray(_image(16, 16, 4, 4), "CMYK").save(os.path.join(out, "photo_cmyk.jpg"), "JPEG")
    data = open(rgb, "rb").read()
    # Cut inside the entropy-coded data: libjpeg warns "Premature end of JPEG file" and would
    # fill the rest with gray; we refuse it.
    open(os.path.join(out, "photo_truncated.jpg"), "wb").write(data[: len(data) * 2 // 3])
    # The first Huffman table's 16 code counts made to sum past 256 (libjpeg: bogus table).
    at = data.index(b"\xff\xc4")
    bad = bytearray(data)
    bad[at + 5: at + 21] = bytes([40] * 16)
    open(os.path.join(out, "photo_bad_huffman.jpg"), "wb").write(bytes(bad))
    # A SOF that declares 30000x30000 pixels in front of a 40x48 image's data.
    sof = data.index(b"\xff\xc0")
    big = bytearray(data)
    big[sof + 5: sof + 9] = struct.pack(">HH", 30000, 30000)
    open(os.path.join(out, "photo_huge_header.jpg"), "wb").write(bytes(big))


if __name__ == "__main__":
    os.makedirs(sys.argv[1], exist_ok=True)
    write_jpeg_fixtures(sys.argv[1])
