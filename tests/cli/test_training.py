#!/usr/bin/env python3
"""Training that researchers can trust, end to end through the CLI: the divergence watchdog,
SIGKILL + resume reaching the same weights, best.safetensors by FD, `plot`, `eval`, and bad
input that fails in one line without touching a good checkpoint.

usage: test_training.py SHORTRUN FIXTURE_DIR WORK_DIR
"""
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
import unittest
import zlib

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cliutil  # noqa: E402

SHORTRUN, FIX, WORK = (os.path.abspath(p) for p in sys.argv[1:4])
del sys.argv[1:4]
os.makedirs(WORK, exist_ok=True)
TINY_DEFAULTS = {"--data": "idx:" + os.path.join(FIX, "tiny-images-idx3-ubyte.gz"), "--nf": "4", "--steps": "3",
                 "--batch": "4", "--threads": "1", "--eval-every": "0"}


def tiny(**over):
    """Arguments of a tiny training run; over: option name without dashes (underscores) -> value."""
    opts = dict(TINY_DEFAULTS)
    opts.update({"--" + k.replace("_", "-"): str(v) for k, v in over.items()})
    return [x for kv in opts.items() for x in kv]


TINY = tiny()


def run(*args, expect=0, timeout=600):
    p = subprocess.run([SHORTRUN, *args], capture_output=True, text=True, timeout=timeout)
    if p.returncode != expect:
        raise AssertionError(f"shortrun {' '.join(args)} exited {p.returncode}, expected {expect}\n{p.stdout}\n{p.stderr}")
    return p


def wk(name):
    return os.path.join(WORK, name)


def fresh(name):
    d = wk(name)
    shutil.rmtree(d, ignore_errors=True)
    return d


def metrics(run_dir):
    # Complete lines only: a trainer that is running (or was just killed) may have half a line
    # at the end, which resume discards too.
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        text = f.read()
    return [json.loads(line) for line in text.split("\n")[:-1] if line.strip()]


def tensors(path):
    """The tensors of a .safetensors file as {name: bytes} (metadata such as wall time ignored)."""
    with open(path, "rb") as f:
        blob = f.read()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    return {k: data[v["data_offsets"][0]:v["data_offsets"][1]] for k, v in header.items() if k != "__metadata__"}


def patch_tensor(path, name, fn, keep_checksum=True):
    """Rewrites tensor `name` of a .safetensors file in place: fn(numpy array) -> numpy array.
    keep_checksum: also rewrite its CRC-32 in the metadata (a bad state written by the trainer
    itself, which only the value checks can catch); False: a corruption the checksum must catch."""
    with open(path, "rb") as f:
        blob = bytearray(f.read())
    n = struct.unpack("<Q", blob[:8])[0]
    info = json.loads(blob[8:8 + n])[name]
    a, b = (8 + n + o for o in info["data_offsets"])
    dtype = {"F32": np.float32, "F64": np.float64, "I64": np.int64}[info["dtype"]]
    arr = fn(np.frombuffer(bytes(blob[a:b]), dtype).copy())
    old_crc = zlib.crc32(bytes(blob[a:b]))
    blob[a:b] = arr.astype(dtype).tobytes()
    if keep_checksum:
        key = json.dumps("crc32/" + name).encode()
        old, new = key + b':"%08x"' % old_crc, key + b':"%08x"' % zlib.crc32(bytes(blob[a:b]))
        assert blob[8:8 + n].count(old) == 1, f"{path}: no CRC-32 of {name} in its metadata"
        blob[8:8 + n] = bytes(blob[8:8 + n]).replace(old, new)
    with open(path, "wb") as f:
        f.write(blob)


TIMING = ("wall_s", "its_per_s", "seconds")


def untimed(lines):
    return [{k: v for k, v in m.items() if k not in TIMING} for m in lines]


def feature_net():
    """A quick feature net (2,000 training images, one epoch): enough for FD's arithmetic."""
    feat = wk("feat.safetensors")
    if not os.path.exists(feat):
        run("train-features", "--out", feat, "--epochs", "1", "--limit", "2000", "--threads", "1", timeout=900)
    return feat


def card(path):
    return json.loads(run("info", "--model", path, "--json").stdout)


