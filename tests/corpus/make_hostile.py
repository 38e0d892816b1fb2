#!/usr/bin/python3
"""Regression corpus of hostile input files for the readers (pickle/zip, NPY, safetensors,
IDX/gzip, PNG/JPEG): each one crashed, hung, leaked heap memory or took gigabytes once (issues
11 and 16). Files are small; some inflate to gigabytes if a reader trusts them. Also writes a
well-formed state_dict whose tensors are strided views of one storage with a known pattern,
for the byte-provenance test.

usage: make_hostile.py OUT_DIR [--scale N]   (writes OUT_DIR/manifest.json and the files it lists)

--scale N divides every repetition count and bomb size by N (keeping each past 64 bits or past
the limit it tests at 1/N of its default): the same shapes in files small enough to seed the
fuzzers (scripts/fuzz.sh uses N = 100 against limits lowered as much, fuzz/fuzz_input.h).
"""
import json
import os
import struct
import sys
import zipfile
import zlib

import numpy as np
import torch

OUT = sys.argv[1]
SCALE = int(sys.argv[sys.argv.index("--scale") + 1]) if "--scale" in sys.argv else 1


def sc(n, least=1):
    """A count or size of the full corpus, at 1/SCALE (never below `least`)."""
    return max(least, n // SCALE)

os.makedirs(OUT, exist_ok=True)
cases = []  # {file, reader, what, commands: [[args with {file}, {work}]]}

MODEL_CMDS = [["info", "--model", "{file}"],
              ["sample", "-q", "--model", "{file}", "--n", "1", "--steps", "1", "--out", "", "--threads", "1"]]
CONVERT_CMD = [["convert", "--from", "{file}", "--out", "{work}/out.safetensors"]]
IMAGE_CMDS = [["sample", "-q", "--init", "{file}", "--n", "1", "--steps", "1", "--out", "", "--threads", "1"],
              ["reconstruct", "--image", "{file}", "--iters", "1", "--out", "{work}/r.png", "--threads", "1"]]
IDX_CMDS = [["eval-recon", "--data", "idx:{file}", "--n", "2", "--threads", "1"]]


def add(name, data, reader, what, commands):
    path = os.path.join(OUT, name)
    with open(path, "wb") as fh:
        fh.write(data)
    cases.append({"file": name, "reader": reader, "what": what, "commands": commands})


# ---------------------------------------------------------------- zip writer (lies allowed)

def zip_archive(members, top="archive"):
    """members: list of (name, data, opts); opts may set method (0/8), declared size, crc,
    a ready raw-deflate stream ('raw'). Names get the top folder like torch.save."""
    out, central = bytearray(), bytearray()
    for name, data, opts in members:
        full = (top + "/" + name).encode()
        method = opts.get("method", 0)
        raw = opts.get("raw")
        if raw is None:
            raw = data if method == 0 else zlib.compress(data, 9)[2:-4]
        size = opts.get("size", len(data) if data is not None else 0)
        crc = opts.get("crc", zlib.crc32(data) if data is not None else 0)
        local = struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, method, 0, 0, crc, len(raw), size, len(full), 0)
        offset = len(out)
        out += local + full + raw
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, 0, method, 0, 0, crc, len(raw), size,
                               len(full), 0, 0, 0, 0, 0, offset)
        central += full
    eocd = struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, len(members), len(members), len(central), len(out), 0)
    return bytes(out + central + eocd)


