#!/usr/bin/env python3
"""The explorer's 2-D playground (issue #14, section 2): training runs live on its own thread
(iterations grow, KL stays finite, a control changed mid-run is applied at the next iteration and
marks the run as no longer reproducible), the window keeps its frame rate while training, and the
export is the run `shortrun train --data toy:...` writes: running the exported command gives the
same weights (byte for byte), the same KL/MMD curve, and the same playground.png pixel for pixel.
A 2-D run's model.safetensors opens in the tab again (issue 23, item 19): typed into the sidebar's
model field with real keys, dropped on the window, or set by a script.

usage: test_toy2d_gui.py SHORTRUN_EXPLORER WORK_DIR
"""
import json
import math
import os
import shlex
import shutil
import subprocess
import sys
import unittest

import numpy as np
from PIL import Image

import xinput

EXPLORER, WORK = (os.path.abspath(p) for p in sys.argv[1:3])
del sys.argv[1:3]
SHORTRUN = os.path.join(os.path.dirname(EXPLORER), "shortrun")
BUNDLED = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "assets", "fmnist.safetensors"))
XVFB = ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24"]


def setc(control, value):
    return {"do": "set", "control": control, "value": value}


def press(button):
    return {"do": "press", "button": button}


def frames(n):
    return {"do": "wait", "for": "frames", "frames": n, "timeout_s": 120}


def wait_view():
    return {"do": "wait", "for": "view", "view": "toy2d", "timeout_s": 120}


def dump(name):
    return {"do": "dump_state", "path": name}


