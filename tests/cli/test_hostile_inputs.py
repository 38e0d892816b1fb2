#!/usr/bin/python3
"""Hostile inputs of issue 22 (third round: folders, batch sizes, outputs, TMPDIR, file names,
JPEG) against the `shortrun` CLI, each made here from real files: exit 1 (or success where the
input is legitimate), exactly one stderr line naming the input, a peak RSS under 1 GiB (the
child's own ru_maxrss, from os.wait4) and a bounded time. Prints a table of what it measured.

usage: test_hostile_inputs.py SHORTRUN FIXTURE_DIR WORK_DIR"""
import json
import os
import shutil
import struct
import sys
import unittest
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cliutil  # noqa: E402

SHORTRUN, FIXTURES, WORK = sys.argv[1:4]
del sys.argv[1:4]
SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUNDLED = os.path.join(SOURCE, "assets", "fmnist.safetensors")

TIMEOUT_S = 120
MAX_RSS = 1 << 30
REPORT = []


def env(**extra):
    e = {k: v for k, v in os.environ.items() if not k.startswith("SHORTRUN_MAX_") and k != "TMPDIR"}
    e.setdefault("OMP_NUM_THREADS", "1")
    e.update(extra)
    return e


def measured(args, extra_env=None, timeout=TIMEOUT_S):
    """Runs shortrun (args may be bytes); returns (exit code, stdout bytes, stderr bytes, peak RSS, seconds)."""
    return cliutil.run_measured([SHORTRUN, *args], env(**(extra_env or {})), timeout)


def png(w, h, rgb, seed=0):
    """A w x h 8-bit PNG (gray or RGB)."""
    raw = b"".join(b"\0" + bytes(((x + y + seed) * 37) & 255 for x in range(w * (3 if rgb else 1))) for y in range(h))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2 if rgb else 0, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