def repeat_deflate(megabytes, byte=b"\0", prefix=b""):
    """A raw deflate stream of prefix + `megabytes` MiB of one byte, built by repeating one
    self-contained (full-flushed) block: about 1 KB per MiB, made in milliseconds."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH) if prefix else b""
    block = c.compress(byte * (1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    return head + block * megabytes + c.flush(zlib.Z_FINISH)


def zeros_deflate(megabytes):
    return repeat_deflate(megabytes)


# ---------------------------------------------------------------- pickle opcodes

PROTO = b"\x80\x02"
STOP = b"."


def pint(v):
    """Any 64-bit integer as LONG1."""
    if 0 <= v < 256:
        return b"K" + bytes([v])
    n = (v.bit_length() + 8) // 8
    return b"\x8a" + bytes([n]) + v.to_bytes(n, "little", signed=True)


def pstr(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def ptuple(items):
    return b"(" + b"".join(items) + b"t"


def glob(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def tensor_op(key, numel, offset, size, stride, storage="FloatStorage"):
    pid = ptuple([pstr("storage"), glob("torch", storage), pstr(key), pstr("cpu"), pint(numel)]) + b"Q"
    args = ptuple([pid, pint(offset), ptuple([pint(s) for s in size]), ptuple([pint(s) for s in stride]),
                   b"\x89", glob("collections", "OrderedDict") + b")R"])
    return glob("torch._utils", "_rebuild_tensor_v2") + args + b"R"


def state_dict(entries):
    """entries: [(name, pickled value bytes)] -> a data.pkl of an OrderedDict."""
    body = b"".join(pstr(k) + v for k, v in entries)
    return PROTO + glob("collections", "OrderedDict") + b")R(" + body + b"u" + STOP


def pth(pickle, storages=(), **zip_opts):
    members = [("data.pkl", pickle, zip_opts.get("pkl_opts", {}))]
    members += [("data/" + k, v, o) for k, v, o in storages]
    members.append(("version", b"3\n", {}))
    return zip_archive(members)


def floats(n):
    return np.arange(n, dtype=np.float32).tobytes()


NET = [("f.0.weight", [8, 1, 3, 3]), ("f.0.bias", [8]), ("f.2.weight", [16, 8, 4, 4]), ("f.2.bias", [16]),
       ("f.4.weight", [32, 16, 4, 4]), ("f.4.bias", [32]), ("f.6.weight", [64, 32, 4, 4]), ("f.6.bias", [64]),
       ("f.8.weight", [1, 64, 4, 4]), ("f.8.bias", [1])]


def contiguous_strides(size):
    st, acc = [], 1
    for s in reversed(size):
        st.append(acc)
        acc *= s
    return list(reversed(st))


def net_pth(bad_name=None, bad=None):
    """The paper's ConvNet (n_f=8) as a state_dict; one tensor may get a bad (offset, size, stride)."""
    entries, storages = [], []
    for i, (name, size) in enumerate(NET):
        numel = int(np.prod(size))
        off, sz, st = 0, size, contiguous_strides(size)
        if name == bad_name:
            off, sz, st = bad
        entries.append((name, tensor_op(str(i), numel, off, sz, st)))
        storages.append((str(i), floats(numel), {}))
    return pth(state_dict(entries), storages)


def one_tensor(offset, size, stride, numel=16):
    """A one-tensor state_dict over a 16-float storage (whatever numel the pickle claims)."""
    return pth(state_dict([("w", tensor_op("0", numel, offset, size, stride))]), [("0", floats(16), {})])


P = "torch_pickle"
# Issue 16 item 2: offset + sum (size-1)*stride overflowed int64.
add("offset_overflow_crash.pth", one_tensor(2**63 - 2**40, [2], [2**40]), P,
    "storage offset 2^63-2^40, size [2], stride [2^40]: the extent wraps past int64", MODEL_CMDS + CONVERT_CMD)
# Chosen so the wrapped extent is 4 (inside the storage) while offset*4 bytes wraps to -8188:
# the old check passed and convert copied 8 KB of heap into f.0.weight.
X = (2**63 + 2043) // 7
add("offset_overflow_heap_leak.pth", net_pth("f.0.weight", (2**63 - 2047, [8, 1, 3, 3], [X, 9, 3, 1])), P,
    "f.0.weight with offset 2^63-2047 and a stride whose extent wraps to 4", MODEL_CMDS + CONVERT_CMD)
# The same wrap with an in-range offset: 0 + 7 X' + 8 = 2^64 + 13 wraps to 13 (< 72).
X2 = (2**64 + 5) // 7
add("extent_wraps_into_storage.pth", net_pth("f.0.weight", (0, [8, 1, 3, 3], [X2, 9, 3, 1])), P,
    "f.0.weight with offset 0 and a stride whose extent wraps to 13", MODEL_CMDS + CONVERT_CMD)
add("extent_overflow.pth", one_tensor(8, [3, 2], [2**62, 1]), P, "offset 8, size [3,2], stride [2^62,1]",
    MODEL_CMDS)
add("offset_near_2_62.pth", one_tensor(2**62, [4], [1]), P, "storage offset 2^62", MODEL_CMDS)
add("offset_negative.pth", one_tensor(-4, [4], [1]), P, "negative storage offset", MODEL_CMDS)
add("stride_negative.pth", one_tensor(15, [4], [-1]), P, "negative stride", MODEL_CMDS)
add("size_negative.pth", one_tensor(0, [-4], [1]), P, "negative size", MODEL_CMDS)
add("size_product_overflow.pth", one_tensor(0, [2**32, 2**32], [0, 0]), P,
    "size [2^32, 2^32] with zero strides: element count overflows int64", MODEL_CMDS)
