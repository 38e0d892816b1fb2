#!/usr/bin/env python3
"""The explorer GUI end to end: the real shortrun-explorer under xvfb-run (Mesa's software GL),
driven by --script, checked through its state dumps and screenshots (content, not just size).

usage: test_explorer_gui.py SHORTRUN_EXPLORER FIXTURE_DIR WORK_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import unittest

import numpy as np
from PIL import Image

EXPLORER, FIX, WORK = (os.path.abspath(p) for p in sys.argv[1:4])
del sys.argv[1:4]
SHORTRUN = os.path.join(os.path.dirname(EXPLORER), "shortrun")
XVFB = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24"]


def fx(name):
    return os.path.join(FIX, name)


class ExplorerRun:
    """One explorer session: writes the script, runs it, loads the dumps."""

    def __init__(self, name, actions, model=None, extra=(), expect=0, xvfb=True, timeout=600):
        self.dir = os.path.join(WORK, name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.script = os.path.join(self.dir, "actions.json")
        with open(self.script, "w") as f:
            json.dump(actions, f, indent=1)
        cmd = (XVFB if xvfb else []) + [EXPLORER, "--script", self.script, "--config-dir",
                                        os.path.join(self.dir, "config"), "--threads", "1", *extra]
        if model:
            cmd.insert(len(XVFB) + 1 if xvfb else 1, model)
        env = dict(os.environ)
        if not xvfb:
            env.pop("DISPLAY", None)
            env.pop("WAYLAND_DISPLAY", None)
        self.proc = subprocess.run(cmd, cwd=self.dir, capture_output=True, text=True, timeout=timeout, env=env)
        if self.proc.returncode != expect:
            raise AssertionError(f"{' '.join(cmd)} exited {self.proc.returncode}, expected {expect}\n"
                                 f"stdout: {self.proc.stdout}\nstderr: {self.proc.stderr}")

    def path(self, name):
        return os.path.join(self.dir, name)

    def state(self, name="state.json"):
        with open(self.path(name)) as f:
            return json.load(f)

    def image(self, name):
        return np.asarray(Image.open(self.path(name)).convert("RGB")).astype(np.float32)


def wait(what, **kw):
    return {"do": "wait", "for": what, "timeout_s": 300, **kw}


def dump(name="state.json"):
    return {"do": "dump_state", "path": name}


def shot(name):
    return [wait("frames", frames=3), {"do": "screenshot", "path": name}, wait("frames", frames=2)]


class ExplorerGui(unittest.TestCase):
    def assert_not_blank(self, img, what):
        self.assertGreater(img.std(), 10.0, f"{what} looks blank")
        self.assertGreater(len(np.unique(img.reshape(-1, 3), axis=0)), 50, f"{what} has too few colours")

    def test_starts_on_the_bundled_model_samples_and_scrubs(self):
        r = ExplorerRun("start", [
            wait("model"), wait("sampler"),
            {"do": "set", "control": "step", "value": 0}, *shot("step0.png"), dump("step0.json"),
            {"do": "set", "control": "step", "value": 9999}, *shot("stepK.png"), dump("stepK.json"),
            {"do": "key", "key": "left"}, {"do": "key", "key": "left"}, {"do": "key", "key": "right"},
            dump("scrubbed.json"),
            {"do": "click_chain", "index": 3}, *shot("selected.png"), dump("selected.json"),
        ])
        s0, sk = r.state("step0.json"), r.state("stepK.json")
        self.assertTrue(s0["model"]["path"].endswith("fmnist.safetensors"))
        self.assertEqual(s0["model"]["source"], "native")
        c = sk["chains"]
        self.assertTrue(c["finished"])
        self.assertEqual(c["ready"], c["steps"] + 1)
        self.assertEqual(c["n"], 16)
        self.assertEqual(sk["view"]["step"], c["steps"])
        self.assertEqual(sk["view"]["shown_step"], c["steps"])  # the texture holds what is shown
        # The chains left their noise: they moved and their energy rose.
        self.assertGreater(c["moved_from_noise"], 0.2)
        self.assertGreater(c["energy_last"], c["energy_first"])
        # Data band from Fashion-MNIST.
        self.assertIn("mean", s0["model"]["band"])
        self.assertEqual(r.state("scrubbed.json")["view"]["step"], c["steps"] - 1)
        self.assertEqual(r.state("selected.json")["view"]["selected"], 3)
        a, b = r.image("step0.png"), r.image("stepK.png")
        self.assert_not_blank(a, "step-0 screenshot")
        self.assert_not_blank(b, "step-K screenshot")
        self.assertGreater(np.abs(a - b).mean(), 1.0, "the grid did not change between step 0 and step K")
        # Settings persist in the config dir, never the working directory.
        self.assertTrue(os.path.exists(r.path("config/imgui.ini")))
        self.assertFalse(os.path.exists(r.path("imgui.ini")))

    def test_changing_a_control_reruns_and_cancels_the_stale_run(self):
        r = ExplorerRun("rerun", [
            wait("sampler"), dump("before.json"),
            {"do": "set", "control": "steps", "value": 300}, wait("frames", frames=2),
            {"do": "set", "control": "steps", "value": 12}, {"do": "set", "control": "chains", "value": 9},
            {"do": "set", "control": "seed", "value": 5}, wait("sampler"), dump("after.json"),
        ])
        before, after = r.state("before.json"), r.state("after.json")
        c = after["chains"]
        self.assertEqual((c["steps"], c["n"], c["settings"]["seed"], c["ready"]), (12, 9, 5, 13))
        self.assertGreater(c["run"], before["chains"]["run"])

    def test_interpolation_between_two_clicked_chains(self):
        r = ExplorerRun("interp", [
            wait("sampler"),
            {"do": "click_chain", "index": 1, "as": "a"}, {"do": "click_chain", "index": 6, "as": "b"},
            {"do": "set", "control": "tab", "value": "interpolation"},
            {"do": "set", "control": "points", "value": 6},
            {"do": "set", "control": "rho", "value": 0.4}, wait("interpolation"),
            *shot("interp.png"), dump(),
            {"do": "set", "control": "path", "value": "linear"}, {"do": "set", "control": "rho", "value": 0.0},
            wait("interpolation"), dump("linear.json"),
        ])
        s = r.state()
        self.assertEqual((s["interpolation"]["chain_a"], s["interpolation"]["chain_b"]), (1, 6))
        self.assertAlmostEqual(s["interpolation"]["live"]["rho"][0], 0.4, places=5)
        self.assertEqual(len(s["interpolation"]["strip"]["energy"]), 6)
        lin = r.state("linear.json")["interpolation"]
        # ρ = 0 is endpoint A's own chain: the live image's energy is the strip's first (to rounding:
        # the live image runs as a batch of one).
        self.assertAlmostEqual(lin["live"]["energy"][0], lin["strip"]["energy"][0],
                               delta=1e-3 * abs(lin["strip"]["energy"][0]) + 1e-4)
        self.assert_not_blank(r.image("interp.png"), "interpolation screenshot")

    def test_draw_and_reconstruct_then_show_its_chain(self):
        stroke = [[8 + i, 6 + i * 0.8] for i in range(16)]
        r = ExplorerRun("recon", [
            wait("sampler"), {"do": "set", "control": "tab", "value": "reconstruct"},
            {"do": "stroke", "points": stroke, "radius": 2.5, "value": 1.0},
            {"do": "stroke", "points": [[16, 4], [16, 28]], "radius": 2.0, "value": 0.5},
            {"do": "stroke", "points": [[26, 26]], "radius": 4, "mask": True},
            {"do": "set", "control": "recon_iters", "value": 15}, {"do": "press", "button": "reconstruct"},
            wait("reconstruction"), *shot("recon.png"), dump(),
            {"do": "press", "button": "undo"}, dump("undone.json"),
            {"do": "press", "button": "show_chain"}, wait("sampler"), dump("chain.json"),
        ])
        s = r.state()
        rc = s["reconstruct"]
        self.assertTrue(rc["run"]["finished"])
        self.assertEqual(rc["run"]["done"], 15)
        self.assertLess(rc["run"]["mse_last"], rc["run"]["mse_first"])
        self.assertLess(rc["observed_fraction"], 1.0)
        self.assertGreater(rc["canvas_mean"], 0.02)
        self.assertEqual(r.state("undone.json")["reconstruct"]["observed_fraction"], 1.0)
        chain = r.state("chain.json")
        self.assertTrue(chain["chains"]["custom_init"])
        self.assertEqual(chain["tab"], "chains")
        self.assert_not_blank(r.image("recon.png"), "reconstruct screenshot")

    def test_loads_every_checkpoint_kind_and_survives_a_corrupt_file(self):
        corrupt = os.path.join(WORK, "corrupt.safetensors")
        os.makedirs(WORK, exist_ok=True)
        with open(corrupt, "wb") as f:
            f.write(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")
        actions = [wait("sampler")]
        kinds = [("minimal.pth", "state_dict:minimal"), ("mixed.pth", "state_dict:mixed-precision"),
                 ("sequential.pth", "state_dict:sequential"), ("scripted.pt", "torchscript")]
        for name, _ in kinds:
            actions += [{"do": "drop_file", "path": fx(name)}, wait("model"), wait("sampler"), dump(name + ".json")]
        actions += [{"do": "drop_file", "path": corrupt}, wait("model"), *shot("after_corrupt.png"), dump("corrupt.json"),
                    {"do": "drop_file", "path": os.path.join(WORK, "notes.txt")}, dump("unknown.json")]
        r = ExplorerRun("kinds", actions)
        for name, source in kinds:
            s = r.state(name + ".json")
            self.assertEqual(s["model"]["source"], source, name)
            self.assertTrue(s["chains"]["finished"], name)
        s = r.state("corrupt.json")
        self.assertEqual(s["model"]["source"], "torchscript")  # the previous model stays loaded
        self.assertTrue(any("corrupt.safetensors" in e for e in s["errors"]), s["errors"])
        self.assertIn("corrupt.safetensors", s["model_error"])
        self.assertTrue(any("notes.txt" in e for e in r.state("unknown.json")["errors"]))
        self.assert_not_blank(r.image("after_corrupt.png"), "screenshot after the corrupt file")
        with open(r.path("config/recent.json")) as f:
            recent = json.load(f)["recent"]
        self.assertTrue(recent[0].endswith("scripted.pt"), recent)

    def test_export_grid_reproduces_with_the_cli(self):
        r = ExplorerRun("export", [
            wait("sampler"), {"do": "set", "control": "export_folder", "value": "out"},
            {"do": "set", "control": "step", "value": 9999},
            {"do": "press", "button": "export_grid"}, {"do": "set", "control": "video", "value": "gif"},
            {"do": "press", "button": "export_chain"}, wait("idle"), dump(),
        ])
        out = r.path("out")
        pngs = sorted(f for f in os.listdir(out) if f.endswith(".png"))
        self.assertEqual(len(pngs), 1, os.listdir(out))
        with open(os.path.join(out, pngs[0] + ".json")) as f:
            settings = json.load(f)
        self.assertIn("shortrun sample", settings["cli"])
        # The CLI line from the JSON writes the same picture.
        cli = settings["cli"].replace("shortrun sample", "").replace("--out grid.png", "")
        again = r.path("again.png")
        subprocess.run(f"{SHORTRUN} sample {cli} --out {again} --threads 1", shell=True, check=True, capture_output=True)
        self.assertTrue(np.array_equal(np.asarray(Image.open(again)), np.asarray(Image.open(os.path.join(out, pngs[0])))))
        chain_dir = [d for d in os.listdir(out) if d.startswith("chain_")][0]
        frames = [f for f in os.listdir(os.path.join(out, chain_dir)) if f.startswith("frame_")]
        self.assertEqual(len(frames), settings["steps"] + 1)
        if shutil.which("ffmpeg"):
            self.assertTrue(os.path.getsize(os.path.join(out, chain_dir, "chain.gif")) > 1000)

    def test_without_a_display_it_says_so_in_one_line(self):
        r = ExplorerRun("nodisplay", [], xvfb=False, expect=1)
        err = r.proc.stderr.strip()
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn("xvfb-run", err)

    def test_a_bad_script_action_fails_cleanly(self):
        r = ExplorerRun("badscript", [wait("model"), {"do": "set", "control": "no_such_control", "value": 1}], expect=1)
        self.assertIn("no_such_control", r.proc.stderr)

    def test_screenshot_after_frames(self):
        d = os.path.join(WORK, "frames")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        out = os.path.join(d, "shot.png")
        subprocess.run(XVFB + [EXPLORER, "--screenshot", out, "--frames", "5", "--config-dir", "none", "--tab",
                               "interpolation", "--size", "1000x700"], check=True, capture_output=True, timeout=300)
        img = np.asarray(Image.open(out))
        self.assertEqual(img.shape[:2], (700, 1000))


if __name__ == "__main__":
    unittest.main(verbosity=2)
