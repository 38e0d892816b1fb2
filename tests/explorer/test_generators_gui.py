#!/usr/bin/env python3
"""VAE and GAN checkpoints in the explorer (issue 26 §4), end to end under Xvfb: a tiny VAE and a
tiny GAN trained here with `shortrun train --model vae|gan` load like any model (the Model panel
and the state dump say which kind), the EBM-only tabs say they need an energy model, the
Interpolation and Reconstruct tabs work through the VAE/GAN, and the A/B compare tab puts the
loaded model, model B and model C of any kind side by side: reconstructions of one test image with
their MSE, and interpolation strips between the same latents.

usage: test_generators_gui.py SHORTRUN_EXPLORER FIXTURE_DIR WORK_DIR
"""
import os
import subprocess
import unittest

import test_explorer_gui as base  # reads and removes argv[1:4]
from test_explorer_gui import ExplorerRun, dump, shot, wait
from test_views_gui import press, setc, wait_view

SHORTRUN = base.SHORTRUN
SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUNDLED = os.path.join(SOURCE, "assets", "fmnist.safetensors")
DATA = "idx:" + base.fx("tiny-images-idx3-ubyte.gz")


def train(kind):
    """A tiny baseline run directory (5 iterations on the fixture images), made once."""
    out = os.path.join(base.WORK, "tiny_" + kind)
    if not os.path.exists(os.path.join(out, "model.safetensors")):
        subprocess.run([SHORTRUN, "train", "--model", kind, "--nf", "8", "--latent", "8", "--iters", "5", "--batch", "4",
                        "--data", DATA, "--out", out, "--threads", "1", "--log-every", "5", "--sample-every", "5",
                        "--checkpoint-every", "5"], check=True, capture_output=True, text=True, timeout=600)
    return out