add("stride_zero_expand_bomb.pth", one_tensor(0, [2**20, 2**20], [0, 0]), P,
    "a 4 TB zero-stride view of a 16-element storage", MODEL_CMDS)
add("storage_numel_overflow.pth", one_tensor(0, [1], [1], numel=2**62), P,
    "storage numel 2^62 (x 4 bytes overflows)", MODEL_CMDS)
add("storage_size_mismatch.pth", pth(state_dict([("w", tensor_op("0", 1000, 0, [4], [1]))]), [("0", floats(4), {})]),
    P, "storage record shorter than its numel", MODEL_CMDS)
add("size_huge_rank_overflow.pth", one_tensor(0, [0] + [2**40] * 4, [1] * 5), P,
    "an empty tensor whose other sizes multiply past int64", MODEL_CMDS)

# Issue 11 item 1: huge integers and deep nesting.
big = torch.zeros(2)
torch.save({10**sc(100000, 100): big, "f.0.weight": big}, os.path.join(OUT, "bigint_key.pth"))
cases.append({"file": "bigint_key.pth", "reader": P, "what": "dict key: a 10^5-digit integer (torch.save, LONG4)",
              "commands": MODEL_CMDS})
add("long4_huge_length.pth", pth(PROTO + b"}" + pstr("w") + b"\x8b" + struct.pack("<I", 0x7fffffff) + b"s" + STOP), P,
    "LONG4 claiming 2 GB of digits", MODEL_CMDS)
add("nested_tuples.pth", pth(PROTO + b"}" + pstr("a") + b")" + b"\x85" * sc(10**6) + b"s" + STOP), P,
    "10^6 nested tuples", MODEL_CMDS)
add("nested_lists.pth", pth(PROTO + b"}" + pstr("a") + b"]" * sc(10**6) + b"a" * (sc(10**6) - 1) + b"s" + STOP), P,
    "10^6 nested lists", MODEL_CMDS)
n = sc(10**5)
add("nested_dicts.pth", pth(PROTO + b"}" + (pstr("a") + b"}") * n + pstr("w") + tensor_op("0", 4, 0, [4], [1]) +
                            b"s" * (n + 1) + STOP, [("0", floats(4), {})]), P,
    "10^5 nested dicts with a tensor at the bottom (a 200,000-character key)", MODEL_CMDS)
add("dict_cycle.pth", pth(PROTO + b"}\x94" + pstr("self") + b"h\x00s" + STOP), P, "a dict that contains itself",
    MODEL_CMDS)
add("list_cycle.pth", pth(PROTO + b"}" + pstr("l") + b"]\x94h\x00as" + STOP), P, "a list that contains itself",
    MODEL_CMDS)
# d_{i+1} = {a: d_i, b: d_i}: 2^64 paths to walk if shared dicts are followed blindly.
dag = PROTO + b"}" + pstr("w") + tensor_op("0", 4, 0, [4], [1]) + b"s" + b"r" + struct.pack("<I", 1000)
for i in range(64):
    dag += b"}(" + pstr("a") + b"j" + struct.pack("<I", 1000 + i) + pstr("b") + b"j" + struct.pack("<I", 1000 + i)
    dag += b"u" + b"r" + struct.pack("<I", 1001 + i)
add("shared_dict_dag.pth", pth(dag + STOP, [("0", floats(4), {})]), P, "64 levels of dicts sharing their child",
    MODEL_CMDS)
key_nl = state_dict([("f.0.weight\nerror: forged line", tensor_op("0", 4, 0, [4], [1]))])
add("key_with_newline.pth", pth(key_nl, [("0", floats(4), {})]), P, "a key holding a newline (must stay one line)",
    MODEL_CMDS)

# Issue 11 item 2: resource bombs.
# data.pkl: PROTO, EMPTY_LIST, 200 M DUPs (never reaching a STOP), deflated to 200 KB.
dup_mib = sc(200, 2)
dup_raw = repeat_deflate(dup_mib, b"2", PROTO + b"]")
dup_crc, mib = zlib.crc32(PROTO + b"]"), b"2" * (1 << 20)
for _ in range(dup_mib):
    dup_crc = zlib.crc32(mib, dup_crc)
add("dup_bomb.pth", pth(None, pkl_opts={"method": 8, "raw": dup_raw, "size": 3 + (dup_mib << 20), "crc": dup_crc}), P,
    "200 M DUP opcodes (deflated data.pkl)", MODEL_CMDS)
