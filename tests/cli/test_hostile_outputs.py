#!/usr/bin/env python3
"""Hostile outputs and run directories (issue #22, sections 2 and 3): nothing of the user's is
overwritten (a folder that is not a run, an output that is an input, a read-only file also for
root, a FIFO without a reader or with one that quits), one trainer per run even after `rm D/.lock`,
and resumed runs that are the run they continue (--limit kept, every checkpoint event logged, a
flipped bit in a checkpoint caught by its checksum). Each case: exit code, exactly one stderr line
naming the path, the user's bytes unchanged, a timeout.

usage: test_hostile_outputs.py SHORTRUN FIXTURE_DIR WORK_DIR"""
import hashlib
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cliutil  # noqa: E402

SHORTRUN, FIX, WORK = (os.path.abspath(p) for p in sys.argv[1:4])
del sys.argv[1:4]
TIMEOUT_S = 120
TINY_DEFAULTS = {"--data": "idx:" + os.path.join(FIX, "tiny-images-idx3-ubyte.gz"), "--nf": "4", "--steps": "3",
                 "--batch": "4", "--threads": "1", "--eval-every": "0"}


def tiny(**over):
    """Arguments of a tiny training run; over: option name without dashes (underscores) -> value."""
    opts = dict(TINY_DEFAULTS)
    opts.update({"--" + k.replace("_", "-"): str(v) for k, v in over.items()})
    return [x for kv in opts.items() for x in kv]


TINY = tiny()
run = cliutil.runner(SHORTRUN, timeout=TIMEOUT_S)


def wk(*parts):
    return os.path.join(WORK, *parts)


def fresh(name):
    d = wk(name)
    if os.path.isdir(d):
        for root, dirs, _ in os.walk(d):  # a test may leave read-only folders behind
            for x in dirs:
                os.chmod(os.path.join(root, x), 0o755)
    shutil.rmtree(d, ignore_errors=True)
    return d


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def tree_digest(d):
    """{relative path: sha256} of every file under d (a folder's bytes, to compare before/after)."""
    out = {}
    for root, _, files in os.walk(d):
        for f in files:
            p = os.path.join(root, f)
            out[os.path.relpath(p, d)] = digest(p)
    return out


def metrics(run_dir):
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def untimed(lines):
    return [{k: v for k, v in m.items() if k not in ("wall_s", "its_per_s")} for m in lines]


def flip_bit(path, name, element=0, bit=3):
    """Flips one bit of element `element` of tensor `name` in place, metadata untouched."""
    with open(path, "r+b") as f:
        blob = bytearray(f.read())
        n = struct.unpack("<Q", blob[:8])[0]
        info = json.loads(blob[8:8 + n])[name]
        at = 8 + n + info["data_offsets"][0] + 4 * element
        blob[at] ^= 1 << bit
        f.seek(0)
        f.write(blob)


