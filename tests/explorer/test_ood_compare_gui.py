#!/usr/bin/env python3
"""The OOD probe and A/B compare views end to end: the real shortrun-explorer under xvfb-run,
driven by --script with tiny settings, checked through state dumps. Each view's export is
reproduced by running the exported command with build/shortrun: the PNGs must be identical
pixel for pixel. Also: images and folders dropped on the probe or picked with its file chooser
are probed, a bad path gives one line naming the file, and Stop ends a long probe.

usage: test_ood_compare_gui.py SHORTRUN_EXPLORER WORK_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import unittest

import numpy as np
from PIL import Image

EXPLORER, WORK = (os.path.abspath(p) for p in sys.argv[1:3])
del sys.argv[1:3]
BUILD = os.path.dirname(EXPLORER)
SHORTRUN = os.path.join(BUILD, "shortrun")
SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUNDLED = os.path.join(SOURCE, "assets", "fmnist.safetensors")
XVFB = ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24"]


def wait(what, **kw):
    return {"do": "wait", "for": what, "timeout_s": 300, **kw}


def set_(control, value):
    return {"do": "set", "control": control, "value": value}


def press(button):
    return {"do": "press", "button": button}


def dump(name):
    return {"do": "dump_state", "path": name}


class Run:
    """One explorer session on the bundled model: writes the script, runs it, loads the dumps."""

    def __init__(self, name, actions, timeout=600, extra=()):
        self.dir = os.path.join(WORK, name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        script = os.path.join(self.dir, "actions.json")
        with open(script, "w") as f:
            json.dump([wait("sampler")] + actions, f, indent=1)
        cmd = XVFB + [EXPLORER, "--script", script, "--config-dir", "none", "--threads", "1", *extra]
        self.proc = subprocess.run(cmd, cwd=self.dir, capture_output=True, text=True, timeout=timeout)
        if self.proc.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} exited {self.proc.returncode}\n"
                                 f"stdout: {self.proc.stdout}\nstderr: {self.proc.stderr}")

    def view(self, dump_name, view):
        with open(os.path.join(self.dir, dump_name)) as f:
            return json.load(f)["views"][view]


def reproduce(run, command, png):
    """Runs the exported command (as the explorer wrote it, on one thread like the explorer's
    --threads 1) after moving the GUI's PNG aside; returns (gui pixels, cli pixels)."""
    gui = png + ".gui.png"
    shutil.move(png, gui)
    assert command.startswith("shortrun "), command
    env = dict(os.environ, OMP_NUM_THREADS="1")
    p = subprocess.run(SHORTRUN + command[len("shortrun"):] + " --threads 1", shell=True, cwd=run.dir,
                       capture_output=True, text=True, env=env, timeout=600)
    if p.returncode != 0:
        raise AssertionError(f"{command} exited {p.returncode}: {p.stderr}")
    return np.asarray(Image.open(gui)), np.asarray(Image.open(png))