class GeneratorsGui(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.makedirs(base.WORK, exist_ok=True)
        cls.vae, cls.gan = train("vae"), train("gan")

    def test_a_vae_interpolates_reconstructs_and_compares_with_a_gan_and_an_ebm(self):
        r = ExplorerRun("vae", [
            wait("model"), wait("idle"), dump("loaded.json"),
            setc("tab", "chains"), *shot("chains.png"),
            setc("tab", "interpolation"), setc("points", 6), wait("interpolation"), dump("interp.json"), *shot("interp.png"),
            setc("tab", "reconstruct"), setc("image_path", base.fx("init.png")), press("open_image"), wait("image"),
            press("mask_center"), setc("recon_iters", 20), press("reconstruct"), wait("reconstruction"),
            dump("recon.json"), *shot("recon.png"),
            setc("recon_iters", 0), press("reconstruct"), wait("reconstruction"), dump("encoder.json"),
            setc("tab", "compare"), setc("ab_mode", "reconstruct"), setc("ab_model_b", self.gan),
            setc("gc_model_c", BUNDLED), setc("gc_data", DATA), setc("gc_mask", "center"), setc("gc_iters", 4),
            press("gc_run"), wait_view("compare"), dump("cmp_recon.json"), *shot("cmp_recon.png"),
            setc("ab_mode", "interpolate"), setc("gc_points", 5), press("gc_run"), wait_view("compare"),
            dump("cmp_interp.json"), *shot("cmp_interp.png"),
        ], model=self.vae, timeout=900)
        s = r.state("loaded.json")
        self.assertEqual(s["model"]["kind"], "vae")
        self.assertTrue(s["model"]["path"].endswith("model.safetensors"), s["model"]["path"])
        for tab in ("chains", "long_run", "sweep", "ood"):
            self.assertIn(tab, s["needs_energy_model"])
        self.assertEqual(s["errors"], [])
        # Interpolation through the VAE: 6 images from latent A to latent B, no energy.
        i = r.state("interp.json")["interpolation"]
        self.assertEqual(i["strip"]["kind"], "vae")
        self.assertEqual(len(i["strip"]["rho"]), 6)
        self.assertIn("z", i["strip"]["method"])
        self.assertEqual(i["live"]["kind"], "vae")
        # Reconstruction of a masked image: 20 Adam steps from the encoder's guess lower the MSE.
        rc = r.state("recon.json")["reconstruct"]["run"]
        self.assertEqual(rc["kind"], "vae")
        self.assertTrue(rc["finished"])
        self.assertEqual(rc["done"], 20)
        self.assertLess(rc["mse_last"], rc["mse_first"])
        # 0 iterations: the VAE's encoder alone.
        enc = r.state("encoder.json")["reconstruct"]["run"]
        self.assertTrue(enc["finished"])
        self.assertEqual(enc["done"], 0)
        self.assertAlmostEqual(enc["mse_first"], rc["mse_first"], places=5)
        # The compare tab: three kinds side by side on one test image, then on one pair of latents.
        c = r.state("cmp_recon.json")["views"]["compare"]
        self.assertEqual(c["mode"], "reconstruct")
        g = c["generators"]
        self.assertEqual(g["error"], "")
        rows = g["result"]["rows"]
        self.assertEqual([row["kind"] for row in rows], ["vae", "gan", "ebm"])
        for row in rows:
            self.assertGreater(row["mse"], 0)
            self.assertGreaterEqual(row["mse_visible"], 0)
            self.assertEqual(row["images"], 1)
        c = r.state("cmp_interp.json")["views"]["compare"]
        rows = c["generators"]["result"]["rows"]
        self.assertEqual([row["kind"] for row in rows], ["vae", "gan", "ebm"])
        self.assertEqual([row["images"] for row in rows], [5, 5, 5])
        self.assertEqual(len(c["generators"]["result"]["rho"]), 5)
        for name in ("interp.png", "recon.png", "cmp_recon.png", "cmp_interp.png"):
            img = r.image(name)
            self.assertGreater(img.std(), 10.0, name + " looks blank")

    def test_the_bundled_vae_and_gan_join_the_bundled_ebm(self):
        # Out of the box (issue 26 §5): one button puts the bundled VAE and GAN beside the loaded EBM.
        r = ExplorerRun("bundled", [
            wait("model"), wait("idle"),
            setc("tab", "compare"), setc("ab_mode", "interpolate"), press("gc_bundled"), setc("gc_points", 3),
            press("gc_run"), wait_view("compare"), dump("bundled.json"),
        ], model=BUNDLED, timeout=900)
        c = r.state("bundled.json")["views"]["compare"]
        g = c["generators"]
        self.assertEqual(g["error"], "")
        self.assertTrue(g["model_c"].endswith("fmnist_gan.safetensors"), g["model_c"])
        rows = g["result"]["rows"]
        self.assertEqual([row["kind"] for row in rows], ["ebm", "vae", "gan"])
        self.assertTrue(rows[1]["path"].endswith("fmnist_vae.safetensors"), rows[1]["path"])
        self.assertEqual([row["images"] for row in rows], [3, 3, 3])

    def test_a_gan_reconstructs_by_inversion_and_a_stop_lands(self):
        r = ExplorerRun("gan", [
            wait("model"), wait("idle"), dump("loaded.json"),
            setc("tab", "reconstruct"), setc("image_path", base.fx("init.png")), press("open_image"), wait("image"),
            setc("recon_iters", 0), setc("recon_iters", 30), press("reconstruct"), wait("reconstruction"), dump("recon.json"),
            setc("tab", "compare"), setc("ab_mode", "reconstruct"), setc("gc_data", DATA), setc("gc_iters", 5000),
            # A pinned rate makes 5000 steps cost more than the prompt's line: it asks, then runs.
            setc("chain_rate_for_test", 10.0), press("gc_run"), wait("prompt"), press("confirm_run"),
            wait("job", kind="generator_compare", done=2), press("gc_stop"), wait_view("compare"),
            dump("stopped.json"),
            setc("ab_mode", "chains"), press("ab_run"), wait_view("compare"), dump("chains.json"),
        ], model=self.gan, timeout=900)
        s = r.state("loaded.json")
        self.assertEqual(s["model"]["kind"], "gan")
        rc = r.state("recon.json")["reconstruct"]
        self.assertEqual(rc["iters"], 30)  # a GAN has no encoder: at least one step
        self.assertEqual(rc["run"]["kind"], "gan")
        self.assertEqual(rc["run"]["done"], 30)
        self.assertLess(rc["run"]["mse_last"], rc["run"]["mse_first"])
        g = r.state("stopped.json")["views"]["compare"]["generators"]
        self.assertFalse(g["running"])
        self.assertNotIn("result", g)  # stopped before it finished: nothing published
        # The chains comparison needs two energy models: it says so in one line.
        c = r.state("chains.json")
        self.assertTrue(any("energy model" in e for e in c["errors"]), c["errors"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
