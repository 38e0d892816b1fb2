#!/usr/bin/python3
"""A model file must not run code: hostile TorchScript modules (made here with torch 1.13, see
trust_fixtures.py) are refused by info, sample, convert and eval before any of their code runs;
honest nets still load; --trust-code opts in. usage: test_trust.py SHORTRUN FIXTURE_DIR WORK_DIR"""
import json
import os
import shutil
import subprocess
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cliutil  # noqa: E402
import trust_fixtures  # noqa: E402

SHORTRUN, FIX, WORK = sys.argv[1:4]
del sys.argv[1:4]
MODELS = os.path.join(WORK, "models")
MARKER_DIR = os.path.join(WORK, "marker")            # hostile modules write here; must stay empty
TRUSTED_DIR = os.path.join(WORK, "trusted_marker")   # only the --trust-code test writes here
MARKER = os.path.join(MARKER_DIR, "MARKER")
TRUSTED_MARKER = os.path.join(TRUSTED_DIR, "MARKER")


def run(*args, expect=0):
    # A module that loops forever would hang the command: the timeout turns that into a failure.
    p = subprocess.run([SHORTRUN, *args], capture_output=True, text=True, timeout=120)
    if p.returncode != expect:
        raise AssertionError(f"shortrun {' '.join(args)} exited {p.returncode}, expected {expect}\n"
                             f"stdout: {p.stdout}\nstderr: {p.stderr}")
    return p


def m(name):
    return os.path.join(MODELS, name)


class Trust(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        shutil.rmtree(WORK, ignore_errors=True)
        for d in [MODELS, MARKER_DIR, TRUSTED_DIR]:
            os.makedirs(d)
        cls.hostile = trust_fixtures.main(MODELS, MARKER, TRUSTED_MARKER)

    def assert_refused(self, args, name, op):
        cliutil.assert_one_line_error(self, run, args, name, op, "--trust-code")
        self.assertEqual(os.listdir(MARKER_DIR), [], f"{name} wrote its marker file")

    def test_hostile_modules_are_refused_by_every_command(self):
        self.assertGreaterEqual(len(self.hostile), 10)
        for name, op in sorted(self.hostile.items()):
            out = os.path.join(WORK, name + ".safetensors")
            for args in [["info", "--model", m(name)],
                         ["info", "--model", m(name), "--input-shape", "1,32,32"],
                         ["sample", "-q", "--model", m(name), "--out", "", "--n", "2", "--steps", "1", "--threads", "1"],
                         ["convert", "--from", m(name), "--out", out]]:
                with self.subTest(name=name, command=args[0]):
                    self.assert_refused(args, name, op)
                    self.assertFalse(os.path.exists(out))

    def test_hostile_feature_nets_are_refused(self):
        for name in ["writes_file.pt", "setstate.pt", "loops.pt"]:
            with self.subTest(name=name):
                self.assert_refused(["eval", "--model", os.path.join(FIX, "minimal.pth"), "--features", m(name),
                                     "--n", "8", "--threads", "1"], name, self.hostile[name])

    def test_honest_net_samples_but_info_does_not_run_it(self):
        x = os.path.join(WORK, "good.npy")
        run("sample", "-q", "--model", m("good.pt"), "--out", "", "--npy", x, "--n", "3", "--steps", "4", "--threads", "1")
        got = np.load(x)
        self.assertEqual(got.shape, (3, 1, 32, 32))
        self.assertTrue(np.isfinite(got).all())
        # info describes a file without running it: the shape comes from a card or the option.
        cliutil.assert_one_line_error(self, run, ["info", "--model", m("good.pt")], "good.pt", "--input-shape")
        info = json.loads(run("info", "--model", m("good.pt"), "--input-shape", "1,32,32", "--json").stdout)
        self.assertEqual((info["data"]["channels"], info["data"]["height"], info["data"]["width"]), (1, 32, 32))
        self.assertEqual(info["source"], "torchscript")
        out = run("info", "--model", m("good_card.pt")).stdout
        self.assertIn("1x32x32", out)
        self.assertIn("K=7", out)  # the card's sampler defaults
        run("info", "--model", m("good.pt"), "--input-shape", "1,32", expect=2)

    def test_honest_feature_net_loads(self):
        p = run("eval", "--model", os.path.join(FIX, "minimal.pth"), "--features", m("good_features.pt"),
                "--n", "16", "--steps", "2", "--no-memorisation", "--threads", "1")
        j = json.loads(p.stdout.strip().splitlines()[-1])
        self.assertTrue(np.isfinite(j["fd"]))

    def test_trust_code_runs_the_module(self):
        self.assertFalse(os.path.exists(TRUSTED_MARKER))
        cliutil.assert_one_line_error(self, run, ["info", "--model", m("trusted_writes_file.pt")], "aten::from_file")
        self.assertFalse(os.path.exists(TRUSTED_MARKER))
        out = run("info", "--trust-code", "--model", m("trusted_writes_file.pt")).stdout
        self.assertIn("1x32x32", out)  # probed by running forward, which wrote the file
        with open(TRUSTED_MARKER, "rb") as fh:
            self.assertEqual(fh.read(), b"A" * 64)
        self.assertIn("--trust-code", run("sample", "--help").stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
