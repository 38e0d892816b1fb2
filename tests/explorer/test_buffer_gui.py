#!/usr/bin/env python3
"""Issue 25 in the explorer: the Training tab's replay-buffer and long-run health sections on a tiny
persistent run with EMA weights made here (`shortrun train --init persistent --buffer 128 --ema`),
the Model panel's raw | EMA weights choice and the sampler's chain start (`init`), all driven by
script controls and checked in state dumps; a truncated buffer file is one clear line.

usage: test_buffer_gui.py SHORTRUN_EXPLORER FIXTURE_DIR WORK_DIR
"""
import glob
import json
import os
import shutil
import subprocess
import unittest

import test_explorer_gui as base  # reads and removes argv[1:4]
from test_explorer_gui import ExplorerRun, dump, shot, wait

SHORTRUN = base.SHORTRUN
WORK = base.WORK
BUFFER = 128


def setc(control, value):
    return {"do": "set", "control": control, "value": value}


def press(button):
    return {"do": "press", "button": button}


def wait_view():
    return {**wait("view"), "view": "training"}


def long_run_line(it):
    """A long_run event in the trainer's exact shape (a run whose long chains drift)."""
    d = 0.02 * it
    return {"event": "long_run", "iteration": it, "k": 5, "k2": 50, "chains": 16, "energy_short": -0.05,
            "energy_long": -0.05 + d, "drift": d, "drift_p10": d * 0.4, "drift_p90": d * 1.8,
            "saturated_short": 0.0, "saturated_long": min(1.0, 0.01 * it), "fd_short": 150.0 - it,
            "fd_long": None if it == 4 else 150.0 + 3 * it, "seconds": 0.5}


