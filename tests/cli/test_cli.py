#!/usr/bin/python3
"""End-to-end tests of the `shortrun` command against PyTorch's own results (fixtures from
reference/make_fixtures.py). usage: test_cli.py SHORTRUN FIXTURE_DIR WORK_DIR"""
import json
import os
import shutil
import subprocess
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cliutil  # noqa: E402

SHORTRUN, FIX, WORK = sys.argv[1:4]
del sys.argv[1:4]


run = cliutil.runner(SHORTRUN)


def fx(name):
    return os.path.join(FIX, name)


def wk(name):
    return os.path.join(WORK, name)


class Cli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        shutil.rmtree(WORK, ignore_errors=True)
        os.makedirs(WORK)

    def sample_npy(self, model, out, *extra):
        run("sample", "-q", "--model", model, "--out", "", "--npy", out, "--threads", "1", *extra)
        return np.load(out)

    def test_non_finite_weights_are_refused_in_every_format(self):
        # One policy: a NaN or Inf weight is refused, naming it, from .pth, .safetensors and .pt.
        import torch
        sd = torch.load(fx("minimal.pth"))
        key = sorted(sd)[0]
        sd[key] = sd[key].clone()
        sd[key].view(-1)[3] = float("nan")
        torch.save(sd, wk("nan.pth"))
        run("convert", "--from", fx("minimal.pth"), "--out", wk("finite.safetensors"))
        for bad in [wk("nan.pth")]:
            cliutil.assert_one_line_error(self, run, ["sample", "--model", bad, "--n", "1", "--out", ""],
                                          bad, key, "NaN or Inf")
        cliutil.assert_one_line_error(self, run, ["convert", "--from", wk("nan.pth"), "--out", wk("nan.safetensors")],
                                      "NaN or Inf")
        self.assertFalse(os.path.exists(wk("nan.safetensors")))

    def test_an_npy_with_no_images_is_one_line_everywhere(self):
        e = wk("empty.npy")
        np.save(e, np.zeros((0, 1, 32, 32), np.float32))
        for args in (["sample", "--model", fx("minimal.pth"), "--init", e, "--out", ""],
                     ["reconstruct", "--model", fx("minimal.pth"), "--image", e, "--iters", "1", "--out", ""],
                     ["interpolate", "--model", fx("minimal.pth"), "--images", e + "," + e, "--out", ""]):
            with self.subTest(args[0]):
                cliutil.assert_one_line_error(self, run, args, "empty.npy", "no images")

    def test_sample_streams_in_batches_with_flat_memory(self):
        # Chains stream in fixed-size batches: the result does not depend on --batch-chains, and
        # peak RSS stays flat while --n (with a trajectory) grows 16x.
        def sample(n, batch, name):
            args = [SHORTRUN, "sample", "-q", "--model", fx("minimal.pth"), "--n", str(n), "--steps", "3",
                    "--batch-chains", str(batch), "--threads", "1", "--npy", wk(name + ".npy"),
                    "--trajectory", wk(name + "_traj.npy"), "--every", "1", "--out", ""]
            proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            _, status, usage = os.wait4(proc.pid, 0)
            err = proc.stderr.read().decode()
            self.assertEqual(os.waitstatus_to_exitcode(status), 0, err)
            return usage.ru_maxrss * 1024  # bytes
        small = sample(128, 64, "stream_small")
        big = sample(2048, 64, "stream_big")
        one = sample(128, 128, "stream_onebatch")
        a, b, c = (np.load(wk(f + ".npy")) for f in ("stream_small", "stream_big", "stream_onebatch"))
        np.testing.assert_array_equal(a, c)             # batch size does not change a chain
        np.testing.assert_array_equal(a, b[:128])       # nor does the number of chains
        ta, tb = np.load(wk("stream_small_traj.npy")), np.load(wk("stream_big_traj.npy"))
        self.assertEqual(tb.shape, (4, 2048, 1, 32, 32))
        np.testing.assert_array_equal(ta, tb[:, :128])
        np.testing.assert_array_equal(tb[-1], b)
        # 16x the chains: the outputs grow by 40 MB (held twice in memory before); RSS may not grow
        # by 15 MB.
        self.assertLess(big - small, 15 * 2**20, f"peak RSS {small / 2**20:.0f} -> {big / 2**20:.0f} MiB")

    def test_noise_free_trajectory_matches_pytorch_for_every_layout(self):
        expected = np.load(fx("langevin_out.npy"))
        for layout in ["minimal.pth", "mixed.pth", "sequential.pth", "scripted.pt"]:
            with self.subTest(layout=layout):
                got = self.sample_npy(fx(layout), wk(layout + ".npy"), "--init", fx("init.png"), "--noise", "0",
                                      "--steps", "20", "--step-size", "1", "--n", "1")
                rel = np.abs(got - expected).max() / np.abs(expected).max()
                self.assertLessEqual(rel, 1e-4, layout)

    def test_convert_then_sample_equals_sampling_the_original(self):
        for src in ["minimal.pth", "scripted.pt"]:
            with self.subTest(src=src):
                out = wk(src + ".safetensors")
                run("convert", "--from", fx(src), "--out", out)
                a = self.sample_npy(fx(src), wk("orig.npy"), "--n", "6", "--steps", "15", "--seed", "4")
                b = self.sample_npy(out, wk("conv.npy"), "--n", "6", "--steps", "15", "--seed", "4")
                np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)
                info = json.loads(run("info", "--model", out, "--json").stdout)
                self.assertEqual(info["arch"]["nf"], 8)
                self.assertEqual(info["data"]["channels"], 1)

    def test_sample_outputs(self):
        run("sample", "--model", fx("minimal.pth"), "--n", "5", "--steps", "6", "--out", wk("grid.png"),
            "--trajectory", wk("traj.npy"), "--every", "4", "--npy", wk("x.npy"))
        traj = np.load(wk("traj.npy"))
        self.assertEqual(traj.shape, (3, 5, 1, 32, 32))  # steps 0, 4, 6
        np.testing.assert_array_equal(traj[-1], np.load(wk("x.npy")))
        with open(wk("grid.png"), "rb") as fh:
            self.assertEqual(fh.read(8), b"\x89PNG\r\n\x1a\n")
        # Chain i does not depend on how many chains run.
        one = self.sample_npy(fx("minimal.pth"), wk("one.npy"), "--n", "1", "--steps", "6")
        np.testing.assert_array_equal(one[0], np.load(wk("x.npy"))[0])

    def test_info_on_every_kind(self):
        for m in ["minimal.pth", "mixed.pth", "sequential.pth", "scripted.pt"]:
            # info runs no TorchScript code: a module without a model card needs --input-shape.
            extra = ["--input-shape", "1,32,32"] if m.endswith(".pt") else []
            out = run("info", "--model", fx(m), *extra).stdout
            self.assertIn("1x32x32", out)

    def assert_one_line_error(self, args, *fragments):
        cliutil.assert_one_line_error(self, run, args, *fragments)

    def test_bad_inputs_fail_cleanly(self):
        with open(fx("minimal.pth"), "rb") as fh:
            data = fh.read()
        with open(wk("truncated.pth"), "wb") as fh:
            fh.write(data[: len(data) // 3])
        with open(wk("random.safetensors"), "wb") as fh:
            fh.write(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
        with open(wk("notes.png"), "w") as fh:
            fh.write("not an image")
        for args, frags in [
            (["sample", "--model", wk("missing.safetensors")], ["missing.safetensors", "no such file"]),
            (["sample", "--model", wk("truncated.pth")], ["truncated.pth"]),
            (["sample", "--model", wk("random.safetensors")], ["random.safetensors", "safetensors"]),
            (["sample", "--model", fx("unknown_keys.pth")], ["unknown_keys.pth", "head.weight"]),
            (["sample", "--model", fx("bad_output.pt")], ["bad_output.pt", "[N,1]"]),
            (["sample", "--model", fx("legacy.pth")], ["legacy.pth", "re-save"]),
            (["sample", "--model", fx("malicious.pth")], ["malicious.pth", "refusing"]),
            (["sample", "--model", fx("minimal.pth"), "--init", wk("notes.png")], ["notes.png", "PNG or JPEG"]),
            (["sample", "--model", fx("minimal.pth"), "--init", fx("wrong_size.npy")], ["wrong_size.npy", "1x32x32"]),
            (["sample", "--model", fx("minimal.pth"), "--init", fx("cifar_first.npy")], ["cifar_first.npy", "1x32x32"]),
            (["convert", "--from", fx("unknown_keys.pth"), "--out", wk("x.safetensors")], ["unknown_keys.pth"]),
            (["train", "--data", "idx:" + fx("bad-magic-idx3-ubyte"), "--out", wk("badrun"), "--iters", "1"], ["magic"]),
        ]:
            with self.subTest(args=args):
                self.assert_one_line_error(args, *frags)

    def test_interpolate(self):
        p = run("interpolate", "--model", fx("minimal.pth"), "--seeds", "3,7", "--rows", "2", "--cols", "4",
                "--steps", "6", "--out", wk("interp.png"), "--npy", wk("interp.npy"), "--energy", wk("interp.csv"))
        self.assertIn("mean energy along the path", p.stdout)
        x = np.load(wk("interp.npy"))
        self.assertEqual(x.shape, (2, 4, 1, 32, 32))
        # rho = 0 is exactly seed 3's chains 0 and 1.
        a = self.sample_npy(fx("minimal.pth"), wk("seed3.npy"), "--seed", "3", "--n", "2", "--steps", "6")
        np.testing.assert_array_equal(x[:, 0], a)
        with open(wk("interp.csv")) as fh:
            lines = fh.read().strip().splitlines()
        self.assertEqual(lines[0], "pair,rho,energy")
        self.assertEqual(len(lines), 1 + 8)
        run("interpolate", "--model", fx("minimal.pth"), "--chains", "1,2", "--path", "linear", "--noise-mode", "off",
            "--steps", "3", "--out", wk("interp2.png"))
        run("interpolate", "--model", fx("minimal.pth"), "--seeds", "3", expect=2)
        p = run("interpolate", "--model", fx("minimal.pth"), "--images", fx("init.png") + "," + fx("cifar_first.npy"),
                "--recon-iters", "2", "--steps", "2", "--cols", "3", "--npy", wk("interp_img.npy"), "--out", "")
        self.assertIn("reconstructed the endpoints", p.stdout)
        self.assertEqual(np.load(wk("interp_img.npy")).shape, (1, 3, 1, 32, 32))

    def test_reconstruct(self):
        p = run("reconstruct", "--model", fx("minimal.pth"), "--image", fx("init.png"), "--iters", "3", "--steps", "3",
                "--json", "--out", wk("recon.png"))
        j = json.loads(p.stdout)
        self.assertEqual(len(j["mse"]), 1)
        self.assertEqual(len(j["mse_curve"]), 4)
        self.assertTrue(j["hessian_skipped"])
        p = run("reconstruct", "--model", fx("minimal.pth"), "--image", fx("init.png"), "--iters", "2", "--steps", "2",
                "--mask", "center", "--out", wk("recon_masked.png"))
        self.assertIn("image 0: mse", p.stdout)
        # An RGB image is converted to the model's single channel, with a note.
        p = run("reconstruct", "--model", fx("minimal.pth"), "--image", fx("cifar_first.npy"), "--iters", "1",
                "--steps", "2", "--out", "")
        self.assertIn("RGB -> gray", p.stderr)

    def test_eval_recon(self):
        p = run("eval-recon", "--model", fx("minimal.pth"), "--data", "idx:" + fx("tiny-images-idx3-ubyte.gz"),
                "--n", "5", "--batch", "2", "--iters", "2", "--steps", "2")
        j = json.loads(p.stdout.strip().splitlines()[-1])
        self.assertEqual(j["n"], 5)
        self.assertGreater(j["mse_mean"], 0)
        self.assertIn("5/5 images", p.stderr)

    def test_reconstruct_bad_inputs(self):
        nan = np.zeros((1, 1, 32, 32), np.float32)
        nan[0, 0, 3, 3] = np.nan
        np.save(wk("nan.npy"), nan)
        for args, frags in [
            (["--image", wk("nan.npy")], ["nan.npy", "NaN"]),
            (["--image", fx("init.png"), "--mask", fx("folder/img0.png")], ["img0.png", "expected 32x32"]),
            (["--image", fx("init.png"), "--mask", fx("mask_black.png")], ["observes no pixel"]),
            (["--image", fx("init.png"), "--mask", "diagonal"], ["diagonal"]),
            (["--image", wk("missing.png")], ["missing.png"]),
        ]:
            with self.subTest(args=args):
                self.assert_one_line_error(["reconstruct", "--model", fx("minimal.pth"), "--iters", "1", "--steps", "1",
                                            "--out", ""] + args, *frags)

    def test_usage_errors_exit_2(self):
        run("sample", "--no-such-flag", expect=2)
        run("frobnicate", expect=2)
        run("sample", "--steps", "-3", expect=2)

    def test_train_then_sample(self):
        run_dir = wk("run")
        shutil.rmtree(run_dir, ignore_errors=True)
        p = run("train", "--data", "idx:" + fx("tiny-images-idx3-ubyte.gz"), "--out", run_dir, "--iters", "3",
                "--nf", "4", "--steps", "3", "--batch", "4", "--log-every", "1")
        self.assertIn("iter      3/3", p.stdout)
        self.assertIn("f(data)", p.stdout)
        run("sample", "-q", "--model", run_dir, "--n", "4", "--out", wk("run.png"))
        run("train", "--resume", run_dir, "--threads", "1")  # already complete: resumes and finishes at once


if __name__ == "__main__":
    unittest.main(verbosity=2)
