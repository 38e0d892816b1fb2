#!/usr/bin/env python3
"""The Runs tab (issue 23, section 4): two real `shortrun train` runs with different settings
compared side by side (both runs' curves in every panel, the settings that differ marked, the
only-differing filter), a run directory that is not there (dropped on the tab) listed with its
reason beside them, a run still being written (added with the file chooser) growing in the tab,
hiding and removing runs; and the layout at 800x500.

usage: test_runs_gui.py SHORTRUN_EXPLORER FIXTURE_DIR WORK_DIR
"""
import os
import shutil
import subprocess
import threading
import time
import unittest

import test_explorer_gui as base  # reads and removes argv[1:4]
from test_explorer_gui import ExplorerRun, dump, shot, wait

SHORTRUN = base.SHORTRUN
WORK = base.WORK
TINY = ["--data", "fashion-mnist", "--limit", "64", "--nf", "4", "--batch", "8", "--log-every", "2",
        "--checkpoint-every", "10", "--sample-every", "10", "--eval-every", "0", "--threads", "1", "--iters", "12"]


def setc(control, value):
    return {"do": "set", "control": control, "value": value}


def press(button):
    return {"do": "press", "button": button}


def wait_view():
    return {**wait("view"), "view": "runs"}


def look():
    """Script actions that wait for the tab's next complete look at every compared run."""
    return [press("runs_refresh"), wait_view()]


def train(name, *extra):
    out = os.path.join(WORK, name)
    shutil.rmtree(out, ignore_errors=True)
    p = subprocess.run([SHORTRUN, "train", *TINY, *extra, "--out", out], capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise AssertionError(f"shortrun train exited {p.returncode}\n{p.stdout}\n{p.stderr}")
    return out


class RunsGui(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.makedirs(WORK, exist_ok=True)
        cls.run_a = train("run_lr1e-4", "--lr", "0.0001", "--steps", "3")
        cls.run_b = train("run_lr3e-4", "--lr", "0.0003", "--steps", "5")

    def test_two_runs_side_by_side_a_bad_one_and_one_growing(self):
        # A run being written: run A's config and the first half of its lines; the rest arrive
        # while the tab follows it.
        growing = os.path.join(WORK, "growing")
        shutil.rmtree(growing, ignore_errors=True)
        os.makedirs(growing)
        shutil.copy(os.path.join(self.run_a, "config.json"), growing)
        with open(os.path.join(self.run_a, "metrics.jsonl")) as f:
            lines = [l for l in f if '"event"' not in l]
        with open(os.path.join(growing, "metrics.jsonl"), "w") as f:
            f.writelines(lines[:3])
        missing = os.path.join(WORK, "no_such_run")
        session = os.path.join(WORK, "runs")
        shutil.rmtree(session, ignore_errors=True)  # no dump of an earlier session may start the helper

        def grow():
            deadline = time.time() + 400
            while not os.path.exists(os.path.join(session, "first.json")) and time.time() < deadline:
                time.sleep(0.1)
            with open(os.path.join(growing, "metrics.jsonl"), "a") as f:
                f.writelines(lines[3:])
            open(os.path.join(session, "go_grown"), "w").close()

        helper = threading.Thread(target=grow, daemon=True)
        helper.start()
        r = ExplorerRun("runs", [
            setc("tab", "runs"),
            setc("runs_dir", self.run_a), press("runs_add"),
            setc("runs_dir", os.path.join(self.run_b, "checkpoints", "latest.safetensors")), press("runs_add"),
            {"do": "drop_file", "paths": [missing]},  # dropped on the tab: added
            # The file chooser, opened in the folder of the field's path: Use this folder adds it.
            setc("runs_dir", os.path.join(growing, "metrics.jsonl")), press("runs_browse"), wait("browser"),
            press("browser_use_folder"), wait("frames", frames=2),
            setc("runs_dir", self.run_a), press("runs_add"),  # twice: refused
            wait_view(), *look(), dump("first.json"),
            {**wait("file"), "path": "go_grown"}, setc("runs_wait_iteration", 12), wait_view(), dump("grown.json"),
            # The comparison of the two real runs, as a researcher would look at it.
            setc("runs_remove", missing), setc("runs_shown", {"run": 2, "shown": False}), wait("frames", frames=2),
            *shot("curves.png"), dump("two.json"),
            setc("runs_page", "settings"), *shot("settings.png"),
            setc("runs_only_differing", True), *shot("differing.png"), dump("differing.json"),
        ])
        helper.join(timeout=5)
        first = r.state("first.json")["views"]["runs"]
        dirs = [run["dir"] for run in first["runs"]]
        self.assertEqual(dirs, [self.run_a, self.run_b, missing, growing])
        self.assertIn("compared already", first["message"])
        a, b, bad, grow_run = first["runs"]
        self.assertEqual((a["iterations"], b["iterations"]), (12, 12))
        self.assertEqual((a["problem"], b["problem"]), ("", ""))
        self.assertIn("does not exist", bad["problem"])
        self.assertEqual(len({run["color"] for run in first["runs"]}), 4, "one colour per run")
        for key in ("f_data", "f_samples", "gap", "grad_norm", "saturated", "lr"):
            self.assertEqual(first["plots"]["metrics"][key], [a["name"], b["name"], grow_run["name"]], key)
        self.assertEqual(a["curves"]["f_data"], 6)  # every 2nd of 12 iterations
        self.assertEqual(grow_run["records"], 3)

        grown = r.state("grown.json")["views"]["runs"]["runs"][3]
        self.assertEqual(grown["records"], len(lines), "the growing run was not followed")
        self.assertEqual(grown["iterations"], 12)

        two = r.state("two.json")["views"]["runs"]
        self.assertEqual([run["dir"] for run in two["runs"]], [self.run_a, self.run_b, growing])
        self.assertFalse(two["runs"][2]["shown"])
        self.assertEqual(two["plots"]["metrics"]["gap"], [two["runs"][0]["name"], two["runs"][1]["name"]])
        self.assertEqual(two["plots"]["profile"], [two["runs"][0]["name"], two["runs"][1]["name"]])
        values = two["settings"]["values"]
        self.assertEqual(values["lr"], ["0.0001", "0.0003"])
        self.assertEqual(values["sampler.steps"], ["3", "5"])
        for key in ("lr", "sampler.steps"):
            self.assertIn(key, two["settings"]["differing"])
        self.assertNotIn("batch", two["settings"]["differing"])
        self.assertIn("batch", values)

        only = r.state("differing.json")["views"]["runs"]
        self.assertTrue(only["only_differing"])
        self.assertEqual(only["page"], "settings")
        self.assertEqual(sorted(only["settings"]["values"]), sorted(two["settings"]["differing"]))
        for name in ("curves.png", "settings.png", "differing.png"):
            base.ExplorerGui.assert_not_blank(self, r.image(name), name)

    def test_layout_fits_800x500(self):
        r = ExplorerRun("runs_small", [setc("tab", "runs"), setc("runs_dir", self.run_a), press("runs_add"),
                                       setc("runs_dir", self.run_b), press("runs_add"), wait_view(),
                                       wait("frames", frames=4), dump(), *shot("small_curves.png"),
                                       setc("runs_page", "settings"), *shot("small_settings.png")],
                         extra=["--size", "800x500"])
        s = r.state()
        self.assertEqual(s["window"], [800, 500])
        items = [it for it in s["layout"] if "runs_" in it["window"]]
        self.assertGreater(len(items), 8)
        base.assert_controls_reachable(self, items, "runs", viewport=(800, 500))


if __name__ == "__main__":
    unittest.main()