memo = PROTO + b"]" + b"".join(b"r" + struct.pack("<I", i) for i in range(sc(2 * 10**6))) + STOP
add("memo_bomb.pth", pth(memo), P, "2 x 10^6 distinct memo entries", MODEL_CMDS)
sd4k = state_dict([("w", tensor_op("0", 1024, 0, [1024], [1]))])
add("zip_storage_bomb.pth", pth(sd4k, [("0", None, {"method": 8, "raw": zeros_deflate(sc(6 << 10, 8)), "size": 4096,
                                                    "crc": 0})]), P,
    "storage declared as 4 KB that inflates to 6 GB", MODEL_CMDS)
huge_numel = sc(750 << 20)
sd3g = state_dict([("w", tensor_op("0", huge_numel, 0, [huge_numel], [1]))])
add("zip_declared_huge.pth", pth(sd3g, [("0", None, {"method": 8, "raw": zeros_deflate(1), "size": 4 * huge_numel,
                                                     "crc": 0})]), P,
    "storage declared as 3 GB (deflated, 1 KB in the file)", MODEL_CMDS)
add("zip_crc_mismatch.pth", pth(sd4k, [("0", floats(1024), {"crc": 12345})]), P, "CRC-32 mismatch", MODEL_CMDS)
add("zip_truncated.pth", net_pth()[:3000], P, "a valid archive cut short", MODEL_CMDS)

# ---------------------------------------------------------------- NPY

N = "npy"


def npy(header, data=b"", version=1):
    h = header.encode("latin1")
    if version == 1:
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h + data
    return b"\x93NUMPY\x02\x00" + struct.pack("<I", len(h)) + h + data


add("descr_20000.npy", npy("{'descr': '<f4" + "x" * 20000 + "', 'fortran_order': False, 'shape': (1, 1, 2, 2), }\n"),
    N, "a 20,000-character descr", IMAGE_CMDS)
add("shape_20000.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (" + "1, " * 7000 + "), }\n"), N,
    "a 21,000-character shape", IMAGE_CMDS)
add("header_len_4g.npy", npy("{}", version=2)[:8] + struct.pack("<I", 0xffffffff) + b"{", N,
    "v2 header length 4 GB", IMAGE_CMDS)
add("shape_overflow.npy", npy(f"{{'descr': '<f4', 'fortran_order': False, 'shape': ({2**40}, {2**40}), }}\n"), N,
    "shape product past int64", IMAGE_CMDS)
add("shape_entry_overflow.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }\n"),
    N, "a shape entry past int64", IMAGE_CMDS)
add("shape_negative.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, -1, 2, 2), }\n"), N,
    "negative shape", IMAGE_CMDS)
add("data_short.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 64, 64), }\n", b"\0" * 100), N,
    "data shorter than the shape", IMAGE_CMDS)
add("unterminated.npy", npy("{'descr': '<f4, 'fortran_order"), N, "unterminated string", IMAGE_CMDS)

# ---------------------------------------------------------------- safetensors

S = "safetensors"


def st(header_bytes, data=b""):
    return struct.pack("<Q", len(header_bytes)) + header_bytes + data


add("nested_json.safetensors", st(b"[" * sc(10**6, 100) + b"]" * sc(10**6, 100)), S, "header JSON nested 10^6 deep", MODEL_CMDS[:1])
add("header_len_huge.safetensors", struct.pack("<Q", 2**64 - 1) + b"{}", S, "header length 2^64-1", MODEL_CMDS[:1])
add("shape_zero_overflow.safetensors",
    st(json.dumps({"w": {"dtype": "F32", "shape": [0, 2**40, 2**40, 2**40], "data_offsets": [0, 0]}}).encode()), S,
    "an empty tensor whose other sizes multiply past int64", MODEL_CMDS[:1])
add("offsets_past_end.safetensors",
    st(json.dumps({"w": {"dtype": "F32", "shape": [4], "data_offsets": [2**63, 2**63 + 16]}}).encode()), S,
    "data_offsets past the end", MODEL_CMDS[:1])

# Issue 22: a card claiming n_f = 1024 over the bundled n_f = 16 weights built the 1024-wide net
# (7 GB) before the mismatch showed; tensors sharing bytes were accepted.
_bundled = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "assets", "fmnist.safetensors")
with open(_bundled, "rb") as _fh:
    _raw = _fh.read()
(_n,) = struct.unpack("<Q", _raw[:8])
_hdr = json.loads(_raw[8:8 + _n])
_card = json.loads(_hdr["__metadata__"]["shortrun"])
_card["arch"]["nf"] = 1024
_hdr["__metadata__"]["shortrun"] = json.dumps(_card)
add("card_claims_nf_1024.safetensors", st(json.dumps(_hdr).encode(), _raw[8 + _n:]), S,
    "the bundled weights under a model card claiming n_f = 1024", MODEL_CMDS)