class Toy2dPlayground(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = os.path.join(WORK, "toy2d")
        shutil.rmtree(cls.dir, ignore_errors=True)
        os.makedirs(cls.dir)
        actions = [
            # Live training on ring8 (small K and batch keep the test short). `toy_until` pauses it at
            # an iteration, so the checks do not depend on how fast this (shared) machine trains.
            setc("toy_target", "ring8"), setc("toy_steps", 20), setc("toy_batch", 128), setc("toy_seed", 3),
            setc("toy_until", 5), press("toy_reset"), press("toy_start"), wait_view(), dump("early.json"),
            setc("toy_until", 12), press("toy_start"), frames(2), dump("running.json"), frames(60),
            {"do": "screenshot", "path": "training.png"}, wait_view(), dump("later.json"),
            # A control changed while it trains: applied at the next iteration.
            setc("toy_until", 20), press("toy_start"), setc("toy_step_size", 0.03), wait_view(), dump("changed.json"),
            # A reproducible run: reset with fixed settings, 30 iterations, export.
            setc("toy_step_size", 0.02), setc("toy_until", 30), press("toy_reset"), press("toy_start"),
            wait_view(), setc("toy_export_dir", os.path.join(cls.dir, "export")), press("toy_export"), wait_view(),
            dump("exported.json"),
            # A drawn target: painted, used, trained 10 iterations and exported (the drawing travels with it).
            setc("toy_draw", {"points": [[6, 6], [26, 26]], "radius": 3}), setc("toy_draw", {"points": [[6, 26], [26, 6]], "radius": 3}),
            press("toy_use_drawing"), setc("toy_until", 10), press("toy_reset"), press("toy_start"), wait_view(),
            setc("toy_export_dir", os.path.join(cls.dir, "export_drawn")), press("toy_export"), wait_view(),
            dump("exported_drawn.json"),
        ]
        with open(os.path.join(cls.dir, "actions.json"), "w") as f:
            json.dump(actions, f, indent=1)
        cmd = XVFB + [EXPLORER, "--script", "actions.json", "--config-dir", "none", "--chains", "4", "--threads", "1", "--tab", "toy2d"]
        p = subprocess.run(cmd, cwd=cls.dir, capture_output=True, text=True, timeout=300)
        if p.returncode != 0:
            raise AssertionError(f"explorer exited {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}")

    def state(self, name):
        with open(os.path.join(self.dir, name)) as f:
            return json.load(f)

    def test_training_runs_live_and_a_changed_control_applies(self):
        early, running, later, changed = (self.state(n)["views"]["toy2d"]
                                          for n in ("early.json", "running.json", "later.json", "changed.json"))
        self.assertEqual(early["iteration"], 5)
        self.assertFalse(early["running"])  # paused by itself at toy_until
        self.assertTrue(running["running"])
        self.assertEqual(later["iteration"], 12)
        self.assertEqual(later["target"], "ring8")
        self.assertEqual(later["history"], 1)  # one entry per 10 iterations
        self.assertTrue(math.isfinite(later["kl"]) and later["kl"] >= 0)
        self.assertTrue(math.isfinite(later["mmd"]))
        self.assertGreater(later["particles"], 100)  # a hundred and more particles with trails
        self.assertEqual(later["frames"], 21)        # x_0 .. x_K, K = 20
        self.assertGreater(later["long_run"]["n"], 0)
        self.assertEqual(later["long_run"]["steps"], 200)
        self.assertEqual(later["long_run"]["iteration"], 12)  # refreshed once paused
        self.assertTrue(later["reproducible"])
        self.assertEqual(changed["iteration"], 20)
        self.assertEqual(changed["controls"]["step_size"], 0.03)
        self.assertFalse(changed["reproducible"])  # the trainer ran with the new step size
        self.assertGreaterEqual(changed["changed_at"], 12)
        self.assertLess(changed["changed_at"], 20)

    def test_training_is_in_the_job_list(self):
        # Issue 23, 13: the 2-D tab's training is in the sidebar's job list while it trains (with its
        # iterations to go), and gone once it paused by itself.
        running = self.state("running.json")
        jobs = [j for j in running["jobs"] if j["kind"] == "toy2d"]
        self.assertEqual(len(jobs), 1, running["jobs"])
        self.assertEqual((jobs[0]["unit"], jobs[0]["total"], jobs[0]["state"]), ("iteration", 12, "running"))
        self.assertIn("2-D playground", jobs[0]["label"])
        self.assertFalse(any(j["kind"] == "toy2d" for j in self.state("early.json")["jobs"]))

    def test_frame_rate_while_training(self):
        # The frame rate on this shared 2-core box is set by the load (Mesa renders in software on
        # the same cores), so it is reported, not asserted; what the tab controls is the UI
        # thread's own work per frame, which must stay far inside a 30 fps frame (33 ms).
        fps = self.state("later.json")["fps"]
        print(f"\n2-D playground while training: {fps['mean_recent']:.1f} fps, UI build {fps['build_ms']:.1f} ms/frame, "
              f"draw {fps['draw_ms']:.1f} ms/frame (shared machine)", file=sys.stderr)
        self.assertLess(fps["build_ms"], 20)

    def test_export_reproduces_through_the_cli(self):
        self.check_export("exported.json", "export", "toy:ring8", 30)

    def test_a_drawn_target_export_reproduces_through_the_cli(self):
        export = os.path.join(self.dir, "export_drawn")
        self.check_export("exported_drawn.json", "export_drawn", "toy:image:" + os.path.join(export, "target.png"), 10)
        drawn = np.asarray(Image.open(os.path.join(export, "target.png")).convert("L"))
        self.assertGreater(drawn[drawn.shape[0] // 2, drawn.shape[1] // 2], 128)  # the crossing of the strokes
        self.assertLess(drawn[0, drawn.shape[1] // 2], 128)

    def check_export(self, dump_name, folder, data, iters):
        view = self.state(dump_name)["views"]["toy2d"]
        exp = view["export"]
        self.assertEqual(exp["error"], "")
        self.assertEqual(exp["iteration"], iters)
        self.assertTrue(exp["reproducible"])
        export = os.path.join(self.dir, folder)
        with open(os.path.join(export, "command.txt")) as f:
            command = f.read().strip()
        self.assertEqual(command, exp["command"])
        argv = shlex.split(command)
        self.assertEqual(argv[:4], ["shortrun", "train", "--data", data])
        self.assertIn("--iters", argv)
        self.assertEqual(argv[argv.index("--iters") + 1], str(iters))
        out = argv[argv.index("--out") + 1]
        shutil.rmtree(out, ignore_errors=True)
        p = subprocess.run([SHORTRUN] + argv[1:], capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        # Same weights (and metadata) byte for byte.
        with open(os.path.join(export, "model.safetensors"), "rb") as a, open(os.path.join(out, "model.safetensors"), "rb") as b:
            self.assertEqual(a.read(), b.read())
        # Same curves (timings aside).
        def curve(d):
            with open(os.path.join(d, "metrics.jsonl")) as f:
                return [{k: v for k, v in json.loads(line).items() if k not in ("wall_s", "its_per_s")} for line in f]
        self.assertEqual(curve(export), curve(out))
        self.assertEqual(len(curve(out)), iters // 10)
        # Same settings.
        with open(os.path.join(export, "settings.json")) as f, open(os.path.join(out, "settings.json")) as g:
            self.assertEqual(json.load(f), json.load(g))
        # The same picture, pixel for pixel.
        gui = np.asarray(Image.open(os.path.join(export, "playground.png")).convert("RGB"))
        cli = np.asarray(Image.open(os.path.join(out, "playground.png")).convert("RGB"))
        self.assertEqual(gui.shape, cli.shape)
        self.assertTrue(np.array_equal(gui, cli), f"{int((gui != cli).any(axis=2).sum())} pixels differ")
        self.assertGreater(gui.std(), 10)  # not blank

    def test_screenshot_shows_the_playground(self):
        img = np.asarray(Image.open(os.path.join(self.dir, "training.png")).convert("RGB")).astype(np.float32)
        self.assertGreater(img.std(), 10)


class OpenA2dModel(unittest.TestCase):
    """A model trained by `shortrun train --data toy:moons` opens in the 2-D tab as if trained there."""

    @classmethod
    def setUpClass(cls):
        cls.dir = os.path.join(WORK, "toy2d_open")
        cls.run_dir = os.path.join(WORK, "toy2d_open_run")
        shutil.rmtree(cls.run_dir, ignore_errors=True)
        p = subprocess.run([SHORTRUN, "train", "--data", "toy:moons", "--iters", "30", "--steps", "20", "--batch", "128",
                            "--seed", "5", "--out", cls.run_dir], capture_output=True, text=True, timeout=300)
        if p.returncode != 0:
            raise AssertionError(p.stdout + p.stderr)
        cls.model = os.path.join(cls.run_dir, "model.safetensors")

    def check_opened(self, view, iteration=30):
        self.assertEqual(view["loaded"], self.model)
        self.assertEqual(view["loaded_iteration"], 30)
        self.assertEqual(view["iteration"], iteration)
        self.assertEqual(view["controls"]["target"], "moons")
        self.assertEqual(view["controls"]["seed"], 5)
        self.assertEqual(view["controls"]["steps"], 20)
        self.assertEqual(view["controls"]["batch"], 128)
        self.assertFalse(view["running"])
        self.assertTrue(math.isfinite(view["kl"]) and view["kl"] >= 0)  # its samples, scored
        self.assertTrue(math.isfinite(view["mmd"]))
        self.assertGreater(view["particles"], 100)
        self.assertEqual(view["frames"], 21)
        self.assertEqual(view["long_run"]["iteration"], iteration)

    def test_typed_into_the_sidebar_model_field_it_opens_in_the_2d_tab(self):
        def send(xdo, state):
            field = xinput.find(state, "a checkpoint path")
            x, y = xinput.centre(field)
            xdo("mousemove", str(x), str(y))
            xdo("click", "1")
            xdo("key", "--delay", "40", "ctrl+a")
            xdo("type", "--delay", "5", self.model)
            xdo("key", "Return")
        before, after = xinput.run_with_events(
            EXPLORER, self.dir + "_typed", [{"do": "wait", "for": "sampler", "timeout_s": 120}, frames(3)], send,
            [wait_view(), dump("opened.json"), {"do": "screenshot", "path": "opened.png"}, setc("toy_until", 40), press("toy_start"),
             wait_view(), dump("trained.json"), setc("toy_export_dir", os.path.join(self.dir + "_typed", "export")),
             press("toy_export"), wait_view(), dump("exported.json")], ["--chains", "4"])
        self.assertEqual(before["tab"], "chains")
        with open(os.path.join(self.dir + "_typed", "opened.json")) as f:
            opened = json.load(f)
        self.assertEqual(opened["tab"], "toy2d")
        self.assertIn("2-D playground model", opened["status"])
        self.assertEqual(opened["model_error"] if "model_error" in opened else "", "")
        self.check_opened(opened["views"]["toy2d"])
        self.assertEqual(opened["recent"][0], self.model)  # in the sidebar's recent files, which open it here again
        # Start trains on from the file's weights and iteration.
        with open(os.path.join(self.dir + "_typed", "trained.json")) as f:
            trained = json.load(f)["views"]["toy2d"]
        self.assertEqual(trained["iteration"], 40)
        self.assertEqual(trained["loaded"], self.model)
        # Its export counts iterations from the file's and says the command does not reproduce it.
        with open(os.path.join(self.dir + "_typed", "exported.json")) as f:
            exported = json.load(f)["views"]["toy2d"]["export"]
        self.assertEqual((exported["error"], exported["iteration"], exported["reproducible"]), ("", 40, False))
        export = os.path.join(self.dir + "_typed", "export")
        with open(os.path.join(export, "settings.json")) as f:
            self.assertIn("continued from " + self.model, json.load(f)["note"])
        p = subprocess.run([SHORTRUN, "info", "--model", os.path.join(export, "model.safetensors"), "--json"],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["iteration"], 40)
        img = np.asarray(Image.open(os.path.join(self.dir + "_typed", "opened.png")).convert("RGB")).astype(np.float32)
        self.assertGreater(img.std(), 10)

    def test_the_tabs_open_button_chooses_it_in_the_file_chooser(self):
        def send(xdo, state):
            x, y = xinput.centre(xinput.find(state, "Open a 2-D playground model"))
            xdo("mousemove", str(x), str(y))
            xdo("click", "1")
        d = self.dir + "_chooser"
        before, after = xinput.run_with_events(
            EXPLORER, d, [{"do": "wait", "for": "sampler", "timeout_s": 120}, setc("tab", "toy2d"), frames(3)], send,
            [{"do": "wait", "for": "browser", "timeout_s": 60}, {"do": "browse_pick", "name": self.model}, frames(3), wait_view(),
             dump("picked.json")], ["--chains", "4"])
        self.assertTrue(after["browser"]["open"])
        self.assertEqual(after["browser"]["title"], "Open a 2-D playground model")
        with open(os.path.join(d, "picked.json")) as f:
            picked = json.load(f)
        self.assertFalse(picked["browser"]["open"])
        self.check_opened(picked["views"]["toy2d"])

    def test_a_dropped_run_folder_opens_it_and_an_image_model_dropped_there_goes_to_the_sidebar(self):
        d = self.dir + "_drop"
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        actions = [{"do": "wait", "for": "sampler", "timeout_s": 120},
                   {"do": "drop_file", "paths": [self.run_dir]}, frames(3), wait_view(), dump("dropped.json"),
                   # An image model dropped on the 2-D tab loads in the sidebar; the 2-D model stays.
                   {"do": "drop_file", "paths": [BUNDLED]}, {"do": "wait", "for": "model", "timeout_s": 120}, frames(2),
                   dump("image_model.json")]
        with open(os.path.join(d, "actions.json"), "w") as f:
            json.dump(actions, f)
        p = subprocess.run(XVFB + [EXPLORER, "--script", "actions.json", "--config-dir", "none", "--chains", "4", "--threads", "1"],
                           cwd=d, capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(d, "dropped.json")) as f:
            dropped = json.load(f)
        self.assertEqual(dropped["tab"], "toy2d")
        self.check_opened(dropped["views"]["toy2d"])
        with open(os.path.join(d, "image_model.json")) as f:
            image_model = json.load(f)
        self.assertEqual(image_model["model"]["path"], BUNDLED)
        self.check_opened(image_model["views"]["toy2d"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
