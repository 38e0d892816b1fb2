#!/usr/bin/python3
"""How `shortrun` writes its outputs (devices, FIFOs, symlinks, modes, '-'), and the CLI's
checks on --threads, --seed and --limit. usage: test_outputs.py SHORTRUN FIXTURE_DIR WORK_DIR
Devices are mknod copies in WORK_DIR, never the real /dev."""
import io
import os
import re
import shutil
import stat
import struct
import subprocess
import sys
import threading
import time
import unittest
import zlib

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cliutil  # noqa: E402

SHORTRUN, FIX, WORK = sys.argv[1:4]
del sys.argv[1:4]
MODEL = os.path.join(FIX, "minimal.pth")
QUICK = ["--model", MODEL, "--n", "4", "--steps", "2", "--threads", "1"]


def run(*args, expect=0, binary=False, env=None, timeout=120):
    p = subprocess.run([SHORTRUN, *args], capture_output=True, text=not binary, timeout=timeout, env=env)
    if p.returncode != expect:
        raise AssertionError(f"shortrun {' '.join(args)} exited {p.returncode}, expected {expect}\n"
                             f"stdout: {p.stdout[:2000]}\nstderr: {p.stderr[:2000]}")
    return p


def wk(name):
    return os.path.join(WORK, name)


def png_size(data):
    """(width, height) of a complete PNG: signature, every chunk's CRC, IDAT inflates, IEND last."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:8]
    pos, idat, size, last = 8, b"", None, None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        if kind == b"IDAT":
            idat += body
        last, pos = kind, pos + 12 + length
    assert last == b"IEND" and size is not None
    zlib.decompress(idat)
    return size


def read_all(path):
    with open(path, "rb") as fh:
        return fh.read()


def mknod_or_skip(test, path, major, minor):
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(major, minor))
    except PermissionError as e:
        test.skipTest(f"mknod not permitted here ({e}); these checks need root or CAP_MKNOD")


class Outputs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        shutil.rmtree(WORK, ignore_errors=True)
        os.makedirs(WORK)

    def assert_device(self, path, major, minor):
        st = os.lstat(path)
        self.assertTrue(stat.S_ISCHR(st.st_mode), f"{path} is no longer a character device")
        self.assertEqual(st.st_rdev, os.makedev(major, minor))

    def test_full_device_copy_is_written_to_and_stays_a_device(self):
        dev = wk("full")
        mknod_or_skip(self, dev, 1, 7)
        cliutil.assert_one_line_error(self, run, ["sample", *QUICK, "--out", dev], dev, "No space left on device")
        cliutil.assert_one_line_error(self, run, ["sample", *QUICK, "--out", "", "--npy", dev], dev, "No space left")
        self.assert_device(dev, 1, 7)
        self.assertEqual(sorted(os.listdir(WORK)).count("full"), 1)
        self.assertFalse([n for n in os.listdir(WORK) if n.startswith("full.tmp")])

    def test_null_device_copy_discards_and_stays_a_device(self):
        dev = wk("null")
        mknod_or_skip(self, dev, 1, 3)
        run("sample", *QUICK, "--out", dev, "--npy", dev)
        os.symlink(dev, wk("null_link"))
        run("sample", *QUICK, "--out", wk("null_link"))
        self.assert_device(dev, 1, 3)
        self.assertTrue(os.path.islink(wk("null_link")))

    def test_symlink_is_written_through_and_kept(self):
        os.makedirs(wk("real"), exist_ok=True)
        target = wk("real/grid.png")
        with open(target, "wb") as fh:
            fh.write(b"old")
        os.symlink("real/grid.png", wk("grid_link.png"))
        run("sample", *QUICK, "--out", wk("grid_link.png"))
        self.assertTrue(os.path.islink(wk("grid_link.png")))
        self.assertEqual(os.readlink(wk("grid_link.png")), "real/grid.png")
        with open(target, "rb") as fh:
            self.assertEqual(png_size(fh.read()), (2 * 34 + 2, 2 * 34 + 2))

    def test_mode_600_is_kept(self):
        p = wk("private.npy")
        with open(p, "wb") as fh:
            fh.write(b"old")
        os.chmod(p, 0o600)
        run("sample", *QUICK, "--out", "", "--npy", p)
        self.assertEqual(stat.S_IMODE(os.stat(p).st_mode), 0o600)
        self.assertEqual(np.load(p).shape, (4, 1, 32, 32))

    def test_fifo_is_streamed_to_a_reader(self):
        fifo = wk("pipe.png")
        os.mkfifo(fifo)
        got = []
        reader = threading.Thread(target=lambda: got.append(read_all(fifo)), daemon=True)
        reader.start()
        run("sample", *QUICK, "--out", fifo)
        reader.join(30)
        self.assertFalse(reader.is_alive())
        self.assertEqual(png_size(got[0]), (70, 70))
        self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode))

    def test_directory_is_one_line_error(self):
        os.makedirs(wk("adir"), exist_ok=True)
        cliutil.assert_one_line_error(self, run, ["sample", *QUICK, "--out", wk("adir")], "adir", "is a directory")
        self.assertEqual(os.listdir(wk("adir")), [])

    def test_dash_writes_png_or_npy_to_stdout_and_nothing_else(self):
        p = run("sample", *QUICK, "--out", "-", binary=True)
        self.assertEqual(png_size(p.stdout), (70, 70))
        self.assertIn(b"sampled 4 chains", p.stderr)  # the progress line moved to stderr
        p = run("sample", *QUICK, "--out=-", binary=True)
        self.assertEqual(png_size(p.stdout), (70, 70))
        p = run("sample", *QUICK, "--out", "", "--npy", "-", binary=True)
        x = np.load(io.BytesIO(p.stdout))
        self.assertEqual(x.shape, (4, 1, 32, 32))
        same = self.sample_npy("--npy", wk("same.npy"))
        np.testing.assert_array_equal(x, same)
        cliutil.assert_one_line_error(self, run, ["sample", *QUICK, "--out", "-", "--npy", "-"], "--npy", "only one output",
                                      expect=2)

    def sample_npy(self, *args):
        run("sample", *QUICK, "--out", "", *args)
        return np.load(args[-1])

    def test_threads_beyond_the_cap_is_refused_quickly(self):
        for bad in ["1000", "-1", "2x"]:
            with self.subTest(threads=bad):
                t0 = time.monotonic()
                args = ["sample", "--model", MODEL, "--n", "1", "--steps", "1", "--out", "", "--threads", bad]
                cliutil.assert_one_line_error(self, lambda *a, expect: run(*a, expect=expect, timeout=30), args, "--threads",
                                              "expected 0", expect=2)
                self.assertLess(time.monotonic() - t0, 20)

    def test_bad_seeds_are_refused(self):
        for bad in ["-1", "18446744073709551616", "1e23", "1.5", "+3", ""]:
            for cmd in [["sample", *QUICK, "--out", ""], ["train", "--out", wk("run"), "--iters", "1"],
                        ["tune-sampler", "--model", MODEL], ["train-features", "--out", wk("f.safetensors")]]:
                with self.subTest(seed=bad, cmd=cmd[0]):
                    cliutil.assert_one_line_error(self, run, [*cmd, "--seed", bad], "--seed", expect=2)
        self.assertFalse(os.path.exists(wk("run")))
        # The largest seed is a seed, and a different one from its neighbours.
        a = self.sample_npy("--seed", "18446744073709551615", "--npy", wk("s_max.npy"))
        b = self.sample_npy("--seed", "18446744073709551614", "--npy", wk("s_max1.npy"))
        self.assertFalse(np.array_equal(a, b))

    def test_negative_limit_is_refused(self):
        for bad in ["-1", "1e3", "x"]:
            for cmd in [["train", "--out", wk("run2"), "--iters", "1"], ["train-features", "--out", wk("f2.safetensors")]]:
                with self.subTest(limit=bad, cmd=cmd[0]):
                    cliutil.assert_one_line_error(self, run, [*cmd, "--limit", bad], "--limit", expect=2)
        self.assertFalse(os.path.exists(wk("run2")))

    def test_openmp_idle_threads_sleep_unless_the_environment_says_otherwise(self):
        # OMP_DISPLAY_ENV=VERBOSE makes libgomp print the settings it initialised with, once per
        # exec: the first report is from before shortrun re-executes itself, the last is in force.
        env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "KMP_BLOCKTIME")}
        env["OMP_DISPLAY_ENV"] = "VERBOSE"
        two = [*QUICK[:-1], "2"]  # --threads 2: with one thread nothing spins and nothing is changed
        self.assertEqual(QUICK[-2:], ["--threads", "1"])
        p = run("sample", *two, "--out", "", "--npy", wk("omp.npy"), env=env)
        spins = re.findall(r"GOMP_SPINCOUNT = '(\d+)'", p.stdout + p.stderr)
        if not spins:
            self.skipTest("this LibTorch does not use libgomp (no OMP_DISPLAY_ENV report)")
        self.assertEqual(spins, ["0"], p.stderr)  # re-executed before libgomp started: one report
        self.assertEqual(np.load(wk("omp.npy")).shape, (4, 1, 32, 32))  # the re-executed run kept its arguments
        p = run("sample", *QUICK, "--out", "", env=env)
        self.assertEqual(re.findall(r"GOMP_SPINCOUNT = '(\d+)'", p.stdout + p.stderr), ["300000"])
        env["OMP_WAIT_POLICY"] = "ACTIVE"
        p = run("sample", *two, "--out", "", env=env)
        self.assertEqual(re.findall(r"GOMP_SPINCOUNT = '(\d+)'", p.stdout + p.stderr), ["30000000000"])
        # Commands that run no parallel work skip the re-execution (issue 28): libgomp keeps its
        # default, whatever the thread count would be.
        env.pop("OMP_WAIT_POLICY")
        env.pop("OMP_NUM_THREADS", None)
        for light in (["--version"], ["info"]):
            p = run(*light, env=env)
            self.assertEqual(re.findall(r"GOMP_SPINCOUNT = '(\d+)'", p.stdout + p.stderr), ["300000"], light)

if __name__ == "__main__":
    unittest.main(verbosity=2)