# Issue 22: model-card numbers no field can hold were cast (undefined behaviour: 1e300 to int64).
for _name, _edit, _what in [
        ("card_channels_1e300.safetensors", lambda c: c["data"].update(channels=1e300), "data.channels 1e300"),
        ("card_seed_negative_fraction.safetensors", lambda c: c["sampler"].update(seed=-1.5), "sampler.seed -1.5"),
        ("card_steps_string.safetensors", lambda c: c["sampler"].update(steps="100"), "sampler.steps a string"),
        ("card_value_range_inverted.safetensors", lambda c: c["data"].update(value_range=[1, -1]), "value range [1, -1]")]:
    _hdr = json.loads(_raw[8:8 + _n])
    _card = json.loads(_hdr["__metadata__"]["shortrun"])
    _edit(_card)
    _hdr["__metadata__"]["shortrun"] = json.dumps(_card)
    add(_name, st(json.dumps(_hdr).encode(), _raw[8 + _n:]), S, "the bundled checkpoint with a model card " + _what,
        MODEL_CMDS[:1])
# The bundled checkpoint with f.0.bias moved onto the first 64 bytes of f.0.weight.
_hdr = json.loads(_raw[8:8 + _n])
_w = _hdr["f.0.weight"]["data_offsets"]
_hdr["f.0.bias"]["data_offsets"] = [_w[0], _w[0] + 64]
add("tensors_overlap.safetensors", st(json.dumps(_hdr).encode(), _raw[8 + _n:]), S,
    "the bundled checkpoint with one weight over another's bytes", MODEL_CMDS[:1])

# ---------------------------------------------------------------- IDX / gzip

I = "datasets_idx"


def gzip_member(raw_deflate, crc, isize):
    return b"\x1f\x8b\x08\x00\0\0\0\0\x00\x03" + raw_deflate + struct.pack("<II", crc & 0xffffffff, isize & 0xffffffff)


def idx_header(n, rows=28, cols=28):
    return struct.pack(">IIII", 0x803, n, rows, cols)


def deflate_raw(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


small = idx_header(10) + bytes(7840)
# 16-byte header promising 10 images, then 5 GB of zeros (the CRC is not computed: a bounded
# reader stops long before the trailer).
c = zlib.compressobj(9, zlib.DEFLATED, -15)
head = c.compress(idx_header(10)) + c.flush(zlib.Z_FULL_FLUSH)
add("idx_bomb_5g.gz", gzip_member(head + zeros_deflate(sc(5 << 10, 8)), 0, 0), I,
    "gzip IDX that inflates to 5 GB (header says 10 images)", IDX_CMDS)
add("idx_isize_lies.gz", gzip_member(deflate_raw(small), zlib.crc32(small), 0xfffffff0), I,
    "gzip whose ISIZE says 4 GB", IDX_CMDS)
add("idx_header_5g.gz", gzip_member(deflate_raw(idx_header(6_500_000)), zlib.crc32(idx_header(6_500_000)), 16), I,
    "IDX header promising 5 GB of images", IDX_CMDS)
noisy = idx_header(10) + np.random.default_rng(0).integers(0, 256, 7840, dtype=np.uint8).tobytes()
add("idx_truncated.gz", gzip_member(deflate_raw(noisy), zlib.crc32(noisy), len(noisy))[:4000], I,
    "truncated gzip IDX", IDX_CMDS)
add("idx_plain_short.idx", idx_header(1000) + bytes(100), I, "plain IDX shorter than its header", IDX_CMDS)

# ---------------------------------------------------------------- images

G = "image_io"


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(w, h, idat):
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) +
            png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b""))


add("png_20000.png", png(20000, 20000, zlib.compress(b"\0" * 20001 * 4)), G,
    "PNG header 20000x20000 (400 M pixels) with a few rows of data", IMAGE_CMDS)
sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 20000, 20000, 1) + b"\x01\x11\x00"
add("jpeg_20000.jpg", b"\xff\xd8" + sof + b"\xff\xd9", G, "JPEG header 20000x20000", IMAGE_CMDS)
add("png_idat_bomb.png", png(32, 32, b"\x78\xda" + zeros_deflate(sc(2 << 10, 8)) + b"\0\0\0\0"), G,
    "32x32 PNG whose image data inflates to 2 GB", IMAGE_CMDS)
