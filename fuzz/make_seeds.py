#!/usr/bin/python3
"""Seed corpora for the fuzzers: every hostile case of tests/corpus/make_hostile.py (at --scale
100, so the shapes stay and the files are small), plus small well-formed files of each format.

usage: make_seeds.py OUT_DIR      (writes OUT_DIR/{pth,torchscript,npy,safetensors,image,folder,idx,model_card}/)
"""
import gzip
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import zlib

import numpy as np
import torch

OUT = sys.argv[1]
HERE = os.path.dirname(os.path.abspath(__file__))
READER_DIR = {"torch_pickle": "pth", "torchscript": "torchscript", "npy": "npy", "safetensors": "safetensors", "image_io": "image",
              "datasets_idx": "idx"}
for d in set(READER_DIR.values()):
    os.makedirs(os.path.join(OUT, d), exist_ok=True)


def put(kind, name, data):
    with open(os.path.join(OUT, kind, name), "wb") as fh:
        fh.write(data)


# The hostile corpus, each file under its reader.
hostile = os.path.join(OUT, "hostile")
subprocess.run([sys.executable, os.path.join(HERE, "..", "tests", "corpus", "make_hostile.py"), hostile,
                "--scale", "100"], check=True, stdout=subprocess.DEVNULL)
with open(os.path.join(hostile, "manifest.json")) as fh:
    for case in json.load(fh):
        src = os.path.join(hostile, case["file"])
        if case["reader"] in READER_DIR and os.path.isfile(src):
            shutil.copy(src, os.path.join(OUT, READER_DIR[case["reader"]], "hostile_" + case["file"]))
shutil.copy(os.path.join(hostile, "valid_small.png"), os.path.join(OUT, "image", "valid_small.png"))
shutil.copy(os.path.join(hostile, "valid_small.npy"), os.path.join(OUT, "npy", "valid_small.npy"))
shutil.rmtree(hostile)

# .pt: a scripted module with a buffer, a constant, a loop and a submodule (the records a real
# torch.jit.save writes: data.pkl, constants.pkl and constants/, code/ and its debug pickles).
class SeedNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 2, 3)
        self.norm = torch.nn.BatchNorm2d(2)

    def forward(self, x):
        h = self.norm(self.conv(x))
        for _ in range(2):
            h = torch.nn.functional.leaky_relu(h, 0.2)
        return (h * torch.tensor([0.5, 2.0]).view(1, 2, 1, 1)).sum([1, 2, 3])


buf = io.BytesIO()
torch.jit.save(torch.jit.script(SeedNet().eval()), buf)
put("torchscript", "valid_seednet.pt", buf.getvalue())

# .pth: torch.save of small state_dicts (plain, nested, a Parameter, a view, other dtypes).
torch.manual_seed(0)
for name, obj in {
    "flat": {"f.0.weight": torch.randn(2, 1, 3, 3), "f.0.bias": torch.zeros(2)},
    "nested": {"model": {"w": torch.arange(6.0).view(2, 3)}, "step": 3},
    "parameter": {"p": torch.nn.Parameter(torch.ones(3))},
    "view": {"v": torch.arange(12.0).view(3, 4).t(), "s": torch.arange(10.0)[2:5]},
    "dtypes": {"h": torch.ones(2, dtype=torch.float16), "l": torch.arange(3), "b": torch.tensor([True, False]),
               "d": torch.ones(1, dtype=torch.float64)},
    "module": torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.LeakyReLU(0.2)).state_dict(),
}.items():
    buf = io.BytesIO()
    torch.save(obj, buf)
    put("pth", "valid_" + name + ".pth", buf.getvalue())

# .npy: what NumPy writes.
for name, arr in {"f4_chw": np.zeros((1, 4, 4), np.float32), "f4_nchw": np.ones((2, 1, 3, 3), np.float32),
                  "f8": np.arange(8, dtype=np.float64).reshape(1, 2, 2, 2)}.items():
    buf = io.BytesIO()
    np.save(buf, arr)
    put("npy", "valid_" + name + ".npy", buf.getvalue())
buf = io.BytesIO()
np.lib.format.write_array(buf, np.ones((1, 1, 2, 2), np.float32), version=(2, 0))
put("npy", "valid_v2.npy", buf.getvalue())


# .safetensors: a checkpoint-like file with metadata and several dtypes.
def safetensors(tensors, metadata=None):
    header, data = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


put("safetensors", "valid_checkpoint.safetensors",
    safetensors({"f.0.weight": ("F32", [2, 1, 2, 2], np.ones(8, np.float32).tobytes()),
                 "f.0.bias": ("F32", [2], np.zeros(2, np.float32).tobytes()),
                 "train/adam/step": ("I64", [], struct.pack("<q", 5))},
                {"format": "shortrun-checkpoint", "shortrun": json.dumps({"arch": {"kind": "convnet"}})}))