class BufferGui(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.run_dir = os.path.join(WORK, "persistent_run")
        shutil.rmtree(cls.run_dir, ignore_errors=True)
        os.makedirs(WORK, exist_ok=True)
        subprocess.run([SHORTRUN, "train", "--data", "fashion-mnist", "--limit", "128", "--nf", "8", "--steps", "5",
                        "--batch", "16", "--log-every", "2", "--checkpoint-every", "10", "--sample-every", "10",
                        "--eval-every", "0", "--threads", "1", "--init", "persistent", "--buffer", str(BUFFER),
                        "--ema", "0.9", "--iters", "20", "--out", cls.run_dir],
                       check=True, capture_output=True, timeout=300)
        # The long-run health lines the trainer writes with --long-run-every (its exact shape).
        with open(os.path.join(cls.run_dir, "metrics.jsonl"), "a") as f:
            for it in range(2, 21, 2):
                f.write(json.dumps(long_run_line(it)) + "\n")
        # A copy whose newest buffer file is cut short.
        cls.bad_dir = os.path.join(WORK, "persistent_run_bad")
        shutil.rmtree(cls.bad_dir, ignore_errors=True)
        shutil.copytree(cls.run_dir, cls.bad_dir)
        cut = os.path.join(cls.bad_dir, "checkpoints", "latest.buffer.safetensors")
        with open(cut, "r+b") as f:
            f.truncate(os.path.getsize(cut) // 2)
        cls.cut = cut

    def test_buffer_and_long_run_sections(self):
        r = ExplorerRun("buffer", [
            wait("model"), setc("tab", "training"), setc("training_dir", self.run_dir), press("attach"), wait_view(),
            setc("training_section", "buffer"), wait_view(), dump("buffer.json"), *shot("buffer.png"),
            setc("buffer_order", "oldest"), wait("frames", frames=2), dump("oldest.json"),
            setc("training_section", "health"), wait_view(), dump("health.json"), *shot("health.png"),
            setc("training_dir", self.bad_dir), press("attach"), setc("training_section", "buffer"), wait_view(),
            dump("bad.json"), *shot("bad.png"),
        ])
        t = r.state("buffer.json")["views"]["training"]
        self.assertEqual(t["section"], "buffer")
        b = t["buffer"]
        self.assertEqual(b["error"], "")
        self.assertTrue(b["file"].endswith("checkpoints/latest.buffer.safetensors"), b)
        self.assertTrue(b["weights"].endswith("checkpoints/latest.safetensors"), b)
        self.assertEqual(b["size"], BUFFER)
        self.assertEqual(b["shown"], 64)
        self.assertEqual(b["grid_tiles"], 64)
        self.assertTrue(b["grid_uploaded"])
        self.assertEqual(b["age_histogram"]["total"], BUFFER)
        self.assertEqual(sum(b["age_histogram"]["counts"]), BUFFER)
        self.assertEqual(b["energies"]["done"], BUFFER)
        self.assertEqual(b["energies"]["finite"], BUFFER)
        self.assertFalse(b["energies"]["stopped"])
        self.assertFalse(b["busy"])
        # The buffer files are not offered as checkpoints to sample.
        self.assertFalse(any(".buffer." in c for c in t["checkpoints"]), t["checkpoints"])
        self.assertIn("latest.safetensors", t["checkpoints"])
        # Buffer statistics of every logged line (20 iterations, every 2nd).
        self.assertEqual(t["health"]["buffer_points"], 10)
        base.ExplorerGui.assert_not_blank(self, r.image("buffer.png"), "buffer section screenshot")
        self.assertEqual(r.state("oldest.json")["views"]["training"]["buffer"]["order"], "oldest")

        h = r.state("health.json")["views"]["training"]
        self.assertEqual(h["section"], "health")
        self.assertEqual(h["health"]["checks"], 10)
        self.assertEqual(h["health"]["fd_checks"], 9)  # iteration 4's fd_long is null
        self.assertIn("iteration 20", h["health"]["last"])
        self.assertGreaterEqual(h["events"], 10)  # and the trainer's own events
        base.ExplorerGui.assert_not_blank(self, r.image("health.png"), "long-run health screenshot")

        bad = r.state("bad.json")
        bb = bad["views"]["training"]["buffer"]
        self.assertIn(self.cut, bb["error"])
        self.assertNotIn("\n", bb["error"])
        self.assertNotIn("size", bb)
        self.assertTrue(any("replay buffer" in e and self.cut in e for e in bad["errors"]), bad["errors"])

    def test_sections_fit_800x500(self):
        # The sections' controls at the smallest supported window: none past its window's edge.
        r = ExplorerRun("small", [
            wait("model"), setc("tab", "training"), setc("training_dir", self.run_dir), press("attach"), wait_view(),
            setc("training_section", "buffer"), wait_view(), wait("frames", frames=4), dump("buffer.json"), *shot("buffer.png"),
            setc("training_section", "health"), wait_view(), wait("frames", frames=4), dump("health.json"), *shot("health.png"),
        ], extra=["--size", "800x500"])
        for name in ("buffer.json", "health.json"):
            s = r.state(name)
            self.assertEqual(s["window"], [800, 500])
            items = [it for it in s["layout"] if "training_" in it["window"]]
            self.assertGreater(len(items), 20)
            base.assert_controls_reachable(self, items, name, viewport=(800, 500))

    def test_ema_weights_choice_and_chain_start(self):
        model = os.path.join(self.run_dir, "model.safetensors")
        r = ExplorerRun("weights", [
            # The run directory itself, as a user drops it: its model.safetensors, with the EMA weights beside it.
            wait("model"), setc("model_path", self.run_dir), press("load_model"), wait("model"), wait("idle"), dump("ema.json"),
            setc("steps", 7), setc("init", "gaussian"), wait("idle"),
            setc("weights", "raw"), wait("model"), wait("idle"), dump("raw.json"), *shot("sidebar.png"),
            press("export_grid"), wait("idle"), wait("frames", frames=3),
            setc("weights", "ema"), wait("model"), wait("idle"), dump("ema_again.json"),
        ])
        ema = r.state("ema.json")
        self.assertEqual(ema["model"]["weights"], "ema")
        self.assertEqual(ema["model"]["path"], os.path.join(self.run_dir, "model.ema.safetensors"))
        self.assertEqual(ema["model"]["weights_raw"], model)
        self.assertEqual(ema["model"]["weights_ema"], os.path.join(self.run_dir, "model.ema.safetensors"))
        raw = r.state("raw.json")
        self.assertEqual(raw["model"]["weights"], "raw")
        self.assertEqual(raw["model"]["path"], model)
        self.assertNotEqual(raw["model"]["id"], ema["model"]["id"])
        # The switch keeps the sampler as it was set (a new model would take its defaults).
        self.assertEqual(raw["sampler"]["steps"], 7)
        self.assertEqual(raw["sampler"]["init"], "gaussian")
        self.assertEqual(raw["errors"], [])
        again = r.state("ema_again.json")
        self.assertEqual(again["model"]["weights"], "ema")
        self.assertEqual(again["sampler"]["steps"], 7)
        # The grid's reproducing command names the chain start and the raw weights.
        exports = glob.glob(os.path.join(r.dir, "shortrun_export", "*.png.json"))
        self.assertEqual(len(exports), 1, exports)
        with open(exports[0]) as f:
            cli = json.load(f)["cli"]
        self.assertIn(" --init gaussian", cli)
        self.assertIn(" --weights raw", cli)
        self.assertIn("--steps 7", cli)
        # ... and running it draws the same picture (the raw weights, Gaussian starts).
        again = os.path.join(r.dir, "again.png")
        line = cli.replace("shortrun sample", "").replace("--out grid.png", "")
        subprocess.run(f"{SHORTRUN} sample {line} --out {again} --threads 1", shell=True, check=True, capture_output=True)
        import numpy as np
        from PIL import Image
        self.assertTrue(np.array_equal(np.asarray(Image.open(again)), np.asarray(Image.open(exports[0][:-len(".json")]))))
        base.ExplorerGui.assert_not_blank(self, r.image("sidebar.png"), "sidebar screenshot")

    def test_bad_weights_and_init_values_are_refused(self):
        # The bundled model has no EMA weights; `data` is a training start. Each is one line, exit 1.
        for name, control, value, words in [("no_ema", "weights", "ema", "has no EMA weights beside it"),
                                            ("bad_weights", "weights", "best", "weights must be raw or ema"),
                                            ("bad_init", "init", "data", "init must be uniform or gaussian")]:
            r = ExplorerRun("refused_" + name, [wait("model"), setc(control, value)], expect=1)
            self.assertIn(words, r.proc.stderr)
            self.assertEqual(len([l for l in r.proc.stderr.splitlines() if "script:" in l]), 1, r.proc.stderr)

if __name__ == "__main__":
    unittest.main()