add("png_truncated.png", png(32, 32, zlib.compress(bytes(33 * 32)))[:60], G, "truncated PNG", IMAGE_CMDS)
# Found by fuzz/fuzz_image.cpp: stb_image builds a Huffman table from 16 code counts without
# checking that they sum to at most 256; 16 x 255 codes wrote 3,824 bytes past its arrays.
dht = b"\x00" + bytes([255] * 16) + bytes(16 * 255)
add("jpeg_dht_overflow.jpg", b"\xff\xd8" + b"\xff\xc4" + struct.pack(">H", 2 + len(dht)) + dht + b"\xff\xd9", G,
    "JPEG Huffman table of 4080 codes (stb writes past its 257-entry arrays)", IMAGE_CMDS)
# The same behind a second 0xFF before SOI, which stb skips as fill (found by fuzz_image after
# the first fix, which looked for the JPEG signature at offset 0 only).
add("jpeg_dht_after_fill.jpg", b"\xff\xff\xd8" + b"\xff\xc4" + struct.pack(">H", 2 + len(dht)) + dht + b"\xff\xd9", G,
    "the 4080-code Huffman table after a fill byte before SOI", IMAGE_CMDS)
# The same table cut short: stb reads the missing counts as 0 and still overflows.
add("jpeg_dht_truncated.jpg", b"\xff\xd8\xff\xc4\x10\x00\x00" + bytes([255] * 3), G,
    "JPEG Huffman table of 765 codes whose file ends inside its counts", IMAGE_CMDS)
# Found by fuzz/fuzz_image.cpp: stb sizes its IDAT buffer by the chunk's declared length before
# reading it; a 60-byte PNG declaring a 1.3 GB IDAT made it allocate 1.3 GB.
ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 3, 2, 8, 2, 0, 0, 0))
add("png_chunk_length_lies.png", b"\x89PNG\r\n\x1a\n" + ihdr + struct.pack(">I", 0x4d00000e) + b"IDATx\x9c\x0dIHDR", G,
    "PNG whose IDAT chunk declares 1.3 GB in a 60-byte file", IMAGE_CMDS)
add("png_chunk_header_only.png", b"\x89PNG\r\n\x1a\n" + ihdr + struct.pack(">I", 0x7ffffff0) + b"IDAT", G,
    "PNG ending in the header of a 2 GB IDAT chunk", IMAGE_CMDS)
# stb's GIF, BMP, PSD, TGA, HDR, PIC and PNM decoders are compiled out (PNG and JPEG only).
add("gif_not_read.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;", G,
    "a GIF (stb's GIF decoder is not built in)", IMAGE_CMDS)

# ---------------------------------------------------------------- TorchScript (.pt)
# Issue 22: LibTorch's own loader (torch::jit::load) read these archives before our allowlist
# guard saw anything, and crashed (SIGSEGV) or read the heap. A real scripted module is the base;
# each case replaces one record.
TS = "torchscript"


class TinyEnergy(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 4, 3, padding=1)
        self.out = torch.nn.Linear(4, 1)

    def forward(self, x):
        h = torch.nn.functional.leaky_relu(self.conv(x), 0.2)
        return self.out(h.mean([2, 3])).squeeze(1)


_tmp = os.path.join(OUT, "ts_base.tmp")
# With a model card, `info` loads the module fully (without one it stops at the missing shape).
_card = {"format_version": 1, "data": {"channels": 1, "height": 32, "width": 32}}
torch.jit.save(torch.jit.script(TinyEnergy()), _tmp, _extra_files={"model_card.json": json.dumps(_card)})
with zipfile.ZipFile(_tmp) as _z:
    TS_BASE = {i.filename.split("/", 1)[1]: _z.read(i.filename) for i in _z.infolist()}
os.remove(_tmp)
TS_CMDS = MODEL_CMDS + CONVERT_CMD


def ts(**replace):
    """The base archive with records replaced (keyword: record name with / and . as _ is awkward,
    so pass a dict through `records`)."""
    members = dict(TS_BASE)
    members.update(replace.get("records", {}))
    return zip_archive([(n, d, {}) for n, d in members.items() if d is not None])


# Issue 22: TorchScript model cards asking for a 2^48-value input (a probe batch of petabytes)
# or not JSON at all.
for _name, _text, _what in [
        ("ts_card_shape_huge.pt", json.dumps({"format_version": 1, "data": {"channels": 65536, "height": 65536,
                                                                          "width": 65536}}), "a 65536^3 data shape"),
        ("ts_card_not_json.pt", "{\"format_version\": 1, \"data\":", "JSON cut short")]:
    add(_name, ts(records={"extra/model_card.json": _text.encode()}), TS, "TorchScript model card: " + _what, TS_CMDS[:1])