class HostileOutputs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.makedirs(WORK, exist_ok=True)
        cls.run_dir = fresh("base_run")
        run("train", *TINY, "--out", cls.run_dir, "--iters", "2")
        cls.model = wk("model.safetensors")
        shutil.copy(os.path.join(cls.run_dir, "model.safetensors"), cls.model)

    def one_line(self, args, *fragments, expect=1):
        cliutil.assert_one_line_error(self, run, args, *fragments, expect=expect)

    # --- 2. Nothing of the user's is overwritten -------------------------------------------

    def test_train_out_refuses_a_folder_that_is_not_a_run(self):
        d = fresh("users_folder")
        os.makedirs(d)
        for name, text in [("config.json", '{"mine": 1}\n'), ("metrics.jsonl", "my notes\n"), ("model.safetensors", "my model")]:
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        before = tree_digest(d)
        self.one_line(["train", *TINY, "--out", d, "--iters", "1"], d, "not a run directory", "choose another --out")
        self.one_line(["train", "--data", "toy:ring8", "--out", d, "--iters", "1"], d, "not a run directory")
        self.assertEqual(before, tree_digest(d), "the user's files changed")
        self.assertFalse(os.path.exists(os.path.join(d, ".lock")))
        # A 2-D playground run is no image run either.
        toy = fresh("toy_run")
        run("train", "--data", "toy:ring8", "--out", toy, "--iters", "2")
        self.one_line(["train", *TINY, "--out", toy, "--iters", "1"], toy, "2-D playground")
        # What still works: a new folder, an empty one, one a start left at once (.lock and empty
        # samples/, checkpoints/), and a run (refused as before, naming --resume).
        empty = fresh("empty_folder")
        os.makedirs(empty)
        run("train", *TINY, "--out", empty, "--iters", "1")
        left = fresh("left_by_a_dead_start")
        os.makedirs(os.path.join(left, "samples"))
        os.makedirs(os.path.join(left, "checkpoints"))
        open(os.path.join(left, ".lock"), "w").close()
        run("train", *TINY, "--out", left, "--iters", "1")
        self.one_line(["train", *TINY, "--out", empty, "--iters", "1"], "already holds a run", "--resume")

    def test_an_output_that_is_an_input_is_refused_before_any_work(self):
        d = fresh("same_file")
        os.makedirs(d)
        model = os.path.join(d, "m.safetensors")
        shutil.copy(self.model, model)
        os.symlink(model, os.path.join(d, "link.png"))
        os.link(model, os.path.join(d, "hard.png"))
        os.link(model, os.path.join(d, "hard.safetensors"))
        img = os.path.join(d, "img.png")
        shutil.copy(os.path.join(FIX, "folder", "img0.png"), img)
        images = os.path.join(d, "images")  # a folder of images to score
        os.makedirs(images)
        shutil.copy(img, os.path.join(images, "a.png"))
        pth = os.path.join(d, "sd.pth")
        shutil.copy(os.path.join(FIX, "minimal.pth"), pth)
        os.link(pth, os.path.join(d, "sd_hard.safetensors"))
        run_copy = os.path.join(d, "run")
        shutil.copytree(self.run_dir, run_copy)
        os.link(os.path.join(run_copy, "model.safetensors"), os.path.join(d, "feat_hard.safetensors"))
        before = tree_digest(d)
        m = ["--model", model]
        cases = [
            (["sample", *m, "--n", "4", "--steps", "2", "--out", model], "--model"),
            (["sample", *m, "--n", "4", "--steps", "2", "--out", "", "--npy", os.path.join(d, "link.png")], "--model"),
            (["sample", *m, "--n", "4", "--steps", "2", "--out", os.path.join(d, "hard.png")], "--model"),
            (["sample", *m, "--n", "4", "--steps", "2", "--init", img, "--out", img], "--init"),
            (["sample", *m, "--n", "4", "--steps", "2", "--out", wk("twice.png"), "--json", wk("twice.png")], "--json"),
            (["sample", "--model", run_copy, "--n", "4", "--steps", "2", "--out", os.path.join(run_copy, "model.safetensors")], "--model"),
            (["convert", "--from", pth, "--out", os.path.join(d, "sd_hard.safetensors")], "--from"),
            (["interpolate", *m, "--steps", "2", "--out", os.path.join(d, "link.png")], "--model"),
            (["reconstruct", *m, "--image", img, "--iters", "1", "--out", img], "--image"),
            (["compare", *m, "--n", "4", "--steps", "2", "--out", wk("cmp.png"), "--json", model], "--model"),
            (["sweep", *m, "--steps", "2", "--step-sizes", "1", "--out", os.path.join(d, "hard.png")], "--model"),
            (["score", *m, "--images", images, "--n", "4", "--out", os.path.join(images, "a.png")], "--images"),
            (["eval", *m, "--json", model], "--model"),
            (["plot", run_copy, "--out", os.path.join(run_copy, "metrics.jsonl")], "metrics"),
            (["tune-sampler", *m, "--out", os.path.join(d, "hard.safetensors")], "the model being tuned"),
            (["train", "--resume", run_copy, "--iters", "3", "--eval-every", "1", "--eval-features",
              os.path.join(d, "feat_hard.safetensors")], "--eval-features"),
        ]
        for args, fragment in cases:
            with self.subTest(cmd=args[0], out=args[-1]):
                t0 = time.monotonic()
                self.one_line(args, fragment)
                self.assertLess(time.monotonic() - t0, 30)
                self.assertEqual(before, tree_digest(d), "an input changed")
        self.assertFalse(os.path.exists(wk("twice.png")))

    def test_a_read_only_output_is_refused_also_for_root(self):
        # Root passes access(W_OK) for any file; the refusal goes by the file's mode bits.
        d = fresh("read_only")
        os.makedirs(d)
        out = os.path.join(d, "kept.png")
        with open(out, "w") as f:
            f.write("the user's picture")
        os.chmod(out, 0o444)
        self.one_line(["sample", "--model", self.model, "--n", "4", "--steps", "2", "--out", out], out, "read-only", "0444")
        with open(out) as f:
            self.assertEqual(f.read(), "the user's picture")
        self.assertEqual(os.stat(out).st_mode & 0o777, 0o444)
        self.assertEqual(os.listdir(d), ["kept.png"])  # no temp file left
        print(f"\n  read-only output refused as uid {os.geteuid()}", file=sys.stderr)

    def test_a_fifo_without_a_reader_fails_at_once(self):
        d = fresh("fifo_no_reader")
        os.makedirs(d)
        p = os.path.join(d, "pipe")
        os.mkfifo(p)
        t0 = time.monotonic()
        self.one_line(["sample", "--model", self.model, "--n", "4", "--steps", "2", "--out", p], p, "no reader")
        self.assertLess(time.monotonic() - t0, 60)
        self.assertTrue(os.path.exists(p))

    def test_a_reader_that_quits_early_is_one_line_not_a_silent_sigpipe(self):
        d = fresh("fifo_quitter")
        os.makedirs(d)
        p = os.path.join(d, "pipe")
        os.mkfifo(p)
        got = []

        def reader():  # reads 10 bytes of a 4 MB NPY, then quits
            with open(p, "rb") as f:
                got.append(f.read(10))

        t = threading.Thread(target=reader)
        t.start()
        args = ["sample", "--model", self.model, "--n", "1024", "--steps", "1", "--out", "", "--npy", p]
        proc = subprocess.run([SHORTRUN, *args], capture_output=True, text=True, timeout=TIMEOUT_S)
        t.join(timeout=10)
        self.assertEqual(got and got[0][:6], b"\x93NUMPY")
        self.assertEqual(proc.returncode, 1, f"exit {proc.returncode} (-13 is SIGPIPE)\n{proc.stderr}")
        lines = proc.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, proc.stderr)
        self.assertIn(p, lines[0])
        self.assertIn("reader closed the pipe", lines[0])
        # The same through stdout ("-"), as in `shortrun sample --out - | head -c 10`.
        sp = subprocess.Popen([SHORTRUN, "sample", "--model", self.model, "--n", "1024", "--steps", "1", "--out", "", "--npy", "-"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        head = sp.stdout.read(10)
        sp.stdout.close()
        err = sp.stderr.read().decode()
        sp.stderr.close()
        rc = sp.wait(timeout=TIMEOUT_S)
        self.assertEqual(head[:6], b"\x93NUMPY")
        self.assertEqual(rc, 1, f"exit {rc} (-13 is SIGPIPE)\n{err}")
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertIn("-: the reader closed the pipe", err)

    def test_deleting_the_lock_file_does_not_let_a_second_trainer_in(self):
        d = fresh("lock_deleted")
        args = [*tiny(nf=8, steps=30), "--iters", "400", "--log-every", "1"]
        first = subprocess.Popen([SHORTRUN, "train", *args, "--out", d], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.time() + TIMEOUT_S
            while time.time() < deadline and not (os.path.exists(os.path.join(d, "metrics.jsonl")) and metrics(d)):
                time.sleep(0.05)
            self.assertIsNone(first.poll(), "the first trainer ended before the test could race it")
            os.unlink(os.path.join(d, ".lock"))
            for second in (["train", *args, "--out", d], ["train", "--resume", d, "--threads", "1"]):
                with self.subTest(second=second[1]):
                    self.one_line(second, d, "another trainer", f"PID {first.pid}")
        finally:
            first.send_signal(signal.SIGINT)
            first.wait(timeout=TIMEOUT_S)
            first.stderr.close()
        its = [m["iteration"] for m in metrics(d) if "event" not in m]
        self.assertEqual(its, sorted(set(its)), "two writers interleaved metrics.jsonl")

    # --- 3. Resume and run directories --------------------------------------------------------

    def test_limit_is_kept_and_a_resumed_run_trains_on_the_same_images(self):
        a, b = fresh("limit_straight"), fresh("limit_split")
        args = [*TINY, "--limit", "3", "--log-every", "1", "--checkpoint-every", "2"]
        run("train", *args, "--out", a, "--iters", "6")
        run("train", *args, "--out", b, "--iters", "3")
        with open(os.path.join(b, "config.json")) as f:
            self.assertEqual(json.load(f)["limit"], 3)
        p = run("train", "--resume", b, "--iters", "6", "--threads", "1")
        self.assertIn("3 images", p.stdout)
        self.assertEqual(digest(os.path.join(a, "model.safetensors")), digest(os.path.join(b, "model.safetensors")))
        self.assertEqual(untimed(metrics(a)), untimed(metrics(b)))
        # The same limit may be given again; another one, or any other setting of the run, is refused.
        run("train", "--resume", b, "--iters", "6", "--limit", "3", "--threads", "1")
        self.one_line(["train", "--resume", b, "--limit", "5"], "--limit", "3", expect=2)
        self.one_line(["train", "--resume", b, "--steps", "7"], "--steps", "config.json", expect=2)

    def test_an_extension_from_a_checkpoint_iteration_logs_every_checkpoint_event(self):
        a, b = fresh("ext_straight"), fresh("ext_split")
        args = [*TINY, "--log-every", "5", "--checkpoint-every", "5", "--sample-every", "1000"]
        run("train", *args, "--out", a, "--iters", "20")
        run("train", *args, "--out", b, "--iters", "10")  # ends on the checkpoint cadence
        run("train", "--resume", b, "--iters", "20", "--threads", "1")
        events = [m["iteration"] for m in metrics(b) if m.get("event") == "checkpoint"]
        self.assertEqual(events, [m["iteration"] for m in metrics(a) if m.get("event") == "checkpoint"])
        self.assertEqual(events, [5, 10, 15])
        self.assertEqual(untimed(metrics(a)), untimed(metrics(b)))
        self.assertEqual(digest(os.path.join(a, "model.safetensors")), digest(os.path.join(b, "model.safetensors")))

    def test_a_flipped_bit_in_a_checkpoint_is_caught_by_its_checksum(self):
        d = fresh("bitflip")
        run("train", *TINY, "--log-every", "2", "--checkpoint-every", "4", "--out", d, "--iters", "12")
        ck = os.path.join(d, "checkpoints")
        gens = [os.path.join(ck, g) for g in ("latest.safetensors", "latest.1.safetensors", "latest.2.safetensors")]
        saved = {}
        for g in gens:
            with open(g, "rb") as f:
                saved[g] = f.read()
        # One low mantissa bit: the weight stays finite and plausible; only the checksum sees it.
        flip_bit(gens[0], "f.0.weight", element=5, bit=0)
        self.one_line(["sample", "--model", gens[0], "--n", "2", "--steps", "1", "--out", ""], gens[0], "f.0.weight",
                      "checksum")
        p = run("train", "--resume", d, "--iters", "14", "--threads", "1")
        self.assertIn("checksum", p.stdout)
        self.assertIn("continuing from " + gens[1], p.stdout)
        self.assertEqual([m["iteration"] for m in metrics(d) if "event" not in m][-1], 14)
        # Nothing good left: one line naming the files, nothing trained.
        for g in gens:
            with open(g, "wb") as f:
                f.write(saved[g])
            flip_bit(g, "f.0.bias", element=0, bit=1)
        before = tree_digest(ck)
        self.one_line(["train", "--resume", d, "--iters", "16", "--threads", "1"], "no usable checkpoint", "checksum")
        self.assertEqual(before, tree_digest(ck))
        # Checkpoints written before checksums (the bundled model among them) still load.
        run("info")

    def test_a_checkpoint_without_checksums_still_loads(self):
        d = fresh("no_checksums")
        os.makedirs(d)
        src = os.path.join(self.run_dir, "model.safetensors")
        with open(src, "rb") as f:
            blob = f.read()
        n = struct.unpack("<Q", blob[:8])[0]
        header = json.loads(blob[8:8 + n])
        meta = header["__metadata__"]
        self.assertTrue(any(k.startswith("crc32/") for k in meta), "a new checkpoint carries checksums")
        header["__metadata__"] = {k: v for k, v in meta.items() if not k.startswith("crc32/")}
        text = json.dumps(header).encode()
        text += b" " * ((8 - (len(text) + 8) % 8) % 8)
        old = os.path.join(d, "old.safetensors")
        with open(old, "wb") as f:
            f.write(struct.pack("<Q", len(text)) + text + blob[8 + n:])
        run("sample", "--model", old, "--n", "2", "--steps", "1", "--out", "")


if __name__ == "__main__":
    unittest.main(verbosity=2)
