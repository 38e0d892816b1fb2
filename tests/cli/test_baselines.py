#!/usr/bin/env python3
"""The VAE and GAN baselines through the CLI (issue 26): `train --model vae|gan` writes a run
directory and resumes it exactly, the watchdog rolls a divergence back, a baseline given where an
energy model is needed (and the reverse) fails in one line naming the file and what it holds,
`compare-models` / `eval` score all three kinds by one protocol (text, JSON and the --png figure),
and `interpolate` / `reconstruct` take a VAE or GAN (refusing the flags only an energy model takes).

usage: test_baselines.py SHORTRUN FIXTURE_DIR WORK_DIR
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cliutil  # noqa: E402

SHORTRUN, FIX, WORK = (os.path.abspath(p) for p in sys.argv[1:4])
del sys.argv[1:4]
os.makedirs(WORK, exist_ok=True)
DATA = "idx:" + os.path.join(FIX, "tiny-images-idx3-ubyte.gz")
TINY = ["--data", DATA, "--nf", "4", "--latent", "8", "--batch", "4", "--threads", "1", "--log-every", "2",
        "--checkpoint-every", "2", "--sample-every", "3"]
run = cliutil.runner(SHORTRUN, timeout=600)


def fresh(name):
    d = os.path.join(WORK, name)
    shutil.rmtree(d, ignore_errors=True)
    return d


def tensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    return {k: data[v["data_offsets"][0]:v["data_offsets"][1]] for k, v in header.items() if k != "__metadata__"}


def metrics(run_dir):
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


class Baselines(unittest.TestCase):
    def test_train_writes_a_run_directory_and_resumes_exactly(self):
        for kind, keys in (("vae", {"loss", "recon", "kl", "mse"}), ("gan", {"d_loss", "g_loss", "d_real", "d_fake"})):
            straight, split = fresh(kind + "_straight"), fresh(kind + "_split")
            run("train", "--model", kind, "--out", straight, "--iters", "6", *TINY)
            with open(os.path.join(straight, "config.json")) as f:
                cfg = json.load(f)
            self.assertEqual(cfg["model"], kind)
            self.assertEqual(cfg["baseline"]["latent"], 8)
            logs = [m for m in metrics(straight) if "event" not in m]
            self.assertEqual([m["iteration"] for m in logs], [2, 4, 6])
            self.assertTrue(keys <= set(logs[0]), logs[0])
            for f in ("model.safetensors", "checkpoints/latest.safetensors", "samples/iter_000006.png"):
                self.assertTrue(os.path.exists(os.path.join(straight, f)), f)
            run("train", "--model", kind, "--out", split, "--iters", "3", *TINY)
            p = run("train", "--resume", split, "--iters", "6", "--threads", "1")
            self.assertIn("resuming at iteration 3", p.stdout)
            a = tensors(os.path.join(straight, "checkpoints/latest.safetensors"))
            b = tensors(os.path.join(split, "checkpoints/latest.safetensors"))
            self.assertEqual(sorted(a), sorted(b))
            for k in a:
                self.assertEqual(a[k], b[k], f"{kind}: {k} differs after resume")
            # A second run into the same directory, or a resume as another kind, is refused.
            cliutil.assert_one_line_error(self, run, ["train", "--model", kind, "--out", straight, *TINY], "already holds a run")
            other = "gan" if kind == "vae" else "vae"
            cliutil.assert_one_line_error(self, run, ["train", "--resume", straight, "--model", other], "--model",
                                          expect=2)

    def test_ebm_only_flags_are_refused(self):
        cliutil.assert_one_line_error(self, run, ["train", "--model", "gan", "--out", fresh("flags"), "--steps", "5", *TINY],
                                      "--steps", "--model ebm", expect=2)
        cliutil.assert_one_line_error(self, run, ["train", "--out", fresh("flags2"), "--latent", "5", "--data", DATA],
                                      "--latent", "--model vae|gan", expect=2)

    def test_watchdog_rolls_back_a_non_finite_loss(self):
        d = fresh("gan_watchdog")
        env = dict(os.environ, SHORTRUN_TEST_NONFINITE_AT="3")
        p = subprocess.run([SHORTRUN, "train", "--model", "gan", "--out", d, "--iters", "6", *TINY], env=env,
                           capture_output=True, text=True, timeout=600)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("rollback: non-finite loss at iteration 3: rolled back to iteration 2", p.stdout)
        self.assertEqual([m["event"] for m in metrics(d) if m.get("event") == "rollback"], ["rollback"])

    def test_watchdog_watches_discriminator_collapse_and_gives_up(self):
        # A threshold every window is below: each logged window is a collapse, rolled back, until
        # the trainer gives up with one line naming the last good checkpoint.
        d = fresh("gan_collapse")
        p = run("train", "--model", "gan", "--out", d, "--iters", "6", "--watch-d-loss", "100", "--watch-patience", "1",
                *TINY, expect=1)
        self.assertEqual(p.stdout.count("discriminator loss"), 5, p.stdout)
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertIn("after 5 rollbacks", lines[0])
        self.assertIn(os.path.join(d, "checkpoints/latest.safetensors"), lines[0])

    def test_bad_data_leaves_no_run_directory(self):
        d = fresh("vae_bad_data")
        cliutil.assert_one_line_error(self, run, ["train", "--model", "vae", "--out", d, "--data", "idx:" + os.path.join(WORK, "nope.gz")],
                                      "nope.gz")
        self.assertFalse(os.path.exists(d))

    def test_each_kind_where_the_other_is_needed_is_one_line(self):
        vae = fresh("vae_kind")
        run("train", "--model", "vae", "--out", vae, "--iters", "2", *TINY)
        model = os.path.join(vae, "model.safetensors")
        for cmd in (["sample", "--model", vae, "--out", os.path.join(WORK, "s.png")],
                    ["eval-recon", "--model", model, "--data", DATA, "--n", "2"]):
            cliutil.assert_one_line_error(self, run, cmd, model, "holds a VAE baseline", "not an energy model")
        ebm = fresh("ebm_kind")
        run("train", "--out", ebm, "--data", DATA, "--nf", "4", "--steps", "2", "--batch", "4", "--iters", "2",
            "--threads", "1", "--eval-every", "0")
        cliutil.assert_one_line_error(self, run, ["generate", "--model", ebm, "--out", os.path.join(WORK, "g.png")],
                                      os.path.join(ebm, "model.safetensors"), "holds an energy model", "not a VAE or GAN")
        out = os.path.join(WORK, "gen.png")
        p = run("generate", "--model", vae, "--n", "8", "--out", out)
        self.assertTrue(os.path.getsize(out) > 0)
        self.assertIn("ms per image", p.stderr)

    def test_compare_models_and_eval_score_all_kinds_by_one_protocol(self):
        runs = {}
        for kind in ("vae", "gan"):
            runs[kind] = fresh("cmp_" + kind)
            run("train", "--model", kind, "--out", runs[kind], "--iters", "4", *TINY)
        runs["ebm"] = fresh("cmp_ebm")
        run("train", "--out", runs["ebm"], "--data", DATA, "--nf", "4", "--steps", "2", "--batch", "4", "--iters", "2",
            "--threads", "1", "--eval-every", "0")
        js, png = os.path.join(WORK, "table.json"), os.path.join(WORK, "table.png")
        p = run("compare-models", runs["ebm"], runs["vae"], runs["gan"], "--data", DATA, "--n", "8", "--recon-n", "3",
                "--recon-iters", "3", "--threads", "1", "--json", js, "--png", png)
        lines = p.stdout.strip().splitlines()
        self.assertIn("FD", lines[0])
        self.assertEqual(len(lines), 5, p.stdout)  # header, three rows, the protocol line
        with open(js) as f:
            table = json.load(f)
        rows = table["rows"]
        self.assertEqual(table["device"], "cpu")  # recorded: seconds columns depend on it
        self.assertEqual([r["kind"] for r in rows], ["ebm", "vae", "gan"])
        for r in rows:
            for k in ("fd", "recon_mse", "masked_recon_mse", "seconds_per_sample", "seconds_per_reconstruction"):
                self.assertTrue(r[k] >= 0, (r["kind"], k, r[k]))
        # The figure: a header row (the test image, observed and masked) and one row per model, each
        # with 6 samples, a reconstruction and a masked reconstruction, 64 px each (32 px x 2).
        from PIL import Image
        import numpy as np
        fig = np.asarray(Image.open(png).convert("RGB")).astype(np.float32)
        self.assertGreater(fig.shape[1], 8 * 64)
        self.assertGreater(fig.shape[0], 4 * 64)
        self.assertGreater(fig.std(), 10.0, "the figure looks blank")
        p = run("eval", "--model", runs["gan"], "--data", DATA, "--n", "8", "--threads", "1")
        row = json.loads(p.stdout)
        self.assertEqual(row["kind"], "gan")
        self.assertEqual(row["n_fd"], 8)

    def test_compare_models_without_models_compares_the_bundled_three(self):
        # Out of the box (issue 26 §5): the bundled EBM, VAE and GAN, in that order.
        js = os.path.join(WORK, "bundled.json")
        p = run("compare-models", "--data", DATA, "--n", "8", "--recon-n", "1", "--recon-iters", "2", "--threads", "1",
                "--json", js)
        self.assertIn("comparing the bundled models", p.stdout)
        with open(js) as f:
            table = json.load(f)
        rows = table["rows"]
        self.assertEqual(table["device"], "cpu")  # recorded: seconds columns depend on it
        self.assertEqual([r["kind"] for r in rows], ["ebm", "vae", "gan"])
        for r, name in zip(rows, ("fmnist.safetensors", "fmnist_vae.safetensors", "fmnist_gan.safetensors")):
            self.assertTrue(r["model"].endswith(name), r["model"])
            self.assertTrue(r["fd"] > 0 and r["recon_mse"] > 0, r)

    def test_plot_and_info_describe_a_baseline_run(self):
        for kind, name, metric in (("vae", "VAE", "-ELBO"), ("gan", "GAN", "discriminator")):
            d = fresh("report_" + kind)
            run("train", "--model", kind, "--out", d, "--iters", "4", *TINY)
            png = os.path.join(WORK, kind + "_curves.png")
            out = run("plot", d, "--out", png).stdout
            self.assertIn("2 logged iterations", out)  # iterations 2 and 4, --log-every 2
            with open(png, "rb") as f:
                head = f.read(24)
            self.assertEqual(head[:8], b"\x89PNG\r\n\x1a\n")
            self.assertEqual(struct.unpack(">II", head[16:24]), (1200, 50 + 250 * 3))  # three panels for a baseline
            info = run("info", "--model", d).stdout
            self.assertIn(name + " baseline", info)
            self.assertIn("latent:       z ~ N(0, I), 8 dimensions", info)
            # An energy-model run asked into this directory is told it holds a run, not that it is foreign.
            cliutil.assert_one_line_error(self, run, ["train", "--out", d, "--data", DATA, "--iters", "1"], d,
                                          "already holds a run", "--resume")
            card = json.loads(run("info", "--model", d, "--json").stdout)
            self.assertEqual((card["kind"], card["arch"]["latent"]), (kind, 8))
            self.assertGreater(card["parameters"], 0)

def npy(path):
    import numpy as np
    return np.load(path)


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", path
    w, h = struct.unpack(">II", head[16:24])
    return h, w


def grid_size(rows, cols, side=32, pad=2):
    return rows * (side + pad) + pad, cols * (side + pad) + pad


class BaselineInterpolateReconstruct(unittest.TestCase):
    """`interpolate` and `reconstruct` with a tiny VAE and a tiny GAN (40 iterations of n_f = 4, z of 8: after 4
    their outputs are all but constant, about 1e-4 apart, so there is nothing to reconstruct)."""

    @classmethod
    def setUpClass(cls):
        cls.models = {}
        for kind in ("vae", "gan"):
            d = fresh("ir_" + kind)
            run("train", "--model", kind, "--out", d, "--iters", "40", *TINY)
            cls.models[kind] = os.path.join(d, "model.safetensors")

    def generated(self, kind, seed, n):
        path = os.path.join(WORK, f"ir_{kind}_gen_{seed}_{n}.npy")
        run("generate", "--model", self.models[kind], "--seed", str(seed), "--n", str(n), "--npy", path, "--threads", "1")
        return path

    def test_interpolation_endpoints_are_the_generated_latents(self):
        import numpy as np
        for kind in ("vae", "gan"):
            out, arr = os.path.join(WORK, f"ir_{kind}_interp.png"), os.path.join(WORK, f"ir_{kind}_interp.npy")
            p = run("interpolate", "--model", self.models[kind], "--seeds", "3,7", "--rows", "2", "--cols", "5", "--out", out,
                    "--npy", arr, "--threads", "1")
            self.assertIn("interpolated 2 pair(s) x 5 points with the " + kind.upper(), p.stdout)
            x = npy(arr)
            self.assertEqual(x.shape, (2, 5, 1, 32, 32))
            self.assertEqual(png_size(out), grid_size(2, 5))
            self.assertTrue(np.all(np.abs(x) <= 1.0), kind)  # tanh outputs
            a, b = npy(self.generated(kind, 3, 2)), npy(self.generated(kind, 7, 2))
            np.testing.assert_allclose(x[:, 0], a, atol=1e-5, err_msg=f"{kind}: rho = 0 is latent (3, r)")
            np.testing.assert_allclose(x[:, -1], b, atol=1e-5, err_msg=f"{kind}: rho = 1 is latent (7, r)")
            self.assertGreater(np.abs(x[:, 2] - a).max(), 1e-4, f"{kind}: the path's middle is not an endpoint")
            # --chains under --seed, linear: one row between latents (9, 1) and (9, 4).
            run("interpolate", "--model", self.models[kind], "--chains", "1,4", "--seed", "9", "--path", "linear", "--cols", "3",
                "--npy", arr, "--out", out, "--threads", "1")
            x, g = npy(arr), npy(self.generated(kind, 9, 5))
            self.assertEqual(x.shape, (1, 3, 1, 32, 32))
            np.testing.assert_allclose(x[0, 0], g[1], atol=1e-5)
            np.testing.assert_allclose(x[0, 2], g[4], atol=1e-5)

    def test_interpolation_between_reconstructed_images(self):
        for kind in ("vae", "gan"):
            a, b = self.generated(kind, 11, 1), self.generated(kind, 12, 1)
            arr = os.path.join(WORK, f"ir_{kind}_images.npy")
            p = run("interpolate", "--model", self.models[kind], "--images", a + "," + b, "--recon-iters", "30", "--cols", "4",
                    "--npy", arr, "--out", os.path.join(WORK, f"ir_{kind}_images.png"), "--threads", "1")
            self.assertIn("reconstructed the endpoints: mse", p.stdout)
            self.assertEqual(npy(arr).shape, (1, 4, 1, 32, 32))

    def test_reconstruction_lowers_the_mse_of_its_start(self):
        import numpy as np
        targets = {kind: self.generated(kind, 5, 3) for kind in ("vae", "gan")}
        for kind, target in targets.items():
            for mask in ([], ["--mask", "center"]):
                out = os.path.join(WORK, f"ir_{kind}_recon.png")
                p = run("reconstruct", "--model", self.models[kind], "--image", target, "--iters", "60", "--out", out, "--json",
                        "--threads", "1", *mask)
                j = json.loads(p.stdout)
                self.assertEqual(j["kind"], kind)
                self.assertEqual(len(j["mse"]), 3)
                self.assertEqual(len(j["mse_curve"]), 61)  # the start and each of the 60 steps
                start, end = j["mse_curve"][0], float(np.mean(j["mse"]))
                self.assertAlmostEqual(j["mse_curve"][-1], end, places=6)
                # Measured: about 1e-4 at the start (VAE: its encoder's mean; GAN: z = 0), 1e-6 after 60 steps.
                self.assertLess(end, 0.1 * start, f"{kind} {mask}: mse {end} not below a tenth of its start {start}")
                self.assertEqual(png_size(out), grid_size(3, 3))  # observed | reconstruction | error, a row per image
        # A VAE with --iters 0 is its encoder alone: the curve is its one point.
        p = run("reconstruct", "--model", self.models["vae"], "--image", targets["vae"], "--iters", "0",
                "--out", os.path.join(WORK, "ir_vae_enc.png"), "--threads", "1")
        self.assertIn("0 iterations on z from its encoder's mean", p.stdout)

    def test_ebm_only_flags_and_a_gan_without_steps_are_refused(self):
        vae, gan = self.models["vae"], self.models["gan"]
        img = self.generated("gan", 5, 1)
        out = os.path.join(WORK, "ir_refused.png")
        for args, flag, model in (
                (["interpolate", "--model", vae, "--noise-mode", "mixed"], "--noise-mode", vae),
                (["interpolate", "--model", gan, "--energy", os.path.join(WORK, "e.csv")], "--energy", gan),
                (["interpolate", "--model", gan, "--steps", "5"], "--steps", gan),
                (["reconstruct", "--model", gan, "--image", img, "--hessian", "always"], "--hessian", gan),
                (["reconstruct", "--model", vae, "--image", img, "--mala"], "--mala", vae)):
            cliutil.assert_one_line_error(self, run, [*args, "--out", out], flag, model, "applies to an energy model only",
                                          expect=2)
        # eval of a VAE or GAN is compare-models' protocol: no chain, long run, EMA or memorisation.
        js = os.path.join(WORK, "eval_refused.json")
        for args, flag in ((["--long-run", "100"], "--long-run"), (["--weights", "ema"], "--weights"),
                           (["--steps", "5"], "--steps"), (["--no-memorisation"], "--no-memorisation")):
            cliutil.assert_one_line_error(self, run, ["eval", "--model", vae, "--n", "10", "--json", js, *args], flag, vae,
                                          "applies to an energy model only", expect=2)
        self.assertFalse(os.path.exists(js))
        self.assertIn("[EBM only]", run("eval", "--help").stdout)
        cliutil.assert_one_line_error(self, run, ["reconstruct", "--model", gan, "--image", img, "--iters", "0", "--out", out],
                                      "--iters", gan, "no encoder", expect=2)
        self.assertFalse(os.path.exists(out))
        help_text = run("reconstruct", "--help").stdout
        self.assertIn("[EBM only]", help_text)
        self.assertIn("VAE", help_text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