put("safetensors", "valid_dtypes.safetensors",
    safetensors({"a": ("F16", [2], b"\0<\0<"), "b": ("BF16", [1], b"\x80?"), "c": ("U8", [3], b"\1\2\3"),
                 "d": ("I32", [1, 1], b"\7\0\0\0"), "e": ("F64", [0], b""), "f": ("F32", [0, 3], b"")}))


# Images: PNG of each colour type and depth, an interlaced one, JPEG baseline and progressive.
def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(w, h, colour, depth, rows, interlace=0, extra=b""):
    ihdr = struct.pack(">IIBBBBB", w, h, depth, colour, 0, 0, interlace)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + extra + png_chunk(b"IDAT", zlib.compress(rows)) +
            png_chunk(b"IEND", b""))


put("image", "valid_gray8.png", png(4, 3, 0, 8, b"".join(b"\0" + bytes(range(r, r + 4)) for r in range(3))))
put("image", "valid_rgb8.png", png(3, 2, 2, 8, b"".join(b"\1" + bytes(9) for _ in range(2))))
put("image", "valid_rgba8.png", png(2, 2, 6, 8, b"".join(b"\2" + bytes(range(8)) for _ in range(2))))
put("image", "valid_gray16.png", png(2, 2, 0, 16, b"".join(b"\0" + bytes(4) for _ in range(2))))
put("image", "valid_palette.png", png(2, 2, 3, 8, b"\0\0\1\0\1\0", extra=png_chunk(b"PLTE", bytes(range(6)))))
put("image", "valid_gray1.png", png(8, 1, 0, 1, b"\0\xaa"))
try:
    from PIL import Image
    img = Image.fromarray(np.arange(8 * 8 * 3, dtype=np.uint8).reshape(8, 8, 3))
    for name, opts in {"baseline": {}, "progressive": {"progressive": True}, "gray": None}.items():
        buf = io.BytesIO()
        (img.convert("L").save(buf, "JPEG") if opts is None else img.save(buf, "JPEG", quality=80, **opts))
        put("image", "valid_" + name + ".jpg", buf.getvalue())
except ImportError:
    print("make_seeds: no PIL (python3-pil): JPEG seeds left out", file=sys.stderr)

# IDX: plain and gzip.
idx = struct.pack(">IIII", 0x803, 2, 4, 4) + bytes(range(32))
put("idx", "valid_plain.idx", idx)
put("idx", "valid.idx.gz", gzip.compress(idx))
put("idx", "valid_28.idx.gz", gzip.compress(struct.pack(">IIII", 0x803, 1, 28, 28) + bytes(784)))

print("make_seeds: " + ", ".join(f"{d} {len(os.listdir(os.path.join(OUT, d)))}" for d in sorted(set(READER_DIR.values()))))

# Folders (fuzz_folder.cpp: byte 0 picks 1-4 files, the rest is cut in equal parts): each image
# seed alone, and twice over (two equal files).
os.makedirs(os.path.join(OUT, "folder"), exist_ok=True)
for name in sorted(os.listdir(os.path.join(OUT, "image"))):
    with open(os.path.join(OUT, "image", name), "rb") as fh:
        img = fh.read()
    put("folder", "one_" + name, b"\x00" + img)
    put("folder", "two_" + name, b"\x01" + img + img)
print("make_seeds: folder", len(os.listdir(os.path.join(OUT, "folder"))))

# Model cards (fuzz_model_card.cpp): the bundled model's card as its checkpoint carries it, and
# small variants touching every field (a TorchScript card, MALA, integral floats, big numbers).
os.makedirs(os.path.join(OUT, "model_card"), exist_ok=True)
with open(os.path.join(HERE, "..", "assets", "fmnist.safetensors"), "rb") as fh:
    (n,) = struct.unpack("<Q", fh.read(8))
    put("model_card", "bundled.json", json.loads(fh.read(n))["__metadata__"]["shortrun"].encode())
data = {"channels": 1, "height": 32, "width": 32, "value_range": [-1.0, 1.0]}
for name, card in {
    "minimal": {"format_version": 1, "data": {"channels": 3, "height": 28, "width": 20}},
    "torchscript": {"format_version": 1, "source": "torchscript", "data": data,
                    "sampler": {"steps": 60, "step_size": 1.0, "noise_std": 0.005}, "provenance": {"by": "export.py"}},
    "native": {"format_version": 1, "arch": {"kind": "resnet", "channels": 1, "image_size": 32, "nf": 16,
                                              "activation": "silu", "leak": 0.1},
               "data": data, "sampler": {"mala": True, "temperature": 0.5, "seed": 18446744073709551615}},
    "floats": {"format_version": 1.0, "data": {"channels": 1.0, "height": 32.0, "width": 3.2e1}},
    "big": {"format_version": 1, "data": {"channels": 1e300, "height": -9223372036854775808, "width": 1}},
}.items():
    put("model_card", name + ".json", json.dumps(card).encode())
print("make_seeds: model_card", len(os.listdir(os.path.join(OUT, "model_card"))))
