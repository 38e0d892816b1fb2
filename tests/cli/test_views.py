#!/usr/bin/python3
"""CLI tests of the views (sample --continue-to, sweep, compare, score, MALA acceptance): each
against plain `shortrun sample` runs, and the command recorded in each JSON report must
reproduce the view's PNG pixel for pixel. usage: test_views.py SHORTRUN FIXTURE_DIR WORK_DIR"""
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import unittest

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cliutil  # noqa: E402

SHORTRUN, FIX, WORK = sys.argv[1:4]
del sys.argv[1:4]
TINY = "idx:" + os.path.join(FIX, "tiny-images-idx3-ubyte")  # 12 images, 28x28 padded to 32x32


run = cliutil.runner(SHORTRUN)


def fx(name):
    return os.path.join(FIX, name)


def wk(name):
    return os.path.join(WORK, name)


def pixels(path):
    return np.asarray(Image.open(path))


def cell(img, row, col, size=32, pad=2):
    """The image at (row, col) of a make_grid picture."""
    y, x = pad + row * (size + pad), pad + col * (size + pad)
    return img[y:y + size, x:x + size]


class Views(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        shutil.rmtree(WORK, ignore_errors=True)
        os.makedirs(WORK)

    def sample_png(self, out, *extra):
        run("sample", "-q", "--model", fx("minimal.pth"), "--out", out, "--threads", "1", *extra)
        return pixels(out)

    def sample_npy(self, out, *extra):
        run("sample", "-q", "--model", fx("minimal.pth"), "--out", "", "--npy", out, "--threads", "1", *extra)
        return np.load(out)

    def rerun_recorded(self, json_path, pngs):
        """Runs the command a view recorded and checks that it writes the same PNGs."""
        with open(json_path) as fh:
            report = json.load(fh)
        argv = shlex.split(report["command"])
        self.assertEqual(argv[0], "shortrun")
        before = {p: pixels(p) for p in pngs}
        for p in pngs:
            os.remove(p)
        run(*argv[1:])
        for p in pngs:
            np.testing.assert_array_equal(pixels(p), before[p], err_msg=p)
        return report

    def test_long_run_continues_the_same_chains(self):
        run("sample", "-q", "--model", fx("minimal.pth"), "--n", "4", "--steps", "3", "--continue-to", "12",
            "--trajectory", wk("lr_traj.npy"), "--every", "5", "--npy", wk("lr_xm.npy"), "--out", wk("lr.png"),
            "--threads", "1")
        with open(wk("lr.png.json")) as fh:
            j = json.load(fh)
        self.assertEqual(j["view"], "long_run")
        self.assertEqual((j["short_steps"], j["total_steps"]), (3, 12))
        self.assertEqual(j["frame_steps"], [0, 3, 5, 10, 12])
        self.assertEqual(len(j["curves"]["step"]), 13)
        self.assertEqual(np.array(j["curves"]["energy"]).shape, (4, 13))
        self.assertEqual(len(j["curves"]["saturated_mean"]), 13)
        traj = np.load(wk("lr_traj.npy"))
        self.assertEqual(traj.shape, (5, 4, 1, 32, 32))
        # x_K is the K-step run, x_M the M-step run: the same chains, the same noise stream.
        xk = self.sample_npy(wk("lr_k.npy"), "--n", "4", "--steps", "3")
        xm = self.sample_npy(wk("lr_m.npy"), "--n", "4", "--steps", "12")
        np.testing.assert_array_equal(traj[1], xk)
        np.testing.assert_array_equal(traj[-1], xm)
        np.testing.assert_array_equal(np.load(wk("lr_xm.npy")), xm)
        # The PNG: the K grid and the M grid side by side, each what `sample` draws.
        img = pixels(wk("lr.png"))
        k_png = self.sample_png(wk("lr_k.png"), "--n", "4", "--steps", "3")
        m_png = self.sample_png(wk("lr_m.png"), "--n", "4", "--steps", "12")
        self.assertEqual(img.shape, (70, 70 + 8 + 70))
        np.testing.assert_array_equal(img[:, :70], k_png)
        np.testing.assert_array_equal(img[:, 78:], m_png)
        self.rerun_recorded(wk("lr.png.json"), [wk("lr.png")])

    def test_sweep_cells_equal_sample(self):
        run("sweep", "--model", fx("minimal.pth"), "--steps", "0,2,5", "--step-sizes", "0.5,1.5", "--seed", "4",
            "--chain", "1", "--out", wk("sheet.png"), "--threads", "1")
        sheet = pixels(wk("sheet.png"))
        self.assertEqual(sheet.shape, (3 * 34 + 2, 2 * 34 + 2))
        for r, k in enumerate(["0", "2", "5"]):
            for c, h in enumerate(["0.5", "1.5"]):
                plain = self.sample_png(wk(f"sheet_{k}_{h}.png"), "--n", "2", "--cols", "2", "--steps", k,
                                        "--step-size", h, "--seed", "4")
                np.testing.assert_array_equal(cell(sheet, r, c), cell(plain, 0, 1), err_msg=f"K {k} step {h}")
        with open(wk("sheet.png.json")) as fh:
            j = json.load(fh)
        self.assertEqual(len(j["cells"]), 6)
        self.assertEqual(j["settings"]["steps"], [0, 2, 5])
        self.rerun_recorded(wk("sheet.png.json"), [wk("sheet.png")])

    def test_sweep_fd_is_tune_samplers(self):
        p = run("sweep", "--model", fx("minimal.pth"), "--steps", "2", "--step-sizes", "0.5", "--fd", "10",
                "--data", TINY, "--seed", "7", "--out", wk("fd.png"), "--threads", "1")
        self.assertIn("FD", p.stdout)
        with open(wk("fd.png.json")) as fh:
            fd = json.load(fh)["cells"][0]["fd"]
        t = run("tune-sampler", "--model", fx("minimal.pth"), "--steps", "2", "--step-sizes", "0.5", "--n", "10",
                "--data", TINY, "--seed", "7", "--threads", "1")
        tuned = json.loads(t.stdout)["results"][0]["fd"]
        self.assertAlmostEqual(fd, tuned, delta=1e-9 * max(1.0, abs(tuned)))

    def make_model_b(self):
        sd = torch.load(fx("minimal.pth"))
        for k in sd:
            sd[k] = sd[k] * 1.25
        path = wk("minimal_b.pth")
        torch.save(sd, path)
        return path

    def test_compare_two_settings_and_two_models(self):
        run("compare", "--model", fx("minimal.pth"), "--n", "4", "--steps", "3", "--steps-b", "5",
            "--step-size-b", "0.5", "--out", wk("ab.png"), "--threads", "1")
        img = pixels(wk("ab.png"))
        self.assertEqual(img.shape, (70, 3 * 70 + 2 * 8, 3))
        a = self.sample_png(wk("ab_a.png"), "--n", "4", "--steps", "3")
        b = self.sample_png(wk("ab_b.png"), "--n", "4", "--steps", "5", "--step-size", "0.5")
        for ch in range(3):
            np.testing.assert_array_equal(img[:, :70, ch], a)
            np.testing.assert_array_equal(img[:, 78:148, ch], b)
        with open(wk("ab.png.json")) as fh:
            j = json.load(fh)
        self.assertEqual(len(j["a"]["curves"]["energy_mean"]), 4)
        self.assertEqual(len(j["b"]["curves"]["grad_norm_mean"]), 6)
        self.assertEqual(j["b"]["sampler"]["seed"], j["a"]["sampler"]["seed"])
        self.assertGreater(j["rms_difference_mean"], 0)
        self.rerun_recorded(wk("ab.png.json"), [wk("ab.png")])
        # Two models, one sampler: B's grid is model B's sample.
        mb = self.make_model_b()
        run("compare", "--model", fx("minimal.pth"), "--model-b", mb, "--n", "4", "--steps", "3", "--out", wk("ab2.png"),
            "--threads", "1")
        img = pixels(wk("ab2.png"))
        run("sample", "-q", "--model", mb, "--n", "4", "--steps", "3", "--out", wk("ab2_b.png"), "--threads", "1")
        np.testing.assert_array_equal(img[:, 78:148, 0], pixels(wk("ab2_b.png")))
        self.rerun_recorded(wk("ab2.png.json"), [wk("ab2.png")])
        # The same model and settings on both sides: a white difference view.
        run("compare", "--model", fx("minimal.pth"), "--n", "4", "--steps", "2", "--out", wk("ab3.png"), "--threads", "1")
        self.assertTrue((pixels(wk("ab3.png"))[2:68, 158:224] == 255).all())

    def test_score_ranks_images_and_runs_their_chains(self):
        d = wk("ood")
        os.makedirs(d, exist_ok=True)
        rng = np.random.default_rng(0)
        Image.fromarray(rng.integers(0, 256, (32, 32), dtype=np.uint8)).save(os.path.join(d, "a_noise.png"))
        Image.fromarray(np.full((32, 32), 128, np.uint8)).save(os.path.join(d, "b_constant.png"))
        p = run("score", "--model", fx("minimal.pth"), "--images", d, fx("energy_in.npy"), "--data", TINY, "--n", "10",
                "--steps", "3", "--chains", wk("score_chains.png"), "--out", wk("score.png"), "--json", "--threads", "1")
        j = json.loads(p.stdout)
        names = [e["image"] for e in j["images"]]
        self.assertTrue(names[0].endswith("a_noise.png") and names[1].endswith("b_constant.png"), names)
        # f agrees with PyTorch's for the reference batch.
        ref = np.load(fx("energy_out.npy")).reshape(-1)
        got = np.array([e["energy"] for e in j["images"][2:]])
        np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-4 * max(1.0, float(np.abs(ref).max())))
        for e in j["images"]:
            self.assertTrue(0 <= e["percentile_data"] <= 100 and 0 <= e["percentile_samples"] <= 100)
            self.assertIn("chain_energy", e)
        self.assertIn("Nalisnick", j["caveat"])
        n = len(names)
        self.assertEqual(pixels(wk("score_chains.png")).shape, (2 * 34 + 2, n * 34 + 2))
        self.rerun_recorded(wk("score.png.json"), [wk("score.png"), wk("score_chains.png")])

    def test_mala_acceptance_in_the_sample_report(self):
        run("sample", "-q", "--model", fx("minimal.pth"), "--n", "6", "--steps", "4", "--mala", "--noise", "0.05",
            "--step-size", "0.001", "--out", wk("mala.png"), "--json", wk("mala.json"), "--batch-chains", "4",
            "--threads", "1")
        with open(wk("mala.json")) as fh:
            j = json.load(fh)
        m = j["mala"]
        self.assertEqual(len(m["accept_rate_per_step"]), 4)
        self.assertEqual(len(m["accept_rate_per_chain"]), 6)
        self.assertAlmostEqual(np.mean(m["accept_rate_per_chain"]), m["accept_rate_mean"], places=9)
        self.assertAlmostEqual(np.mean(m["accept_rate_per_step"]), m["accept_rate_mean"], places=9)
        self.rerun_recorded(wk("mala.json"), [wk("mala.png")])

    def test_ctrl_c_stops_cleanly_and_writes_nothing(self):
        for args in (["sample", "--n", "16", "--steps", "10", "--continue-to", "100000", "--out", wk("int.png")],
                     ["sweep", "--steps", "100000", "--step-sizes", "1", "--out", wk("int.png")]):
            with self.subTest(cmd=args[0]):
                p = subprocess.Popen([SHORTRUN, args[0], "--model", fx("minimal.pth"), "--threads", "1", *args[1:]],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                # Wait until the program catches SIGINT (bit 1 of SigCgt), then let it run a moment.
                deadline = time.time() + 60
                while time.time() < deadline and p.poll() is None and not self.catches_sigint(p.pid):
                    time.sleep(0.05)
                time.sleep(1.0)
                t0 = time.time()
                p.send_signal(signal.SIGINT)
                _, err = p.communicate(timeout=30)
                self.assertLess(time.time() - t0, 10)
                self.assertEqual(p.returncode, 130, err)
                self.assertIn("interrupted; nothing written", err)
                self.assertFalse(os.path.exists(wk("int.png")))
                self.assertFalse(os.path.exists(wk("int.png.json")))

    @staticmethod
    def catches_sigint(pid):
        try:
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("SigCgt:"):
                        return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
        except OSError:
            pass
        return False

    def test_bad_settings_are_one_line(self):
        for args, frags, code in [
            (["sample", "--model", fx("minimal.pth"), "--steps", "10", "--continue-to", "5"], ["expected M >= K"], 1),
            (["sample", "--model", fx("minimal.pth"), "--n", "5000", "--steps", "10", "--continue-to", "1000"],
             ["curve bound"], 1),
            (["compare", "--model", fx("minimal.pth"), "--model-b", wk("missing.pth")], ["missing.pth"], 1),
            (["score", "--model", fx("minimal.pth"), "--images", wk("missing.png")], ["missing.png"], 1),
            (["sweep", "--model", fx("minimal.pth"), "--step-sizes", "-1"], ["step-sizes"], 2),
        ]:
            with self.subTest(args=args):
                cliutil.assert_one_line_error(self, run, args, *frags, expect=code)


if __name__ == "__main__":
    unittest.main(verbosity=2)