def ts_code(body):
    """code/__torch__.py whose forward returns `body` (an expression over x)."""
    src = TS_BASE["code/__torch__.py"].decode()
    head = src[:src.index("  def forward")]
    return (head + "  def forward(self: __torch__.TinyEnergy,\n    x: Tensor) -> Tensor:\n    return " + body +
            "\n").encode()


def patched(record, old, new):
    data = TS_BASE[record]
    assert data.count(old) >= 1, (record, old)
    return data.replace(old, new, 1)


for _name, _op in [("tuple", b"t"), ("append", b"a"), ("appends", b"e"), ("setitem", b"s"), ("setitems", b"u"),
                   ("reduce", b"R"), ("newobj", b"\x81"), ("build", b"b"), ("persid", b"Q"), ("dup", b"2"),
                   ("tuple1", b"\x85"), ("tuple3", b"\x87"), ("binput", b"q\x00"), ("stop", b"")]:
    add(f"ts_empty_stack_{_name}.pt", ts(records={"data.pkl": PROTO + _op + STOP}), TS,
        f"data.pkl: {_name.upper()} on an empty stack", MODEL_CMDS)
# Marks beside the stack (as LibTorch keeps them): a TUPLE whose mark lies above the stack's top.
add("ts_mark_above_top.pt", ts(records={"data.pkl": PROTO + b"N(" + b"\x85" + b"t" + STOP}), TS,
    "data.pkl: TUPLE1 pops below the newest MARK, then TUPLE", MODEL_CMDS)
add("ts_nested_tuples.pt", ts(records={"data.pkl": PROTO + b")" + b"\x85" * sc(10**6) + STOP}), TS,
    "data.pkl: 10^6 nested tuples", TS_CMDS)
add("ts_nested_lists_constants.pt",
    ts(records={"constants.pkl": PROTO + b"]" * sc(10**6) + b"a" * (sc(10**6) - 1) + b"\x85" + STOP}), TS,
    "constants.pkl: 10^6 nested lists", MODEL_CMDS)
add("ts_nested_debug_pkl.pt",
    ts(records={"code/__torch__.py.debug_pkl": PROTO + b")" + b"\x85" * sc(10**6) + STOP}), TS,
    "a debug record of 10^6 nested tuples", MODEL_CMDS)
add("ts_code_nested_brackets.pt", ts(records={"code/__torch__.py": ts_code("(" * sc(10**5) + "x" + ")" * sc(10**5))}),
    TS, "forward nests 10^5 brackets", TS_CMDS)
add("ts_code_long_chain.pt", ts(records={"code/__torch__.py": ts_code("x" + " + x" * sc(2 * 10**5))}), TS,
    "forward adds x 2x10^5 times in one expression", MODEL_CMDS)
add("ts_code_unary_chain.pt", ts(records={"code/__torch__.py": ts_code("-" * sc(2 * 10**5) + "x")}), TS,
    "forward negates x 2x10^5 times in one expression", MODEL_CMDS)
_blocks = "".join("  " * (2 + i) + "if True:\n" for i in range(sc(1000, 40)))
add("ts_code_deep_blocks.pt", ts(records={"code/__torch__.py": ts_code("x\n" + _blocks + "  " * (2 + sc(1000, 40)) + "pass")}),
    TS, "forward nests 1,000 if-blocks", MODEL_CMDS)
# The conv weight (36 floats in data/0) viewed as 40x1x3x3: 324 floats read past its storage.
add("ts_view_past_storage.pt", ts(records={"data.pkl": patched("data.pkl", b"K\x04K\x01K\x03K\x03t", b"K(K\x01K\x03K\x03t")}),
    TS, "a weight viewed past the end of its storage", TS_CMDS)
add("ts_record_cut_short.pt", ts(records={"data/0": TS_BASE["data/0"][:16]}), TS,
    "a weight record cut short (16 of 144 bytes)", TS_CMDS)
add("ts_storage_numel_lies.pt", ts(records={"data.pkl": patched("data.pkl", b"K$t", b"J\xff\xff\xff\x7ft")}), TS,
    "a storage declaring 2^31 elements over a 144-byte record", MODEL_CMDS)