class OodCompareGui(unittest.TestCase):
    def test_ood_probe_scores_scrubs_and_exports_what_the_cli_writes(self):
        r = Run("ood", [
            set_("steps", 6), wait("sampler"), {"do": "set", "control": "tab", "value": "ood"},
            set_("ood_n", 24), set_("ood_folder", "out"), press("ood_examples"), wait("view", view="ood"),
            set_("ood_step", 3), dump("probe.json"),
            press("ood_export"), wait("view", view="ood"), dump("exported.json"),
            press("ood_run"), wait("view", view="ood"), dump("again.json"),
        ])
        s = r.view("probe.json", "ood")
        self.assertEqual(s["error"], "")
        self.assertEqual(len(s["images"]), 4, s["images"])  # the four shipped examples
        self.assertEqual(s["data_energy_count"], 24)
        self.assertEqual(s["sample_energy_count"], 24)
        self.assertEqual(s["frame_steps"][0], 0)
        self.assertEqual(s["frame_steps"][-1], 6)
        self.assertEqual(s["step"], 3)
        for p in s["percentile_data"] + s["percentile_samples"]:
            self.assertTrue(0 <= p <= 100, p)
        e = r.view("exported.json", "ood")["export"]
        self.assertIn("shortrun score", e["command"])
        self.assertIn("--chains", e["command"])
        gui, cli = reproduce(r, e["command"], os.path.join(r.dir, e["png"]))
        self.assertEqual(gui.shape, cli.shape)
        self.assertTrue(np.array_equal(gui, cli), "the exported command wrote a different PNG")
        self.assertEqual(gui.shape[:2], (2 * 34 + 2, 4 * 34 + 2))  # images on top, x_K under them
        # The CLI's report (next to its --out) scores the images as the view did.
        report_path = [f for f in os.listdir(os.path.join(r.dir, "out")) if f.endswith("_images.png.json")][0]
        with open(os.path.join(r.dir, "out", report_path)) as f:
            report = json.load(f)
        cli_f = [i["energy"] for i in report["images"]]
        np.testing.assert_allclose(cli_f, s["energy"], rtol=1e-5, atol=1e-4)
        cli_pct = [i["percentile_samples"] for i in report["images"]]
        np.testing.assert_allclose(cli_pct, s["percentile_samples"], atol=1e-4)  # the view holds float32
        # Scoring again on the same model and settings reuses the samples' energies: same ranks.
        again = r.view("again.json", "ood")
        self.assertFalse(s["reused_samples"])
        self.assertTrue(again["reused_samples"])
        self.assertEqual(again["percentile_samples"], s["percentile_samples"])

    def test_ood_probe_skips_what_it_cannot_read_and_scores_the_rest(self):
        """Issue 23 (2): one missing file in the list, or one unreadable file in a folder, aborted the
        probe. Now each is listed as skipped with its reason and the rest are scored."""
        d = os.path.join(WORK, "ood_skip_inputs")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        shutil.copy(os.path.join(SOURCE, "assets", "ood", "noise.png"), os.path.join(d, "noise.png"))
        with open(os.path.join(d, "broken.png"), "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n not really a png")
        missing = os.path.join(WORK, "no_such_image.png")
        examples = os.path.join(SOURCE, "assets", "ood", "constant.png")
        r = Run("ood_skip", [
            set_("steps", 4), wait("sampler"), {"do": "set", "control": "tab", "value": "ood"}, set_("ood_n", 8),
            set_("ood_images", f"{examples};{missing};{d}"), press("ood_run"), wait("view", view="ood"), dump("mixed.json"),
            set_("ood_images", missing), press("ood_run"), wait("view", view="ood"), dump("none.json"),
        ])
        s = r.view("mixed.json", "ood")
        self.assertEqual(s["error"], "")
        self.assertEqual(len(s["images"]), 2, s)  # constant.png and the folder's noise.png
        self.assertEqual(len(s["energy"]), 2)
        self.assertEqual(len(s["skipped"]), 2, s["skipped"])
        self.assertTrue(any(x.startswith(missing) and "no such file" in x for x in s["skipped"]), s["skipped"])
        self.assertTrue(any("broken.png" in x for x in s["skipped"]), s["skipped"])
        # Nothing readable at all: an error, and the earlier result stays on screen.
        n = r.view("none.json", "ood")
        self.assertIn("nothing to score", n["error"])
        self.assertEqual(n["images"], s["images"])

    def test_ab_model_b_runs_its_own_stored_sampler_and_resets(self):
        """Issue 23 (5): B = another model ran at the tab's K and step, not the sampler it was trained
        with (the paper's .pth came out as noise). A new model B now starts from its own stored
        sampler; "reset A" puts the sidebar back to model A's."""
        r = Run("ab_own", [
            set_("steps", 6), wait("sampler"), {"do": "set", "control": "tab", "value": "compare"}, set_("ab_chains", 2),
            set_("ab_model_b", BUNDLED), press("ab_run"), wait("view", view="compare"), dump("own.json"),
            press("ab_reset_a"), wait("frames", frames=2), dump("reset.json"),
        ])
        with open(os.path.join(r.dir, "own.json")) as f:
            own_state = json.load(f)
        v = own_state["views"]["compare"]
        stored = own_state["model"]["defaults"]
        self.assertEqual(v["error"], "")
        self.assertTrue(v["b_own_sampler"])
        self.assertEqual(v["steps_a"], 6)
        self.assertEqual(v["steps_b_run"], stored["steps"])
        self.assertAlmostEqual(v["settings"]["b"]["step_size"], stored["step_size"], places=5)
        with open(os.path.join(r.dir, "reset.json")) as f:
            self.assertEqual(json.load(f)["sampler"]["steps"], stored["steps"])

    def test_ab_compare_scrubs_both_sides_and_exports_what_the_cli_writes(self):
        r = Run("compare", [
            set_("steps", 6), wait("sampler"), {"do": "set", "control": "tab", "value": "compare"},
            set_("ab_model_b", BUNDLED), set_("ab_steps_b", 9), set_("ab_step_size_b", 0.5), set_("ab_chains", 4),
            set_("ab_folder", "out"), press("ab_run"), wait("view", view="compare"),
            set_("ab_step", 7), dump("compared.json"),
            press("ab_export"), wait("view", view="compare"), dump("exported.json"),
        ])
        s = r.view("compared.json", "compare")
        self.assertEqual(s["error"], "")
        self.assertEqual((s["steps_a"], s["steps_b_run"]), (6, 9))
        self.assertEqual((s["frame_a"], s["frame_b"]), (6, 7))  # A holds its x_K past K=6
        self.assertGreater(s["rms_mean"], 0)  # half the step size: B differs
        e = r.view("exported.json", "compare")["export"]
        self.assertIn("shortrun compare", e["command"])
        self.assertIn("--model-b", e["command"])
        gui, cli = reproduce(r, e["command"], os.path.join(r.dir, e["png"]))
        self.assertEqual(gui.shape, cli.shape)
        self.assertTrue(np.array_equal(gui, cli), "the exported command wrote a different PNG")

    def test_both_views_fit_800x500_with_no_control_clipped(self):
        r = Run("small", [
            set_("steps", 6), wait("sampler"), set_("tab", "ood"), set_("ood_n", 16), press("ood_examples"),
            wait("view", view="ood"), wait("frames", frames=4), dump("ood.json"),
            set_("tab", "compare"), set_("ab_chains", 4), press("ab_run"), wait("view", view="compare"),
            wait("frames", frames=4), dump("compare.json"),
        ], extra=["--size", "800x500"])
        for view in ("ood", "compare"):
            with open(os.path.join(r.dir, view + ".json")) as f:
                s = json.load(f)
            self.assertEqual(s["window"], [800, 500])
            mine = [it for it in s["layout"] if it["window"].startswith("Main")]
            self.assertGreater(len(mine), 8, view)
            for it in mine:
                x0, y0, x1, y1 = it["rect"]
                wx0, wy0, wx1, wy1 = it["window_rect"]
                where = f"{view}: '{it['tip']}' at {it['rect']} (window {it['window_rect']})"
                self.assertLessEqual(x1, wx1 + 1, where)  # ImGui does not scroll sideways
                self.assertGreaterEqual(x0, wx0 - 1, where)
                if y1 > wy1 + 1:
                    self.assertGreater(it["scroll_max_y"], 0, where)  # below the bottom: reachable

    def test_bad_paths_give_one_line_naming_the_file(self):
        junk = os.path.join(WORK, "not_an_image.png")
        os.makedirs(WORK, exist_ok=True)
        with open(junk, "w") as f:
            f.write("not a PNG")
        r = Run("bad", [
            # A fast machine's rate, so no probe asks first however loaded this one is.
            wait("sampler"), set_("chain_rate_for_test", 1e5),
            set_("ood_images", "/nonexistent/probe.png"), press("ood_run"), wait("view", view="ood"), dump("missing.json"),
            set_("ood_images", junk), press("ood_run"), wait("view", view="ood"), dump("junk.json"),
            set_("ab_model_b", "/nonexistent/b.safetensors"), press("ab_run"), wait("view", view="compare"),
            dump("missing_b.json"),
            set_("ab_model_b", junk), press("ab_run"), wait("view", view="compare"), dump("junk_b.json"),
        ])
        for name, view, path in [("missing.json", "ood", "/nonexistent/probe.png"), ("junk.json", "ood", junk),
                                 ("missing_b.json", "compare", "/nonexistent/b.safetensors"),
                                 ("junk_b.json", "compare", junk)]:
            err = r.view(name, view)["error"]
            self.assertIn(path, err, name)
            self.assertNotIn("\n", err, name)
        self.assertNotIn("images", r.view("junk.json", "ood"))

    def test_images_and_folders_dropped_on_the_tab_are_probed_and_a_checkpoint_still_loads(self):
        digit = os.path.join(SOURCE, "assets", "ood", sorted(os.listdir(os.path.join(SOURCE, "assets", "ood")))[0])
        folder = os.path.join(SOURCE, "assets", "ood")
        r = Run("drop", [
            set_("steps", 6), wait("sampler"), set_("tab", "ood"), set_("ood_n", 16),
            {"do": "drop_file", "paths": [digit, folder]}, wait("view", view="ood"), dump("dropped.json"),
            # A checkpoint dropped on the tab loads (the explorer's own handling); a probe of the
            # old model that is still running is stopped and never shows.
            set_("ood_n", 3000), set_("chain_rate_for_test", 10.0), {"do": "drop_file", "path": folder}, wait("prompt"),
            press("confirm_run"), wait("job", kind="ood", done=1),
            {"do": "drop_file", "path": BUNDLED}, wait("model"), wait("view", view="ood"), wait("frames", frames=4),
            dump("model_dropped.json"),
        ])
        with open(os.path.join(r.dir, "dropped.json")) as f:
            dropped = json.load(f)
        s = dropped["views"]["ood"]
        self.assertEqual(s["error"], "")
        self.assertEqual(len(s["images"]), 5, s["images"])  # the file, then the folder's four
        self.assertEqual(s["images_field"], digit + ";" + folder)
        self.assertEqual(dropped["tab"], "ood")  # an image dropped here is not sent to Reconstruct
        with open(os.path.join(r.dir, "model_dropped.json")) as f:
            after = json.load(f)
        s = after["views"]["ood"]
        self.assertNotEqual(after["model"]["id"], dropped["model"]["id"])
        self.assertFalse(s["running"])
        self.assertNotIn("images", s)  # neither the old result nor the stopped probe's
        self.assertEqual(s["error"], "")

    def test_the_file_chooser_adds_an_image_then_a_folder(self):
        folder = os.path.join(SOURCE, "assets", "ood")
        name = sorted(os.listdir(folder))[0]
        r = Run("browse", [
            set_("steps", 6), wait("sampler"), set_("tab", "ood"), set_("ood_n", 16),
            press("ood_browse"), wait("browser"), dump("opened.json"),
            {"do": "browse_pick", "name": folder}, wait("browser"), {"do": "browse_pick", "name": name}, dump("one.json"),
            press("ood_browse"), wait("browser"), {"do": "browse_pick", "name": folder}, wait("browser"),
            press("browser_use_folder"), dump("two.json"),
            press("ood_run"), wait("view", view="ood"), dump("scored.json"),
            # Afterwards the chooser is the canvas's again.
            press("browse_image"), wait("browser"), dump("plain.json"),
        ])
        with open(os.path.join(r.dir, "opened.json")) as f:
            opened = json.load(f)["browser"]
        self.assertTrue(opened["open"])
        self.assertIn("OOD", opened["title"])
        with open(os.path.join(r.dir, "one.json")) as f:
            one = json.load(f)
        self.assertFalse(one["browser"]["open"])
        self.assertEqual(one["views"]["ood"]["images_field"], os.path.join(folder, name))
        self.assertEqual(one["tab"], "ood")  # not sent to the Reconstruct canvas
        self.assertEqual(r.view("two.json", "ood")["images_field"], os.path.join(folder, name) + ";" + folder)
        scored = r.view("scored.json", "ood")
        self.assertEqual(scored["error"], "")
        self.assertEqual(len(scored["images"]), 5)
        with open(os.path.join(r.dir, "plain.json")) as f:
            self.assertEqual(json.load(f)["browser"]["title"], "")

    def test_stop_ends_a_long_probe(self):
        r = Run("cancel", [
            # 3000 samples x K=50: minutes, were it not stopped. Priced first as every job is (issue
            # 23): at a rate set low it always asks, and the yes starts it.
            set_("ood_n", 3000), set_("chain_rate_for_test", 10.0), press("ood_examples"), wait("prompt"), press("confirm_run"),
            wait("job", kind="ood", done=1), press("ood_stop"), wait("view", view="ood"), dump("stopped.json"),
        ])
        s = r.view("stopped.json", "ood")
        self.assertFalse(s["running"])
        self.assertEqual(s["error"], "stopped")
        self.assertNotIn("images", s)
        self.assertLess(s["progress"][0], s["progress"][1])


if __name__ == "__main__":
    unittest.main(verbosity=2)
