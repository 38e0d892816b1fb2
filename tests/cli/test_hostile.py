#!/usr/bin/python3
"""Hostile input files (tests/corpus/make_hostile.py) against the `shortrun` readers: every file
must give exit 1 and exactly one stderr line naming the file, within a timeout and under a peak
RSS bound (the child's own ru_maxrss, from os.wait4). Also: every byte of every imported tensor
comes from its storage, and each limit is named in its error and can be changed.

usage: test_hostile.py SHORTRUN CORPUS_DIR WORK_DIR"""
import json
import os
import shutil
import signal
import struct
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cliutil  # noqa: E402

SHORTRUN, CORPUS, WORK = sys.argv[1:4]
del sys.argv[1:4]

TIMEOUT_S = 60
MAX_RSS_BYTES = 1 << 30  # 1 GiB per process, LibTorch's own ~200 MB included


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHORTRUN_MAX_")}
    env.setdefault("OMP_NUM_THREADS", "1")
    env.update(extra)
    return env


def run_measured(args, env=None, timeout=TIMEOUT_S):
    """Runs shortrun; returns (exit code, stdout, stderr, peak RSS bytes, seconds)."""
    rc, out, err, rss, secs = cliutil.run_measured([SHORTRUN, *args], env or clean_env(), timeout)
    return rc, out.decode(errors="replace"), err.decode(errors="replace"), rss, secs


def expand(args, path):
    return [a.replace("{file}", path).replace("{work}", WORK) for a in args]


class Hostile(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        shutil.rmtree(WORK, ignore_errors=True)
        os.makedirs(WORK)
        with open(os.path.join(CORPUS, "manifest.json")) as fh:
            cls.cases = json.load(fh)

    def test_every_hostile_file_is_one_line_exit_1_bounded(self):
        self.assertGreater(len(self.cases), 40)
        report = []
        for case in self.cases:
            path = os.path.join(CORPUS, case["file"])
            for cmd in case["commands"]:
                args = expand(cmd, path)
                with self.subTest(file=case["file"], cmd=cmd[0]):
                    rc, _, err, rss, secs = run_measured(args)
                    report.append(f"{case['reader']:13s} {case['file']:36s} {cmd[0]:12s} rc={rc} "
                                  f"rss={rss / 2**20:6.0f} MiB {secs:5.1f} s | {err.strip()[:150]}")
                    if rc < 0:
                        self.fail(f"{case['file']} ({case['what']}): killed by signal {-rc} "
                                  f"({signal.Signals(-rc).name}); stderr: {err[-500:]}")
                    self.assertEqual(rc, 1, f"{case['file']} ({case['what']}): stderr {err[-500:]}")
                    lines = err.strip().splitlines()
                    self.assertEqual(len(lines), 1, f"{case['file']}: stderr is not one line: {err[:1000]}")
                    self.assertIn(path, lines[0], f"{case['file']}: the error does not name the file")
                    self.assertLess(rss, MAX_RSS_BYTES, f"{case['file']} ({case['what']}): peak RSS {rss} bytes")
        with open(os.path.join(WORK, "report.txt"), "w") as fh:
            fh.write("\n".join(report) + "\n")
        print("\n".join(report), file=sys.stderr)


def read_safetensors(path):
    with open(path, "rb") as fh:
        data = fh.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] == "F32", e
        b, end = e["data_offsets"]
        out[name] = np.frombuffer(body[b:end], dtype="<f4").reshape(e["shape"])
    return out


class Provenance(unittest.TestCase):
    def test_every_converted_byte_is_the_expected_storage_element(self):
        # provenance.pth: each tensor is a strided view of one storage holding 0, 1, 2, ...
        with open(os.path.join(CORPUS, "provenance.json")) as fh:
            spec = json.load(fh)
        storage = np.arange(spec["storage_numel"], dtype=np.float32)
        out = os.path.join(WORK, "provenance.safetensors")
        rc, _, err, _, _ = run_measured(["convert", "--from", os.path.join(CORPUS, "provenance.pth"), "--out", out])
        self.assertEqual(rc, 0, err)
        got = read_safetensors(out)
        self.assertEqual(sorted(got), sorted(spec["views"]))
        for name, v in spec["views"].items():
            expected = np.lib.stride_tricks.as_strided(storage[v["offset"]:], shape=v["size"],
                                                       strides=[s * 4 for s in v["stride"]])
            np.testing.assert_array_equal(got[name], expected, err_msg=name)
            # Values are storage indices: each must be one the view addresses, nothing else.
            self.assertTrue(np.all(got[name] >= v["offset"]) and np.all(got[name] < spec["storage_numel"]), name)


class Limits(unittest.TestCase):
    """Each limit is named in its error, and the variable moves it both ways."""

    def check(self, args, env_var, low):
        rc, _, err, _, _ = run_measured(args)
        self.assertEqual(rc, 0, f"default limits refuse a small valid file: {err}")
        rc, _, err, _, _ = run_measured(args, env=clean_env(**{env_var: str(low)}))
        self.assertEqual(rc, 1, err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertIn(env_var, err)

    def test_pickle_ops(self):
        self.check(["info", "--model", os.path.join(CORPUS, "provenance.pth")], "SHORTRUN_MAX_PICKLE_OPS", 50)

    def test_pickle_memo(self):
        self.check(["info", "--model", os.path.join(CORPUS, "provenance.pth")], "SHORTRUN_MAX_PICKLE_MEMO", 3)

    def test_decoded_bytes(self):
        self.check(["info", "--model", os.path.join(CORPUS, "provenance.pth")], "SHORTRUN_MAX_DECODED_BYTES", 1000)

    def test_file_bytes(self):
        self.check(["info", "--model", os.path.join(CORPUS, "provenance.pth")], "SHORTRUN_MAX_FILE_BYTES", 1000)

    def test_image_pixels(self):
        self.check(["sample", "-q", "--init", os.path.join(CORPUS, "valid_small.png"), "--n", "1", "--steps", "1",
                    "--out", ""], "SHORTRUN_MAX_IMAGE_PIXELS", 100)

    def test_npy_header(self):
        self.check(["sample", "-q", "--init", os.path.join(CORPUS, "valid_small.npy"), "--n", "1", "--steps", "1",
                    "--out", ""], "SHORTRUN_MAX_NPY_HEADER_BYTES", 20)

    def test_bad_value_is_a_one_line_error(self):
        rc, _, err, _, _ = run_measured(["info", "--model", os.path.join(CORPUS, "provenance.pth")],
                                        env=clean_env(SHORTRUN_MAX_PICKLE_OPS="lots"))
        self.assertEqual(rc, 1, err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertIn("SHORTRUN_MAX_PICKLE_OPS", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