class HostileInputs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        shutil.rmtree(WORK, ignore_errors=True)
        os.makedirs(WORK)

    @classmethod
    def tearDownClass(cls):
        print("\ncase                                   rc  peak RSS    seconds  stderr")
        for line in REPORT:
            print(line)

    def one_line(self, case, args, *fragments, rc=1, extra_env=None, name=None):
        """Runs args; expects exit rc, one stderr line holding every fragment, bounded RSS."""
        code, out, err, rss, secs = measured(args, extra_env)
        text = err.decode("utf-8", errors="strict")  # the message itself must be valid UTF-8
        REPORT.append(f"{case:38s} {code:3d} {rss / 2**20:6.0f} MiB {secs:8.2f}  {text.strip()[:150]}")
        self.assertEqual(code, rc, text)
        lines = text.strip().splitlines()
        self.assertEqual(len(lines), 1 if rc else len(lines), text)
        for f in fragments:
            self.assertIn(f, lines[0] if lines else "", text)
        self.assertLess(rss, MAX_RSS, f"{case}: peak RSS {rss / 2**20:.0f} MiB")
        return out, text

    # ---------------------------------------------------------------- image folders

    def test_a_folder_of_100k_tiny_pngs_has_bounded_memory(self):
        folder = os.path.join(WORK, "tiny_pngs")
        os.makedirs(folder)
        data = png(2, 2, False)
        for i in range(100_000):
            with open(os.path.join(folder, f"{i:06d}.png"), "wb") as fh:
                fh.write(data)
        try:
            # The case: 100,000 tiny PNGs as 1x32x32 float32 (410 MB) are one tensor,
            # filled in place (they were 100,000 tensors, then stacked into a second copy: 2.8 GB).
            run = os.path.join(WORK, "run_100k")
            code, _, err, rss, secs = measured(["train", "--data", "folder:" + folder, "--out", run, "--iters", "1",
                                                "--nf", "4", "--steps", "2", "--batch", "8", "--eval-every", "0"])
            REPORT.append(f"{'folder of 100k PNGs (train, loads)':38s} {code:3d} {rss / 2**20:6.0f} MiB {secs:8.2f}")
            self.assertEqual(code, 0, err.decode(errors="replace"))
            self.assertLess(rss, MAX_RSS)
            # At 64x64 they would need 1.6 GB: refused before decoding, naming the limit.
            self.one_line("folder of 100k PNGs at 64x64 (train)", ["train", "--data", "folder:" + folder, "--image-size", "64",
                                                                   "--out", os.path.join(WORK, "run_64"), "--iters", "1"],
                          folder, "SHORTRUN_MAX_DECODED_BYTES", "--limit")
            self.assertFalse(os.path.exists(os.path.join(WORK, "run_64")))
            # The listing itself is bounded too.
            self.one_line("folder past SHORTRUN_MAX_FOLDER_FILES", ["train", "--data", "folder:" + folder, "--out",
                                                                     os.path.join(WORK, "run_files")],
                          folder, "SHORTRUN_MAX_FOLDER_FILES", extra_env={"SHORTRUN_MAX_FOLDER_FILES": "50000"})
            # OOD probe images: more files than probe images are refused before any is decoded.
            self.one_line("folder of 100k PNGs (score --images)", ["score", "--model", BUNDLED, "--images", folder,
                                                                   "--out", os.path.join(WORK, "score.png")],
                          folder, "at most 4096")
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    # ---------------------------------------------------------------- sampling sizes

    def test_a_million_chains_at_once_is_refused_up_front(self):
        self.one_line("sample --chunk 0 --n 2^20", ["sample", "--model", BUNDLED, "--n", "1048576", "--chunk", "0",
                                                    "--out", ""], "SHORTRUN_MAX_BATCH_BYTES", "--chunk 0")
        self.one_line("sample --batch-chains 2^20", ["sample", "--model", BUNDLED, "--n", "1048576", "--batch-chains",
                                                     "1048576", "--out", ""], "SHORTRUN_MAX_BATCH_BYTES", "--batch-chains")

    def test_a_terabyte_trajectory_is_refused_before_it_runs(self):
        traj = os.path.join(WORK, "huge_traj.npy")
        # 1,048,576 chains x 101 frames x 1x32x32 float32: 434 GB.
        self.one_line("sample --trajectory (434 GB)", ["sample", "--model", BUNDLED, "--n", "1048576", "--steps", "100",
                                                       "--every", "1", "--trajectory", traj, "--out", ""],
                      "huge_traj.npy", "SHORTRUN_MAX_OUTPUT_BYTES", "--every")
        self.assertFalse(os.path.exists(traj))
        # --continue-to holds its frames in memory: bounded by the batch limit as well.
        self.one_line("sample --continue-to --trajectory", ["sample", "--model", BUNDLED, "--n", "4000", "--steps", "10",
                                                            "--continue-to", "999", "--every", "1", "--trajectory", traj,
                                                            "--out", ""],
                      "huge_traj.npy", "SHORTRUN_MAX_BATCH_BYTES")

    def test_tmpdir_is_where_the_spill_file_goes(self):
        npy = os.path.join(WORK, "spilled.npy")
        missing = os.path.join(WORK, "no_such_tmp")
        self.one_line("sample --npy, TMPDIR missing", ["sample", "--model", BUNDLED, "--n", "4", "--steps", "2", "--npy",
                                                       npy, "--out", ""], "no_such_tmp", "TMPDIR",
                      extra_env={"TMPDIR": missing})
        tmp = os.path.join(WORK, "tmp")
        os.makedirs(tmp)
        self.one_line("sample --npy, TMPDIR set", ["sample", "-q", "--model", BUNDLED, "--n", "4", "--steps", "2", "--npy",
                                                   npy, "--out", ""], rc=0, extra_env={"TMPDIR": tmp})
        self.assertTrue(os.path.exists(npy))
        self.assertEqual(os.listdir(tmp), [])  # unlinked at once

    # ---------------------------------------------------------------- file names

    def test_names_that_are_not_utf8_or_hold_a_newline(self):
        odd = os.path.join(WORK.encode(), b"caf\xe9 \xff.safetensors")
        shutil.copy(BUNDLED, odd)
        out, _ = self.one_line("info --json, non-UTF-8 name", [b"info", b"--json", b"--model", odd], rc=0)
        card = json.loads(out)  # valid JSON, the name escaped
        self.assertIn("caf\\xe9 \\xff", card["file"])
        # An output name and a JSON report that is not UTF-8 either.
        png_out = os.path.join(WORK.encode(), b"out\xe9.png")
        json_out = os.path.join(WORK.encode(), b"report\xe9.json")
        self.one_line("sample --out/--json, non-UTF-8 names", [b"sample", b"-q", b"--model", odd, b"--n", b"4", b"--steps",
                                                               b"2", b"--out", png_out, b"--json", json_out], rc=0)
        with open(json_out, "rb") as fh:
            report = json.loads(fh.read().decode("utf-8"))
        self.assertIn("\\xe9", report["model"])
        # convert: a state_dict whose name is not UTF-8 (its provenance records the name).
        pth = os.path.join(WORK.encode(), b"weights\xe9.pth")
        shutil.copy(os.path.join(FIXTURES, "minimal.pth"), pth)
        converted = os.path.join(WORK.encode(), b"converted\xe9.safetensors")
        self.one_line("convert, non-UTF-8 names", [b"convert", b"--from", pth, b"--out", converted], rc=0)
        self.assertTrue(os.path.exists(converted))
        # train records its data path in config.json for --resume: refused by name, up front.
        idx = os.path.join(WORK.encode(), b"images\xe9.idx")
        shutil.copy(os.path.join(FIXTURES, "tiny-images-idx3-ubyte.gz"), idx)
        self.one_line("train --data, non-UTF-8 name", [b"train", b"--data", b"idx:" + idx, b"--out",
                                                       os.path.join(WORK.encode(), b"run_odd")],
                      "images\\xe9.idx", "not UTF-8")
        # A run directory whose name is not UTF-8 is fine: config.json records paths relative to it.
        odd_run = os.path.join(WORK.encode(), b"run\xe9")
        self.one_line("train --out, non-UTF-8 name", [b"train", b"--data", b"idx:" + os.path.join(FIXTURES, "tiny-images-idx3-ubyte.gz").encode(),
                                                      b"--out", odd_run, b"--iters", b"2", b"--nf", b"4", b"--steps", b"2",
                                                      b"--batch", b"4", b"--eval-every", b"0"], rc=0)
        with open(os.path.join(odd_run, b"config.json"), "rb") as fh:
            json.loads(fh.read().decode("utf-8"))
        # A newline in a file name cannot forge a second stderr line.
        forged = os.path.join(WORK, "evil\nerror: all is well.pth")
        with open(forged, "wb") as fh:
            fh.write(b"not a model")
        self.one_line("a newline in a file name", ["info", "--model", forged], "evil\\x0aerror: all is well.pth")

    # ---------------------------------------------------------------- JPEG

    def test_corrupt_jpegs_are_one_line(self):
        from PIL import Image
        import numpy as np
        good = os.path.join(WORK, "good.jpg")
        rgb = (np.indices((32, 32)).sum(0) * 4 % 256).astype(np.uint8)
        Image.fromarray(rgb, "L").save(good, "JPEG", quality=90)
        with open(good, "rb") as fh:
            data = fh.read()
        dht = data.index(b"\xff\xc4")
        cases = {
            "truncated.jpg": data[: len(data) // 2],
            "only_soi.jpg": data[:2],
            # The first Huffman table's 16 code counts summing to 3200 (stb overflowed on this).
            "bad_huffman.jpg": data[:dht + 5] + bytes([200] * 16) + data[dht + 21:],
            "garbage_after_soi.jpg": b"\xff\xd8" + bytes(range(256)) * 8,
        }
        jpeg_build = measured(["sample", "-q", "--model", BUNDLED, "--init", good, "--n", "1", "--steps", "1", "--out", ""])
        if jpeg_build[0] != 0:  # a build without libjpeg: one line saying so
            self.one_line("JPEG, build without libjpeg", ["sample", "--model", BUNDLED, "--init", good, "--n", "1", "--out", ""],
                          "good.jpg", "this build reads PNG only")
            return
        for name, blob in cases.items():
            path = os.path.join(WORK, name)
            with open(path, "wb") as fh:
                fh.write(blob)
            self.one_line(f"corrupt JPEG {name}", ["sample", "--model", BUNDLED, "--init", path, "--n", "1", "--steps", "1",
                                                   "--out", ""], name, "JPEG")


if __name__ == "__main__":
    unittest.main(verbosity=2)