# Stride 0: a 65536x65536 weight over one float (16 GB if anything copies it).
add("ts_zero_stride_bomb.pt",
    ts(records={"data.pkl": patched("data.pkl", b"K\x04K\x01K\x03K\x03t(K\tK\tK\x03K\x01t",
                                    b"J\x00\x00\x01\x00J\x00\x00\x01\x00K\x01K\x01t(K\x00K\x00K\x00K\x00t")}), TS,
    "a 65536x65536 weight viewing one float (zero strides)", TS_CMDS)
_tag = "List[" * sc(50000, 100) + "int" + "]" * sc(50000, 100)
add("ts_type_tag_nested.pt",
    ts(records={"constants.pkl": PROTO + b"ctorch.jit._pickle\nrestore_type_tag\n(]" + pstr(_tag) + b"tR\x85" + STOP}), TS,
    "constants.pkl: a list whose type tag nests 50,000 levels", MODEL_CMDS)
add("ts_memo_never_stored.pt", ts(records={"data.pkl": PROTO + b"h\x05" + STOP}), TS,
    "data.pkl: BINGET of a memo entry never stored", MODEL_CMDS)
add("ts_setitem_on_list.pt", ts(records={"data.pkl": PROTO + b"]K\x01K\x02s" + STOP}), TS,
    "data.pkl: SETITEM onto a list", MODEL_CMDS)
add("ts_append_on_dict.pt", ts(records={"data.pkl": PROTO + b"}K\x01a" + STOP}), TS,
    "data.pkl: APPEND onto a dict", MODEL_CMDS)
add("ts_build_on_list.pt", ts(records={"data.pkl": PROTO + b"]}b" + STOP}), TS,
    "data.pkl: BUILD onto a list", MODEL_CMDS)
add("ts_rebuild_tensor_short_args.pt",
    ts(records={"data.pkl": PROTO + b"ctorch._utils\n_rebuild_tensor_v2\n(K\x01tR" + STOP}), TS,
    "data.pkl: _rebuild_tensor_v2 with one argument", MODEL_CMDS)
add("ts_persid_not_storage.pt", ts(records={"data.pkl": PROTO + b"(K\x01K\x02tQ" + STOP}), TS,
    "data.pkl: a persistent id that is not a storage", MODEL_CMDS)
add("ts_no_data_pkl.pt", ts(records={"data.pkl": None}), TS, "an archive with code but no data.pkl", MODEL_CMDS)

# ---------------------------------------------------------------- not regular files

os.makedirs(os.path.join(OUT, "a_directory.safetensors"), exist_ok=True)
cases.append({"file": "a_directory.safetensors", "reader": "file_checks", "what": "a directory as --model",
              "commands": MODEL_CMDS[:1]})
fifo = os.path.join(OUT, "fifo.pth")
if os.path.exists(fifo):
    os.remove(fifo)
os.mkfifo(fifo)
cases.append({"file": "fifo.pth", "reader": "file_checks", "what": "a FIFO as --model, --init and IDX data",
              "commands": MODEL_CMDS + IMAGE_CMDS[:1] + IDX_CMDS})

# ---------------------------------------------------------------- provenance fixture
# Every tensor is a strided view (offset, transposed or sliced strides) into one storage whose
# float32 values are 0, 1, 2, ...: a value in an imported tensor says exactly where it came from.
torch.manual_seed(0)
pattern = torch.arange(200000 if SCALE == 1 else 90000, dtype=torch.float32)
sd, views = {}, {}
cursor = 7
for name, size in NET:
    numel = int(np.prod(size))
    if len(size) == 4:  # a permuted layout: the last two axes swapped, plus a gap of 3
        stride = contiguous_strides(size)
        stride[2], stride[3] = 1, size[2]
    else:  # every other element
        stride = [2]
    t = pattern.as_strided(size, stride, cursor)
    sd[name] = t
    views[name] = {"offset": cursor, "size": size, "stride": stride}
    cursor += 2 * numel + 3
torch.save(sd, os.path.join(OUT, "provenance.pth"))
with open(os.path.join(OUT, "provenance.json"), "w") as fh:
    json.dump({"storage_numel": int(pattern.numel()), "views": views}, fh)

# Small valid files for the limit tests (they pass under the defaults).
with open(os.path.join(OUT, "valid_small.png"), "wb") as fh:
    fh.write(png(32, 32, zlib.compress(bytes(33 * 32))))
np.save(os.path.join(OUT, "valid_small.npy"), np.zeros((1, 1, 32, 32), dtype=np.float32))

with open(os.path.join(OUT, "manifest.json"), "w") as fh:
    json.dump(cases, fh, indent=1)
print(f"make_hostile: {len(cases)} hostile files in {OUT}")
