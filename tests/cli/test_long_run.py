#!/usr/bin/env python3
"""Long-run health and presets through the CLI (issue 25, parts 4 and 6): `train --long-run-every`
logs one "long_run" line of a fixed shape without changing the weights, is part of the run's
config (resume refuses a change); `eval --long-run K2` reports FD/drift/saturation at K2, records it
in the protocol so `eval --check` re-runs it, and stops cleanly on Ctrl+C; `train --preset X
--print-config` shows what a preset resolves to, and a flag given explicitly wins.

usage: test_long_run.py SHORTRUN FIXTURE_DIR WORK_DIR
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cliutil  # noqa: E402

SHORTRUN, FIX, WORK = (os.path.abspath(p) for p in sys.argv[1:4])
del sys.argv[1:4]
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
run = cliutil.runner(SHORTRUN, timeout=600)
TINY = ["--data", "idx:" + os.path.join(FIX, "tiny-images-idx3-ubyte.gz"), "--nf", "4", "--steps", "3", "--batch", "4",
        "--threads", "1", "--eval-every", "0"]
LONG_RUN_KEYS = {"event", "iteration", "k", "k2", "chains", "energy_short", "energy_long", "drift", "drift_p10", "drift_p90",
                 "saturated_short", "saturated_long", "fd_short", "fd_long", "seconds"}


def wk(name):
    return os.path.join(WORK, name)


def metrics(run_dir):
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def load(path):
    with open(path) as f:
        return json.load(f)


def tensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    return {k: data[v["data_offsets"][0]:v["data_offsets"][1]] for k, v in header.items() if k != "__metadata__"}


class LongRunTraining(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.plain, cls.with_lr = wk("plain"), wk("with_long_run")
        run("train", *TINY, "--iters", "6", "--out", cls.plain)
        cls.stdout = run("train", *TINY, "--iters", "6", "--out", cls.with_lr, "--long-run-every", "2", "--long-run-steps", "9",
                         "--long-run-chains", "3").stdout

    def test_long_run_lines_have_the_documented_shape(self):
        lines = [m for m in metrics(self.with_lr) if m.get("event") == "long_run"]
        self.assertEqual([m["iteration"] for m in lines], [2, 4, 6])
        for m in lines:
            self.assertEqual(set(m), LONG_RUN_KEYS)
            self.assertEqual((m["k"], m["k2"], m["chains"]), (3, 9, 3))
            self.assertAlmostEqual(m["drift"], m["energy_long"] - m["energy_short"], places=9)
            self.assertLessEqual(m["drift_p10"], m["drift_p90"])
            self.assertTrue(0 <= m["saturated_short"] <= 1 and 0 <= m["saturated_long"] <= 1)
            self.assertIsNone(m["fd_short"])  # no feature net applies to idx: data
            self.assertIsNone(m["fd_long"])
        self.assertIn("long_run: K=3 -> K2=9, 3 chains", self.stdout)
        cfg = load(os.path.join(self.with_lr, "config.json"))
        self.assertEqual((cfg["long_run_every"], cfg["long_run_steps"], cfg["long_run_chains"]), (2, 9, 3))

    def test_long_runs_do_not_change_the_training_trajectory(self):
        for f in ["model.safetensors", "checkpoints/latest.safetensors"]:
            self.assertEqual(tensors(os.path.join(self.plain, f)), tensors(os.path.join(self.with_lr, f)), f)
        untimed = lambda ms: [{k: v for k, v in m.items() if k not in ("wall_s", "its_per_s")} for m in ms
                              if m.get("event") != "long_run"]
        self.assertEqual(untimed(metrics(self.plain)), untimed(metrics(self.with_lr)))

    def test_resume_refuses_a_change_and_bad_settings_fail_in_one_line(self):
        for flag, value in (("--long-run-every", "3"), ("--long-run-steps", "50"), ("--long-run-chains", "8")):
            cliutil.assert_one_line_error(self, run, ["train", "--resume", self.with_lr, flag, value], flag, expect=2)
        cliutil.assert_one_line_error(self, run, ["train", *TINY, "--out", wk("bad1"), "--long-run-every", "2", "--long-run-steps", "3"],
                                      "--long-run-steps", "K = 3", expect=1)
        cliutil.assert_one_line_error(self, run, ["train", *TINY, "--out", wk("bad2"), "--long-run-every", "2", "--long-run-chains", "1"],
                                      "--long-run-chains", expect=1)
        cliutil.assert_one_line_error(self, run, ["train", *TINY, "--out", wk("bad3"), "--long-run-every", "-1"], "--long-run-every",
                                      expect=2)
        cliutil.assert_one_line_error(self, run, ["train", "--data", "toy:ring8", "--out", wk("bad4"), "--long-run-every", "5"],
                                      "--long-run-every", "2-D playground", expect=2)
        for d in ("bad1", "bad2", "bad3", "bad4"):
            self.assertFalse(os.path.exists(wk(d)), d)


class LongRunEval(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.model = wk("eval_model")
        run("train", *TINY, "--iters", "2", "--out", cls.model)
        cls.features = wk("feat.safetensors")
        run("train-features", "--out", cls.features, "--epochs", "1", "--limit", "300", "--threads", "1")
        cls.record = wk("eval_long.json")
        cls.args = ["eval", "--model", cls.model, "--data", "fashion-mnist", "--n", "8", "--features", cls.features, "--threads", "1",
                    "--no-memorisation"]
        cls.plain = json.loads(run(*cls.args).stdout.strip().splitlines()[-1])
        cls.stdout = run(*cls.args, "--long-run", "12", "--json", cls.record).stdout

    def test_eval_reports_the_long_run_beside_the_short_run(self):
        j = load(self.record)
        lr = j["long_run"]
        self.assertEqual((lr["k"], lr["k2"], lr["chains"]), (3, 12, 8))
        self.assertEqual(lr["fd_short"], j["fd"])          # the same chains at K
        self.assertEqual(j["fd"], self.plain["fd"])        # the short-run numbers do not change
        self.assertEqual(j["energy_samples"], self.plain["energy_samples"])
        self.assertGreaterEqual(lr["fd_long"], 0)
        self.assertAlmostEqual(lr["drift"], lr["energy_long"] - lr["energy_short"], places=9)
        self.assertLessEqual(lr["drift_p10"], lr["drift_p90"])
        self.assertEqual(j["protocol"]["long_run"]["k2"], 12)
        self.assertNotIn("long_run", self.plain["protocol"])

    def test_check_reruns_the_long_run(self):
        p = run("eval", "--check", self.record)
        self.assertIn("long_run.fd_long", p.stdout)
        self.assertIn("long_run.drift_p90", p.stdout)
        self.assertTrue(p.stdout.strip().endswith("reproduces (18 of 18 metrics, exact)"), p.stdout)
        j = load(self.record)
        j["long_run"]["drift"] += 1.0
        tampered = wk("tampered_long.json")
        with open(tampered, "w") as f:
            json.dump(j, f)
        p = run("eval", "--check", tampered, expect=1)
        self.assertIn("does not reproduce (1 of 18 metrics differ", p.stdout)

    def test_bad_long_run_settings(self):
        cliutil.assert_one_line_error(self, run, [*self.args, "--long-run", "3"], "--long-run 3", "K = --steps 3", expect=1)
        cliutil.assert_one_line_error(self, run, [*self.args, "--long-run", "0"], "--long-run", expect=2)
        cliutil.assert_one_line_error(self, run, ["eval", "--check", self.record, "--long-run", "20"], "--long-run", expect=2)

    def test_ctrl_c_stops_a_long_run_cleanly(self):
        out = wk("interrupted.json")
        p = subprocess.Popen([SHORTRUN, *self.args, "--long-run", "100000", "--json", out], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        time.sleep(4)
        p.send_signal(signal.SIGINT)
        stdout, stderr = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 130, stderr)
        self.assertIn("interrupted", stderr)
        self.assertEqual(stdout, "")
        self.assertFalse(os.path.exists(out))


class Presets(unittest.TestCase):
    def resolved(self, *args):
        return json.loads(run("train", *args, "--print-config").stdout)

    def test_each_preset_resolves_and_an_explicit_flag_wins(self):
        expect = {"paper": {"steps": 100, "noise_std": 0.01, "init": "uniform", "batch": 64, "lr": 1e-4, "nf": 64},
                  "anatomy-convergent": {"steps": 500, "noise_std": 0.0075, "init": "persistent", "buffer": 60000, "reinit": 0.0,
                                         "batch": 100, "data_noise": 0.015, "nf": 32, "leak": 0.05},
                  "anatomy-nonconvergent": {"steps": 150, "noise_std": 0.01, "init": "uniform", "batch": 100, "data_noise": 0.03,
                                            "nf": 32, "leak": 0.05},
                  "jem-like": {"steps": 20, "step_size": 1.0, "noise_std": 0.01, "init": "persistent", "buffer": 10000,
                               "reinit": 0.05, "batch": 64, "kind": "resnet", "leak": 0.2}}
        for name, values in expect.items():
            c = self.resolved("--preset", name)
            self.assertEqual(c["preset"], name)
            flat = {**c["sampler"], **c["arch"], **c}  # the run's init over the sampler's
            for k, v in values.items():
                self.assertEqual(flat[k], v, f"{name}: {k}")
        c = self.resolved("--preset", "jem-like", "--steps", "7", "--buffer", "500", "--batch", "8")
        self.assertEqual((c["sampler"]["steps"], c["buffer"], c["batch"]), (7, 500, 8))
        self.assertEqual(c["reinit"], 0.05)  # the rest is still the preset's

    def test_a_preset_run_records_it_and_resume_refuses_another(self):
        d = wk("preset_run")
        run("train", "--preset", "anatomy-nonconvergent", *TINY, "--iters", "2", "--out", d)
        cfg = load(os.path.join(d, "config.json"))
        self.assertEqual(cfg["preset"], "anatomy-nonconvergent")
        self.assertEqual((cfg["sampler"]["steps"], cfg["sampler"]["noise_std"], cfg["arch"]["nf"], cfg["arch"]["leak"]), (3, 0.01, 4, 0.05))
        cliutil.assert_one_line_error(self, run, ["train", "--resume", d, "--preset", "paper"], "--preset", expect=2)
        cliutil.assert_one_line_error(self, run, ["train", "--preset", "nonsense", "--print-config"], "--preset", expect=2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