class Training(unittest.TestCase):
    def assert_one_line_error(self, args, *fragments, expect=1):
        cliutil.assert_one_line_error(self, run, args, *fragments, expect=expect)

    def test_watchdog_rolls_back_an_injected_divergence_and_goes_on(self):
        # The divergence is injected (NaN energies at iteration 13, once), so the outcome does not
        # depend on the CPU's rounding (AVX2 vs AVX-512).
        d = fresh("diverge")
        env = dict(os.environ, SHORTRUN_TEST_NONFINITE_AT="13")
        p = subprocess.run([SHORTRUN, "train", *TINY, "--out", d, "--iters", "30", "--log-every", "1",
                            "--checkpoint-every", "4", "--rollback-lr-factor", "0.1"],
                           capture_output=True, text=True, timeout=600, env=env)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("non-finite energy at iteration 13: rolled back to iteration 12", p.stdout)
        events = [m for m in metrics(d) if m.get("event") == "rollback"]
        self.assertEqual([(e["from_iteration"], e["iteration"]) for e in events], [(13, 12)])
        self.assertAlmostEqual(events[0]["lr"], 1e-5)
        logged = [m for m in metrics(d) if "event" not in m]
        self.assertEqual(logged[-1]["iteration"], 30)
        # Iterations logged before a rollback and then run again appear once.
        its = [m["iteration"] for m in logged]
        self.assertEqual(its, sorted(set(its)))
        # Every checkpoint was written for weights measured healthy.
        ckpts = [m for m in metrics(d) if m.get("event") == "checkpoint"]
        self.assertEqual([c["iteration"] for c in ckpts], [4, 8, 12, 16, 20, 24, 28])
        self.assertTrue(all(c["healthy"] for c in ckpts))
        run("sample", "--model", d, "--n", "4", "--out", wk("after_divergence.png"), "--threads", "1")

    def test_watchdog_gives_up_on_a_gap_it_never_accepts(self):
        # Every gap is above 1e-12, whatever the rounding: each log is a strike, the run rolls back
        # to its initial state until it gives up, and says where the last good state is.
        d = fresh("giveup")
        cliutil.assert_one_line_error(self, run, ["train", *TINY, "--out", d, "--iters", "20", "--log-every", "1",
                                                  "--watch-gap", "1e-12", "--watch-patience", "1"],
                                      "diverged again", "5 rollbacks", "latest.safetensors")
        events = [m for m in metrics(d) if m.get("event") == "rollback"]
        self.assertEqual(len(events), 5)
        self.assertTrue(all(e["iteration"] == 0 for e in events))
        run("sample", "--model", os.path.join(d, "checkpoints", "latest.safetensors"), "--n", "4",
            "--out", wk("after_giveup.png"), "--threads", "1")

    def test_energy_l2_is_part_of_the_run(self):
        # Issue 25: the penalty is recorded in config.json, kept by --resume, refused there, and a
        # bad value is one line; with alpha > 0 the weights differ from the paper's loss.
        a, b = fresh("l2"), fresh("no_l2")
        args = [*tiny(nf=4, steps=3), "--iters", "4", "--log-every", "1", "--checkpoint-every", "2"]
        run("train", *args, "--out", a, "--energy-l2", "0.5")
        run("train", *args, "--out", b)
        with open(os.path.join(a, "config.json")) as f:
            self.assertEqual(json.load(f)["energy_l2"], 0.5)
        with open(os.path.join(b, "config.json")) as f:
            self.assertEqual(json.load(f)["energy_l2"], 0.0)
        self.assertNotEqual(tensors(os.path.join(a, "model.safetensors")), tensors(os.path.join(b, "model.safetensors")))
        self.assert_one_line_error(["train", "--resume", a, "--energy-l2", "0.1"], "--energy-l2", "fixed when it starts",
                                   expect=2)
        run("train", "--resume", a, "--iters", "6", "--threads", "1")
        self.assertEqual([m["iteration"] for m in metrics(a) if "event" not in m][-1], 6)
        bad = fresh("l2_bad")
        self.assert_one_line_error(["train", *args, "--out", bad, "--energy-l2", "-1"], "energy L2")
        self.assertFalse(os.path.exists(bad))

    def test_chain_starts_and_ema_are_part_of_the_run(self):
        # Issue 25: --init/--buffer/--reinit/--ema are recorded in config.json and fixed for --resume;
        # the buffer and EMA weights are files beside each checkpoint; metrics carry buffer stats.
        d = fresh("persist")
        args = [*tiny(batch=4), "--iters", "4", "--log-every", "2", "--checkpoint-every", "2"]
        p = run("train", *args, "--out", d, "--init", "persistent", "--buffer", "12", "--reinit", "0.25", "--ema", "0.9")
        self.assertIn("init=persistent (buffer 12, reinit 0.25) ema=0.9", p.stdout)
        with open(os.path.join(d, "config.json")) as f:
            cfg = json.load(f)
        self.assertEqual((cfg["init"], cfg["buffer"], cfg["reinit"], cfg["ema"]), ("persistent", 12, 0.25, 0.9))
        for f in ["model.ema.safetensors", "checkpoints/latest.ema.safetensors", "checkpoints/latest.buffer.safetensors",
                  "checkpoints/latest.1.ema.safetensors", "checkpoints/latest.1.buffer.safetensors"]:
            self.assertTrue(os.path.exists(os.path.join(d, f)), f)
        logs = [m for m in metrics(d) if "event" not in m]
        self.assertEqual([m["iteration"] for m in logs], [2, 4])
        for m in logs:
            b = m["buffer"]
            self.assertTrue(0 < b["mean_age"] <= m["iteration"] and 0 <= b["reinit"] <= 4 and b["reinit_total"] >= b["reinit"], b)
        for flag, value in [("--init", "uniform"), ("--buffer", "12"), ("--reinit", "0.1"), ("--ema", "0.99")]:
            with self.subTest(flag=flag):
                self.assert_one_line_error(["train", "--resume", d, flag, value], flag, "fixed when it starts", expect=2)
        run("train", "--resume", d, "--iters", "6", "--threads", "1")
        self.assertEqual([m["iteration"] for m in metrics(d) if "event" not in m][-1], 6)
        # A run without them writes no such files and logs no buffer.
        plain = fresh("plain_start")
        run("train", *args, "--out", plain, "--init", "data")
        self.assertFalse(any(".ema." in f or ".buffer." in f for f in os.listdir(os.path.join(plain, "checkpoints"))))
        self.assertFalse(any("buffer" in m for m in metrics(plain)))

    def test_sample_and_eval_use_ema_weights_when_present_and_say_so(self):
        d = fresh("ema_run")
        run("train", *tiny(batch=4), "--iters", "4", "--out", d, "--ema", "0.5")
        model = os.path.join(d, "model.safetensors")
        outs = {}
        for which in ["default", "raw", "ema"]:
            out, rep = wk(f"ema_{which}.npy"), wk(f"ema_{which}.json")
            extra = [] if which == "default" else ["--weights", which]
            p = run("sample", "--model", d, "--n", "4", "--out", "", "--npy", out, "--json", rep, "--threads", "1", *extra)
            self.assertEqual("using the EMA weights" in p.stderr, which != "raw", p.stderr)
            with open(rep) as f:
                j = json.load(f)
            self.assertEqual(j["weights"], "raw" if which == "raw" else "ema")
            self.assertEqual(j["model"].endswith("model.ema.safetensors"), which != "raw")
            self.assertEqual(j["command"].endswith("--weights raw") or " --weights raw " in j["command"], which == "raw")
            outs[which] = np.load(out)
        self.assertTrue(np.array_equal(outs["default"], outs["ema"]))
        self.assertFalse(np.array_equal(outs["raw"], outs["ema"]))
        # The EMA file is a model on its own, and --weights ema without one is refused in one line.
        run("sample", "--model", os.path.join(d, "model.ema.safetensors"), "--n", "4", "--out", "", "--npy", wk("ema_direct.npy"),
            "--threads", "1")
        self.assertTrue(np.array_equal(np.load(wk("ema_direct.npy")), outs["ema"]))
        plain = fresh("no_ema_run")
        run("train", *tiny(batch=4), "--iters", "2", "--out", plain)
        self.assert_one_line_error(["sample", "--model", plain, "--weights", "ema", "--n", "2", "--out", ""], "model.safetensors",
                                   "no EMA weights", "model.ema.safetensors")
        self.assertNotIn("EMA", run("sample", "--model", plain, "--n", "2", "--out", "", "--threads", "1").stderr)
        # eval says which weights it scored, in its JSON and on stderr.
        p = run("eval", "--model", d, "--data", "fashion-mnist", "--n", "8", "--features", feature_net(), "--threads", "1",
                "--no-memorisation")
        self.assertIn("eval: using the EMA weights", p.stderr)
        self.assertEqual(json.loads(p.stdout.strip().splitlines()[-1])["weights"], "ema")
        p = run("eval", "--model", model, "--weights", "raw", "--data", "fashion-mnist", "--n", "8", "--features", feature_net(),
                "--threads", "1", "--no-memorisation")
        self.assertEqual(json.loads(p.stdout.strip().splitlines()[-1])["weights"], "raw")

    def test_sample_init_keywords(self):
        # sample --init uniform|gaussian are the z distributions (as --init-dist); data/persistent are training's.
        a, b = wk("init_kw.npy"), wk("init_dist.npy")
        run("sample", "--init", "gaussian", "--n", "4", "--steps", "2", "--out", "", "--npy", a, "--threads", "1")
        run("sample", "--init-dist", "gaussian", "--n", "4", "--steps", "2", "--out", "", "--npy", b, "--threads", "1")
        self.assertTrue(np.array_equal(np.load(a), np.load(b)))
        run("sample", "--init", "uniform", "--n", "4", "--steps", "2", "--out", "", "--npy", b, "--threads", "1")
        self.assertFalse(np.array_equal(np.load(a), np.load(b)))
        for kw in ["data", "persistent"]:
            self.assert_one_line_error(["sample", "--init", kw, "--n", "2", "--out", ""], "--init", "training start", expect=2)

    def test_bad_chain_start_settings_and_buffer_files_fail_in_one_line(self):
        # Bad flags: one line naming the flag, exit 1, no run directory.
        for flag, value, frag in [("--reinit", "2", "0..1"), ("--buffer", "0", "at least 1"), ("--ema", "1.5", "(0, 1)"),
                                  ("--buffer", "2", "--batch 4")]:
            with self.subTest(flag=flag, value=value):
                bad = fresh("bad_start")
                self.assert_one_line_error(["train", *tiny(batch=4), "--out", bad, "--init", "persistent", flag, value],
                                           flag, frag)
                self.assertFalse(os.path.exists(bad))
        self.assert_one_line_error(["train", *tiny(batch=4), "--out", fresh("bad_init"), "--init", "replay"], "--init", expect=2)
        # Runs whose latest checkpoint is their only one.
        args = [*tiny(batch=4), "--iters", "0", "--init", "persistent", "--reinit", "0.5"]
        mine, other = fresh("buf_mine"), fresh("buf_other")
        run("train", *args, "--buffer", "8", "--out", mine)
        run("train", *args, "--buffer", "12", "--out", other)
        ckpts = os.path.join(mine, "checkpoints")
        self.assertEqual(sorted(os.listdir(ckpts)), ["latest.buffer.safetensors", "latest.safetensors"])
        buf = os.path.join(ckpts, "latest.buffer.safetensors")

        def snapshot():
            out = {}
            for root, _, files in os.walk(mine):
                for f in files:
                    if f == ".lock":  # the run lock names the last trainer's PID
                        continue
                    with open(os.path.join(root, f), "rb") as fh:
                        out[os.path.relpath(os.path.join(root, f), mine)] = fh.read()
            return out
        # A buffer of another shape: refused, naming the file and the shape expected; nothing written.
        shutil.copy(os.path.join(other, "checkpoints", "latest.buffer.safetensors"), buf)
        before = snapshot()
        self.assert_one_line_error(["train", "--resume", mine, "--iters", "2"], buf, "[12, 1, 32, 32]", "expects 8 chains of 1x32x32")
        self.assertEqual(before, snapshot())
        # A truncated buffer: refused, naming the file; nothing written.
        with open(buf, "rb") as f:
            blob = f.read()
        with open(buf, "wb") as f:
            f.write(blob[:len(blob) // 2])
        before = snapshot()
        self.assert_one_line_error(["train", "--resume", mine, "--iters", "2"], buf)
        self.assertEqual(before, snapshot())
        # A missing one too.
        os.remove(buf)
        self.assert_one_line_error(["train", "--resume", mine, "--iters", "2"], buf, "missing")

    def test_a_truncated_buffer_falls_back_to_the_older_generation_and_loses_nothing(self):
        # latest's buffer cut short: the run goes on from latest.1 (with a warning naming the file) and
        # ends where the straight run ends, since every iteration replays exactly.
        a, b = fresh("buf_straight"), fresh("buf_cut")
        args = [*tiny(batch=4), "--init", "persistent", "--buffer", "8", "--ema", "0.8", "--log-every", "1",
                "--checkpoint-every", "2", "--sample-every", "1000"]
        run("train", *args, "--out", a, "--iters", "6")
        run("train", *args, "--out", b, "--iters", "4")
        buf = os.path.join(b, "checkpoints", "latest.buffer.safetensors")
        with open(buf, "r+b") as f:
            f.truncate(os.path.getsize(buf) - 100)
        p = run("train", "--resume", b, "--iters", "6", "--threads", "1")
        self.assertIn("latest.buffer.safetensors", p.stdout)
        self.assertIn("continuing from", p.stdout)
        for f in ["model.safetensors", "model.ema.safetensors", "checkpoints/latest.buffer.safetensors"]:
            # assertTrue: assertEqual would diff megabytes of tensor bytes, for minutes, on failure
            self.assertTrue(tensors(os.path.join(a, f)) == tensors(os.path.join(b, f)), f + " differs")

    def test_a_rollback_restores_the_buffer_and_ema_with_the_weights(self):
        # NaN energies injected at iteration 13 roll back to the checkpoint of 12: the buffer comes back
        # with it, so the re-run iteration 12 draws and writes exactly what a run without the fault did
        # (its buffer stats and energies are measured before the lower rate takes effect).
        clean, faulty = fresh("p_clean"), fresh("p_faulty")
        args = [*TINY, "--iters", "16", "--log-every", "1", "--checkpoint-every", "4", "--init", "persistent",
                "--buffer", "12", "--reinit", "0.3", "--ema", "0.9"]
        run("train", *args, "--out", clean)
        env = dict(os.environ, SHORTRUN_TEST_NONFINITE_AT="13")
        p = subprocess.run([SHORTRUN, "train", *args, "--out", faulty], capture_output=True, text=True, timeout=600, env=env)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("rolled back to iteration 12", p.stdout)
        a = {m["iteration"]: m for m in metrics(clean) if "event" not in m}
        b = {m["iteration"]: m for m in metrics(faulty) if "event" not in m}
        self.assertEqual(sorted(b), list(range(1, 17)))
        for it in range(1, 14):
            self.assertEqual(a[it]["buffer"], b[it]["buffer"], f"iteration {it}")
            self.assertEqual(a[it]["f_samples"], b[it]["f_samples"], f"iteration {it}")
        self.assertNotEqual(a[16]["f_samples"], b[16]["f_samples"])  # the lower rate afterwards
        run("train", "--resume", faulty, "--iters", "18", "--threads", "1")  # its files still belong together

    def test_sigkill_of_a_persistent_ema_run_then_resume_equals_the_straight_run(self):
        a, b = fresh("p_straight"), fresh("p_killed")
        args = [*tiny(nf=8, steps=12), "--iters", "40", "--checkpoint-every", "3", "--log-every", "1",
                "--init", "persistent", "--buffer", "16", "--reinit", "0.2", "--ema", "0.9",
                "--long-run-every", "5", "--long-run-steps", "20", "--long-run-chains", "4"]
        run("train", *args, "--out", a)
        self.assertEqual([m["iteration"] for m in metrics(a) if m.get("event") == "long_run"], list(range(5, 41, 5)))
        proc = subprocess.Popen([SHORTRUN, "train", *args, "--out", b], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while time.time() < deadline:
            if os.path.exists(os.path.join(b, "metrics.jsonl")) and len(metrics(b)) >= 8:
                break
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed_at = len(metrics(b))
        run("train", "--resume", b, "--threads", "1")
        self.assertLess(killed_at, 40, "the run finished before it could be killed")
        for f in ["model.safetensors", "model.ema.safetensors", "checkpoints/latest.buffer.safetensors",
                  "checkpoints/latest.ema.safetensors"]:
            self.assertTrue(tensors(os.path.join(a, f)) == tensors(os.path.join(b, f)),
                            f"{f} differs after SIGKILL at logged iteration {killed_at} + resume")
        self.assertEqual(untimed(metrics(a)), untimed(metrics(b)), "metrics.jsonl differs after SIGKILL + resume")

    def test_sigkill_then_resume_reaches_the_same_weights(self):
        a, b = fresh("straight"), fresh("killed")
        args = [*tiny(nf=8, steps=12), "--iters", "40", "--checkpoint-every", "3", "--log-every", "1"]
        run("train", *args, "--out", a)
        proc = subprocess.Popen([SHORTRUN, "train", *args, "--out", b], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while time.time() < deadline:
            if os.path.exists(os.path.join(b, "metrics.jsonl")) and len(metrics(b)) >= 8:
                break
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed_at = len(metrics(b))
        run("train", "--resume", b, "--threads", "1")
        self.assertLess(killed_at, 40, "the run finished before it could be killed")
        ta, tb = tensors(os.path.join(a, "model.safetensors")), tensors(os.path.join(b, "model.safetensors"))
        self.assertEqual(ta.keys(), tb.keys())
        for k in ta:
            self.assertEqual(ta[k], tb[k], f"{k} differs after SIGKILL at logged iteration {killed_at} + resume")
        self.assertEqual(untimed(metrics(a)), untimed(metrics(b)), "metrics.jsonl differs after SIGKILL + resume")

    def test_resume_and_extension_are_the_run_they_continue(self):
        # 24 iterations straight vs 7 (off the log and checkpoint cadences) then --resume --iters 24:
        # the same metrics (timing aside), and byte-identical weight files (cmp-exact).
        a, b = fresh("whole"), fresh("split")
        args = [*tiny(nf=8, steps=5), "--log-every", "3", "--checkpoint-every", "5", "--sample-every", "1000"]
        run("train", *args, "--out", a, "--iters", "24")
        run("train", *args, "--out", b, "--iters", "7")
        self.assertTrue(any(m.get("partial") for m in metrics(b)), "the short run's last line is marked partial")
        run("train", "--resume", b, "--iters", "24", "--threads", "1")
        self.assertEqual(untimed(metrics(a)), untimed(metrics(b)))
        for f in ["model.safetensors", "checkpoints/latest.safetensors"]:
            with open(os.path.join(a, f), "rb") as fa, open(os.path.join(b, f), "rb") as fb:
                self.assertTrue(fa.read() == fb.read(), f + " differs between the straight and the resumed run")

    def test_lr_schedules_are_exact_across_kill_and_extension(self):
        # cosine: SIGKILL + resume equals the straight run; step: a short run extended with
        # --resume --iters equals the straight run (the schedule lives in the checkpoints).
        a, b = fresh("cos_straight"), fresh("cos_killed")
        args = [*tiny(nf=8, steps=12), "--iters", "30", "--checkpoint-every", "3", "--log-every", "1",
                "--lr-schedule", "cosine", "--lr", "1e-3"]
        run("train", *args, "--out", a)
        proc = subprocess.Popen([SHORTRUN, "train", *args, "--out", b], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while time.time() < deadline and not (os.path.exists(os.path.join(b, "metrics.jsonl")) and len(metrics(b)) >= 8):
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        run("train", "--resume", b, "--threads", "1")
        self.assertEqual(untimed(metrics(a)), untimed(metrics(b)))
        self.assertEqual(tensors(os.path.join(a, "model.safetensors")), tensors(os.path.join(b, "model.safetensors")))
        lrs = [m["lr"] for m in metrics(a) if "event" not in m]
        self.assertAlmostEqual(lrs[0], 1e-3)
        self.assertAlmostEqual(lrs[-1], 1e-3 * (0.01 + 0.99 * 0.5 * (1 + np.cos(np.pi * 29 / 30))), places=12)
        self.assertTrue(all(x > y for x, y in zip(lrs, lrs[1:])))
        with open(os.path.join(a, "config.json")) as f:
            self.assertEqual(json.load(f)["lr_schedule"], "cosine:30")

        c, d = fresh("step_whole"), fresh("step_split")
        args = [*tiny(nf=8, steps=5), "--log-every", "3", "--checkpoint-every", "5", "--lr-schedule", "step:5:0.5"]
        run("train", *args, "--out", c, "--iters", "18")
        run("train", *args, "--out", d, "--iters", "7")
        run("train", "--resume", d, "--iters", "18", "--threads", "1")
        self.assertEqual(untimed(metrics(c)), untimed(metrics(d)))
        self.assertEqual(tensors(os.path.join(c, "model.safetensors")), tensors(os.path.join(d, "model.safetensors")))
        self.assertEqual([m["lr"] for m in metrics(c) if "event" not in m],
                         [1e-4 * 0.5 ** ((it - 1) // 5) for it in (3, 6, 9, 12, 15, 18)])
        # Diagnostics of the anatomy paper on every logged line, and `plot` draws them.
        line = [m for m in metrics(c) if "event" not in m][-1]
        self.assertEqual(len(line["grad_norm_k"]), 3)
        self.assertEqual(len(line["step_norm_profile"]), 5)
        self.assertTrue(0 <= line["saturated"] <= 1)
        self.assertIn("6 logged iterations", run("plot", c, "--out", wk("sched_curves.png")).stdout)
        # Usage errors: a bad schedule, or a new one for a resumed run.
        self.assert_one_line_error(["train", *TINY, "--out", fresh("badsched"), "--lr-schedule", "linear"],
                                   "linear", "step:ITER:FACTOR", expect=2)
        self.assert_one_line_error(["train", "--resume", d, "--lr-schedule", "constant"], "--lr-schedule", expect=2)

    def test_provenance_holds_no_absolute_path(self):
        # issue #11: data, feature net and the tuned-from model are named relative to the run
        # directory (or the copy's folder) or as assets/NAME, never by this machine's paths.
        d = fresh("portable")
        data = "idx:" + os.path.abspath(os.path.join(FIX, "tiny-images-idx3-ubyte.gz"))
        run("train", *tiny(data=data), "--out", d, "--iters", "2")
        def absolute(obj):
            if isinstance(obj, dict):
                return [x for v in obj.values() for x in absolute(v)]
            if isinstance(obj, list):
                return [x for v in obj for x in absolute(v)]
            return [obj] if isinstance(obj, str) and (obj.startswith("/") or ":/" in obj or " /" in obj) else []
        with open(os.path.join(d, "config.json")) as f:
            cfg = json.load(f)
        self.assertEqual(absolute(cfg), [])
        self.assertEqual(cfg["data"], "idx:" + os.path.relpath(data[4:], d))
        self.assertEqual(absolute(card(d)["provenance"]), [])
        copy = os.path.join(d, "tuned.safetensors")
        run("tune-sampler", "--model", os.path.abspath(os.path.join(d, "model.safetensors")), "--steps", "1", "--n", "8",
            "--features", os.path.abspath(feature_net()), "--threads", "1", "--out", copy)
        tuning = card(copy)["provenance"]["sampler_tuning"]
        self.assertEqual(absolute(card(copy)["provenance"]), [])
        self.assertEqual(tuning["tuned_from"], "model.safetensors")
        run("train", "--resume", d, "--iters", "3", "--threads", "1")  # the stored relative data path resolves

    def test_toy_playground_run_reproduces_from_its_settings(self):
        a, b = fresh("toy_a"), fresh("toy_b")
        args = ["train", "--data", "toy:ring8", "--iters", "40", "--log-every", "20", "--steps", "10", "--batch", "64",
                "--threads", "1"]
        p = run(*args, "--out", a)
        self.assertIn("it/s", p.stdout)
        with open(os.path.join(a, "settings.json")) as f:
            settings = json.load(f)
        self.assertEqual(settings["config"]["target"], "ring8")
        self.assertEqual(settings["settings"]["steps"], 10)
        # Issue 25: the 2-D defaults carry the energy penalty and the watchdog; the best model is kept.
        self.assertEqual((settings["settings"]["energy_l2"], settings["settings"]["watchdog"]), (0.01, True))
        self.assertIn("--energy-l2 0.01", settings["command"])
        self.assertTrue(os.path.exists(os.path.join(a, "best.safetensors")))
        self.assertIn("best KL", p.stdout)
        lines = metrics(a)
        self.assertEqual([m["iteration"] for m in lines], [20, 40])
        self.assertTrue(all(np.isfinite(m["kl"]) and m["kl"] >= 0 and np.isfinite(m["mmd"]) for m in lines))
        # The recorded command, pointed at another directory, gives the same metrics, picture and weights.
        cmd = settings["command"].split()
        self.assertEqual(cmd[0], "shortrun")
        cmd[cmd.index("--out") + 1] = b
        run(*cmd[1:])
        self.assertEqual(untimed(metrics(a)), untimed(metrics(b)))
        for f in ["playground.png", "model.safetensors"]:
            with open(os.path.join(a, f), "rb") as fa, open(os.path.join(b, f), "rb") as fb:
                self.assertTrue(fa.read() == fb.read(), f + " differs between two runs of the same command")
        from PIL import Image
        img = np.asarray(Image.open(os.path.join(a, "playground.png")).convert("RGB")).astype(float)
        self.assertGreater(img.std(), 20)
        # Issue 23 (19): info describes the toy model (it said "use shortrun convert"), sample draws its points.
        model = os.path.join(a, "model.safetensors")
        info = json.loads(run("info", "--model", model, "--json").stdout)
        self.assertEqual((info["kind"], info["iteration"], info["config"]["target"]), ("toy2d", 40, "ring8"))
        self.assertGreater(info["parameters"], 0)
        self.assertIn("2-D playground model", run("info", "--model", model).stdout)
        pts = os.path.join(a, "points.png")
        run("sample", "--model", model, "--n", "200", "--out", pts, "--threads", "1")
        xy = np.load(os.path.join(a, "points.npy"))
        self.assertEqual(xy.shape, (200, 2))
        self.assertTrue(np.all(np.isfinite(xy)))
        self.assertGreater(np.asarray(Image.open(pts).convert("RGB")).astype(float).std(), 20)
        # Errors: an unknown target (nothing created), an activation with kinks, an existing run.
        bad = fresh("toy_bad")
        self.assert_one_line_error(["train", "--data", "toy:swissroll", "--out", bad], "swissroll", "ring8")
        self.assertFalse(os.path.exists(bad))
        self.assert_one_line_error(["train", "--data", "toy:moons", "--out", bad, "--activation", "lrelu"], "silu", expect=2)
        self.assert_one_line_error(["train", "--data", "toy:ring8", "--out", a, "--iters", "1"], "already holds a run")

    def test_checkpoint_generations_survive_a_poisoned_or_broken_latest(self):
        d = fresh("generations")
        args = [*tiny(nf=8, steps=4), "--log-every", "2", "--checkpoint-every", "4"]
        run("train", *args, "--out", d, "--iters", "12")
        ck = os.path.join(d, "checkpoints")
        gens = ["latest.safetensors", "latest.1.safetensors", "latest.2.safetensors"]
        self.assertTrue(all(os.path.exists(os.path.join(ck, g)) for g in gens), os.listdir(ck))
        its = [int(np.frombuffer(tensors(os.path.join(ck, g))["train/iteration"], np.int64)[0]) for g in gens]
        self.assertEqual(its, [12, 8, 4])
        latest = os.path.join(ck, gens[0])
        saved = open(latest, "rb").read()
        adam = sorted(k for k in tensors(latest) if k.startswith("train/adam/m/"))[0]
        cases = [
            ("NaN in the Adam state", lambda: patch_tensor(latest, adam, lambda x: x * np.nan), "contains NaN"),
            ("iteration -5", lambda: patch_tensor(latest, "train/iteration", lambda x: x * 0 - 5), "iteration"),
            ("truncated", lambda: open(latest, "r+b").truncate(100), d),
        ]
        for what, poison, fragment in cases:
            with self.subTest(what):
                with open(latest, "wb") as f:
                    f.write(saved)
                poison()
                p = run("train", "--resume", d, "--iters", "14", "--threads", "1")
                self.assertIn("continuing from", p.stdout)
                self.assertIn("latest.1.safetensors", p.stdout)
                self.assertIn(fragment, p.stdout)
                warnings = [m for m in metrics(d) if m.get("event") == "warning"]
                self.assertTrue(warnings and "continuing from" in warnings[-1]["message"])
                logged = [m["iteration"] for m in metrics(d) if "event" not in m]
                self.assertEqual(logged[-1], 14)
                self.assertEqual(logged, sorted(set(logged)))  # resumed at 8: 10 and 12 logged once

    def test_a_huge_but_finite_weight_rolls_back_past_the_poisoned_generation(self):
        # A flipped exponent bit that leaves the weight finite loads; the run diverges at once,
        # rolls back to the same file, diverges again, and then goes one generation back.
        d = fresh("flipped")
        args = [*tiny(nf=8, steps=4), "--log-every", "1", "--checkpoint-every", "4", "--watch-patience", "1"]
        run("train", *args, "--out", d, "--iters", "12")
        latest = os.path.join(d, "checkpoints", "latest.safetensors")
        patch_tensor(latest, "f.0.weight", lambda x: np.where(np.arange(x.size) == 0, 3e30, x))
        p = run("train", "--resume", d, "--iters", "20", "--threads", "1")
        # (metrics.jsonl keeps the last rollback only: the first one's line lies past its target)
        rollbacks = [line for line in p.stdout.splitlines() if line.startswith("rollback:")]
        self.assertGreaterEqual(len(rollbacks), 2, p.stdout)
        self.assertIn("rolled back to iteration 12", rollbacks[0])
        self.assertIn("rolled back to iteration 8", rollbacks[-1])
        self.assertIn("latest.1.safetensors", rollbacks[-1])
        self.assertEqual([m for m in metrics(d) if "event" not in m][-1]["iteration"], 20)

    def test_bad_data_leaves_no_run_directory(self):
        d = fresh("baddata")
        cliutil.assert_one_line_error(self, run, ["train", *tiny(data="idx:" + wk("missing.gz")), "--out", d, "--iters", "2"],
                                      "missing.gz")
        self.assertFalse(os.path.exists(d), "a failed start left a run directory behind")
        run("train", *TINY, "--out", d, "--iters", "2")

    def test_two_trainers_never_share_a_run_directory(self):
        d = fresh("locked")
        args = [*tiny(nf=8, steps=30), "--iters", "400", "--log-every", "1"]
        first = subprocess.Popen([SHORTRUN, "train", *args, "--out", d], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.time() + 120
            while time.time() < deadline and not (os.path.exists(os.path.join(d, "metrics.jsonl")) and metrics(d)):
                time.sleep(0.05)
            for second in (["train", *args, "--out", d], ["train", "--resume", d, "--threads", "1"]):
                p = run(*second, expect=1)
                lines = p.stderr.strip().splitlines()
                self.assertEqual(len(lines), 1, p.stderr)
                self.assertIn(f"PID {first.pid}", lines[0])
        finally:
            first.send_signal(signal.SIGINT)
            first.wait(timeout=120)
        its = [m["iteration"] for m in metrics(d) if "event" not in m]
        self.assertEqual(its, sorted(set(its)), "two writers interleaved metrics.jsonl")

    def test_best_checkpoint_plot_and_eval(self):
        d = fresh("evald")
        feat = feature_net()
        p = run("train", *tiny(eval_every=3), "--out", d, "--iters", "6", "--eval-n", "8",
                "--eval-features", feat, "--log-every", "1")
        evals = [m for m in metrics(d) if m.get("event") == "eval"]
        self.assertEqual([e["iteration"] for e in evals], [3, 6])
        self.assertTrue(all(np.isfinite(e["fd"]) and e["fd"] >= 0 for e in evals))
        # Each eval line carries its protocol (issue 25, part 5): the reference images (the loader's
        # test split of the idx: file), the feature net by its SHA-256, raw weights, the eval chains.
        import hashlib
        with open(feat, "rb") as f:
            feat_sha = hashlib.sha256(f.read()).hexdigest()
        for e in evals:
            pr = e["protocol"]
            self.assertEqual((pr["n"], pr["reference"]["split"], pr["reference"]["count"]), (8, "test", 8))
            self.assertEqual((pr["features"]["sha256"], pr["weights"], pr["threads"]), (feat_sha, "raw", 1))
            self.assertEqual((pr["sampler"]["steps"], pr["seed"], pr["sampler"]["seed"]), (3, 1 + 7919, 1 + 7919))
            for k in ("version", "device", "cpu_isa_limit", "build"):
                self.assertIn(k, pr)
        self.assertTrue(os.path.exists(os.path.join(d, "checkpoints", "best.safetensors")))
        self.assertIn("eval at iteration 3", p.stdout)
        out = wk("curves.png")
        p = run("plot", d, "--out", out)
        self.assertIn("2 evaluations", p.stdout)
        with open(out, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        from PIL import Image
        img = np.asarray(Image.open(out).convert("RGB")).astype(float)
        self.assertGreater(img.std(), 8)
        coloured = (np.abs(img[..., 0] - img[..., 2]) > 60).sum()  # the curves, not just gray axes
        self.assertGreater(coloured, 500)
        # eval prints one JSON object with the FD read against its floor and ceiling.
        p = run("eval", "--model", os.path.join(d, "checkpoints", "best.safetensors"), "--data", "fashion-mnist",
                "--n", "40", "--features", feat, "--threads", "1")
        j = json.loads(p.stdout.strip().splitlines()[-1])
        for k in ["fd", "fd_floor_train", "fd_ceiling_noise", "energy_data", "energy_samples", "saturated_fraction",
                  "nearest_train_l2"]:
            self.assertIn(k, j)
        self.assertLess(j["fd_floor_train"], j["fd_ceiling_noise"])
        # Extending the run: its checkpoints then record the new total, not the one it started with.
        run("train", "--resume", d, "--iters", "7", "--threads", "1")
        self.assertEqual(card(d)["provenance"]["trainer"]["iters"], 7)
        self.assertEqual(card(d)["provenance"]["iterations"], 7)

    def test_tune_sampler_picks_the_lowest_fd_and_writes_a_copy(self):
        d = fresh("tuned")
        run("train", *TINY, "--out", d, "--iters", "2")
        model, copy = os.path.join(d, "model.safetensors"), os.path.join(d, "tuned.safetensors")
        before = tensors(model)
        args = ["tune-sampler", "--model", model, "--steps", "1,4", "--step-sizes", "0.5,1", "--n", "16",
                "--features", feature_net(), "--threads", "1"]
        j = json.loads(run(*args, "--out", copy).stdout.strip().splitlines()[-1])
        grid = {(r["steps"], r["step_size"]): r["fd"] for r in j["results"]}
        self.assertEqual(set(grid), {(1, 0.5), (4, 0.5), (1, 1.0), (4, 1.0)})
        self.assertTrue(all(np.isfinite(v) and v >= 0 for v in grid.values()))
        best = min(grid, key=grid.get)
        self.assertEqual((j["best"]["steps"], j["best"]["step_size"]), best)
        self.assertEqual(j["trained_with"]["steps"], 3)
        self.assertIn("training images", j["criterion"])
        # The copy: same weights, the winner as its sampler defaults, the table in its provenance.
        self.assertEqual(tensors(copy), before)
        c = card(copy)
        self.assertEqual((c["sampler"]["steps"], c["sampler"]["step_size"]), best)
        self.assertEqual(c["sampler"]["seed"], card(model)["sampler"]["seed"])
        self.assertEqual(c["provenance"]["sampler_tuning"]["results"], j["results"])
        self.assertEqual(c["provenance"]["sampler_tuning"]["trained_with"]["steps"], 3)
        # Seeded: the same table again, and sampling the copy equals sampling the original at the winner.
        again = json.loads(run(*args).stdout.strip().splitlines()[-1])
        self.assertEqual([r["fd"] for r in again["results"]], [r["fd"] for r in j["results"]])
        run("sample", "--model", copy, "--n", "4", "--out", wk("tuned_a.png"), "--npy", wk("tuned_a.npy"), "--threads", "1")
        run("sample", "--model", model, "--n", "4", "--steps", str(best[0]), "--step-size", str(best[1]),
            "--out", wk("tuned_b.png"), "--npy", wk("tuned_b.npy"), "--threads", "1")
        np.testing.assert_array_equal(np.load(wk("tuned_a.npy")), np.load(wk("tuned_b.npy")))
        # Never over the model itself; a copy needs a .safetensors name.
        self.assert_one_line_error([*args, "--out", model], "the model being tuned")
        self.assert_one_line_error([*args, "--out", wk("tuned.pth")], "expected a .safetensors")
        self.assertEqual(tensors(model), before)

    def test_bench_reports_both_sides_and_their_ratio(self):
        for extra in ([], ["--train"]):
            p = run("bench", *extra, "--nf", "4", "--steps", "3", "--n", "4", "--iters", "2", "--threads", "1")
            j = json.loads(p.stdout.strip().splitlines()[-1])
            self.assertEqual(j["mode"], "train" if extra else "sample")
            self.assertGreater(j["shortrun"], 0)
            self.assertGreater(j["pytorch"], 0)
            self.assertAlmostEqual(j["ratio"], j["shortrun"] / j["pytorch"], places=6)
        self.assert_one_line_error(["bench", "--nf", "4", "--steps", "2", "--n", "2", "--python", wk("no-python")], "no-python")

    def test_bench_concurrent_copies_and_the_parallel_plan(self):
        # --concurrent 2: two copies of each side at once, their mean rate; the plan is reported.
        p = run("bench", "--nf", "4", "--steps", "2", "--n", "32", "--iters", "1", "--warmup", "0", "--threads", "2",
                "--concurrent", "2", "--parallel", "chains")
        j = json.loads(p.stdout.strip().splitlines()[-1])
        self.assertEqual(j["concurrent"], 2)
        self.assertEqual(j["threads"], 2)
        self.assertTrue(j["plan"].startswith("chains"), j["plan"])
        self.assertGreater(j["shortrun"], 0)
        self.assertGreater(j["pytorch"], 0)
        self.assertAlmostEqual(j["ratio"], j["shortrun"] / j["pytorch"], places=6)
        self.assert_one_line_error(["bench", "--suite", "gpu"], "--suite", expect=2)

    def test_bad_data_and_run_dirs_fail_in_one_line(self):
        folder = fresh("folder_mixed")
        shutil.copytree(os.path.join(FIX, "folder"), folder)
        with open(os.path.join(folder, "broken.png"), "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)
        p = run("train", *tiny(data="folder:" + folder), "--out", fresh("mixed_run"), "--iters", "1")
        self.assertIn("2 unreadable skipped", p.stdout + p.stderr)  # notes.txt and broken.png
        good = fresh("good_run")
        run("train", *TINY, "--out", good, "--iters", "2")
        before = tensors(os.path.join(good, "checkpoints", "latest.safetensors"))
        ro = fresh("readonly")
        os.makedirs(ro)
        os.chmod(ro, 0o500)
        cases = [
            (["train", *tiny(data="idx:" + wk("nope-idx3-ubyte")), "--out", fresh("r1")], ["nope-idx3-ubyte"]),
            (["train", *tiny(data="idx:" + os.path.join(FIX, "bad-magic-idx3-ubyte")), "--out", fresh("r2")], ["magic"]),
            (["train", *tiny(data="cifar10:" + os.path.join(FIX, "cifar_bad")), "--out", fresh("r3")], ["cifar_bad"]),
            (["train", *tiny(data="folder:" + os.path.join(FIX, "folder_empty")), "--out", fresh("r4")], ["folder_empty"]),
            (["train", *TINY, "--out", good], ["already holds a run"]),
            (["train", "--resume", wk("no_such_run")], ["no_such_run"]),
            (["plot", wk("no_such_run")], ["no_such_run"]),
        ]
        if os.geteuid() != 0:  # root writes anywhere
            cases.append((["train", *TINY, "--out", os.path.join(ro, "run")], ["readonly"]))
        for args, frags in cases:
            with self.subTest(args=args):
                self.assert_one_line_error(args, *frags)
        os.chmod(ro, 0o700)
        # Failed attempts never replaced the good run's checkpoint.
        self.assertEqual(before, tensors(os.path.join(good, "checkpoints", "latest.safetensors")))
        # A resume whose checkpoint is of another architecture is refused, and nothing is written.
        mixed = fresh("arch_mismatch")
        shutil.copytree(good, mixed)
        other = fresh("other_arch")
        run("train", *tiny(nf=6), "--out", other, "--iters", "1")
        shutil.copy(os.path.join(other, "checkpoints", "latest.safetensors"), os.path.join(mixed, "checkpoints", "latest.safetensors"))
        self.assert_one_line_error(["train", "--resume", mixed], "architecture")
        self.assertEqual(tensors(os.path.join(other, "checkpoints", "latest.safetensors")),
                         tensors(os.path.join(mixed, "checkpoints", "latest.safetensors")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
